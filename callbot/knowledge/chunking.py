"""Knowledge documents into chunks small enough to embed and specific enough to retrieve.

A document (Markdown, plain text, or HTML read with the stdlib `html.parser`) is parsed into
sections, one per heading. Chunks never cross a section, so one never mixes the end of "Pricing"
with the start of "Security": a section's text is packed sentence by sentence into chunks of about
`target` words (at most `max_words`), each next chunk starting with the last `overlap` words of the
previous one so that a fact cut at a boundary is still whole in one of them. Every chunk keeps its
heading path ("Pricing > Annual billing"), which is prepended to the text that gets embedded: the
headings say what a passage is about in the words a caller uses.

A document's `title` is its first H1 (or HTML `<title>`), else its file name; its `language` comes
from front matter (`language: fr-FR`), a `.fr-FR.md` suffix, `<html lang>`, else en-US; its `source`
is the path relative to the ingested root. PDF is not supported (no PDF library is installed).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

import yaml

DEFAULT_LANGUAGE = "en-US"
SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_LANGUAGE_SUFFIX = re.compile(r"\.([a-z]{2,3}(?:-[A-Za-z]{2,4})?)$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]  # headings from the top, e.g. ("Pricing", "Annual billing")
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    source: str
    title: str
    language: str
    content_hash: str  # sha256 of the raw bytes: an unchanged document is not re-embedded
    sections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    source: str
    index: int
    title: str
    language: str
    heading: str  # "Pricing > Annual billing"
    text: str

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the heading path, then the text."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


def supported(source: str) -> bool:
    return source.lower().endswith(SUFFIXES)


def parse_document(source: str, data: bytes) -> ParsedDocument:
    """`data` (the bytes of the file at `source`) as a titled, sectioned document."""
    text = data.decode("utf-8-sig")
    name = PurePosixPath(source).name
    stem, _, extension = name.rpartition(".")
    suffix_language = _LANGUAGE_SUFFIX.search(stem)
    language = suffix_language.group(1) if suffix_language else None
    if suffix_language:
        stem = stem[:suffix_language.start()]
    fallback_title = re.sub(r"[-_]+", " ", stem).strip().capitalize() or name
    if extension.lower() in ("html", "htm"):
        html = _HtmlSections()
        html.feed(text)
        html.close()
        title, sections = html.title or _first_h1(html.sections), html.sections
        language = html.language or language
    else:
        front, meta = _FRONT_MATTER.match(text), {}
        if front:
            meta = yaml.safe_load(front.group(1)) or {}
            text = text[front.end():]
        language = meta.get("language") or language
        sections = _markdown_sections(text) if extension.lower() in ("md", "markdown") \
            else [Section((), _clean(text))]
        title = meta.get("title") or _first_h1(sections)
    return ParsedDocument(source=source, title=title or fallback_title, language=language or DEFAULT_LANGUAGE,
                          content_hash=hashlib.sha256(data).hexdigest(),
                          sections=[s for s in sections if s.text])


def chunk_document(document: ParsedDocument, target: int = 120, max_words: int = 160,
                   overlap: int = 20) -> list[Chunk]:
    """The document's chunks, numbered from 0 in reading order."""
    if not 0 <= overlap < target <= max_words:
        raise ValueError("need 0 <= overlap < target <= max_words")
    pieces = [(" > ".join(section.path), text) for section in _merge_small(document, target)
              for text in split_words(section.text, target, max_words, overlap)]
    return [Chunk(document.source, n, document.title, document.language, heading, text)
            for n, (heading, text) in enumerate(pieces)]


def split_words(text: str, target: int = 120, max_words: int = 160, overlap: int = 20) -> list[str]:
    """`text` packed sentence by sentence into windows of about `target` words, at most `max_words`,
    consecutive windows sharing `overlap` words. A sentence longer than a window is cut by words."""
    units: list[list[str]] = []
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        step = max_words - overlap
        units += [words[i:i + step] for i in range(0, len(words), step)]
    chunks: list[list[str]] = []
    current: list[str] = []
    fresh = 0  # words in `current` that are not the overlap carried from the previous chunk
    for unit in units:
        if fresh and len(current) + len(unit) > max_words:
            chunks.append(current)
            current, fresh = current[-overlap:] if overlap else [], 0
        current, fresh = current + unit, fresh + len(unit)
        if len(current) >= target:
            chunks.append(current)
            current, fresh = current[-overlap:] if overlap else [], 0
    if fresh:
        chunks.append(current)
    return [" ".join(words) for words in chunks]


def _merge_small(document: ParsedDocument, target: int) -> list[Section]:
    """Consecutive sections of one top-level section merged while they fit in `target` words, so that
    short sub-sections ("Team", "Business" under "Plans") make one chunk headed by their common path."""
    depth = 2 if any(s.path and s.path[0] == document.title for s in document.sections) else 1
    merged: list[Section] = []
    for section in document.sections:
        last = merged[-1] if merged else None
        if (last is not None and last.path[:depth] == section.path[:depth] and len(section.path) > depth
                and len(last.text.split()) + len(section.text.split()) <= target):
            common = _common_prefix(last.path, section.path)
            text = f"{last.text} {' '.join(section.path[len(common):])}. {section.text}"
            merged[-1] = Section(common, text)
        else:
            merged.append(section)
    return merged


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _markdown_sections(text: str) -> list[Section]:
    sections, path, lines = [], [], []
    for line in text.splitlines():
        heading = _MD_HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        sections.append(Section(tuple(t for _, t in path), _clean("\n".join(lines))))
        level = len(heading.group(1))
        path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, heading.group(2))]
        lines = []
    sections.append(Section(tuple(t for _, t in path), _clean("\n".join(lines))))
    return sections


def _first_h1(sections: list[Section]) -> str | None:
    return next((s.path[0] for s in sections if s.path), None)


def _clean(text: str) -> str:
    """Markdown text without its markup noise: emphasis, links' targets, list bullets, code ticks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_`]{1,3}", "", text)
    return " ".join(text.split())


class _HtmlSections(HTMLParser):
    """Headings h1-h6 open sections; the text of everything else (but scripts and styles) fills them."""

    _SKIP = frozenset({"script", "style", "head", "nav"})
    _BREAKS = frozenset({"p", "li", "td", "th", "div", "br", "tr", "dd", "dt", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.title = ""
        self.language = ""
        self._path: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.language = dict(attrs).get("lang") or ""
        elif tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = (int(tag[1]), [])
        elif tag in self._BREAKS:
            self._text.append(". " if tag in ("li", "td", "th") and self._text else " ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif self._heading and tag == f"h{self._heading[0]}":
            level, words = self._heading
            self._path = [(lvl, t) for lvl, t in self._path if lvl < level] + [(level, " ".join("".join(words).split()))]
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data.strip()
        elif self._heading is not None:
            self._heading[1].append(data)
        elif not self._skipping:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = re.sub(r"\s+([.,;:])", r"\1", " ".join("".join(self._text).split())).lstrip(". ")
        self.sections.append(Section(tuple(t for _, t in self._path), text.replace(".. ", ". ")))
        self._text = []
