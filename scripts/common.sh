# Sourced by book.sh and test.sh: the environment both commands share.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A broken set-up stops here, with the reason, before anything runs on a half-made
# environment (the commands that source this file do not all use `set -e`).
if ! bash scripts/ensure_env.sh; then
    echo "error: setting up .venv failed (see the messages above); nothing was run" >&2
    exit 1
fi
export PATH="$PWD/.venv/bin:$PATH"
export PYTHONHASHSEED=0
# Offline machines (CI, this course's build hosts) read the Fashion-MNIST sample that
# sits beside the repository; elsewhere the full data set downloads on first use.
if [ -z "${D2L_DATA_DIR:-}" ] && [ -d ../shared/data/fashion-mnist-sample ]; then
    D2L_DATA_DIR="$(cd ../shared/data/fashion-mnist-sample && pwd)"
    export D2L_DATA_DIR
fi
