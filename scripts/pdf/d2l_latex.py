"""Sphinx extension for the book's PDF. Of the website it only touches one file: an
HTML build copies the PDF last built by scripts/pdf.sh (_build/pdf/<name>.pdf) to the
site's root, where the front page links it (scripts/pdf.sh copies it there too when the
site is built first).

- SVG figures reach LaTeX as PDF, converted by rsvg-convert (librsvg2-bin) through
  sphinxcontrib.rsvgconverter. Only builders that cannot show SVG (LaTeX) convert.
- A link to a notebook or page of the repository that the PDF does not hold becomes a
  link to that file in the repository named by `repository` in _config.yml. The
  chapters end with a link to their exercise notebook, and the exercises are not part
  of the PDF (scripts/pdf.sh builds it from a table of contents without them): a
  reader of the PDF follows the link to the notebook online.
- The PDF is numbered as the book is. Sphinx would number each page (a LaTeX chapter)
  1, 2, ... before its own title "2.1 Data Manipulation", and each part (a chapter of
  the book, "Chapter 2: Preliminaries") I, II, ... Instead the part is "Chapter 2" with
  the title "Preliminaries", the page is "Section 2.1" with the title "Data
  Manipulation", and its headings, equations and figures are numbered 2.1.1, 2.1.2, ...
  A page or part whose title has no number gets none. A page with nothing but its
  title (a bibliography page: LaTeX prints the entries at the end) is left out.

Loaded through `sphinx.local_extensions` and `sphinx.config.extensions` in _config.yml.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.transforms.post_transforms import SphinxPostTransform


def repository_file_url(config, path: str) -> str:
    """The web address of ``path`` (relative to the book's root) in the repository.

    ``config`` is the Sphinx config; Jupyter Book copies `repository` of _config.yml
    into ``html_theme_options`` (``repository_url``, ``repository_branch``,
    ``path_to_docs``). Raises ConfigError when no repository is configured.
    """
    options = config.html_theme_options or {}
    url = (options.get("repository_url") or "").rstrip("/")
    if not url:
        raise ConfigError(
            "_config.yml has no repository.url: the PDF's links to notebooks "
            "that it does not hold need one"
        )
    branch = options.get("repository_branch") or "main"
    prefix = (options.get("path_to_docs") or "").strip("/")
    return f"{url}/blob/{branch}/{prefix + '/' if prefix else ''}{path}"


class LinksToRepositoryFiles(SphinxPostTransform):
    """Resolve MyST links to source files outside the build to their repository URL.

    Runs before MyST's own resolver (priority 9), which would otherwise replace such a
    link by its plain text and warn "Unknown source document".
    """

    default_priority = 8
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        srcdir = Path(self.env.srcdir)
        suffixes = list(self.config.source_suffix)
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain") != "doc":
                continue
            docname = node["reftarget"]
            if docname in self.env.all_docs:
                continue
            path = next((docname + s for s in suffixes if (srcdir / (docname + s)).is_file()), None)
            if path is None:
                continue  # not a file: MyST reports the broken link
            url = repository_file_url(self.config, path)
            if node.get("reftargetid"):
                url += "#" + node["reftargetid"]
            link = nodes.reference("", "", *node.children, refuri=url, internal=False)
            node.replace_self(link)


# A part of the book's table of contents ("Chapter 2: Preliminaries") and a page's title
# ("2.1 Data Manipulation"), each with its number and the rest of its title.
NUMBERED_PART = re.compile(r"Chapter\s+(\d+)\s*[:.]\s*(\S.*)", re.S)
NUMBERED_PAGE = re.compile(r"(\d+(?:\.\d+)+)\s+(\S.*)", re.S)

# The macros that BookNumbering puts before each part and page; \CourseSecNumDepth is
# the depth to which Sphinx numbers headings. \chaptername names a page in its heading
# and the page headers: a page of this book is a section of a chapter.
PREAMBLE = r"""
% Numbering of the book (scripts/pdf/d2l_latex.py).
\makeatletter
\AtBeginDocument{\edef\CourseSecNumDepth{\the\c@secnumdepth}}
\makeatother
\newcommand{\CourseNumberedPart}[1]{%
  \setcounter{secnumdepth}{\CourseSecNumDepth}\renewcommand{\thepart}{#1}}
\newcommand{\CourseUnnumberedPart}{\setcounter{secnumdepth}{-2}}
\newcommand{\CourseNumberedPage}[1]{%
  \setcounter{secnumdepth}{\CourseSecNumDepth}\renewcommand{\thechapter}{#1}%
  \renewcommand{\theequation}{#1.\arabic{equation}}%
  \renewcommand{\thefigure}{#1.\arabic{figure}}%
  \renewcommand{\thetable}{#1.\arabic{table}}}
\newcommand{\CourseUnnumberedPage}{\setcounter{secnumdepth}{-1}%
  \renewcommand{\theequation}{\arabic{equation}}%
  \renewcommand{\thefigure}{\arabic{figure}}%
  \renewcommand{\thetable}{\arabic{table}}}
\addto\captionsenglish{\renewcommand{\partname}{Chapter}\renewcommand{\chaptername}{Section}}
"""


class BookStructure(SphinxPostTransform):
    """Number the PDF's parts and pages as the book does (see the module's docstring),
    through the macros of PREAMBLE put before each part and page, and leave out the
    pages that hold nothing but their title and the parts left without pages.

    An empty page is what a page holding only the bibliography becomes: its entries are
    moved to the end of the book, where LaTeX prints them as the "Bibliography".
    Runs after sphinx-jupyterbook-latex has made the parts of the table of contents into
    sections and moved the bibliography (priority 700), on the whole book assembled in
    one doctree.
    """

    default_priority = 800
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        # Without parts (a table of contents without captions), pages are on top.
        page_depth = 1 if getattr(self.env, "jblatex_captions_to_parts", False) else 0
        sections = [
            (container, section, depth)
            for container, section, depth in _sections(self.document, 0)
            if depth <= page_depth
            and section.get("docname") != self.config.root_doc
            and section.children
            and isinstance(section[0], nodes.title)
        ]
        for container, section, depth in sections:
            if depth == page_depth and _only_title(section):
                container.remove(section)
        for container, section, depth in sections:
            if depth < page_depth and not any(section.findall(nodes.section, include_self=False)):
                container.remove(section)
        for container, section, depth in sections:
            if section not in container.children:
                continue
            title = section[0]
            pattern, kind = (
                (NUMBERED_PAGE, "Page") if depth == page_depth else (NUMBERED_PART, "Part")
            )
            match = pattern.fullmatch(title.astext())
            if match and _drop_prefix(title, title.astext()[: match.start(2)]):
                macro = rf"\CourseNumbered{kind}{{{match.group(1)}}}"
            else:
                macro = rf"\CourseUnnumbered{kind}"
            container.insert(container.index(section), nodes.raw("", macro + "\n", format="latex"))


def _only_title(section: nodes.section) -> bool:
    """Whether the section shows nothing but its title (no text, no image)."""
    return not any(
        child.astext().strip() or any(child.findall(nodes.image)) for child in section.children[1:]
    )


def _sections(node: nodes.Element, depth: int):
    """(the node holding it, section, number of sections around it) for every section
    below ``node``. Walks the children lists: Sphinx assembles the book by moving each
    page's children under a new node without updating their ``parent``."""
    for child in node.children:
        if isinstance(child, nodes.section):
            yield node, child, depth
            yield from _sections(child, depth + 1)
        elif isinstance(child, nodes.Element):
            yield from _sections(child, depth)


def _drop_prefix(title: nodes.title, prefix: str) -> bool:
    """Remove ``prefix`` from the start of the title's first text; False when the title
    does not start with plain text holding all of it."""
    first = title.children[0] if title.children else None
    if not isinstance(first, nodes.Text) or not first.astext().startswith(prefix):
        return False
    title.replace(first, nodes.Text(first.astext()[len(prefix) :]))
    return True


def add_preamble(app: Sphinx, config) -> None:
    elements = config.latex_elements
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE


def copy_pdf_to_site(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build, put the PDF of scripts/pdf.sh beside the site."""
    if exception is not None or app.builder.format != "html":
        return
    name = Path(app.config.latex_documents[0][1]).with_suffix(".pdf").name
    pdf = Path(app.outdir).parent / "pdf" / name
    if pdf.is_file():
        shutil.copy2(pdf, Path(app.outdir) / name)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinxcontrib.rsvgconverter")
    app.add_post_transform(LinksToRepositoryFiles)
    app.add_post_transform(BookStructure)
    app.connect("config-inited", add_preamble)
    app.connect("build-finished", copy_pdf_to_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
