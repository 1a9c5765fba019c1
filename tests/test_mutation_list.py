"""The mutation run (``make mutants``, not in CI) can only test what its snippets still
find: each mutation's snippet must occur exactly once in the file it names, so that a
change of the code that moves a snippet away fails here, in CI, and not months later."""

import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_mutation_finds_its_snippet_exactly_once():
    mutations = runpy.run_path(str(REPO / "scripts" / "mutants.py"))["MUTATIONS"]
    stale = [
        f"{m.name} ({m.path}: found {(REPO / m.path).read_text().count(m.old)} times)"
        for m in mutations
        if (REPO / m.path).read_text().count(m.old) != 1
    ]
    assert not stale, "update these mutations to the code as it is now:\n" + "\n".join(stale)
    assert len({m.name for m in mutations}) == len(mutations), "two mutations share a name"
