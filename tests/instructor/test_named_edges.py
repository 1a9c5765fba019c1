"""Every edge case a task's statement names is one a hidden probe of that task tries.

A statement that promises behaviour on float64 inputs, empty inputs, tensors with no
axes or overflowing values must be held to it: an answer that only casts to float64
passes float32 overflow cases, so the probes must try each edge the statement names.
Read from the statements and the probes' sources; nothing is graded here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from d2lgrade.assignment import known_assignments, load_assignment
from d2lgrade.notebook import cell_source, nbgrader_meta

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
# What a statement names -> what a probe's source must hold for it (both regexes).
EDGES = {
    "float64 inputs": (
        # "float64 tensors" after "return" names an output, so the second form needs "input".
        r"(inputs?|tensors?|arguments?)\b[^.]{0,80}\bfloat64|\bfloat64\b[^.]{0,40}\binputs?\b",
        r"float64|\.double\(\)",
    ),
    "empty inputs": (
        r"empty (inputs?|tensors?|batch|matri|result)|zero elements|`[mn] = 0`",
        r"zeros\(\(?0|zeros\(\d+, 0|\(0, |\(0,\)|, 0\)|empty",
    ),
    # ast.unparse writes 1e30 as 1e+30.
    "overflow": (r"overflow", r"1e\+?[1-9]\d|\* ?1000|\+ ?500|1000\.0"),
    "overflow in float64": (r"overflow[^.]*float64|float64[^.]*overflow", r"1e\+?[1-9]\d\d"),
}


def statements(assignment_id: str) -> dict[str, str]:
    """The statements of the tasks that take inputs: an experiment's statement describes
    the study it runs (overflow may be what it measures), not inputs it must handle."""
    notebook = load_assignment(SOLUTIONS, assignment_id)
    experiments = {
        nbgrader_meta(cell).get("grade_id")
        for cell in notebook.reference_cells
        if cell.get("metadata", {}).get("d2lcourse", {}).get("kind") == "experiment"
    }
    texts = {}
    for cell in notebook.reference_cells:
        grade_id = nbgrader_meta(cell).get("grade_id", "")
        task = grade_id[: -len("_description")]
        if grade_id.endswith("_description") and task not in experiments:
            texts[task] = cell_source(cell)
    return texts


@pytest.mark.parametrize("assignment_id", known_assignments(SOLUTIONS))
def test_each_named_edge_is_tried_by_a_probe(assignment_id):
    assignment = load_assignment(SOLUTIONS, assignment_id)
    missing = []
    for task, text in statements(assignment_id).items():
        probes = "\n".join(p.source for p in assignment.probes if p.task == task)
        for edge, (named, tried) in EDGES.items():
            if re.search(named, text, re.IGNORECASE) and not re.search(tried, probes):
                missing.append(f"{task}: {edge}")
    assert not missing, f"{assignment_id}: edges a statement names and no probe tries: {missing}"
