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
# Offline machines (CI, this course's build hosts) hold two folders of real Fashion-MNIST
# images beside the repository. The book (site build, nbval of book/, the results tests)
# runs on the 15k subset, on which every number a reader sees is meaningful; unit tests,
# exercises and grading use the 1,000-image sample, which is fast (test.sh passes it
# explicitly). Elsewhere the full data set downloads on first use.
if [ -z "${D2L_DATA_DIR:-}" ] && [ -d ../shared/data/fashion-mnist-15k ]; then
    D2L_DATA_DIR="$(cd ../shared/data/fashion-mnist-15k && pwd)"
    export D2L_DATA_DIR
fi
if [ -z "${D2L_SAMPLE_DIR:-}" ] && [ -d ../shared/data/fashion-mnist-sample ]; then
    D2L_SAMPLE_DIR="$(cd ../shared/data/fashion-mnist-sample && pwd)"
    export D2L_SAMPLE_DIR
fi
# One intra-op thread per PyTorch process. The build and the tests run several
# processes at once (pytest-xdist workers, each with its notebook kernel) on machines
# shared with other jobs; two threads per process then wait for each other on busy
# cores, which made chapter 5.2 several times slower (benchmarks/README.md has the
# measurement). Readers' own sessions keep PyTorch's default.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
