"""The bubblewrap command line: what a sandbox sees, and how the runner starts in it.

Inside, a notebook sees a read-only system (/usr, /etc, the Python installation, the
d2lutils and d2lgrade package folders and the data set), a private size-capped
scratch folder, no network and its own process tree; nothing else of the machine:
not the course folder around those packages, not the solutions or hidden checks, not
the gradebook, not other submissions.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..config import DATA_DIR_VARIABLE
from ..packages import package_folder
from ..protocol import Limits

SANDBOX_UID_BASE = 61000  # sandbox user ids start here when grading as root


@functools.lru_cache(maxsize=1)
def bubblewrap() -> str | None:
    """Path of a working ``bwrap``, or None when no sandbox can be made here."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = subprocess.run(
        [path, "--ro-bind", "/", "/", "--unshare-net", "--die-with-parent", "true"],
        capture_output=True,
        timeout=30,
    )
    return path if probe.returncode == 0 else None


def exposed_packages() -> list[Path]:
    """The package folders a notebook may import from the course: d2lutils and this grader.

    Only these folders are bound, never their parents, which in a course checkout
    hold ``solutions/`` and the hidden checks.
    """
    return [package_folder("d2lutils"), Path(__file__).resolve().parents[1]]


def _system_binds() -> list[str]:
    args: list[str] = []
    for top in ("/usr", "/etc"):
        args += ["--ro-bind", top, top]
    for top in ("/bin", "/lib", "/lib64", "/sbin", "/lib32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _python_binds(data_dir: Path | None) -> list[str]:
    paths = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.executable).resolve().parent.parent,
        *exposed_packages(),
    }
    if data_dir is not None and data_dir.exists():
        paths.add(data_dir.resolve())
    paths = {p for p in paths if not str(p).startswith(("/usr/", "/etc/"))}
    # bwrap makes missing parent folders private (0700), which the unprivileged
    # sandbox user could not traverse; create them world-readable first.
    parents = sorted(
        {a for p in paths for a in p.parents if a != Path("/")}, key=lambda a: len(a.parts)
    )
    args: list[str] = []
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    for path in sorted(paths, key=lambda p: len(p.parts)):
        args += ["--ro-bind", str(path), str(path)]
    return args


def _font_cache_binds() -> list[str]:
    """Share the grader's matplotlib font list, which otherwise is rebuilt in every run."""
    import matplotlib
    from matplotlib import font_manager

    _ = font_manager.fontManager  # the first use builds the cache file
    cache = Path(matplotlib.get_cachedir())
    return [
        arg
        for f in sorted(cache.glob("fontlist-*.json"))
        for arg in ("--ro-bind", str(f), f"/tmp/matplotlib/{f.name}")
    ]


def python_command(module: str, *args: str) -> list[str]:
    """Run ``module.main()`` with the very d2lutils and d2lgrade the grader runs.

    They may be editable installs or a course copy on PYTHONPATH; ``-I`` drops
    PYTHONPATH and the user's site folder, so their parent folders are named here.
    """
    roots = list(dict.fromkeys(str(p.parent) for p in exposed_packages()))
    bootstrap = f"import sys; sys.path[:0] = {roots!r}; from {module} import main; main()"
    return [sys.executable, "-I", "-c", bootstrap, *args]


def environment(home: str, data_dir: Path | None) -> dict[str, str]:
    """The whole environment of a sandboxed process: nothing is inherited from the grader."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": "/tmp/matplotlib",
    }
    if data_dir is not None:
        env[DATA_DIR_VARIABLE] = str(data_dir.resolve())
    return env


def bwrap_args(tmp_mode: str, limits: Limits, data_dir: Path | None) -> list[str]:
    """Namespaces and mounts shared by both kinds of sandbox.

    /tmp is mounted before the binds, so that a course or venv under /tmp lands on top.
    """
    bwrap = bubblewrap()
    if bwrap is None:
        raise RuntimeError("bwrap_args needs a working bubblewrap; check bubblewrap() first")
    return [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        *_system_binds(),
        "--perms",
        tmp_mode,
        "--size",
        str(limits.scratch_bytes),
        "--tmpfs",
        "/tmp",
        "--perms",
        tmp_mode,
        "--dir",
        "/tmp/matplotlib",
        *_font_cache_binds(),
        *_python_binds(data_dir),
        "--dev",
        "/dev",
        "--proc",
        "/proc",
    ]


def start(
    command: list[str],
    env: dict[str, str],
    *,
    stdout: int,
    stderr: int,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen[bytes]:
    """Start a sandbox process: its job comes on stdin, and it leads a session of its own,
    so that killing that session ends everything it started."""
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=stdout,
        stderr=stderr,
        env=env,
        pass_fds=pass_fds,
        start_new_session=True,
    )
