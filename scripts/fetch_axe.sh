#!/usr/bin/env bash
# axe-core, the accessibility rules engine that the browser test (tests/test_site.py)
# injects into every page of the site. On first use npm installs the pinned release into
# .cache/axe (git-ignored); quick when it is already there. Prints the path of axe.min.js.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=${AXE_CORE_VERSION:-4.10.3}
cache=.cache/axe
script=$cache/node_modules/axe-core/axe.min.js
source scripts/npm_pinned.sh
npm_pinned axe-core "$version" "$cache" axe.min.js "for the accessibility test"
echo "$PWD/$script"
