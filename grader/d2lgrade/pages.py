"""The HTML pages grading writes, rendered by Jinja2 with autoescaping.

Feedback pages embed what students' code produced (exception messages, failing case
names, notes), so every value is escaped as it enters the page; only what the grader
itself made (the style sheet, the figures' PNG data URIs) is marked safe. The
templates are ``templates/feedback.html`` and ``templates/summary.html``.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

STYLE = Markup(
    "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}\n"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;\n"
    "text-align:left;vertical-align:top}.pass{color:#17632a}.fail{color:#a4161a}</style>"
)

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("d2lgrade", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(page: str, **values: Any) -> str:
    """The page ``templates/<page>.html`` with ``values`` filled in, each escaped."""
    return _ENVIRONMENT.get_template(f"{page}.html").render(style=STYLE, **values)
