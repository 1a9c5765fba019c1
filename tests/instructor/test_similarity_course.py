"""The similarity report on a real exercise of the course (instructor only: needs
solutions/; the report's own tests, on a toy course, are in tests/grader/term/)."""

from __future__ import annotations

import re
from pathlib import Path

from d2lgrade.term.similarity import answer_code, given_code, similar_pairs


def test_a_renamed_copy_of_a_whole_exercise_is_flagged():
    repo = Path(__file__).resolve().parents[2]
    code = answer_code((repo / "solutions" / "ex2_1" / "ex2_1.ipynb").read_bytes())
    renamed = code
    for name in set(re.findall(r"^\s*([a-z_][a-z0-9_]*)\s*=", code, re.MULTILINE)):
        renamed = re.sub(rf"\b{name}\b", f"{name}_mine", renamed)
    assert renamed != code
    given = given_code(repo / "exercises" / "ex2_1" / "ex2_1.ipynb")
    pairs, _ = similar_pairs({"ann": code, "zed": renamed}, given)
    assert [(first, second) for first, second, *_ in pairs] == [("ann", "zed")]
