"""Which processes a user id owns, read from /proc (of the namespace we run in)."""

from __future__ import annotations

from pathlib import Path


def processes_of(uid: int, *, zombies: bool = False) -> list[int]:
    """Process ids owned by ``uid``; zombies (exited, not yet reaped) only if asked for."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if zombies or state != "Z":
            pids.append(int(entry.name))
    return pids


def tasks_of(uid: int) -> int:
    """Threads of every process of ``uid``: what ``RLIMIT_NPROC`` counts for that user."""
    count = 0
    for pid in processes_of(uid, zombies=True):
        try:
            count += sum(1 for _ in Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
    return count
