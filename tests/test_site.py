"""The built course website, as a reader's browser sees it, and what it must not hold.

These tests build nothing: scripts/test.sh runs scripts/book.sh first, and they read
_build/html (a missing build fails them, it does not skip them). They serve the site on
127.0.0.1 and drive Debian's headless Chromium through Selenium with the system's
chromedriver. Screenshots of three pages go to artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import html
import re
import subprocess
import urllib.request
from urllib.parse import unquote, urljoin, urlparse

import pytest
from book_sources import cited_keys, equation_refs, markdown_cells
from site_helpers import (
    BINARY_SUFFIXES,
    REPO,
    SCREENSHOTS,
    SITE,
    SiteServer,
    browser_problem,
    cell_source,
    config,
    has_outputs,
    hidden_check_secrets,
    image_outputs,
    read_notebook,
    rendered_code_cells,
    site_haystack,
    site_text_files,
    solution_secrets,
    source_has_math,
    start_browser,
    toc_pages,
)

PAGES = toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if (REPO / (p.docname + ".ipynb")).is_file()]

# Resolves when MathJax has typeset the page; a page without math has no MathJax script.
WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
if (!document.querySelector('script[src*="mathjax"]')) { done('no mathjax'); return; }
// The page's load event has fired: the (deferred) MathJax script has run, or failed to.
const start = Date.now();
(function poll() {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(() => done('typeset'), (e) => done('error: ' + e));
  } else if (Date.now() - start > 30000) {
    // Generous: a loaded machine can take seconds to run the script.
    done('error: the MathJax script did not run within ' + (Date.now() - start) +
         ' ms (not found, or it failed)');
  } else {
    setTimeout(poll, 100);
  }
})();
"""

# What a page shows, read once it has loaded and MathJax has finished.
INSPECT = """
const main = document.querySelector('main') || document.body;
const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
const dollars = [];
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.textContent;
  if (text.includes('$$') && !node.parentElement.closest(skip)) {
    dollars.push(text.trim().slice(0, 120));
  }
}
const cells = Array.from(main.querySelectorAll('div.cell')).map((cell) => {
  const imgs = Array.from(cell.querySelectorAll('.cell_output img'));
  return {
    images: imgs.length,
    broken: imgs.filter((i) => !(i.complete && i.naturalWidth > 0))
      .map((i) => i.getAttribute('src')),
    code: (cell.querySelector('.cell_input') || cell).textContent.trim().slice(0, 60),
    copyable: Array.from(cell.querySelectorAll('.cell_input div.highlight')).every(
      (h) => h.querySelector('button.copybtn')),
  };
});
const link = (sel) => { const a = document.querySelector(sel); return a ? a.href : null; };
const mathjax = document.querySelector('script[src*="mathjax"]');
// A citation or equation reference as the reader gets it: its text, where it leads, and,
// when that is this page, whether the target element is here.
const reference = (a) => {
  const url = new URL(a.href);
  const here = url.origin + url.pathname === location.origin + location.pathname;
  const id = decodeURIComponent(url.hash.slice(1));
  return {text: a.textContent.trim(), href: a.href, here: here,
          found_here: here && id !== '' && document.getElementById(id) !== null};
};
return {
  url: location.href,
  title: (document.querySelector('main h1') || {textContent: ''}).textContent
    .replace('#', '').trim(),
  math: document.querySelectorAll('.math').length,
  mjx: main.querySelectorAll('mjx-container').length,
  untypeset: Array.from(document.querySelectorAll('.math'))
    .filter((m) => !m.querySelector('mjx-container')).map((m) => m.textContent.slice(0, 80)),
  dollars: dollars,
  mathjax_src: mathjax ? mathjax.src : null,
  cells: cells,
  next: link('a.right-next'),
  prev: link('a.left-prev'),
  citations: Array.from(main.querySelectorAll('span.bibtex-citation'))
    .map((span) => ({text: span.textContent.trim(),
                     links: Array.from(span.querySelectorAll('a[href]')).map(reference)})),
  equation_refs: Array.from(main.querySelectorAll('a.reference[href*="#equation-"]'))
    .map(reference),
};
"""


# Runs axe-core (injected as the script's first argument) on the page and resolves with
# the violations of the WCAG 2.1 A and AA rules and of axe's best practices, each with its
# impact and up to five offending elements.
RUN_AXE = """
const done = arguments[arguments.length - 1];
if (!window.axe) { (0, eval)(arguments[0]); }
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
axe.run(document, {runOnly: {type: 'tag', values: tags}})
  .then((results) => done(results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.html.slice(0, 100))}))),
        (e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""

# The images of a page's text, cell outputs and figures (not the theme's buttons), with
# their alt text.
FIGURE_ALTS = """
const article = document.querySelector('article.bd-article') || document.body;
return Array.from(article.querySelectorAll('img')).map((img) => ({
  src: img.getAttribute('src') || '', alt: (img.getAttribute('alt') || '').trim()}));
"""


# --- the build, the server, the browser ------------------------------------------


def require_site():
    """The built site. Called in the test itself, so that a missing build makes every
    test FAIL (not skip, not error in a fixture) with this message."""
    if not (SITE / "index.html").is_file():
        pytest.fail(
            f"{SITE / 'index.html'} is missing: build the site first with "
            "`bash scripts/book.sh` (scripts/test.sh does so before the tests)",
            pytrace=False,
        )
    return SITE


@pytest.fixture(scope="session")
def server():
    with SiteServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, fetched once with npm by scripts/fetch_axe.sh."""
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "fetch_axe.sh")], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/fetch_axe.sh failed: {done.stderr.strip()}", pytrace=False)
    with open(done.stdout.strip().splitlines()[-1], encoding="utf8") as script:
        return script.read()


@pytest.fixture(scope="session")
def browser():
    problem = browser_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    driver = start_browser()
    yield driver
    driver.quit()


class Visit:
    """One page loaded in the browser: what it showed, its console and its requests,
    and what axe-core found on it."""

    def __init__(self, browser, server, path: str, axe_source: str):
        browser.get_log("browser")  # drop what earlier pages logged
        first_error = len(server.errors)
        browser.get(urljoin(server.root, path))
        self.mathjax = browser.execute_async_script(WAIT_FOR_MATHJAX)
        self.info = browser.execute_script(INSPECT)
        self.images = browser.execute_script(FIGURE_ALTS)
        self.console = browser.get_log("browser")
        self.http_errors = server.errors[first_error:]
        self.accessibility = browser.execute_async_script(RUN_AXE, axe_source)

    @property
    def severe(self) -> list[str]:
        return [e["message"] for e in self.console if e.get("level") == "SEVERE"]


@pytest.fixture(scope="session")
def visit(browser, server, axe_source):
    cache: dict[str, Visit] = {}

    def get(path: str) -> Visit:
        require_site()
        if path not in cache:
            cache[path] = Visit(browser, server, path, axe_source)
        return cache[path]

    return get


def require_source(page):
    if page.source is None:
        pytest.fail(
            f"{page.docname} is listed in _toc.yml but neither "
            f"{page.docname}.ipynb nor {page.docname}.md exists",
            pytrace=False,
        )


# --- every page of the table of contents -----------------------------------------


def test_toc_lists_the_pages():
    assert PAGES and PAGES[0].docname == "book/intro"
    assert len({p.docname for p in PAGES}) == len(PAGES), "a page is listed twice in _toc.yml"
    assert not [p for p in PAGES if p.docname.startswith("solutions/")], "solutions in _toc.yml"


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_loads_without_errors(page, visit):
    require_source(page)
    v = visit(page.url)
    assert not v.http_errors, f"{page.url}: the server answered {v.http_errors}"
    assert v.info["title"], f"{page.url} has no title (h1)"
    assert not v.severe, f"{page.url}: console errors:\n" + "\n".join(v.severe)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_has_no_serious_accessibility_violations(page, visit):
    """axe-core finds nothing critical or serious (WCAG 2.1 A/AA and best practices)."""
    require_source(page)
    found = [v for v in visit(page.url).accessibility if v["impact"] in {"critical", "serious"}]
    assert not found, f"{page.url}: accessibility violations:\n" + "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found
    )


# An alt text that only repeats the file (what MyST-NB writes when a cell gives none).
FILE_NAME_ALT = re.compile(r"^[\w./-]*\.(png|svg|jpe?g|gif)$|^_build/|^\.\./", re.I)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_every_figure_has_a_meaningful_alt_text(page, visit):
    """Each image says what it shows: an alt text of a few words, not its file's path."""
    require_source(page)
    bad = [
        f"{img['src']} (alt {img['alt']!r})"
        for img in visit(page.url).images
        if len(img["alt"].split()) < 4 or FILE_NAME_ALT.search(img["alt"])
    ]
    assert not bad, f"{page.url}: images without a meaningful alt text: {bad}"


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_math_is_typeset(page, visit):
    require_source(page)
    v = visit(page.url)
    info = v.info
    if source_has_math(page.source) or info["math"]:
        assert v.mathjax == "typeset", f"{page.url}: MathJax: {v.mathjax}"
        assert info["mjx"] > 0, f"{page.url} has math but no MathJax output (mjx-container)"
        assert not info["untypeset"], f"{page.url}: math left untypeset: {info['untypeset'][:5]}"
        assert urlparse(info["mathjax_src"]).netloc == urlparse(info["url"]).netloc, (
            f"{page.url} loads MathJax from elsewhere: {info['mathjax_src']}"
        )
    assert not info["dollars"], f"{page.url}: raw $$ in the text: {info['dollars'][:5]}"


@functools.cache
def _element_ids(url: str) -> frozenset[str]:
    """The ids of the elements of a page of the served site."""
    with urllib.request.urlopen(url, timeout=30) as response:
        page = response.read().decode("utf8")
    return frozenset(html.unescape(i) for i in re.findall(r'\sid="([^"]+)"', page))


def _broken(references: list[dict]) -> list[str]:
    """The references whose target is missing: on this page (as the browser found it)
    or on the page they link to (fetched from the server)."""
    broken = []
    for ref in references:
        url = urlparse(ref["href"])
        target = unquote(url.fragment)
        if ref["here"]:
            found = ref["found_here"]
        else:
            found = bool(target) and target in _element_ids(url._replace(fragment="").geturl())
        if not found:
            broken.append(f"{ref['text']!r} -> {ref['href']}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_citations_and_equation_references_are_working_links(page, visit):
    """Each {cite} key of the source shows as a link to its entry on the references page,
    each {eq} as a link "(N)" to its equation; every target exists."""
    require_source(page)
    info = visit(page.url).info
    texts = markdown_cells(page.source)
    keys = [key for text in texts for key in cited_keys(text)]
    labels = [label for text in texts for label in equation_refs(text)]

    links = [ref for cite in info["citations"] for ref in cite["links"]]
    assert len(links) == len(keys), (
        f"{page.url}: the source cites {len(keys)} key(s) {keys}, the page shows "
        f"{len(links)} citation link(s): {[c['text'] for c in info['citations']]}"
    )
    unlinked = [c["text"] for c in info["citations"] if not c["links"]]
    assert not unlinked, f"{page.url}: citations without a link: {unlinked}"
    not_author_year = [ref["text"] for ref in links if not re.search(r"\b\d{4}\b", ref["text"])]
    assert not not_author_year, f"{page.url}: citations without a year: {not_author_year}"

    numbers = [ref["text"] for ref in info["equation_refs"]]
    assert len(numbers) == len(labels), (
        f"{page.url}: the source refers to {len(labels)} equation(s) {labels}, the page "
        f"links {len(numbers)}: {numbers}"
    )
    unnumbered = [n for n in numbers if not re.fullmatch(r"\(\d+(\.\d+)*\)", n)]
    assert not unnumbered, f"{page.url}: equation references that are not numbers: {unnumbered}"

    broken = _broken(links + info["equation_refs"])
    assert not broken, f"{page.url}: links whose target does not exist:\n" + "\n".join(broken)


def test_the_book_shows_citations_and_equation_numbers(visit):
    """The per-page test above cannot pass vacuously: the book has both."""
    infos = [visit(p.url).info for p in PAGES if p.docname.startswith("book/")]
    assert sum(len(i["citations"]) for i in infos) > 0, "no page shows a citation"
    assert sum(len(i["equation_refs"]) for i in infos) > 0, "no page links an equation"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=str)
def test_every_plot_is_shown(page, visit):
    """Each code cell shows as many images as it has image outputs: those of the notebook
    the build executed, and at least those saved in the source notebook."""
    source = read_notebook(page.source)
    executed = read_notebook(page.executed) if page.executed else source
    expected = [image_outputs(c) for c in rendered_code_cells(executed)]
    saved = (
        [image_outputs(c) for c in rendered_code_cells(source)] if has_outputs(source) else expected
    )
    cells = visit(page.url).info["cells"]
    assert len(cells) == len(expected), (
        f"{page.url} shows {len(cells)} code cells, its notebook has {len(expected)}"
    )
    problems = []
    for i, (cell, want, was) in enumerate(zip(cells, expected, saved)):
        if cell["broken"]:
            problems.append(f"cell {i} ({cell['code']!r}): images not loaded: {cell['broken']}")
        if cell["images"] != want or cell["images"] < was:
            problems.append(
                f"cell {i} ({cell['code']!r}): {cell['images']} image(s) shown, "
                f"{want} in the executed notebook, {was} in {page.source.name}"
            )
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
    if page.docname.startswith("book/"):
        assert len(saved) == len(expected), f"{page.source.name} and its executed copy differ"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=str)
def test_code_cells_have_copy_buttons(page, visit):
    cells = visit(page.url).info["cells"]
    missing = [c["code"] for c in cells if not c["copyable"]]
    assert not missing, f"{page.url}: code cells without a copy button: {missing[:5]}"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=str)
def test_download_and_launch_buttons(page):
    """The .ipynb download and the Colab and Binder links, all built from the one
    repository.url of _config.yml."""
    site = require_site()
    cfg = config()
    repo = cfg["repository"]
    owner_name = urlparse(repo["url"]).path.strip("/")
    branch = repo.get("branch", "main")
    notebook = (repo.get("path_to_book") or "").strip("/")
    notebook = f"{notebook}/{page.docname}.ipynb" if notebook else f"{page.docname}.ipynb"
    html = (site / page.url).read_text(encoding="utf8")
    hrefs = set(re.findall(r'href="([^"]+)"', html))

    download = [h for h in hrefs if h.endswith(f"_sources/{page.docname}.ipynb")]
    assert download, f"{page.url} has no .ipynb download link"
    target = (site / page.url).parent / download[0]
    assert target.resolve().is_file(), f"{page.url}: the download {download[0]} is missing"
    assert "btn-download-source-button" in html

    colab_url = cfg["launch_buttons"]["colab_url"].rstrip("/")
    binder_url = cfg["launch_buttons"]["binderhub_url"].rstrip("/")
    colab = f"{colab_url}/github/{owner_name}/blob/{branch}/{notebook}"
    binder = f"{binder_url}/v2/gh/{owner_name}/{branch}?urlpath=tree/{notebook}"
    assert colab in hrefs, f"{page.url} has no Colab button to {colab}"
    assert binder in hrefs, f"{page.url} has no Binder button to {binder}"


def test_mathjax_is_served_by_the_site():
    """No page loads MathJax, or any script or stylesheet, from a CDN; the local copy of
    MathJax is complete."""
    site = require_site()
    problems = []
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf8")
        assets = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html) + [
            m.group(2)
            for m in re.finditer(r'<link([^>]*)\shref="([^"]+)"', html)
            if re.search(r'rel="(stylesheet|preload|modulepreload)"', m.group(1))
        ]
        for src in assets:
            if urlparse(src).scheme or src.startswith("//"):
                problems.append(f"{path.relative_to(site)}: loads {src}")
        if re.search(
            r"cdn\.jsdelivr\.net/npm/mathjax|cdnjs\.cloudflare\.com/ajax/libs/mathjax", html, re.I
        ):
            problems.append(f"{path.relative_to(site)}: names the MathJax CDN")
    assert not problems, "\n".join(problems)
    mathjax = site / "_static" / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").is_file()
    assert (mathjax / "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").is_file()
    assert (mathjax / "input/tex/extensions").is_dir()


# --- search and navigation -------------------------------------------------------


def test_search_finds_softmax(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    require_site()
    browser.get(urljoin(server.root, "search.html?q=softmax"))
    WebDriverWait(browser, 30).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#search-results li")
            or "did not match" in d.find_element(By.ID, "search-results").text
        )
    )
    results = [
        a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "#search-results li a")
    ]
    assert results, "search.html?q=softmax found nothing"
    assert any("softmax" in r for r in results), f"no softmax page among the results: {results}"


def test_next_and_previous_links_walk_the_table_of_contents(browser, server):
    from selenium.webdriver.common.by import By

    require_site()

    def here():
        path = urlparse(browser.current_url).path.lstrip("/")
        return re.sub(r"\.html$", "", path)

    def follow(css):
        links = browser.find_elements(By.CSS_SELECTOR, css)
        if not links:
            return False
        browser.get(links[0].get_attribute("href"))
        return True

    expected = [p.docname for p in PAGES]
    first_error = len(server.errors)
    browser.get(server.root)  # index.html redirects to the first page
    forward = [here()]
    while follow("a.right-next") and len(forward) <= len(expected):
        forward.append(here())
    assert forward == expected, "following 'next' from the first page"
    backward = [here()]
    while follow("a.left-prev") and len(backward) <= len(expected):
        backward.append(here())
    assert backward == expected[::-1], "following 'previous' from the last page"
    assert not server.errors[first_error:], f"the server answered {server.errors[first_error:]}"


def test_screenshots_of_three_pages(browser, server):
    """For a person to look at: the first page, the first page with math and a plot,
    and the last page (an exercise). Saved in artifacts/screenshots/."""
    with_plot = next(
        (
            p
            for p in NOTEBOOK_PAGES
            if source_has_math(p.source)
            and any(image_outputs(c) for c in rendered_code_cells(read_notebook(p.source)))
        ),
        PAGES[1],
    )
    require_site()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page in dict.fromkeys([PAGES[0], with_plot, PAGES[-1]]):
        browser.get(urljoin(server.root, page.url))
        assert browser.execute_async_script(WAIT_FOR_MATHJAX) in ("typeset", "no mathjax")
        if page == with_plot:  # show the first plot
            browser.execute_script(
                "const img = document.querySelector('.cell_output img');"
                "if (img) img.scrollIntoView({block: 'center'});"
            )
        out = SCREENSHOTS / (page.docname.replace("/", "__") + ".png")
        assert browser.save_screenshot(str(out)), f"no screenshot of {page.url}"
        assert out.stat().st_size > 10_000, f"{out} is nearly empty"


# --- what must never be published --------------------------------------------------


def test_solutions_are_not_part_of_the_site():
    site = require_site()
    built = [SITE.parent / "jupyter_execute", site]
    found = [
        str(p)
        for root in built
        if root.is_dir()
        for p in root.rglob("*")
        if "solutions" in p.relative_to(root).parts or p.name == "hidden_checks.py"
    ]
    assert not found, f"solution files in the build: {found[:10]}"


def _leaks(secrets):
    haystack = site_haystack()
    problems = []
    for secret in secrets:
        for line in secret.lines:
            where = [name for name, text in haystack.items() if line in text]
            if where:
                problems.append(f"{secret.origin}: {line!r} is in {', '.join(where[:5])}")
    return problems


def test_no_solution_code_in_the_site():
    require_site()
    secrets = solution_secrets()
    assert secrets, "no solution cells (nbgrader solution: true) found in solutions/*/*.ipynb"
    assert sum(len(s.lines) for s in secrets) > 0, "no solution line long enough to look for"
    assert site_text_files(), "the built site has no text files"
    problems = _leaks(secrets)
    assert not problems, "solution code in the built site:\n" + "\n".join(problems)


def test_no_hidden_checks_in_the_site():
    require_site()
    secrets = hidden_check_secrets()
    assert secrets, "no @probe functions found in solutions/*/hidden_checks.py"
    problems = _leaks(secrets)
    assert not problems, "hidden checks in the built site:\n" + "\n".join(problems)


def test_leak_search_reads_every_kind_of_built_file():
    """The leak tests would see solution code in any of the forms the site stores it:
    highlighted HTML, the downloadable .ipynb and the search index."""
    require_site()
    haystack = site_haystack()
    kinds = {".html", ".ipynb", ".js"}
    assert {name[name.rfind(".") :] for name in haystack} >= kinds
    assert "searchindex.js" in haystack
    nb = next(p for p in NOTEBOOK_PAGES if p.docname.startswith("book/"))
    line = next(
        " ".join(ln.split())
        for c in rendered_code_cells(read_notebook(nb.source))
        for ln in cell_source(c).splitlines()
        if len(ln.strip()) >= 25
    )
    assert line in haystack[nb.url], f"{line!r} not read from {nb.url}"
    assert line in haystack[f"_sources/{nb.docname}.ipynb"], f"{line!r} not read from the .ipynb"
    assert not [p for p in haystack if p.endswith(tuple(BINARY_SUFFIXES))]
