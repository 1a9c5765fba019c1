"""The book as a PDF, read back with poppler-utils (pdftotext, pdfinfo, pdfimages).

These tests build nothing: scripts/test.sh runs scripts/pdf.sh (`make pdf`) first, and
they read _build/pdf/<name>.pdf, <name> from latex.latex_documents.targetname in
_config.yml. A missing PDF or a missing poppler tool fails them, it does not skip them.

What the PDF should hold is derived at test time: the chapters and their order from
_toc.yml (every page but the exercises), each title and section number from the page's
first heading, code and outputs from the notebooks with the outputs the PDF build used
(those of Jupyter Book's execution cache, shared with the site), and the solutions from
solutions/*/*.ipynb.

The text is read with `pdftotext -raw`, in the order it was drawn, which keeps each
line of an output together (the default reading order splits aligned columns). It is
compared "squashed": Unicode-normalized (NFKC: math italics and ligatures to
plain letters), typographic quotes made plain, and all whitespace removed, so that
LaTeX's line breaks, its wrapped code lines (marked with a hooked arrow) and its
visible-space marks do not matter.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from site_helpers import (
    REPO,
    SITE,
    cell_source,
    config,
    hidden_check_secrets,
    image_outputs,
    read_notebook,
    rendered_code_cells,
    solution_secrets,
    toc_pages,
)

PDF_BUILD = REPO / "_build" / "pdf"
EXECUTION_CACHE = PDF_BUILD / "_build" / ".jupyter_cache"
NOT_IN_PDF = "exercises/"
RASTER_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif"}
# What LaTeX adds to code: the mark that starts a wrapped line's continuation, and the
# visible space it shows where it broke a line at a space.
WRAP_MARKS = "\u21aa\u2423"
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
HIDE_INPUT = {
    "remove-input",
    "remove_input",
    "hide-input",
    "remove-cell",
    "remove_cell",
    "hide-cell",
}
HIDE_OUTPUT = {
    "remove-output",
    "remove_output",
    "hide-output",
    "remove-cell",
    "remove_cell",
    "hide-cell",
}


def squash(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    return re.sub(r"\s+", "", text.translate({ord(c): None for c in WRAP_MARKS}))


# --- the PDF -------------------------------------------------------------------------


def pdf_path() -> Path:
    target = config().get("latex", {}).get("latex_documents", {}).get("targetname", "")
    assert target.endswith(".tex"), "_config.yml has no latex.latex_documents.targetname"
    return PDF_BUILD / (target[: -len(".tex")] + ".pdf")


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(
            f"{tool} is missing: install poppler-utils (scripts/ensure_latex.sh does, as root)",
            pytrace=False,
        )
    path = pdf_path()
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: build it first with `make pdf` "
            "(scripts/test.sh does so before the tests)",
            pytrace=False,
        )
    return subprocess.run(
        [tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, *args, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@functools.lru_cache(maxsize=1)
def pages() -> tuple[str, ...]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    return tuple(poppler("pdftotext", "-enc", "UTF-8", "-raw").split("\f"))


# Lines Sphinx adds where a code block crosses a page break.
CONTINUATION_MARKS = {"(continues on next page)", "(continued from previous page)"}
# A running foot: the page number alone, before the section ("106 Section 4.2. ...") or
# after the subsection ("4.1.3. The softmax 95").
FOOTER = re.compile(r"\d+|\d+ .*|.* \d+")


def page_body(page: str, title: str) -> str:
    """A page without its running head (the book's ``title``) and foot and the
    continuation marks, so that a line of code or prose broken across two pages reads as
    one."""
    lines = page.splitlines()
    if lines and lines[0].strip() == title:
        lines = lines[1:]
    if lines and FOOTER.fullmatch(lines[-1].strip()):
        lines = lines[:-1]
    return "\n".join(line for line in lines if line.strip() not in CONTINUATION_MARKS)


@functools.lru_cache(maxsize=1)
def squashed_pages() -> tuple[str, ...]:
    title = config().get("title", "").strip()
    return tuple(squash(page_body(p, title)) for p in pages())


def book_text() -> str:
    return "".join(squashed_pages())


def info() -> dict[str, str]:
    return dict(line.split(":", 1) for line in poppler("pdfinfo").splitlines() if ":" in line)


def images_per_page() -> dict[int, int]:
    """Raster images drawn on each page (soft masks, the alpha channels, left out)."""
    counts: dict[int, int] = {}
    for line in poppler("pdfimages", "-list").splitlines()[2:]:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "image":
            counts[int(fields[0])] = counts.get(int(fields[0]), 0) + 1
    return counts


# --- what the PDF should hold ------------------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    docname: str  # "book/ch2_1_data_manipulation"
    source: Path
    number: str  # "2.1", or "" for a page whose title has none
    title: str  # "Data Manipulation"

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def notebook(self) -> dict | None:
        return read_notebook(self.source) if self.source.suffix == ".ipynb" else None

    def executed(self) -> dict:
        """The notebook with the outputs of its run in the execution cache, which the PDF
        shows (a timing differs from the committed notebook's)."""
        return executed_notebook(self.source)

    def __str__(self) -> str:
        return self.docname


@functools.cache
def executed_notebook(source: Path) -> dict:
    import nbformat
    from jupyter_cache import get_cache

    if not EXECUTION_CACHE.is_dir():
        pytest.fail(
            f"{EXECUTION_CACHE} is missing: build the PDF first with `make pdf`", pytrace=False
        )
    try:
        _, merged = get_cache(str(EXECUTION_CACHE)).merge_match_into_notebook(
            nbformat.read(source, as_version=4)
        )
    except KeyError:
        pytest.fail(
            f"{source.name} has no run in {EXECUTION_CACHE} with its current code: "
            "build the PDF again (`make pdf`)",
            pytrace=False,
        )
    return merged


def markdown_of(source: Path) -> str:
    if source.suffix == ".ipynb":
        return "\n".join(
            cell_source(c)
            for c in read_notebook(source)["cells"]
            if c.get("cell_type") == "markdown"
        )
    return source.read_text(encoding="utf8")


def plain(markdown: str) -> str:
    """Inline Markdown as a reader sees it: no backticks, emphasis or link targets."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[`*_]", "", text).strip()


def only_bibliography(source: Path) -> bool:
    """A page holding nothing but its title and a bibliography directive: Sphinx prints
    the bibliography at the end of the PDF, as "Bibliography", and the page is left out."""
    text = re.sub(r"^#.*$", "", markdown_of(source), flags=re.M)
    text = re.sub(r"(`{3,}|:{3,})\{bibliography\}.*?^\1", "", text, flags=re.M | re.S)
    return "{bibliography}" in markdown_of(source) and not text.strip()


@functools.lru_cache(maxsize=1)
def chapters() -> tuple[Chapter, ...]:
    """The pages of _toc.yml that the PDF holds, in order: all but the root page (the
    PDF's title page and preface), the exercises and bibliography-only pages."""
    found = []
    for page in toc_pages()[1:]:
        if page.docname.startswith(NOT_IN_PDF) or page.source is None:
            continue
        if only_bibliography(page.source):
            continue
        heading = re.search(r"^#\s+(.+?)\s*$", markdown_of(page.source), re.M)
        assert heading, f"{page.source} has no '# ' title"
        match = re.fullmatch(r"(\d+(?:\.\d+)+)\s+(.+)", plain(heading.group(1)))
        number, title = match.groups() if match else ("", plain(heading.group(1)))
        found.append(Chapter(page.docname, page.source, number, title))
    return tuple(found)


def shown_outputs(cell: dict) -> tuple[list[str], int]:
    """The texts a code cell's outputs show in the PDF, and its number of images.
    An output with an image shows the image only, one with LaTeX or Markdown shows that
    rendered: only plain text and streams are compared as text."""
    if set(cell.get("metadata", {}).get("tags", [])) & HIDE_OUTPUT:
        return [], 0
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append("".join(out.get("text", "")))
        data = out.get("data", {})
        if "text/plain" in data and not any(
            m.startswith("image/") or m in ("text/latex", "text/markdown", "application/pdf")
            for m in data
        ):
            texts.append("".join(data["text/plain"]))
    return texts, image_outputs(cell)


def shown_code(cell: dict) -> str:
    if set(cell.get("metadata", {}).get("tags", [])) & HIDE_INPUT:
        return ""
    return cell_source(cell)


def find_in_order(
    haystack: str, needles: list[tuple[str, str]], start: int = 0
) -> tuple[int, list[str]]:
    """Look for each (label, squashed text) after the previous one. Returns where the
    last one ended and the labels of those not found (each missing one is skipped)."""
    missing = []
    for label, needle in needles:
        at = haystack.find(needle, start)
        if at == -1:
            missing.append(label)
        else:
            start = at + len(needle)
    return start, missing


def chapter_start_pages() -> list[int]:
    """The index of the page where each chapter starts: the first page, after the
    contents, holding its number and title."""
    texts = squashed_pages()
    toc_end = next((i for i, p in enumerate(texts) if squash(chapters()[-1].heading) in p), None)
    assert toc_end is not None, f"{chapters()[-1].heading!r} is not in the PDF"
    starts, page = [], toc_end + 1
    for chapter in chapters():
        while page < len(texts) and squash(chapter.heading) not in texts[page]:
            page += 1
        assert page < len(texts), f"no page after the contents starts {chapter.heading!r}"
        starts.append(page)
    return starts


def figure_files(chapter: Chapter) -> list[Path]:
    """The image files a page's Markdown shows: ![alt](path) and image/figure directives."""
    text = markdown_of(chapter.source)
    paths = re.findall(r"!\[[^\]]*\]\(\s*([^)\s]+)", text)
    paths += re.findall(r"^(?:`{3,}|:{3,})\{(?:figure|image)\}\s+(\S+)", text, re.M)
    return [(chapter.source.parent / p).resolve() for p in paths if urlparse(p).scheme == ""]


def svg_labels(path: Path) -> list[str]:
    return [
        t.strip()
        for e in ET.parse(path).iter()
        if e.tag.rsplit("}", 1)[-1] == "text"
        for t in ["".join(e.itertext())]
        if t.strip()
    ]


# --- the tests --------------------------------------------------------------------


def test_title_author_and_file_name():
    cfg = config()
    fields = info()
    assert pdf_path().name != "projectnamenotset.pdf"
    assert fields.get("Title", "").strip() == cfg["title"]
    assert fields.get("Author", "").strip() == cfg["author"]
    assert int(fields["Pages"]) > len(chapters())
    first_page = " ".join(pages()[0].split())
    assert " ".join(cfg["title"].split()) in first_page, "the title page does not show the title"


def test_toc_lists_chapters():
    """The test's own idea of the book: a page per section, 2.1 to 5.3 at the time of
    writing. Guards the tests below against an empty list."""
    assert chapters(), "no page of _toc.yml is meant for the PDF"
    assert all(c.number for c in chapters() if c.notebook is not None), [
        c.docname for c in chapters() if not c.number
    ]


def test_every_chapter_title_and_number_in_order():
    """Each page's number and title, in the order of _toc.yml: once in the contents and
    once more as the heading of the chapter itself."""
    needles = [(c.heading, squash(c.heading)) for c in chapters()]
    end_of_contents, missing = find_in_order(book_text(), needles)
    assert not missing, f"not in the table of contents, in this order: {missing}"
    _, missing = find_in_order(book_text(), needles, end_of_contents)
    assert not missing, f"no chapter headed, in this order (after the contents): {missing}"


def test_parts_are_the_chapters_of_the_book():
    """Each part of _toc.yml that holds a page of the PDF ("Chapter 2: Preliminaries")
    is in the PDF, in order. The words count, not the punctuation: the part may read
    "Chapter 2" and "Preliminaries"."""
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf8"))
    in_pdf = {c.docname for c in chapters()}
    needles = [
        (part["caption"], squash(re.sub(r"[:.]", "", part["caption"])))
        for part in toc.get("parts", [])
        if any(
            re.sub(r"\.(ipynb|md)$", "", str(c.get("file"))) in in_pdf
            for c in part.get("chapters", [])
        )
    ]
    assert needles, "no part of _toc.yml holds a page of the PDF"
    _, missing = find_in_order(re.sub(r"[:.]", "", book_text()), needles)
    assert not missing, f"parts not in the PDF, in this order: {missing}"


def test_no_unresolved_references_or_raw_math():
    """No "??" (a reference LaTeX could not resolve) and no "$" of math left as text.
    Both may appear in code: the code, outputs and inline code of the pages are taken out
    of the text first."""
    text = book_text()
    code: list[str] = []
    for chapter in chapters():
        markdown = markdown_of(chapter.source)
        code += re.findall(r"`([^`\n]+)`", markdown)
        code += re.findall(r"^(?:`{3,}|~{3,}).*?\n(.*?)^(?:`{3,}|~{3,})", markdown, re.M | re.S)
        if chapter.notebook is not None:
            for cell in rendered_code_cells(chapter.executed()):
                code += [shown_code(cell)] + shown_outputs(cell)[0]
    lines = {line for snippet in code for line in snippet.splitlines()}
    # Longest first: a line that holds a shorter one goes whole.
    for line in sorted(lines, key=len, reverse=True):
        if "$" in line or "??" in line:
            text = text.replace(squash(line), "")
    for bad, meaning in (("??", "an unresolved reference"), ("$", "math left as text")):
        at = text.find(bad)
        assert at == -1, f"{meaning} ({bad!r}) in the PDF near: {text[max(0, at - 80) : at + 80]!r}"


@pytest.mark.parametrize("chapter", [c for c in chapters() if c.source.suffix == ".ipynb"], ids=str)
def test_code_cells_and_outputs_are_present(chapter):
    """Every line of every code cell and of every text output, in order, within the
    chapter's pages."""
    starts = chapter_start_pages()
    index = chapters().index(chapter)
    end = starts[index + 1] if index + 1 < len(starts) else len(squashed_pages())
    text = "".join(squashed_pages()[starts[index] : end])
    needles, outputs_seen = [], 0
    for number, cell in enumerate(rendered_code_cells(chapter.executed())):
        outputs, _ = shown_outputs(cell)
        outputs_seen += len(outputs)
        for kind, block in [("code", shown_code(cell))] + [("output", o) for o in outputs]:
            needles += [
                (f"cell {number} {kind}: {line.strip()!r}", squash(line))
                for line in block.splitlines()
                if squash(line)
            ]
    assert outputs_seen, f"{chapter.source.name}: no text output to look for; was it executed?"
    _, missing = find_in_order(text, needles)
    assert not missing, (
        f"{chapter.heading}: {len(missing)} of {len(needles)} lines of code "
        f"and output not found in order, first: {missing[:5]}"
    )


def test_plots_and_figures_are_embedded():
    """Each chapter's pages hold at least as many raster images as its plots (image
    outputs) and raster figures. SVG figures become vector drawings, which pdfimages
    does not list: each is found by its text labels instead."""
    starts = chapter_start_pages() + [len(pages())]
    per_page = images_per_page()
    problems, plots, figures = [], 0, 0
    for index, chapter in enumerate(chapters()):
        expected = 0
        if chapter.notebook is not None:
            expected = sum(shown_outputs(c)[1] for c in rendered_code_cells(chapter.executed()))
        plots += expected
        text = "".join(squashed_pages()[starts[index] : starts[index + 1]])
        for path in figure_files(chapter):
            figures += 1
            if path.suffix.lower() in RASTER_SUFFIXES:
                expected += 1
            elif path.suffix.lower() == ".svg":
                _, missing = find_in_order(
                    text, [(label, squash(label)) for label in svg_labels(path)]
                )
                if missing:
                    problems.append(
                        f"{chapter.heading}: figure {path.name}: labels not found: {missing[:5]}"
                    )
        # pdfimages numbers pages from 1.
        shown = sum(per_page.get(p + 1, 0) for p in range(starts[index], starts[index + 1]))
        if shown < expected:
            problems.append(
                f"{chapter.heading}: {shown} image(s) on its pages, {expected} expected"
            )
    assert plots > 0, "the notebooks have no plots: were they executed?"
    assert figures > 0, "the pages show no figure files"
    assert not problems, "\n".join(problems)


def test_no_solution_or_hidden_check_text():
    """No telling line of a reference solution or of a hidden check (the selection of
    tests/site_helpers.py, read from solutions/ directly), and no nbgrader marker."""
    if not (REPO / "solutions").is_dir():
        pytest.skip("no solutions/ here (a student copy): no solution text to look for")
    secrets = solution_secrets() + hidden_check_secrets()
    assert sum(len(s.lines) for s in secrets) > 0, "no solution line found to look for"
    text = book_text()
    leaks = [
        f"{s.origin}: {line!r}"
        for s in secrets
        for line in s.lines
        if len(squash(line)) >= 8 and squash(line) in text
    ]
    leaks += [
        marker
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "@probe(")
        if squash(marker) in text
    ]
    assert not leaks, "solution or hidden-check text in the PDF:\n" + "\n".join(leaks[:20])


def test_exercises_are_linked_not_included():
    """The exercise notebooks are not in the PDF, but each chapter's link to one is a
    web link to that notebook in the repository of _config.yml."""
    cfg = config()["repository"]
    base = f"{cfg['url'].rstrip('/')}/blob/{cfg.get('branch', 'main')}/"
    prefix = (cfg.get("path_to_book") or "").strip("/")
    urls = set(re.findall(r"(https?://\S+)", poppler("pdfinfo", "-url")))
    book = book_text()
    expected, problems = 0, []
    for chapter in chapters():
        for target in re.findall(r"\]\(([^)\s]+\.ipynb)\)", markdown_of(chapter.source)):
            path = (chapter.source.parent / target).resolve().relative_to(REPO)
            if not path.as_posix().startswith(NOT_IN_PDF):
                continue
            expected += 1
            url = base + (f"{prefix}/" if prefix else "") + path.as_posix()
            if not (REPO / path).is_file():
                problems.append(f"{chapter.heading} links {path}, which does not exist")
            if url not in urls:
                problems.append(f"{chapter.heading}: no link to {url}")
    assert expected, "no chapter links an exercise notebook"
    for notebook in sorted((REPO / "exercises").glob("*/*.ipynb")):
        nb = read_notebook(notebook)
        title = next(
            (
                cell_source(c).splitlines()[0].lstrip("# ")
                for c in nb["cells"]
                if c.get("cell_type") == "markdown"
            ),
            "",
        )
        if title and squash(title) in book:
            problems.append(f"the exercise {notebook.name} ({title!r}) is in the PDF")
    assert not problems, "\n".join(problems)


def test_the_site_links_the_pdf():
    """The front page of the website links the PDF, which lies beside the site (pdf.sh
    copies it there) and is the one just built."""
    index = SITE / (toc_pages()[0].docname + ".html")
    if not index.is_file():
        pytest.fail(f"{index} is missing: build the site first (`make book`)", pytrace=False)
    html = index.read_text(encoding="utf8")
    hrefs = [h for h in re.findall(r'href="([^"#]+)"', html) if h.endswith(".pdf")]
    assert hrefs, f"{index.relative_to(REPO)} has no link to a .pdf"
    targets = {
        (SITE / urljoin(toc_pages()[0].docname + ".html", h)).resolve()
        for h in hrefs
        if not urlparse(h).scheme
    }
    copy = (SITE / pdf_path().name).resolve()
    assert copy in targets, (
        f"the front page links {hrefs}, not {pdf_path().name} at the site's root"
    )
    assert copy.is_file(), f"{copy} is missing: scripts/pdf.sh copies the PDF there"
    assert copy.read_bytes() == pdf_path().read_bytes(), f"{copy} is not the PDF just built"


def test_a_code_line_broken_across_pages_reads_as_one():
    title = config()["title"]
    before = f"{title}\nx = f(1,\u2423\n(continues on next page)\n106 Section 4.2. Data"
    after = f"{title}\n(continued from previous page)\n\u21aa2)\nprint(x)\n4.2.3. Timing 107"
    joined = squash(page_body(before, title)) + squash(page_body(after, title))
    assert joined == squash("x = f(1, 2)\nprint(x)")
