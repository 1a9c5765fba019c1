"""The grader looks for data where d2lutils does: the sandbox must see the files the
notebooks read."""

from __future__ import annotations

import d2lutils.data
from d2lgrade.config import DATA_DIR_VARIABLE, default_data_dir


def test_the_grader_finds_the_data_folder_that_d2lutils_reads(monkeypatch, tmp_path):
    assert DATA_DIR_VARIABLE == d2lutils.data.DATA_DIR_VARIABLE
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "moved"))
    assert default_data_dir() == d2lutils.data.data_root() == tmp_path / "moved"
    monkeypatch.delenv(DATA_DIR_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_data_dir() is None  # no cache folder yet: nothing to bind
    d2lutils.data.data_root().mkdir(parents=True)
    assert default_data_dir() == d2lutils.data.data_root()
