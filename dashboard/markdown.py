"""Markdown from event files, made safe once for every place that shows it: the app's cards and the HTML exports.

One markdown-it set-up (CommonMark with strikethrough; raw HTML off, so tags come through as text) and one rule
for links, ``safe_href``: only http(s) and mailto addresses stay links, any other link shows as its text, and an
image becomes a link to the picture. ``tokens`` is the parsed text with that rule applied; the app turns the tokens
into Dash components (``dashboard.app.markdown``), ``to_html`` into HTML (TimelineJS).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dashboard.model import SAFE_URL_SCHEMES

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
LINK_ATTRS = {"target": "_blank", "rel": "noopener noreferrer nofollow"}  # a link opens apart, and tells nothing

# A browser reads an address after taking off the C0 controls and spaces at its ends and every tab and newline
# inside it (the URL standard), so " \x01JavaScript:" and "java\tscript:" are what it follows: the scheme is
# checked on the address as the browser will read it.
_ENDS = "".join(map(chr, range(0x21)))
_TABS_AND_NEWLINES = re.compile("[\t\n\r]")


def safe_href(url: str | None) -> str | None:
    """The address, as a browser reads it, if it is http(s) or mailto; else None (other schemes, relative links)."""
    if not url:
        return None
    address = _TABS_AND_NEWLINES.sub("", url).strip(_ENDS)
    return address if address.lower().startswith(SAFE_URL_SCHEMES) else None


def _link(href: str, text: str) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"href": href, **LINK_ATTRS})
    return [opening, Token("text", "", 0, content=text), Token("link_close", "a", -1)]


def _safe_inline(children: list[Token]) -> list[Token]:
    """Inline tokens with only safe links kept (any other shows as its text) and images as links."""
    kept: list[Token] = []
    dropped: list[bool] = []  # for each open link: whether its tags were left out
    for child in children:
        if child.type == "link_open":
            href = safe_href(str(child.attrGet("href") or ""))
            dropped.append(href is None)
            if href is not None:
                kept.extend(_link(href, "")[:1])
        elif child.type == "link_close":
            if not dropped.pop():
                kept.append(child)
        elif child.type == "image":
            # An <img> would fetch a remote picture when the text is shown (a tracker, say): a link to it instead.
            label = f"[{child.content or 'image'}]"
            href = safe_href(str(child.attrGet("src") or ""))
            inside_link = any(not d for d in dropped)  # no link in a link: the label alone
            if href is None or inside_link:
                kept.append(Token("text", "", 0, content=label))
            else:
                kept.extend(_link(href, label))
        else:
            kept.append(child)
    return kept


def tokens(text: str) -> list[Token]:
    """Markdown parsed into markdown-it's tokens, with the link rule applied."""
    parsed = _MD.parse(text)
    for token in parsed:
        if token.type == "inline" and token.children:
            token.children = _safe_inline(token.children)
    return parsed


def to_html(text: str) -> str:
    """Markdown as HTML that is safe to show with innerHTML: raw HTML is escaped (it stays text), only safe links
    are links, and images are links."""
    return str(_MD.renderer.render(tokens(text), _MD.options, {}))


# Characters that start Markdown's inline constructs (emphasis, code, links, images, raw HTML, entities, GFM's
# strikethrough and tables), escaped wherever they stand; and what starts a block at the start of a line.
_INLINE = re.compile(r"([\\`*_\[\]<>&~|!])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.M)


def md_escape(text: object) -> str:
    """Plain text as Markdown that renders as that text: no emphasis, link, image, tag or entity can start in it, and
    no line of it starts a heading, quote or list."""
    escaped = _INLINE.sub(r"\\\1", str(text))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
