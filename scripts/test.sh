#!/usr/bin/env bash
# Run every check: the code checks, then build the site strictly and the book's PDF,
# then the unit, grading, site and PDF tests, the book's notebooks under nbval and the reference solutions
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
# The code checks come first and stop the run at once: ruff, ruff format, mypy --strict
# and ruff on the notebooks (scripts/lint.sh).
if ! bash scripts/lint.sh; then
    echo "error: the code checks failed; nothing else was run" >&2
    exit 1
fi
workers=$(python -c "import os; print(min(4, os.cpu_count() or 1))")
# The book runs on D2L_DATA_DIR (common.sh: the 15k subset); unit tests, exercises and
# grading on the 1,000-image sample. tests/test_book_results.py re-runs chapters and
# reads their data folder from D2L_BOOK_DATA_DIR.
book_data=${D2L_DATA_DIR:-}
sample_data=${D2L_SAMPLE_DIR:-$book_data}
run bash scripts/book.sh
run bash scripts/pdf.sh
run env D2L_DATA_DIR="$sample_data" D2L_BOOK_DATA_DIR="$book_data" \
    python -m pytest tests -n "$workers" --dist loadfile "$@"
run python -m pytest --nbval book -n "$workers" --dist loadfile --nbval-sanitize-with tests/nbval_sanitize.cfg
# The student copy of the course has no solutions/ (d2l-course student-copy).
if [ -d solutions ]; then
    # JUPYTERHUB_USER: the id that orders the multiple-choice questions (a JupyterHub
    # sets it for students; the grader sets its own for graded runs).
    run env D2L_DATA_DIR="$sample_data" JUPYTERHUB_USER=reference \
        python -m pytest --nbval-lax solutions -n "$workers" --dist loadfile
fi
exit $status
