"""``d2l-grade`` end to end on the toy course: both layouts, reports, progress, caching."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import toy_course as toy

from d2lgrade.cli import main


def _submit(folder: Path, notebook) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "toy.ipynb")


def test_grade_nbgrader_layout_writes_reports_and_caches(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    submitted = tmp_path / "submitted"
    _submit(submitted / "ann" / "toy", toy.reference_notebook())
    _submit(submitted / "bob" / "toy", toy.solved("double"))
    (submitted / "cyd" / "toy").mkdir(parents=True)  # handed in nothing
    out = tmp_path / "grades"
    assert (
        main(["--course", str(course), "grade", str(submitted), "--out", str(out), "--jobs", "2"])
        == 0
    )
    first = capsys.readouterr().err
    assert "[3/3]" in first and "running the reference solution of toy" in first

    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["ann"]["total"] == str(toy.FULL) and rows["ann"]["sandbox"] == "bubblewrap"
    assert (
        rows["bob"]["toy:double"] == "2"
        and rows["bob"]["toy:softmax"] == "0"
        and rows["bob"]["total"] == "2"
    )
    assert rows["cyd"]["total"] == "0" and "no notebook submitted" in rows["cyd"]["notes"]
    feedback = (out / "feedback" / "bob.html").read_text()
    assert "not answered yet: the code still raises NotImplementedError" in feedback
    assert "double_on_other_inputs" not in feedback
    summary = (out / "summary.html").read_text()
    assert "Pass rate" in summary or "pass rate" in summary
    assert "data:image/png;base64," in summary and "<img src='summary.png'" not in summary

    # Unchanged submissions and checks are not run again; a changed one is.
    _submit(submitted / "bob" / "toy", toy.solved("double", "norm"))
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    second = capsys.readouterr().err
    assert "ann toy: 6/6 (cached)" in second
    assert "bob toy: 3/6 (cached)" not in second and "bob toy: 3/6" in second
    assert "running the reference solution" not in second

    # New hidden checks invalidate every cached result.
    hidden = course / "solutions" / "toy" / "hidden_checks.py"
    hidden.write_text(hidden.read_text() + "\n# revised\n")
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    assert "(cached)" not in capsys.readouterr().err


def test_grade_flat_folder_needs_an_assignment(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    flat = tmp_path / "downloads"
    flat.mkdir()
    nbformat.write(toy.student_notebook(), flat / "dee.ipynb")
    assert main(["--course", str(course), "grade", str(flat)]) == 2
    assert "name exactly one assignment" in capsys.readouterr().err
    out = tmp_path / "grades"
    assert (
        main(
            ["--course", str(course), "grade", str(flat), "-a", "toy", "-o", str(out), "--no-cache"]
        )
        == 0
    )
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert rows[0]["student"] == "dee" and rows[0]["total"] == "0"
    assert not (out / ".cache").exists()


def test_user_errors_are_one_line_with_exit_status_2(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    cases = [
        (["--course", str(course), "grade", str(tmp_path / "nowhere")], "does not exist"),
        (
            ["--course", str(course), "grade", str(course), "--jobs", "0"],
            "--jobs must be at least 1",
        ),
        (
            ["--course", str(course), "grade", str(course), "--scheduler", "tcp://127.0.0.1:9"]
            + ["--worker-wait", "0"],
            "--worker-wait must be a positive number of seconds",
        ),
        (["--course", str(tmp_path / "no-course"), "selfcheck", "toy"], "no reference notebook"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err


def test_without_a_course_the_command_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["selfcheck"]) == 2
    assert "no solutions/ folder at or above" in capsys.readouterr().err


def test_selfcheck_passes_on_a_sound_course_and_fails_on_a_broken_reference(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    exercises = course / "exercises" / "toy"
    exercises.mkdir(parents=True)
    nbformat.write(toy.student_notebook(), exercises / "toy.ipynb")
    assert main(["--course", str(course), "selfcheck", "toy", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "ok   toy reference: 6/6" in out and "ok   toy untouched: 0/6" in out
    # A student notebook that already solves a task means the exercise gives it away.
    nbformat.write(toy.solved("double"), exercises / "toy.ipynb")
    assert main(["--course", str(course), "selfcheck", "toy", "--jobs", "2"]) == 1
    assert "FAIL toy untouched: 2/6" in capsys.readouterr().out


def test_no_warm_sandbox_flag_and_its_environment_default(monkeypatch):
    from d2lgrade.cli import build_parser

    assert build_parser().parse_args(["grade", "x"]).warm_sandbox is True
    assert build_parser().parse_args(["grade", "x", "--no-warm-sandbox"]).warm_sandbox is False
    monkeypatch.setenv("D2L_GRADE_NO_WARM_SANDBOX", "1")
    assert build_parser().parse_args(["grade", "x"]).warm_sandbox is False


def test_an_answer_that_passes_the_visible_check_but_not_the_hidden_cases(tmp_path):
    course = toy.write_course(tmp_path / "course")
    naive = toy.solved("double", "softmax", "norm")
    # Right on the visible example, but exp(1000) overflows on hidden large logits.
    toy.answer_cell(
        naive, "softmax"
    ).source = "def softmax(X):\n    E = torch.exp(X)\n    return E / E.sum(dim=1, keepdim=True)"
    submitted = tmp_path / "submitted"
    _submit(submitted / "eve" / "toy", naive)
    out = tmp_path / "grades"
    assert (
        main(["--course", str(course), "grade", str(submitted), "--out", str(out), "--jobs", "1"])
        == 0
    )
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["eve"]["toy:softmax"] == "0" and rows["eve"]["toy:double"] == "2"
    feedback = (out / "feedback" / "eve.html").read_text()
    assert "visible check passed" in feedback and "&#39;large logits&#39; (value)" in feedback
    assert "random logits" not in feedback  # the cases that pass are not listed
    assert "1000" not in feedback and "manual_seed" not in feedback  # no hidden input


def test_the_cache_keeps_each_students_result_and_notices_a_changed_data_folder(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    notebook = toy.reference_notebook()
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double_answer":
            # Same bytes for everyone, a result that depends on whose notebook it is
            # (as a quiz order does).
            cell.source = (
                "import os\ndef double(x):\n"
                "    return 2 * x if os.environ['D2L_GRADE_STUDENT_ID'] == 'ann' else x"
            )
    submitted, out, data = tmp_path / "submitted", tmp_path / "grades", tmp_path / "data"
    for student in ("ann", "bob"):
        _submit(submitted / student / "toy", notebook)
    data.mkdir()
    command = ["--course", str(course), "grade", str(submitted), "-o", str(out)]
    command += ["--data-dir", str(data)]

    def totals() -> dict[str, str]:
        return {r["student"]: r["total"] for r in csv.DictReader((out / "gradebook.csv").open())}

    assert main(command) == 0
    first = capsys.readouterr().err
    assert totals() == {"ann": str(toy.FULL), "bob": str(toy.FULL - 2)}, first
    assert main(command) == 0  # graded twice: each from their own cache entry
    second = capsys.readouterr().err
    assert second.count("(cached)") == 2 and totals() == {
        "ann": str(toy.FULL),
        "bob": str(toy.FULL - 2),
    }
    (data / "FashionMNIST").mkdir()
    (data / "FashionMNIST" / "new-file").write_text("changed")
    assert main(command) == 0
    third = capsys.readouterr().err
    assert "(cached)" not in third and "running the reference solution of toy" in third
