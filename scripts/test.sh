#!/usr/bin/env bash
# Run every check: build the site strictly and the book's PDF, then the unit, grading,
# site and PDF tests, the book's notebooks under nbval and the reference solutions
# under nbval-lax.
# Extra arguments go to the first pytest run (e.g. -k board).
set -uo pipefail
source "$(dirname "$0")/common.sh" || exit 1
if ! bash scripts/ensure_system.sh; then
    echo "error: installing the system packages the tests need failed; nothing was run" >&2
    exit 1
fi

status=0
run() {
    echo "== $*" >&2
    "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then
        echo "error: pytest collected no tests in: $*" >&2
        status=1
    elif [ $rc -ne 0 ]; then
        echo "error: exit status $rc from: $*" >&2
        status=1
    fi
}
workers=$(python -c "import os; print(min(4, os.cpu_count() or 1))")
run bash scripts/book.sh
run bash scripts/pdf.sh
run python -m pytest tests -n "$workers" --dist loadfile "$@"
run python -m pytest --nbval book -n "$workers" --dist loadfile --nbval-sanitize-with tests/nbval_sanitize.cfg
# The student copy of the course has no solutions/ (d2l-grade student-copy).
if [ -d solutions ]; then
    # The id that orders the multiple-choice questions (a JupyterHub sets it for students).
    JUPYTERHUB_USER=reference run python -m pytest --nbval-lax solutions -n "$workers" --dist loadfile
fi
exit $status
