"""Finding a class's submissions in both layouts."""

from __future__ import annotations

import pytest

from d2lgrade.batch import find_submissions
from d2lgrade.errors import SubmissionsNotFoundError
from d2lgrade.results import FailureCode


def test_find_submissions_in_both_layouts(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "ann.ipynb").write_text("{}")
    assert [s.student for s in find_submissions(flat, ["toy"])] == ["ann"]
    with pytest.raises(SubmissionsNotFoundError, match="name exactly one assignment"):
        find_submissions(flat, [])
    nested = tmp_path / "submitted"
    (nested / "bo" / "toy").mkdir(parents=True)
    (nested / "bo" / "toy" / "toy.ipynb").write_text("{}")
    (nested / "cy" / "toy").mkdir(parents=True)
    subs = {s.student: s for s in find_submissions(nested, ["toy"])}
    assert subs["bo"].path is not None
    assert subs["cy"].path is None and "no notebook submitted" in subs["cy"].missing_reason
    assert subs["cy"].missing_code is FailureCode.NOT_SUBMITTED
    (nested / "di" / "toy").mkdir(parents=True)
    for name in ("a.ipynb", "b.ipynb"):
        (nested / "di" / "toy" / name).write_text("{}")
    several = {s.student: s for s in find_submissions(nested, ["toy"])}["di"]
    assert several.path is None and several.missing_code is FailureCode.SEVERAL_NOTEBOOKS
    with pytest.raises(SubmissionsNotFoundError, match="does not exist"):
        find_submissions(tmp_path / "nowhere", [])
