"""What the book's sources say, read without building the site: the prose of each
section (and how many words it has), its cross-references, equation labels and
citations. Shared by tests/test_book_structure.py and tests/test_site.py.

The word count is the one the issue-13 conventions define: Markdown cells only, with
fenced code, code spans, `$...$` and `$$...$$` math, MyST directive option lines, link
targets, images and HTML tags removed; a word is a run of letters, with inner
apostrophes or hyphens ("don't", "one-hot"). The exercise link at the end of a section
is not counted.

Run `python tests/book_sources.py` for the per-section table.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from site_helpers import REPO, cell_source, read_notebook, toc_pages

BOOK = REPO / "book"
BIBLIOGRAPHY = REPO / "references.bib"

# Directives whose body a reader sees as prose; the body of any other directive
# (code-block, bibliography, math, ...) is not prose.
PROSE_DIRECTIVES = {
    "admonition",
    "note",
    "warning",
    "tip",
    "important",
    "hint",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
    "dropdown",
    "figure",
    "epigraph",
    "sidebar",
    "margin",
    "topic",
}

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})[ \t]*(?P<info>.*)$")
_OPTION_LINE = re.compile(r"^[ \t]*:[\w-]+:.*$", re.M)
_DISPLAY_MATH = re.compile(r"\$\$(?P<body>.+?)\$\$(?:[ \t]*\((?P<label>[^()\s]+)\))?", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\\n])+?\$")
_TARGET = re.compile(r"^[ \t]*\((?P<label>[^()\s]+)\)=[ \t]*$", re.M)
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<body>[^`]*)`")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_EXERCISE_LINE = re.compile(r"^.*\[exercise notebook for this section\]\([^)]*\).*$", re.M)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^>]*>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")

# A mention of another part of the book in running text: "Section 3.1", "chapter 4",
# "Sec. 2.5", "§2.3", "the previous section", "the following chapter". ("The following
# chapters", in general, names no particular one.)
_SECTION_MENTION = re.compile(
    r"\b(?:sections?|chapters?|sec\.|ch\.)\s*\d+(?:\.\d+)*\b|§\s*\d+(?:\.\d+)*"
    r"|\b(?:previous|preceding|next)\s+(?:sections?|chapters?)\b"
    r"|\bfollowing\s+(?:section|chapter)\b",
    re.I,
)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t].*$", re.M)
CITE_ROLE_NAME = r"cite(?::\w+)?"  # {cite}, {cite:p}, {cite:t}, ...
_BIB_ENTRY = re.compile(r"^@(?P<kind>\w+)\s*\{\s*(?P<key>[^,\s]+)\s*,", re.M)


# --- pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One numbered section of the book: book/chN_M_title.ipynb."""

    path: Path

    @property
    def name(self) -> str:  # "ch2_5_automatic_differentiation"
        return self.path.stem

    @property
    def number(self) -> str:  # "2.5"
        major, minor = re.match(r"ch(\d+)_(\d+)_", self.name).groups()
        return f"{major}.{minor}"

    @property
    def exercise(self) -> str:  # "ex2_5"
        return "ex" + self.number.replace(".", "_")

    def markdown(self) -> list[str]:
        return markdown_cells(self.path)

    def __str__(self) -> str:
        return self.number


def sections() -> list[Section]:
    """The numbered sections of _toc.yml, in reading order."""
    found = []
    for page in toc_pages():
        if re.fullmatch(r"book/ch\d+_\d+_\w+", page.docname) and page.source is not None:
            found.append(Section(page.source))
    return found


def book_pages() -> list[Path]:
    """Every source file of book/ (sections, the introduction, the references page)."""
    return sorted(p for p in BOOK.iterdir() if p.suffix in {".ipynb", ".md"})


def numbered_markdown(path: Path) -> list[tuple[int, str]]:
    """The Markdown of a page with where it is: (cell index, source) for each Markdown
    cell of a notebook, or (0, the whole file) for a .md page."""
    if path.suffix == ".ipynb":
        return [
            (i, cell_source(c))
            for i, c in enumerate(read_notebook(path)["cells"])
            if c.get("cell_type") == "markdown"
        ]
    return [(0, path.read_text(encoding="utf8"))]


def markdown_cells(path: Path) -> list[str]:
    """The Markdown of a page: each Markdown cell of a notebook, or the whole .md file."""
    return [text for _, text in numbered_markdown(path)]


# --- from Markdown to prose ------------------------------------------------------


def _strip_fences(text: str) -> str:
    """Drop fenced code and non-prose directives; keep the title and body (less its
    option lines) of prose directives such as admonitions."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if not match or (match["fence"][0] == ":" and not match["info"].startswith("{")):
            out.append(lines[i])
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        directive = re.match(r"\{([\w:-]+)\}\s*(.*)", info)
        if directive and directive.group(1) in PROSE_DIRECTIVES:
            body = "\n".join(lines[i + 1 : end])
            out.append(directive.group(2))
            out.append(_strip_fences(_OPTION_LINE.sub("", body)))
        i = end + 1
    return "\n".join(out)


def _role_text(match: re.Match) -> str:
    """What a reader sees of a role as prose: the explicit text of `{ref}` and `{doc}`
    links; nothing for citations, equation numbers and other roles."""
    body = match["body"]
    explicit = re.match(r"(.*\S)\s*<[^>]*>$", body, re.S)
    if match["name"] in {"ref", "doc", "numref"} and explicit:
        return explicit.group(1)
    return ""


def prose(markdown: str) -> str:
    """The prose of one Markdown cell: what the word count reads."""
    text = _strip_fences(markdown)
    text = _EXERCISE_LINE.sub("", text)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    text = _TARGET.sub("", text)
    text = _ROLE.sub(_role_text, text)
    text = _CODE_SPAN.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(lambda m: m["text"], text)
    text = _AUTOLINK.sub(" ", text)
    return _HTML_TAG.sub(" ", text)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(path: Path) -> int:
    """Prose words of a page (see the module docstring for what counts)."""
    return sum(len(words(prose(md))) for md in markdown_cells(path))


def word_table(selected: list[Section] | None = None) -> str:
    """The per-section word counts as a table, with the median."""
    rows = [(s.number, s.name, word_count(s.path)) for s in (selected or sections())]
    width = max(len(name) for _, name, _ in rows)
    lines = [f"{'section':8} {'notebook':{width}} {'words':>6}"]
    lines += [f"{number:8} {name:{width}} {count:6d}" for number, name, count in rows]
    lines.append(f"{'median':8} {'':{width}} {statistics.median(c for _, _, c in rows):6.0f}")
    return "\n".join(lines)


# --- cross-references, equations, citations ---------------------------------------


def without_code_and_math(markdown: str) -> str:
    """Markdown with fenced code, code spans and math removed (roles and links kept)."""
    text = _strip_fences(markdown)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    # A role's body is written in backticks, like a code span: set the roles aside
    # while the code spans go, then put them back.
    kept: list[str] = []

    def set_aside(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _CODE_SPAN.sub(" ", _ROLE.sub(set_aside, text))
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def plain_section_mentions(markdown: str) -> list[str]:
    """Mentions of another section or chapter that are not links ("Section 3.1"
    written as text). A mention inside a link's text, or a `{ref}` role, is fine, and
    so are headings (the book's title names its chapters)."""
    text = _HEADING.sub(" ", without_code_and_math(markdown))
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(" ", text)
    text = _ROLE.sub(" ", text)
    return [m.group(0) for m in _SECTION_MENTION.finditer(text)]


def links(markdown: str) -> list[str]:
    """The targets of the Markdown links (not images) of a cell."""
    text = _IMAGE.sub(" ", without_code_and_math(markdown))
    return [m["target"] for m in _LINK.finditer(text)]


def roles(markdown: str, name_pattern: str) -> list[str]:
    """The bodies of the roles whose name matches name_pattern (a regular expression)."""
    text = without_code_and_math(markdown)
    return [m["body"] for m in _ROLE.finditer(text) if re.fullmatch(name_pattern, m["name"])]


def equation_refs(markdown: str) -> list[str]:
    """The labels that `{eq}` roles refer to."""
    return [body.strip() for body in roles(markdown, "eq")]


def cited_keys(markdown: str) -> list[str]:
    """The BibTeX keys of the `{cite}`, `{cite:p}`, `{cite:t}` ... roles, one per key."""
    return [
        key.strip()
        for body in roles(markdown, CITE_ROLE_NAME)
        for key in body.split(",")
        if key.strip()
    ]


def equation_labels(markdown: str) -> list[str]:
    """The labels that `$$ ... $$ (label)` and `{math}` directives define."""
    code_free = _CODE_SPAN.sub(" ", _strip_fences(markdown))
    labels = [m["label"] for m in _DISPLAY_MATH.finditer(code_free) if m["label"]]
    for block in re.finditer(r"^(`{3,}|:{3,})\{math\}.*?^\1", markdown, re.S | re.M):
        labels += re.findall(r"^[ \t]*:label:[ \t]*(\S+)", block.group(0), re.M)
    return labels


def target_labels(markdown: str) -> list[str]:
    """The `(label)=` targets that a cell defines."""
    return [m["label"] for m in _TARGET.finditer(markdown)]


def bibliography_keys() -> list[str]:
    """The keys of references.bib, in file order (a key twice is listed twice)."""
    return [m["key"] for m in _BIB_ENTRY.finditer(BIBLIOGRAPHY.read_text(encoding="utf8"))]


def bibliography_entries() -> dict[str, str]:
    """references.bib as key -> the text of its entry."""
    text = BIBLIOGRAPHY.read_text(encoding="utf8")
    starts = list(_BIB_ENTRY.finditer(text))
    return {
        m["key"]: text[m.start() : (starts[i + 1].start() if i + 1 < len(starts) else len(text))]
        for i, m in enumerate(starts)
    }


if __name__ == "__main__":
    print(word_table())
