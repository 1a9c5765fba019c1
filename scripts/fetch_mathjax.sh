#!/usr/bin/env bash
# Serve MathJax from the site itself: readers offline or in a classroom whose network
# blocks CDNs still see typeset math. On first use npm installs the pinned release into
# .cache/mathjax (git-ignored); the files the browser loads are then copied into
# book/_static/mathjax (git-ignored), which _config.yml lists in html_static_path and
# names in mathjax_path. Quick when both are already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# MathJax 3 (es5/tex-mml-chtml.js). Version 4 has another layout and loads its fonts
# from a second package: change _config.yml's mathjax_path with it.
version=${MATHJAX_VERSION:-3.2.2}
cache=.cache/mathjax
pkg=$cache/node_modules/mathjax
dest=book/_static/mathjax
stamp=$dest/.version

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ -f "$dest/tex-mml-chtml.js" ]; then
    exit 0
fi

source scripts/npm_pinned.sh
npm_pinned mathjax "$version" "$cache" es5/tex-mml-chtml.js "for the site; nothing is loaded from a CDN"

# The combined file loads fonts (output/chtml/fonts), TeX extensions that \require or
# autoload pulls in (input/tex/extensions) and the menu's accessibility tools (a11y,
# sre) from beside itself at run time: copy its folder, less the other outputs.
rm -rf "$dest.tmp" "$dest"
mkdir -p "$dest.tmp"
cp -R "$pkg/es5/." "$dest.tmp/"
# The other combined files are unused; latest.js would even load MathJax from a CDN.
(cd "$dest.tmp" && rm -rf output/svg output/svg.js ./*-svg*.js latest.js node-main.js \
    mml-chtml.js tex-chtml.js tex-chtml-full.js tex-chtml-full-speech.js)
cp "$pkg/LICENSE" "$dest.tmp/LICENSE"
echo "$version" > "$dest.tmp/.version"
mv "$dest.tmp" "$dest"
echo "MathJax $version ready in $dest" >&2
