#!/usr/bin/env bash
# Run every check: unit and grading tests, then the book's notebooks under nbval,
# then the reference solutions under nbval-lax. Extra arguments go to the first run.
set -uo pipefail
source "$(dirname "$0")/common.sh" || exit 1
bash scripts/ensure_system.sh || exit 1

status=0
run() {
    echo "== $*" >&2
    "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then
        echo "error: pytest collected no tests in: $*" >&2
        status=1
    elif [ $rc -ne 0 ]; then
        status=1
    fi
}
workers=$(python -c "import os; print(min(4, os.cpu_count() or 1))")
run python -m pytest tests -n "$workers" "$@"
run python -m pytest --nbval book -n "$workers" --nbval-sanitize-with tests/nbval_sanitize.cfg
run python -m pytest --nbval-lax solutions -n "$workers"
exit $status
