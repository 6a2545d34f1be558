"""Markdown from event files -> Dash components, never through raw HTML.

Text is parsed with markdown-it (raw HTML off, so tags come through as text) and every node becomes a Dash
component, which React escapes. Only http(s) and mailto links become clickable; any other link shows as text.
"""

from __future__ import annotations

from typing import Any

from dash import html
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from dashboard.model import SAFE_URL_SCHEMES

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")

_BLOCKS = {
    "paragraph": html.P, "bullet_list": html.Ul, "ordered_list": html.Ol, "list_item": html.Li,
    "blockquote": html.Blockquote, "em": html.Em, "strong": html.Strong, "s": html.Del,
}


def safe_href(url: str | None) -> str | None:
    """The address if it is http(s) or mailto, else None."""
    if url and url.strip().lower().startswith(SAFE_URL_SCHEMES):
        return url.strip()
    return None


def external_link(text: Any, url: str | None, **props: Any) -> Any:
    """A link that opens in a new tab, or plain text when the address is not a safe one."""
    href = safe_href(url)
    if href is None:
        return html.Span(text, **props)
    return html.A(text, href=href, target="_blank", rel="noopener noreferrer nofollow", **props)


def _flatten(items: list[Any]) -> list[Any]:
    """Dash hydrates components only in flat child lists, so nested lists are spread out."""
    flat: list[Any] = []
    for item in items:
        flat.extend(_flatten(item) if isinstance(item, list) else [item])
    return flat


def _convert(node: SyntaxTreeNode) -> Any:
    kind = node.type
    children = _flatten([_convert(child) for child in node.children])
    if kind == "text":
        return node.content
    if kind in ("softbreak",):
        return " "
    if kind == "hardbreak":
        return html.Br()
    if kind == "code_inline":
        return html.Code(node.content)
    if kind in ("fence", "code_block"):
        return html.Pre(html.Code(node.content))
    if kind == "heading":
        return html.H4(children)
    if kind == "hr":
        return html.Hr()
    if kind == "link":
        return external_link(children, node.attrs.get("href"))  # type: ignore[arg-type]
    if kind == "image":
        alt = node.content or "image"
        return external_link(f"[{alt}]", node.attrs.get("src"))  # type: ignore[arg-type]
    if kind in ("html_inline", "html_block"):  # not produced with html off; shown as text if ever
        return node.content
    if kind in ("inline", "root"):
        return children
    factory = _BLOCKS.get(kind)
    return factory(children) if factory else children


def render_markdown(text: str) -> list[Any]:
    """Markdown as a list of Dash components; raw HTML shows as text."""
    if not text.strip():
        return []
    tree = SyntaxTreeNode(_md.parse(text))
    return _flatten([_convert(child) for child in tree.children])
