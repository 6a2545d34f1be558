"""The one Markdown renderer: which addresses stay links, and the app's cards and the HTML export agreeing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dash import html

from dashboard.app.markdown import render_markdown
from dashboard.markdown import safe_href, to_html, tokens


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "  JavaScript:alert(1)",
        "\x01\x02javascript:alert(1)",
        " \t\x00 javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\r\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:image/png;base64,iVBORw0KGgo=",
        " \x1fdata:text/html,x",
        "vbscript:msgbox(1)",
        "VBSCRIPT:msgbox(1)",
        "\x0bvbscript:msgbox(1)",
        "myapp://open",
        "x-custom:thing",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "tel:+3212345",
        "/relative/path",
        "relative.html",
        "#anchor",
        "?q=1",
        "//evil.example/x",
        "../up",
        "http:",
        "https:/one-slash.example",
        "\u00a0https://example.org/",
        "",
        " ",
        None,
    ],
)
def test_only_http_https_and_mailto_are_safe(url: str | None) -> None:
    assert safe_href(url) is None


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.org/a?b=1&c=2#d", "https://example.org/a?b=1&c=2#d"),
        ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
        ("MailTo:desk@example.org", "MailTo:desk@example.org"),
        # What a browser takes off before reading the address is taken off here too, so the href is what it follows.
        (" \x01\thttps://example.org/x \x00", "https://example.org/x"),
        ("ht\ttps://example.org/x", "https://example.org/x"),
        ("https://example.org/a\nb", "https://example.org/ab"),
    ],
)
def test_safe_addresses_are_kept_as_a_browser_reads_them(url: str, href: str) -> None:
    assert safe_href(url) == href


def card_hrefs(node: Any) -> list[str]:
    """The href of every link in a tree of Dash components."""
    if isinstance(node, list):
        return [href for child in node for href in card_hrefs(child)]
    found = [node.href] if isinstance(node, html.A) else []
    children = getattr(node, "children", None)
    return found + (card_hrefs(children) if children is not None and not isinstance(children, str) else [])


def html_hrefs(text: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', text)]


def has_tag(node: Any, kind: type) -> bool:
    if isinstance(node, list):
        return any(has_tag(child, kind) for child in node)
    if node is None or isinstance(node, str):
        return False
    return isinstance(node, kind) or has_tag(getattr(node, "children", None), kind)


TEXTS = [
    "[a](https://example.org/a) and [b](mailto:desk@example.org) and [c](javascript:alert(1))",
    "![chart](https://tracker.example/pixel.png) and ![local](pixel.png)",
    "[![inside](https://example.org/i.png)](https://example.org/outer)",
    "[x](< JAVASCRIPT:alert(1)>) <vbscript:msgbox(1)> [d](data:text/html,x) [r](/relative) [m](myapp://x)",
    "[ref] and [other]\n\n[ref]: https://example.org/ref\n[other]: <javascript:alert(1)>",
    "~~struck~~ <b>raw</b> <img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("text", TEXTS)
def test_cards_and_html_export_link_the_same_addresses(text: str) -> None:
    assert card_hrefs(render_markdown(text)) == html_hrefs(to_html(text))


def test_unsafe_links_show_their_text_and_images_become_links() -> None:
    text = "[shown](myapp://open) then ![chart](https://tracker.example/pixel.png)"
    rendered = to_html(text)
    assert "<img" not in rendered and "myapp" not in rendered
    assert "<p>shown then <a" in rendered
    link = '<a href="https://tracker.example/pixel.png" target="_blank" rel="noopener noreferrer nofollow">[chart]</a>'
    assert link in rendered
    assert card_hrefs(render_markdown(text)) == ["https://tracker.example/pixel.png"]


def test_an_image_inside_a_link_is_its_label_not_a_second_link() -> None:
    text = "[![inside](https://example.org/i.png)](https://example.org/outer)"
    assert html_hrefs(to_html(text)) == ["https://example.org/outer"]
    assert "[inside]" in to_html(text)


def test_raw_html_stays_text_and_strikethrough_is_struck_in_both() -> None:
    text = "~~struck~~ <b>raw</b>"
    rendered = to_html(text)
    assert "<s>struck</s>" in rendered and "&lt;b&gt;raw&lt;/b&gt;" in rendered
    assert has_tag(render_markdown(text), html.Del)


def test_no_token_is_an_image_and_every_link_is_safe() -> None:
    found = [child for token in tokens("\n\n".join(TEXTS)) for child in token.children or []]
    assert not [t for t in found if t.type == "image"]
    hrefs = [t.attrGet("href") for t in found if t.type == "link_open"]
    assert hrefs and all(safe_href(str(h)) == h for h in hrefs)
