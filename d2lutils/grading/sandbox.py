"""Where student code runs: a bubblewrap sandbox, with resource limits.

Inside the sandbox the notebook sees a read-only system (/usr, /etc, the Python
installation, d2lutils and the data set), a private size-capped scratch folder, no
network, its own process tree, and nothing else: not the course's solutions, not the
hidden checks, not the gradebook, not other submissions.

Two ways to run a notebook there:

- a new sandbox per notebook (``runner_command``); as root the notebook also drops
  to an unprivileged user id of the slot, so the process limit holds;
- as root, a warm sandbox per grading slot (``WarmSandbox``), whose zygote has
  imported torch once and forks an isolated child per notebook (``zygote.py``).
"""
from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import d2lutils

SANDBOX_UID_BASE = 61000  # sandbox user ids start here when grading as root


@dataclass(frozen=True)
class Limits:
    """Resource limits for one notebook run."""

    cell_seconds: float = 60.0
    notebook_seconds: float = 240.0
    memory_bytes: int = 4 * 1024**3
    processes: int = 64
    output_chars: int = 1_000_000
    file_bytes: int = 64 * 1024**2
    scratch_bytes: int = 256 * 1024**2
    core_bytes: int = 0

    def for_runner(self, process_base: int) -> dict[str, int | float]:
        """The limits the runner applies to itself; ``processes`` counts the uid's tasks."""
        values = asdict(self)
        values["processes"] = process_base + self.processes
        return values


@functools.lru_cache(maxsize=1)
def bubblewrap() -> str | None:
    """Path of a working ``bwrap``, or None when no sandbox can be made here."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-net", "--die-with-parent",
                            "true"], capture_output=True, timeout=30)
    return path if probe.returncode == 0 else None


def sandbox_description() -> str:
    """One line for logs and gradebooks: which isolation grading uses."""
    if bubblewrap():
        return "bubblewrap"
    return "NONE (bwrap missing or not usable: student code runs with your permissions)"


def _tasks_of_uid(uid: int) -> int:
    count = 0
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            if pid.stat().st_uid == uid:
                count += sum(1 for _ in (pid / "task").iterdir())
        except OSError:
            continue
    return count


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
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
             Path(d2lutils.__file__).resolve().parent}
    if data_dir is not None and data_dir.exists():
        paths.add(data_dir.resolve())
    paths = {p for p in paths if not str(p).startswith(("/usr/", "/etc/"))}
    # bwrap makes missing parent folders private (0700), which the unprivileged
    # sandbox user could not traverse; create them world-readable first.
    parents = sorted({a for p in paths for a in p.parents if a != Path("/")}, key=lambda a: len(a.parts))
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

    font_manager.fontManager  # builds the cache file on first use
    cache = Path(matplotlib.get_cachedir())
    return [arg for f in sorted(cache.glob("fontlist-*.json"))
            for arg in ("--ro-bind", str(f), f"/tmp/matplotlib/{f.name}")]


def _python_command(module: str, *args: str) -> list[str]:
    """Run ``module.main()`` with the very d2lutils the grader runs.

    That may be an editable install or a student copy on PYTHONPATH; ``-I`` drops
    PYTHONPATH and the user's site folder, so the package's folder is named here.
    """
    package_parent = str(Path(d2lutils.__file__).resolve().parent.parent)
    bootstrap = f"import sys; sys.path.insert(0, {package_parent!r}); from {module} import main; main()"
    return [sys.executable, "-I", "-c", bootstrap, *args]


def _environment(home: str, data_dir: Path | None) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "MPLBACKEND": "Agg", "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "MPLCONFIGDIR": "/tmp/matplotlib"}
    if data_dir is not None:
        env["D2L_DATA_DIR"] = str(data_dir.resolve())
    return env


def _bwrap_args(tmp_mode: str, limits: Limits, data_dir: Path | None) -> list[str]:
    """Namespaces and mounts shared by both kinds of sandbox.

    /tmp is mounted before the binds, so that a course or venv under /tmp lands on top.
    """
    bwrap = bubblewrap()
    assert bwrap is not None
    return [bwrap, "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", *_system_binds(),
            "--perms", tmp_mode, "--size", str(limits.scratch_bytes), "--tmpfs", "/tmp",
            "--perms", tmp_mode, "--dir", "/tmp/matplotlib",
            *_font_cache_binds(), *_python_binds(data_dir), "--dev", "/dev", "--proc", "/proc"]


def runner_command(result_fd: int, slot: int, limits: Limits,
                   data_dir: Path | None) -> tuple[list[str], dict[str, str], dict[str, int | float]]:
    """The command, environment and runner limits for one sandboxed notebook run."""
    python = _python_command("d2lutils.grading.runner", str(result_fd))
    env = _environment("/tmp", data_dir)
    if bubblewrap() is None:
        return python, env, limits.for_runner(_tasks_of_uid(os.getuid()))
    command = [*_bwrap_args("1777", limits, data_dir), "--chdir", "/tmp"]
    if os.getuid() == 0:
        uid = SANDBOX_UID_BASE + slot
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--"]
        base = _tasks_of_uid(uid)
    else:
        command += ["--unshare-user"]
        base = _tasks_of_uid(os.getuid())
    return command + python, env, limits.for_runner(base)


def warm_sandboxes_available() -> bool:
    """Whether notebooks can run in forked children of a warm sandbox (root + bubblewrap).

    A warm sandbox pays the torch import once per grading slot instead of once per
    notebook; each child still gets its own mount namespace, scratch folder and user
    id (see ``zygote.py``), which needs root. Others get one sandbox per notebook, as
    does everyone when ``D2L_GRADE_NO_WARM_SANDBOX`` is set.
    """
    if os.environ.get("D2L_GRADE_NO_WARM_SANDBOX"):
        return False
    return bubblewrap() is not None and os.getuid() == 0


def _zygote_command(limits: Limits, data_dir: Path | None) -> tuple[list[str], dict[str, str]]:
    # /tmp is read-only to notebooks here (root-owned 0755): each child writes only
    # to the private /scratch it mounts for itself.
    command = [*_bwrap_args("0755", limits, data_dir), "--perms", "0755", "--dir", "/scratch",
               "--chdir", "/", *_python_command("d2lutils.grading.zygote")]
    return command, _environment("/nonexistent", data_dir)


class WarmSandbox:
    """One grading slot's zygote: a sandbox that stays up and forks a child per notebook."""

    def __init__(self, slot: int, limits: Limits, data_dir: Path | None) -> None:
        self.slot = slot
        self.limits = limits
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.lines: "queue.Queue[bytes]" = queue.Queue()
        self.jobs_run = 0

    def _start(self) -> subprocess.Popen[bytes]:
        command, env = _zygote_command(self.limits, self.data_dir)
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        self.lines = queue.Queue()

        def pump(stream: Any, sink: "queue.Queue[bytes]") -> None:
            for line in stream:
                sink.put(line)
            sink.put(b"")

        threading.Thread(target=pump, args=(process.stdout, self.lines), daemon=True).start()
        return process

    def run(self, job: dict[str, Any]) -> tuple[list[dict[str, Any]], str | int]:
        """Run one job; return its events and the child's exit status (or a reason)."""
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        self.jobs_run += 1
        job_id = str(self.jobs_run)
        uid = SANDBOX_UID_BASE + 1000 + 100 * self.slot + self.jobs_run % 100
        job = {**job, "id": job_id, "uid": uid}
        # Each job gets a user id no live process has, so the process limit needs no base.
        job["limits"] = asdict(self.limits)
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            self.close()
            return [], "the warm sandbox stopped"
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.limits.notebook_seconds + 60
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = b""
            if not line:
                self.close()
                return events, "the warm sandbox stopped"
            message = json.loads(line)
            if message.get("job") != job_id:
                continue
            if message.get("done"):
                return events, message["status"]
            events.append(message["event"])

    def close(self) -> None:
        """Stop the zygote and everything in its sandbox."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self.process = None


_warm: dict[tuple[int, Limits, str], WarmSandbox] = {}
_warm_lock = threading.Lock()


def warm_sandbox(slot: int, limits: Limits, data_dir: Path | None) -> WarmSandbox:
    """The warm sandbox of a slot (made on first use; each slot serves one thread)."""
    key = (slot, limits, str(data_dir))
    with _warm_lock:
        if key not in _warm:
            _warm[key] = WarmSandbox(slot, limits, data_dir)
        return _warm[key]


def close_warm_sandboxes() -> None:
    """Stop every warm sandbox (end of a grading run)."""
    with _warm_lock:
        for sandbox in _warm.values():
            sandbox.close()
        _warm.clear()


atexit.register(close_warm_sandboxes)
