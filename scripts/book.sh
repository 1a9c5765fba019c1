#!/usr/bin/env bash
# Build the course website into _build/html. Strict: -W turns every warning into an
# error, -n (nitpicky) reports every broken reference, and --keep-going lists them all
# before failing. Sets up what it needs on first use (the virtual environment, npm for
# MathJax). Notebooks are executed only when their code changed (execution cache in
# _build/.jupyter_cache), so a second build takes seconds; the cache is dropped when the
# data folder (D2L_DATA_DIR) changes, since the outputs depend on it.
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash scripts/ensure_system.sh npm
bash scripts/fetch_mathjax.sh
data_stamp=_build/.jupyter_cache_data_dir
if [ "$(cat "$data_stamp" 2>/dev/null)" != "${D2L_DATA_DIR:-}" ]; then
    # With the cache go the pages read from it (the site's and the PDF's Sphinx
    # environments): otherwise an unchanged notebook is neither re-read nor re-run.
    rm -rf _build/.jupyter_cache _build/html _build/pdf
    mkdir -p _build
    echo "${D2L_DATA_DIR:-}" > "$data_stamp"
fi
# Tracebacks of earlier failed executions must not stay on the site once fixed.
rm -rf _build/html/reports
jupyter-book build -W -n --keep-going .
echo "built _build/html/index.html; serve it with: python3 -m http.server -d _build/html 8000"
