#!/usr/bin/env bash
# Create or refresh .venv with everything the book and the tests need.
# Quick when nothing changed: a stamp records the hash of the inputs that define it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
# pyproject.toml keeps lower bounds only. These pins pick the wheels that the course's
# CI machines hold locally (another release would download several GB); override them
# on a machine that has other wheels, e.g. TORCH_SPEC="torch torchvision".
torch_spec=${TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"}
wanted=$(cat pyproject.toml grader/pyproject.toml scripts/ensure_env.sh | sha256sum | cut -d' ' -f1)-$(echo "$torch_spec" | sha256sum | cut -c1-12)
stamp=$venv/.d2l-env-stamp

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && "$venv/bin/python" -c "import d2lutils, d2lgrade" 2>/dev/null; then
    exit 0
fi
echo "setting up $venv (first run takes a few minutes) ..." >&2
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet --disable-pip-version-check $torch_spec
# The student package and, beside it, the grader (its own distribution, grader/).
"$venv/bin/pip" install --quiet --disable-pip-version-check -e ".[book,test,lint]" -e "./grader[dask,nbgrader]"
"$venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
echo "$wanted" > "$stamp"
