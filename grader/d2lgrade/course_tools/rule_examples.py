"""Every task rule, tried end to end: answers that break it lose the task, compliant ones keep it.

Next to its rules, ``solutions/<id>/hidden_checks.py`` lists example answers::

    RULE_EXAMPLES = {
        "softmax": {
            "breaks": {"calls torch.softmax": "def softmax(X):\\n    return torch.softmax(X, 1)"},
            "keeps": {"shift by the row maximum": "def softmax(X):\\n    ..."},
        },
    }

An example is the source of the task's answer cell, or a pair ``(extra cell, answer)``
whose first part goes into a new cell of its own just before the answer (a helper or
an alias made elsewhere). Each example replaces the answer in the reference notebook,
and all of them are graded in one batch by the real grader, in its sandbox: a breaking
one must cost its task every point with a broken rule named (or void the whole run, as
a notebook that changes the grader's own code does), a compliant one must keep all of
them. ``d2l-course check-rules`` runs this; so does the instructor test suite.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assignment import load_assignment
from ..batch import Submission, grade_class
from ..config import GradingConfig
from ..errors import AssignmentError
from ..evasions import Example
from ..notebook import nbgrader_meta
from ..results import FailureCode


def rule_examples(hidden_checks: Path) -> dict[str, dict[str, dict[str, Example]]]:
    """The ``RULE_EXAMPLES`` of a hidden-checks file ({} when it declares none)."""
    spec = importlib.util.spec_from_file_location(
        f"_rule_examples_{hidden_checks.parent.name}", hidden_checks
    )
    if spec is None or spec.loader is None:
        raise AssignmentError(f"cannot import {hidden_checks}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    examples = getattr(module, "RULE_EXAMPLES", {})
    if not isinstance(examples, dict):
        raise AssignmentError(f"{hidden_checks}: RULE_EXAMPLES must be a dict")
    return examples


def with_answer(reference: dict[str, Any], task: str, example: Example) -> dict[str, Any]:
    """The reference notebook with ``task``'s answer cell replaced by ``example``."""
    notebook = copy.deepcopy(reference)
    cells = notebook["cells"]
    position = next(
        (
            i
            for i, c in enumerate(cells)
            if str(nbgrader_meta(c).get("grade_id", "")).startswith(f"{task}_answer")
        ),
        None,
    )
    if position is None:
        raise AssignmentError(f"task {task} has no answer cell (grade_id {task}_answer)")
    extra, answer = (None, example) if isinstance(example, str) else example
    cells[position]["source"] = answer
    if extra is not None:
        cells.insert(
            position,
            {
                "cell_type": "code",
                "metadata": {},
                "source": extra,
                "outputs": [],
                "execution_count": None,
            },
        )
    return notebook


@dataclass(frozen=True)
class ExampleOutcome:
    """How one example fared: ``ok`` when it lost (breaks) or kept (keeps) its task's points."""

    assignment: str
    task: str
    label: str
    breaks: bool
    points: float
    max_points: float
    message: str
    code: FailureCode | None = None

    @property
    def ok(self) -> bool:
        if self.breaks:
            return self.points == 0 and self.code in BROKEN
        return self.points == self.max_points


# How a breaking example may lose its task: a broken rule named, or the whole run void
# because the notebook changed the grader's own code (``inside/seal.py``).
BROKEN = (FailureCode.RULE_BROKEN, FailureCode.INTERFERED)


def check_rule_examples(
    solutions_dir: Path, assignment_ids: list[str], config: GradingConfig
) -> list[ExampleOutcome]:
    """Grade every rule example of the assignments in one batch; one outcome per example."""
    wanted: dict[str, tuple[str, str, str, bool]] = {}
    submissions = []
    with tempfile.TemporaryDirectory(prefix="d2l-rule-examples-") as tmp:
        for assignment_id in assignment_ids:
            folder = solutions_dir / assignment_id
            reference = json.loads((folder / f"{assignment_id}.ipynb").read_text())
            examples = (
                rule_examples(folder / "hidden_checks.py")
                if (folder / "hidden_checks.py").exists()
                else {}
            )
            for task, sides in examples.items():
                for side in ("breaks", "keeps"):
                    for n, (label, example) in enumerate(sides.get(side, {}).items()):
                        student = f"{assignment_id}.{task}.{side}.{n}"
                        path = Path(tmp) / f"{student}.ipynb"
                        path.write_text(json.dumps(with_answer(reference, task, example)))
                        submissions.append(Submission(student, assignment_id, path))
                        wanted[student] = (assignment_id, task, label, side == "breaks")
        if not submissions:
            return []
        for assignment_id in assignment_ids:
            load_assignment(solutions_dir, assignment_id)  # a broken course fails before grading
        results, _ = grade_class(submissions, solutions_dir, config, progress=lambda line: None)
    outcomes = []
    for result in results:
        assignment_id, task, label, breaks = wanted[result.student]
        verdict = result.tasks[task]
        outcomes.append(
            ExampleOutcome(
                assignment_id,
                task,
                label,
                breaks,
                verdict.points,
                verdict.max_points,
                verdict.message,
                verdict.code,
            )
        )
    return sorted(outcomes, key=lambda o: (o.assignment, o.task, not o.breaks, o.label))
