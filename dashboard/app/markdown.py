"""Markdown from event files -> Dash components, never through raw HTML.

The text is parsed and its links made safe by ``dashboard.markdown`` (the one set-up the HTML exports share), and
every node becomes a Dash component, which React escapes. Only http(s) and mailto links become clickable; any
other link shows as text, and an image as a link to it.
"""

from __future__ import annotations

from typing import Any

from dash import html
from markdown_it.tree import SyntaxTreeNode

from dashboard.markdown import LINK_ATTRS, safe_href, tokens

__all__ = ["external_link", "render_markdown", "safe_href"]

_LINK_PROPS: dict[str, Any] = LINK_ATTRS  # as keyword arguments of a component, whose props are typed apart

_BLOCKS = {
    "paragraph": html.P,
    "bullet_list": html.Ul,
    "ordered_list": html.Ol,
    "list_item": html.Li,
    "blockquote": html.Blockquote,
    "em": html.Em,
    "strong": html.Strong,
    "s": html.Del,
}


def external_link(text: Any, url: str | None, **props: Any) -> Any:
    """A link that opens in a new tab, or plain text when the address is not a safe one."""
    href = safe_href(url)
    if href is None:
        return html.Span(text, **props)
    return html.A(text, href=href, **_LINK_PROPS, **props)


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
    tree = SyntaxTreeNode(tokens(text))
    return _flatten([_convert(child) for child in tree.children])
