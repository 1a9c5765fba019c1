"""Helpers of tests/test_site.py: the table of contents, the built site, a local web
server, headless Chromium, and the text of the solutions that must never be published.

Nothing here builds the site: scripts/test.sh runs scripts/book.sh first, and the tests
read what it left in _build/html.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from d2lgrade.course_tools import leaks
from d2lgrade.course_tools.leaks import Secret, collapse, notebook_text
from d2lgrade.notebook import cell_source

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "_build" / "html"
EXECUTED = REPO / "_build" / "jupyter_execute"
SOLUTIONS = REPO / "solutions"
SCREENSHOTS = REPO / "artifacts" / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1400",
)

IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif", "image/webp")
BINARY_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".eot",
    ".otf",
    ".pdf",
    ".zip",
    ".gz",
    ".pickle",
    ".inv",
}


# --- the table of contents -------------------------------------------------------


@dataclass(frozen=True)
class Page:
    docname: str  # "book/ch2_1_data_manipulation"

    @property
    def url(self) -> str:  # relative to the site root
        return self.docname + ".html"

    @property
    def source(self) -> Path | None:
        for suffix in (".ipynb", ".md"):
            path = REPO / (self.docname + suffix)
            if path.is_file():
                return path
        return None

    @property
    def executed(self) -> Path | None:
        """The notebook as the build executed it (what the page was rendered from)."""
        path = EXECUTED / (self.docname + ".ipynb")
        return path if path.is_file() else None

    def __str__(self) -> str:
        return self.docname


def _strip_suffix(name: str) -> str:
    return re.sub(r"\.(ipynb|md|rst)$", "", name)


def toc_pages() -> list[Page]:
    """Every page of _toc.yml in reading order (root first, then parts and sections)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf8"))
    names = [_strip_suffix(toc["root"])]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(_strip_suffix(entry["file"]))
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return [Page(n) for n in names]


def config() -> dict:
    return yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf8"))


# --- what a notebook shows ---------------------------------------------------------


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf8"))


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def rendered_code_cells(nb: dict) -> list[dict]:
    """The code cells that myst-nb turns into a div.cell, in order."""
    return [
        c
        for c in nb.get("cells", [])
        if c.get("cell_type") == "code" and not _tags(c) & {"remove-cell", "remove_cell"}
    ]


def image_outputs(cell: dict) -> int:
    """How many images a code cell shows (0 when its outputs are removed)."""
    if _tags(cell) & {"remove-output", "remove_output"}:
        return 0
    return sum(
        1 for out in cell.get("outputs", []) if any(m in out.get("data", {}) for m in IMAGE_MIMES)
    )


def has_outputs(nb: dict) -> bool:
    return any(c.get("outputs") for c in nb.get("cells", []) if c.get("cell_type") == "code")


_INLINE_MATH = re.compile(r"(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\$)")


def source_has_math(path: Path) -> bool:
    """Whether the page's Markdown holds $...$, $$...$$ or a LaTeX environment."""
    if path.suffix == ".ipynb":
        texts = [
            cell_source(c) for c in read_notebook(path)["cells"] if c.get("cell_type") == "markdown"
        ]
    else:
        texts = [path.read_text(encoding="utf8")]
    # Inline code and code blocks are not math.
    text = re.sub(r"```.*?```|`[^`\n]*`", "", "\n".join(texts), flags=re.S)
    return "$$" in text or bool(_INLINE_MATH.search(text)) or "\\begin{" in text


# --- the built files as text -----------------------------------------------------


def _json_strings(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            _json_strings(v, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append(str(k))
            _json_strings(v, out)


def file_texts(path: Path) -> list[str]:
    """The readable forms of one built file: as stored, and decoded (HTML without its
    tags and entities, the strings inside JSON and the search index)."""
    raw = path.read_bytes().decode("utf8", errors="replace")
    texts = [raw]
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm", ".xml", ".svg"}:
        # Highlighted code is split into <span>s: the text between the tags is the code.
        texts.append(html.unescape(re.sub(r"<[^>]*>", "", raw)))
    if suffix in {".ipynb", ".json", ".js"}:
        start, end = raw.find("{"), raw.rfind("}")
        if start != -1 and end > start:
            try:
                value = json.loads(raw[start : end + 1])
            except ValueError:
                value = None
            if value is not None:
                strings: list[str] = []
                if suffix == ".ipynb" and isinstance(value, dict):
                    strings.append(notebook_text(value))
                _json_strings(value, strings)
                texts.append("\n".join(strings))
    return texts


def site_text_files() -> list[Path]:
    return sorted(
        p for p in SITE.rglob("*") if p.is_file() and p.suffix.lower() not in BINARY_SUFFIXES
    )


@functools.lru_cache(maxsize=1)
def site_haystack() -> dict[str, str]:
    """Every text file of the built site (its path relative to the site) -> its readable
    forms, whitespace collapsed."""
    return {
        str(p.relative_to(SITE)): "\n".join(collapse(t) for t in file_texts(p))
        for p in site_text_files()
    }


# --- what must never be published ------------------------------------------------
# One detector for the whole course (grader/d2lgrade/course_tools/leaks.py).


def solution_secrets() -> list[Secret]:
    """Telling lines of each solution cell of solutions/*/*.ipynb."""
    return leaks.solution_secrets(REPO)


def hidden_check_secrets() -> list[Secret]:
    """Each probe's name and the telling lines of its body."""
    return leaks.hidden_check_secrets(REPO)


# --- serving and browsing --------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(SITE), **kwargs)

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        # Browsers ask for /favicon.ico by themselves; the site names no such file.
        if self.path == "/favicon.ico" and not (SITE / "favicon.ico").is_file():
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def send_error(self, code, message=None, explain=None):
        self.server.errors.append(f"{code} {self.path}")
        super().send_error(code, message, explain)


class SiteServer:
    """_build/html served on 127.0.0.1 at a free port, in a thread."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.errors = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    @property
    def errors(self) -> list[str]:
        """Requests answered with an error (e.g. '404 /_static/missing.js')."""
        return self.httpd.errors

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def browser_problem() -> str | None:
    """Why headless Chromium cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return (
                f"{path} is missing: install Debian's chromium and chromium-driver "
                "(scripts/ensure_system.sh does, as root)"
            )
    return None


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver
