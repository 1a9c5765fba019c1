#!/usr/bin/env bash
# axe-core, the accessibility rules engine that the browser test (tests/test_site.py)
# injects into every page of the site. On first use npm installs the pinned release into
# .cache/axe (git-ignored); quick when it is already there. Prints the path of axe.min.js.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=${AXE_CORE_VERSION:-4.10.3}
cache=.cache/axe
script=$cache/node_modules/axe-core/axe.min.js
installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$cache/node_modules/axe-core/package.json" 2>/dev/null | head -n1 || true)
if [ "$installed" != "$version" ] || [ ! -f "$script" ]; then
    if ! command -v npm >/dev/null; then
        echo "error: npm is needed once to fetch axe-core $version for the accessibility test" \
             "(Debian: apt-get install npm)" >&2
        exit 1
    fi
    echo "fetching axe-core $version with npm into $cache ..." >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --no-save --loglevel=error \
        "axe-core@$version" >&2
    [ -f "$script" ] || { echo "error: npm did not install $script" >&2; exit 1; }
fi
echo "$PWD/$script"
