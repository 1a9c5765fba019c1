#!/usr/bin/env bash
# The code checks, as make test runs them first and pre-commit runs them before a
# commit: ruff (lint), ruff format --check, mypy --strict on the two typed packages,
# and ruff on the notebooks' code through nbqa. Any finding fails.
set -uo pipefail
source "$(dirname "$0")/common.sh" || exit 1

status=0
check() {
    echo "== $*" >&2
    "$@" || status=1
}
check ruff check .
check ruff format --check .
check mypy
# exercises/ is generated from solutions/ (its stubs leave names undefined by design).
check nbqa ruff book solutions
if [ $status -ne 0 ]; then
    echo "error: the code checks found problems (above); 'ruff check --fix .' and 'ruff format .'" \
         "fix many of them" >&2
fi
exit $status
