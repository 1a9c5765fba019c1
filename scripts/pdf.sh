#!/usr/bin/env bash
# Build the book as one PDF: _build/pdf/<name>.pdf, <name> from
# latex.latex_documents.targetname of _config.yml, and a copy beside the website
# (_build/html/<name>.pdf, which the front page links) when the site is built; a site
# built later copies it itself (scripts/pdf/d2l_latex.py).
#
# The chapters of _toc.yml in order, without the exercises (scripts/pdf/prepare.py
# writes the PDF's table of contents), through Sphinx's LaTeX builder and XeLaTeX.
# Strict like the site: every Sphinx warning fails, and so do LaTeX's undefined
# references and characters missing from the fonts.
# The notebooks are not executed twice: the build reads the site's execution cache
# (_build/.jupyter_cache) and fills it when the site was not built yet. Sphinx re-reads
# only changed pages and latexmk re-runs XeLaTeX only when the .tex changed, so a
# second run without changes takes seconds.
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash scripts/ensure_latex.sh

out=_build/pdf
name=$(python scripts/pdf/prepare.py "$out")
latex_dir=$out/_build/latex
# Jupyter Book keeps its execution cache beside the output folder: point the PDF
# build's at the site's.
mkdir -p _build/.jupyter_cache "$out/_build"
# html_static_path names it; the site's MathJax goes there (scripts/fetch_mathjax.sh),
# the PDF needs none, but Sphinx warns about a missing folder even here.
mkdir -p book/_static
ln -sfn ../../.jupyter_cache "$out/_build/.jupyter_cache"

# The date of the last commit on the title page and in every file's metadata (Sphinx,
# rsvg-convert and XeLaTeX read it): an unchanged book gives the same files, which
# latexmk then does not typeset again.
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null); then
    export SOURCE_DATE_EPOCH
fi
jupyter-book build -W -n --keep-going --builder latex \
    --path-output "$out" --toc "$out/_toc.yml" .
# -halt-on-error and no terminal: a LaTeX error ends the build instead of waiting for
# input; its message is in the log, printed below.
if ! LATEXOPTS="-halt-on-error" LATEXMKOPTS="-silent" make -C "$latex_dir" all-pdf </dev/null; then
    log=$latex_dir/${name%.pdf}.log
    echo "error: LaTeX stopped (the whole log: $log):" >&2
    grep -A 3 '^!' "$log" | head -40 >&2 || true
    exit 1
fi

log=$latex_dir/${name%.pdf}.log
problems=$(grep -E "There were undefined references|Reference \`.*' on page .* undefined|Citation \`.*' on page .* undefined|Missing character: There is no" "$log" | sort | uniq -c || true)
if [ -n "$problems" ]; then
    echo "error: the PDF has unresolved references or characters missing from the fonts (from $log):" >&2
    echo "$problems" | head -20 >&2
    exit 1
fi
cp -p "$latex_dir/$name" "$out/$name"
if [ -d _build/html ]; then
    cp -p "$out/$name" "_build/html/$name"
fi
pages=$(pdfinfo "$out/$name" | sed -n 's/^Pages: *//p')
echo "built $out/$name ($pages pages)"
