"""The jinja2 environments the feedback and the class report are rendered with.

HTML templates (``*.html.j2``) autoescape everything; Markdown templates (``*.md.j2``)
have no autoescape, so every text from a run goes through one of two filters:

- ``md``: inline text. HTML special characters become entities and Markdown punctuation is
  backslash-escaped, line breaks become spaces: a student's string can neither open a
  tag, nor start a heading, a list, a link or a code span.
- ``fenced``: a block of text in a code fence longer than any backtick run inside it, so
  it cannot close its fence (everything inside a fence is literal, raw HTML included).
"""
from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"

_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]#|~!])")


def md(value: object) -> str:
    """``value`` as inline Markdown text that renders literally."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.splitlines())
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def fenced(value: object, info: str = "text") -> str:
    """``value`` as a fenced code block that nothing in it can close."""
    text = str(value).rstrip("\n")
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def png_base64(png: bytes | None) -> str:
    """A PNG as the base64 text of a ``data:image/png;base64,`` URL ("" for none)."""
    return base64.b64encode(png).decode("ascii") if png else ""


@functools.lru_cache(maxsize=None)
def environment(markup: str) -> jinja2.Environment:
    """The environment for ``markup`` "html" (autoescaped) or "md"; both have the filters ``md``,
    ``fenced`` and ``png_base64``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=markup == "html",
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["md"] = md
    env.filters["fenced"] = fenced
    env.filters["png_base64"] = png_base64
    return env


def render(name: str, **context: object) -> str:
    """Render the template ``name`` (``feedback.html.j2``...) with ``context``."""
    return environment("html" if name.endswith(".html.j2") else "md").get_template(name).render(**context)
