"""The book as a textbook (issue 13), checked on its sources without building the site:
the depth of each section, how each ends (summary, discussion questions, exercise
link), cross-references written as links, equation references and citations that
resolve, and the references page. tests/test_site.py checks that the built pages show
the citations and equation references as working links.

The word count is defined in tests/book_sources.py; `python tests/book_sources.py`
prints the per-section table.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
import yaml
from book_sources import (
    BIBLIOGRAPHY,
    BOOK,
    REPO,
    Section,
    bibliography_entries,
    bibliography_keys,
    book_pages,
    cited_keys,
    equation_labels,
    equation_refs,
    links,
    markdown_cells,
    numbered_markdown,
    plain_section_mentions,
    prose,
    sections,
    target_labels,
    word_count,
    word_table,
    words,
)
from site_helpers import cell_source, config, read_notebook

SECTIONS = sections()
PAGES = book_pages()

# Every section: at least MIN_WORDS words of prose, the book's median at least
# MIN_MEDIAN_WORDS, a summary and 2-4 discussion questions.
MIN_WORDS = 1500
MIN_MEDIAN_WORDS = 1700

# The sections that take a common mistake apart in a "Common mistake" box: what goes
# wrong, why, and the fix, shown in cells. The book tells no story of the notebooks this
# course replaced (the reader never saw them).
MISTAKE_SECTIONS = {"2.1", "2.2", "2.5", "3.2", "4.2"}

MISTAKE_BOX = re.compile(r"^:{3,}\{admonition\}\s*Common mistake:\s*\S", re.M)
SEED_STORY = re.compile(r"\bseed(?:'s| course| notebooks?)\b|What went wrong", re.I)
EXERCISE_LINK = re.compile(r"\[exercise notebook for this section\]\((?P<target>[^)\s]+)\)")
LIST_ITEM = re.compile(r"^(?:\d+[.)]|[-*+])[ \t]+\S", re.M)
LEVEL2 = re.compile(r"^##[ \t]+(?P<title>.+?)[ \t]*$", re.M)


# --- the word count itself --------------------------------------------------------


def test_word_count_reads_prose_only():
    cell = "\n".join(
        [
            "(sec-9-9-demo)=",
            "## Two words",
            "Call `torch.exp` on $x_i$ for {cite:p}`xiao2017fashion`, see {eq}`eq-9-9-demo`",
            "and [Section 2.1](ch2_1_data_manipulation.ipynb); ![alt text](figures/x.svg)",
            "$$",
            "y = mx + b",
            "$$ (eq-9-9-demo)",
            "```python",
            "print('not prose')",
            "```",
            ":::{admonition} What went wrong: one-hot",
            ":class: warning",
            "Don't <b>panic</b>.",
            ":::",
            "Exercises: [exercise notebook for this section](../exercises/ex9_9/ex9_9.ipynb)",
        ]
    )
    assert words(prose(cell)) == [
        "Two",
        "words",
        "Call",
        "on",
        "for",
        "see",
        "and",
        "Section",
        "What",
        "went",
        "wrong",
        "one-hot",
        "Don't",
        "panic",
    ]


def test_print_the_word_count_table():
    table = word_table()
    print("\n" + table)
    assert [line.split()[0] for line in table.splitlines()[1:-1]] == [s.number for s in SECTIONS]


# --- depth ------------------------------------------------------------------------


@pytest.mark.parametrize("section", SECTIONS, ids=str)
def test_section_has_enough_prose(section):
    count = word_count(section.path)
    assert count >= MIN_WORDS, (
        f"{section.path.name} has {count} words of prose, fewer than {MIN_WORDS}:\n" + word_table()
    )


def test_median_of_deepened_sections():
    counts = [word_count(s.path) for s in SECTIONS]
    assert counts, "_toc.yml lists no sections"
    assert statistics.median(counts) >= MIN_MEDIAN_WORDS, word_table(SECTIONS)


# --- how each section ends --------------------------------------------------------


def _level2_headings(section: Section) -> list[str]:
    return [m["title"] for md in section.markdown() for m in LEVEL2.finditer(md)]


@pytest.mark.parametrize("section", SECTIONS, ids=str)
def test_section_ends_with_its_exercise_link(section):
    """The last Markdown cell links to the section's own exercise notebook, which
    exists, and no code cell comes after it; a `## Summary` comes before it."""
    cells = read_notebook(section.path)["cells"]
    last = cells[-1]
    assert last["cell_type"] == "markdown", f"{section.path.name} ends with a code cell"
    found = EXERCISE_LINK.findall(cell_source(last))
    expected = f"../exercises/{section.exercise}/{section.exercise}.ipynb"
    assert found == [expected], (
        f"{section.path.name}: its last cell should end with "
        f"[exercise notebook for this section]({expected}); found {found}"
    )
    assert (BOOK / expected).resolve().is_file(), f"{expected} does not exist"
    tail = cell_source(last).rstrip().splitlines()[-1]
    assert EXERCISE_LINK.search(tail), (
        f"{section.path.name}: the exercise link is not its last line"
    )
    assert "Summary" in _level2_headings(section), f"{section.path.name} has no ## Summary"


@pytest.mark.parametrize("section", SECTIONS, ids=str)
def test_section_closes_with_summary_then_discussion_questions(section):
    headings = _level2_headings(section)
    assert headings[-2:] == ["Summary", "Discussion questions"], (
        f"{section.path.name}: its last two ## headings are {headings[-2:]}, "
        "expected ['Summary', 'Discussion questions']"
    )
    text = "\n".join(section.markdown())
    after = text[text.rindex("## Discussion questions") :]
    questions = LIST_ITEM.findall(EXERCISE_LINK.split(after)[0])
    assert 2 <= len(questions) <= 4, (
        f"{section.path.name} asks {len(questions)} discussion questions, expected 2 to 4"
    )


@pytest.mark.parametrize("section", [s for s in SECTIONS if s.number in MISTAKE_SECTIONS], ids=str)
def test_common_mistake_is_explained_in_a_box(section):
    """A "Common mistake" admonition (class warning), followed by a code cell that
    shows the failure with its output."""
    cells = read_notebook(section.path)["cells"]
    boxes = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown" and MISTAKE_BOX.search(cell_source(c))
    ]
    assert boxes, f"{section.path.name} has no ':::{{admonition}} Common mistake: ...' box"
    for i in boxes:
        source = cell_source(cells[i])
        assert re.search(r"^:class:.*\bwarning\b", source, re.M), (
            f"{section.path.name}: the box in cell {i} lacks ':class: warning'"
        )
        following = next((c for c in cells[i + 1 :] if c["cell_type"] == "code"), None)
        assert following is not None and following.get("outputs"), (
            f"{section.path.name}: no executed code cell shows the failure after the box "
            f"in cell {i}"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_story_of_the_replaced_course(page):
    """Neither prose nor code tells the story of notebooks the reader never saw."""
    text = page.read_text()
    found = SEED_STORY.search(text)
    assert found is None, f"{page.name} mentions {found.group(0)!r}: describe the mistake itself"


# --- cross-references -------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_mentions_of_other_sections_are_links(page):
    found = [(i, m) for i, md in numbered_markdown(page) for m in plain_section_mentions(md)]
    assert not found, (
        f"{page.name} names other sections in plain text (make each a link, e.g. "
        "[Section 3.1](ch3_1_linear_regression.ipynb)): "
        + "; ".join(f"cell {i}: {' '.join(m.split())!r}" for i, m in found)
    )


def _all_target_labels() -> list[str]:
    return [label for page in PAGES for md in markdown_cells(page) for label in target_labels(md)]


def test_target_labels_are_unique():
    labels = _all_target_labels()
    assert len(labels) == len(set(labels)), (
        f"labels defined twice: {sorted({x for x in labels if labels.count(x) > 1})}"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_inside_the_book_resolve(page):
    labels = set(_all_target_labels())
    broken = []
    for md in markdown_cells(page):
        for target in links(md):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or not target:
                continue  # https:, mailto: ...: not part of the book
            path = target.split("#")[0]
            if path and ("/" in path or "." in path):
                if not (page.parent / path).resolve().exists():
                    broken.append(target)
            elif path and path not in labels:
                broken.append(target)
    assert not broken, f"{page.name}: links to nothing: {broken}"


# --- equations --------------------------------------------------------------------


def _labels_by_page() -> dict[Path, list[str]]:
    return {
        page: [label for md in markdown_cells(page) for label in equation_labels(md)]
        for page in PAGES
    }


def test_equation_labels_are_unique_and_numbered_by_section():
    by_page = _labels_by_page()
    everything = [label for labels in by_page.values() for label in labels]
    twice = sorted({label for label in everything if everything.count(label) > 1})
    assert not twice, f"equation labels defined twice: {twice}"
    for section in SECTIONS:
        prefix = "eq-" + section.number.replace(".", "-") + "-"
        wrong = [label for label in by_page[section.path] if not label.startswith(prefix)]
        assert not wrong, (
            f"{section.path.name}: equation labels should start with {prefix!r}: {wrong}"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_equation_references_resolve(page):
    defined = {label for labels in _labels_by_page().values() for label in labels}
    used = [label for md in markdown_cells(page) for label in equation_refs(md)]
    missing = [label for label in used if label not in defined]
    assert not missing, f"{page.name}: {{eq}} refers to undefined labels {missing}"


def test_deepened_sections_number_their_key_equations():
    by_page = _labels_by_page()
    unnumbered = [
        s.path.name
        for s in SECTIONS
        if s.path in by_page and not by_page[s.path] and any("$$" in md for md in s.markdown())
    ]
    assert not unnumbered, f"sections with display math but no labelled equation: {unnumbered}"


# --- citations and the references page ------------------------------------------


def test_bibliography_entries_are_complete():
    keys = bibliography_keys()
    assert keys, f"{BIBLIOGRAPHY} has no entries"
    assert len(keys) == len(set(keys)), (
        f"keys defined twice in references.bib: {sorted({k for k in keys if keys.count(k) > 1})}"
    )
    for key, entry in bibliography_entries().items():
        assert re.fullmatch(r"[a-z]+\d{4}[a-z]+", key), (
            f"{key}: keys are surname + year + first title word, e.g. xiao2017fashion"
        )
        for field in ("title", "year"):
            assert re.search(rf"^\s*{field}\s*=", entry, re.M | re.I), f"{key} has no {field}"
        assert re.search(r"^\s*(author|editor)\s*=", entry, re.M | re.I), f"{key} has no author"
        year = re.search(r"^\s*year\s*=\s*[{\"]?(\d{4})", entry, re.M | re.I)
        assert year and year.group(1) in key, f"{key}: the key's year differs from the entry's"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_citations_are_in_the_bibliography(page):
    known = set(bibliography_keys())
    cited = [key for md in markdown_cells(page) for key in cited_keys(md)]
    missing = sorted(set(cited) - known)
    assert not missing, f"{page.name} cites keys that references.bib lacks: {missing}"


def test_the_book_cites_its_sources():
    cited = {key for page in PAGES for md in markdown_cells(page) for key in cited_keys(md)}
    assert {"xiao2017fashion", "zhang2023dive"} <= cited, f"cited: {sorted(cited)}"


def test_references_page_is_built_from_the_bibliography():
    page = BOOK / "references.md"
    assert page.is_file(), "book/references.md is missing"
    assert re.search(r"^(`{3,}|:{3,})\{bibliography\}", page.read_text(encoding="utf8"), re.M), (
        "book/references.md has no {bibliography} directive"
    )
    cfg = config()
    assert "references.bib" in (cfg.get("bibtex_bibfiles") or []), (
        "_config.yml: bibtex_bibfiles must list references.bib"
    )
    # sphinx.config.extensions replaces Jupyter Book's list, so it must name the extension.
    assert "sphinxcontrib.bibtex" in cfg["sphinx"]["config"]["extensions"]


def test_references_come_after_the_chapters_and_before_the_exercises():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf8"))
    files = [[entry["file"] for entry in part["chapters"]] for part in toc["parts"]]
    where = [i for i, part in enumerate(files) if "book/references" in part]
    assert len(where) == 1, "book/references is listed once in _toc.yml"
    exercises = [i for i, part in enumerate(files) if all(f.startswith("exercises/") for f in part)]
    chapters = [i for i, part in enumerate(files) if any(re.match(r"book/ch\d", f) for f in part)]
    assert max(chapters) < where[0] < min(exercises), (
        "the references part must come after the last chapter part and before the exercises"
    )
