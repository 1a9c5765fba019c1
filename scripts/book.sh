#!/usr/bin/env bash
# Build the course website into _build/html (strict: any warning fails the build).
set -euo pipefail
source "$(dirname "$0")/common.sh"
jupyter-book build -W -n --keep-going .
echo "built _build/html/index.html; serve it with: python3 -m http.server -d _build/html 8000"
