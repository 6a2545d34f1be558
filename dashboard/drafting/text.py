"""An article's text: read safely, HTML and Markdown stripped to text, split into blocks and sentences.

A block is a paragraph or a heading; headings (and lines that end without a full stop, such as a subheading in a
plain-text article) are kept apart because they name no happening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pysbd
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token

from dashboard.reading import read_regular

MAX_ARTICLE_BYTES = 2_000_000  # an article, not a book: a bigger file is a mistake
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
# A line of text ends a paragraph when it ends as a sentence does (a closing quote or bracket may follow).
SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")
HEADING_MAX = 100  # characters: a longer line without a full stop is a wrapped line, not a heading
_SEGMENTER = pysbd.Segmenter(language="en", clean=False)
_MD = MarkdownIt("commonmark", {"html": False})
SKIPPED_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCK_TAGS = (*HEADING_TAGS, "p", "li", "blockquote", "pre", "figcaption", "td", "th", "dd", "dt")


@dataclass(frozen=True)
class Block:
    """A paragraph or a heading of the article, as plain text on one line."""

    text: str
    heading: bool = False


@dataclass(frozen=True)
class Article:
    """An article's blocks, and its own title when it has one (an HTML <title>, a first Markdown heading)."""

    blocks: tuple[Block, ...]
    title: str | None = None


def kind_of(path: Path, text: str) -> str:
    """'html', 'markdown' or 'text': by the file's ending, else by a look at its start."""
    name = path.name.lower()
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if name.endswith(".txt"):
        return "text"
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(body|p|article|div)[\s>]", head):
        return "html"
    if re.search(r"^#{1,6} \S", text[:2000], re.M):
        return "markdown"
    return "text"


def read_article(path: Path) -> Article:
    """An article file as blocks; ``Refused`` (dashboard.reading) for a file that is not read, ``ValueError`` for
    one that is not UTF-8 text."""
    data = read_regular(path, MAX_ARTICLE_BYTES, " (give one article)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start})") from None
    return parse_article(text, kind_of(path, text))


def parse_article(text: str, kind: str) -> Article:
    """An article's text of a kind ('html', 'markdown', 'text') as blocks."""
    if kind == "html":
        return _html(text)
    if kind == "markdown":
        return _markdown(text)
    return Article(tuple(plain_blocks(text)))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def plain_blocks(text: str) -> list[Block]:
    """Plain text as blocks: a blank line or a line that ends a sentence closes a paragraph (so hard-wrapped lines
    are joined); a short line without a full stop, followed by a new line that starts with a capital, is a heading."""
    blocks: list[Block] = []
    lines = [line.strip() for line in text.splitlines()]
    current: list[str] = []

    def close() -> None:
        if current:
            blocks.append(Block(_one_line(" ".join(current))))
            current.clear()

    for i, line in enumerate(lines):
        if not line:
            close()
            continue
        following = next((later for later in lines[i + 1 :] if later), "")
        if (
            not current
            and not SENTENCE_END.search(line)
            and len(line) <= HEADING_MAX
            and (not following or following[:1].isupper() or following[:1] in "“\"'‘")
        ):
            blocks.append(Block(_one_line(line), heading=True))
            continue
        current.append(line)
        if SENTENCE_END.search(line):
            close()
    close()
    return blocks


def _inline_text(token: Token) -> str:
    """The text of an inline token: words, code and the text of links, without the markup."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return _one_line("".join(parts))


def _markdown(text: str) -> Article:
    blocks: list[Block] = []
    heading = False
    for token in _MD.parse(text):
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline":
            line = _inline_text(token)
            if line:
                blocks.append(Block(line, heading=heading))
        elif token.type in ("fence", "code_block"):
            continue  # code is not prose
    title = next((block.text for block in blocks if block.heading), None)
    return Article(tuple(blocks), title)


def _html(text: str) -> Article:
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = _one_line(title_tag.get_text(" ")) if title_tag else None
    for tag in soup.find_all(SKIPPED_TAGS):
        tag.decompose()
    if soup.head:
        soup.head.decompose()
    for brk in soup.find_all("br"):
        brk.replace_with(" ")
    blocks: list[Block] = []
    for element in soup.find_all(BLOCK_TAGS):
        if element.find(BLOCK_TAGS):  # its inner blocks are taken one by one
            continue
        line = _one_line(element.get_text())  # inline tags join their words as written: "<b>NATO</b>'s"
        if line:
            blocks.append(Block(line, heading=element.name in HEADING_TAGS))
    if not blocks:  # no block elements: the page's text as plain text
        blocks = plain_blocks(soup.get_text("\n"))
    if title is None:
        title = next((block.text for block in blocks if block.heading), None)
    return Article(tuple(blocks), title or None)


def sentences(block: Block) -> list[str]:
    """A block's sentences (pysbd: abbreviations such as "U.S." and "Dr." and quotations are kept whole)."""
    if block.heading:
        return [block.text]
    return [part.strip() for part in _SEGMENTER.segment(block.text) if part.strip()]
