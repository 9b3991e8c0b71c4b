"""markup: what the user wrote, made safe to show in a page (notes as HTML, bidi controls)."""

from __future__ import annotations

import re
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
_TAGS |= {"h4", "h5", "h6"}


def markdown(text: str | None) -> Markup:
    """User notes as HTML: CommonMark without raw HTML or images, then sanitised by nh3.

    Headings move down to h4–h6 so that notes never break the page's outline.
    """
    if not text:
        return Markup("")
    tokens = _MD.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 3, 6)}"
    html = _MD.renderer.render(tokens, _MD.options, {})
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def isolate_bidi(value: Any) -> Any:
    """Text holding bidirectional controls (a right-to-left override such as U+202E, used to
    disguise text) is wrapped in an isolate (U+2068 … U+2069), so whatever it overrides ends
    with it and never reverses the text around it. The text itself is kept as written."""
    if isinstance(value, str) and not value.isascii() and _BIDI_CONTROLS.search(value):
        if isinstance(value, Markup):
            return Markup("\u2068") + value + Markup("\u2069")
        return "\u2068" + value + "\u2069"
    return value
