"""Grade the adversarial corpus, every exercise's selfcheck and every rule example, and
write what each task earned and why to one JSON file.

A refactoring of the grader must not change a grade: run this before and after and
compare the two files (``--compare OLD NEW`` prints every difference and exits 1 on
any). Not part of CI (several minutes); run it with ``scripts/common.sh`` sourced::

    python scripts/grading_snapshot.py before.json
    ... change the grader ...
    python scripts/grading_snapshot.py after.json --compare before.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "grader"), str(ROOT / "tests" / "grader" / "sandbox")]

from d2lgrade.assignment import known_assignments  # noqa: E402
from d2lgrade.batch import Submission, grade_class, selfcheck_submissions  # noqa: E402
from d2lgrade.config import GradingConfig, default_data_dir  # noqa: E402
from d2lgrade.course_tools.rule_examples import check_rule_examples  # noqa: E402


def _tasks(result) -> dict[str, list]:
    return {
        task: [verdict.points, verdict.max_points, verdict.message]
        for task, verdict in sorted(result.tasks.items())
    }


def corpus_grades() -> dict[str, dict[str, list]]:
    import test_corpus as corpus
    import toy_course as toy

    with tempfile.TemporaryDirectory(prefix="d2l-snapshot-") as tmp:
        course = toy.write_course(Path(tmp) / "course")
        listener = corpus.Listener()
        try:
            cases = corpus.build_corpus(course, Path(tmp) / "host" / "pwned.txt", listener.port)
            folder = Path(tmp) / "submissions"
            folder.mkdir()
            for name, (data, _, _) in cases.items():
                (folder / f"{name}.ipynb").write_bytes(data)
            submissions = [Submission(p.stem, "toy", p) for p in sorted(folder.iterdir())]
            results, _ = grade_class(
                submissions,
                course / "solutions",
                corpus.config_for("fresh"),
                progress=lambda line: None,
            )
        finally:
            listener.close()
    return {r.student: _tasks(r) for r in results}


def selfcheck_grades(config: GradingConfig) -> dict[str, dict[str, list]]:
    ids = known_assignments(ROOT / "solutions")
    submissions = [s for a in ids for s in selfcheck_submissions(ROOT, a)]
    results, _ = grade_class(submissions, ROOT / "solutions", config, progress=lambda line: None)
    return {f"{r.assignment}.{r.student}": _tasks(r) for r in results}


def rule_example_grades(config: GradingConfig) -> dict[str, list]:
    ids = known_assignments(ROOT / "solutions")
    outcomes = check_rule_examples(ROOT / "solutions", ids, config)
    return {
        f"{o.assignment}.{o.task}.{'breaks' if o.breaks else 'keeps'}.{o.label}": [
            o.points,
            o.max_points,
            o.ok,
            o.message,
        ]
        for o in outcomes
    }


def compare(old: dict, new: dict) -> int:
    differences = 0
    for part in old:
        for key in sorted(set(old[part]) | set(new.get(part, {}))):
            before, after = old[part].get(key), new.get(part, {}).get(key)
            if before != after:
                differences += 1
                print(f"{part} {key}:\n  before {before}\n  after  {after}")
    print(f"{differences} difference(s)")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier snapshot to diff against")
    parser.add_argument("--parts", default="corpus,selfcheck,rules")
    args = parser.parse_args()
    config = GradingConfig(data_dir=default_data_dir())
    makers = {
        "corpus": corpus_grades,
        "selfcheck": lambda: selfcheck_grades(config),
        "rules": lambda: rule_example_grades(config),
    }
    snapshot = {part: makers[part]() for part in args.parts.split(",")}
    args.out.write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    print(f"wrote {args.out}: " + ", ".join(f"{k} {len(v)}" for k, v in snapshot.items()))
    if args.compare:
        return compare(json.loads(args.compare.read_text()), snapshot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
