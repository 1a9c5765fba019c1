"""Results on disk keyed by content: a re-run skips what has not changed.

A key hashes everything a result depends on: the submitted bytes, the id it was
submitted under (quiz orders and the grading id the notebook sees depend on it), the
assignment's fingerprint (reference notebook and hidden checks), the reference values,
the data folder (its path and a fingerprint of its files), the limits, and one salt
made of the versions and sources of d2lutils and d2l-grade, so that upgrading or
editing either invalidates the cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

from .packages import package_folder


def package_version(distribution: str, package: str) -> str:
    """The installed version of ``distribution``, else the ``__version__`` its source declares.

    Read without importing the package (d2lutils would import torch); the fallback
    serves a course copy used from PYTHONPATH without installing it.
    """
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        source = (package_folder(package) / "__init__.py").read_text()
        match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", source, re.MULTILINE)
        return match.group(1) if match else "unknown"


def source_digest(package: str) -> str:
    """A hash of a package's Python sources: an edit between releases changes it too."""
    digest = hashlib.sha256()
    folder = package_folder(package)
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def cache_salt() -> str:
    """What every key includes: the versions of both packages that produce a result
    (and a digest of their sources, for the edits a checkout makes between versions)."""
    return (
        f"d2lutils {package_version('d2lutils', 'd2lutils')} ({source_digest('d2lutils')}); "
        f"d2l-grade {package_version('d2l-grade', 'd2lgrade')} ({source_digest('d2lgrade')})"
    )


def cache_key(*parts: bytes | str) -> str:
    """A hex digest of ``parts`` and the salt (parts are separated, so order matters)."""
    digest = hashlib.sha256(cache_salt().encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


def folder_fingerprint(folder: Path | None) -> str:
    """The path of ``folder`` and the name, size and modification time of each file under
    it: a changed, added or removed data file changes it, without reading the data."""
    if folder is None:
        return "no folder"
    digest = hashlib.sha256(str(folder.resolve()).encode())
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                entry = f"{path.relative_to(folder).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}"
                digest.update(entry.encode() + b"\0")
    return digest.hexdigest()


def submission_key(
    data: bytes,
    student: str,
    assignment_fingerprint: str,
    expected: list[Any],
    data_folder: str,
    limits: str,
) -> str:
    """The key of one student's graded notebook: everything its result depends on."""
    reference = json.dumps(expected, sort_keys=True, allow_nan=True)
    return cache_key(
        "submission", student, assignment_fingerprint, reference, data_folder, limits, data
    )


class GradingCache:
    """JSON values in one file per key under ``folder``; no folder, no cache."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> Any:
        """The value stored under ``key``, or None (also for an unreadable file)."""
        if self.folder is None:
            return None
        try:
            return json.loads((self.folder / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` atomically (a reader never sees half a file)."""
        if self.folder is not None:
            path = self.folder / f"{key}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(value))
            tmp.replace(path)
