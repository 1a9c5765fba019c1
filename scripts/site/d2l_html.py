"""Sphinx extension for the website's HTML: accessibility fixes of what docutils writes.

docutils writes a bibliography as ``<div role="list" class="citation-list">`` holding
entries with ``role="doc-biblioentry"``. ARIA requires the children of a list to be list
items, and the DPUB-ARIA role doc-biblioentry is deprecated, so assistive technology
(and axe-core, which tests/test_site.py runs on every page) reads it as a list without
items. The entries become ``role="listitem"``: the list of references that it is.

Loaded through `sphinx.local_extensions` and `sphinx.config.extensions` in _config.yml.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

BIBLIOGRAPHY_ENTRY = 'role="doc-biblioentry"'


def list_items_for_citations(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give the entries of a citation list the role its list needs."""
    body = context.get("body")
    if isinstance(body, str) and BIBLIOGRAPHY_ENTRY in body:
        context["body"] = body.replace(BIBLIOGRAPHY_ENTRY, 'role="listitem"')


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", list_items_for_citations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
