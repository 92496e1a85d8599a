"""Tenant Markdown to safe HTML: a title, anchored headings and a table of contents.

Tenant files are trusted to say things, never to run code: raw HTML is off (a ``<script>`` in a
page is shown as text), and a link or an image may only point to a relative address, an anchor,
``http(s):``, ``mailto:`` or ``tel:`` — ``javascript:``, ``data:`` and every other scheme are left
as plain text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto", "tel")
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str
    children: list[Heading] = field(default_factory=list)


@dataclass(frozen=True)
class RenderedPage:
    title: str  # the first level-1 heading, "" when the file has none
    html: Markup  # the body, without that heading
    toc: list[Heading]  # the level-2 headings, each with its level-3 headings


def safe_link(url: str) -> bool:
    """Whether a link or image address may be written into the page."""
    url = "".join(url.split()).lower()  # "java script:" and "\tjavascript:" are schemes too
    found = SCHEME.match(url)
    return found is None or found.group(1) in SAFE_SCHEMES


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = safe_link

    def table_open(renderer, tokens, idx, options, env):
        # Wide tables scroll inside their box on a phone instead of widening the page.
        return '<div class="page-table" tabindex="0">' + renderer.renderToken(
            tokens, idx, options, env
        )

    def table_close(renderer, tokens, idx, options, env):
        return renderer.renderToken(tokens, idx, options, env) + "</div>\n"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    return md


_MD = _markdown()


def slugify(text: str) -> str:
    """« Mon compte & crédits » → ``mon-compte-credits``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


# French typography: a space before « ? ! : ; » and after « never breaks the line.
_BEFORE = re.compile(r" ([?!:;»])")
_AFTER = re.compile(r"« ")


def _typography(inline: Token) -> None:
    for child in inline.children or ():
        if child.type == "text":
            child.content = _AFTER.sub("«\u00a0", _BEFORE.sub("\u00a0\\1", child.content))


def _plain(inline: Token) -> str:
    return "".join(
        child.content for child in inline.children or () if child.type in ("text", "code_inline")
    ).strip()


def render(source: str) -> RenderedPage:
    """Render one page file (see the module docstring)."""
    tokens = _MD.parse(source)
    for token in tokens:
        if token.type == "inline":
            _typography(token)
    title = ""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            title = _plain(tokens[index + 1])
            del tokens[index : index + 3]
            break

    used: set[str] = set()
    toc: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _plain(tokens[index + 1])
        anchor = base = slugify(text)
        number = 2
        while anchor in used:
            anchor = f"{base}-{number}"
            number += 1
        used.add(anchor)
        token.attrSet("id", anchor)
        if token.tag == "h2":
            toc.append(Heading(2, anchor, text))
        elif token.tag == "h3" and toc:
            toc[-1].children.append(Heading(3, anchor, text))

    html = _MD.renderer.render(tokens, _MD.options, {})
    # markdown-it escapes every text and drops raw HTML (html=False): its output is safe.
    return RenderedPage(title=title, html=Markup(html), toc=toc)  # noqa: S704
