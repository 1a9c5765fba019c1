#!/usr/bin/env bash
# Build the course website into _build/html. Strict: -W turns every warning into an
# error, -n (nitpicky) reports every broken reference, and --keep-going lists them all
# before failing. Notebooks are executed only when their code changed (execution cache
# in _build/.jupyter_cache), so a second build takes seconds; to re-execute them all,
# e.g. after changing D2L_DATA_DIR, delete _build/.jupyter_cache first.
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash scripts/fetch_mathjax.sh
# Tracebacks of earlier failed executions must not stay on the site once fixed.
rm -rf _build/html/reports
jupyter-book build -W -n --keep-going .
echo "built _build/html/index.html; serve it with: python3 -m http.server -d _build/html 8000"
