"""Knowledge documents into chunks small enough to embed and specific enough to retrieve.

A document (read by `documents.py` from Markdown, plain text, PDF, DOCX or HTML) is a list of
sections, one per heading and page. Chunks never cross a section, so one never mixes the end of "Pricing"
with the start of "Security": a section's text is packed sentence by sentence into chunks of about
`target` words (at most `max_words`), each next chunk starting with the last `overlap` words of the
previous one so that a fact cut at a boundary is still whole in one of them. Every chunk keeps its
heading path ("Pricing > Annual billing"), which is prepended to the text that gets embedded: the
headings say what a passage is about in the words a caller uses.

A chunk also keeps its section's page (PDF), so that an answer can cite "Security, page 2": a
section that runs over a page break becomes two sections, and chunks never cross a page.

This module reads Markdown and plain text itself: a document's `title` is its first H1 (or `title:`
in front matter), else its file name; its `language` comes from front matter (`language: fr-FR`), a
`.fr-FR.md` suffix, else en-US; its `source` is the path relative to the ingested root.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

DEFAULT_LANGUAGE = "en-US"
_LANGUAGE_SUFFIX = re.compile(r"\.([a-z]{2,3}(?:-[A-Za-z]{2,4})?)$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]  # headings from the top, e.g. ("Pricing", "Annual billing")
    text: str
    page: int | None = None  # 1-based, for paged documents (PDF)


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
    page: int | None = None

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the heading path, then the text."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


def names(source: str) -> tuple[str, str | None]:
    """The title a file name gives (`tarifs.fr-FR.md` -> "Tarifs") and the language its suffix names."""
    name = PurePosixPath(source).name
    stem = name.rpartition(".")[0] or name
    suffix_language = _LANGUAGE_SUFFIX.search(stem)
    if suffix_language:
        stem = stem[:suffix_language.start()]
    title = re.sub(r"[-_]+", " ", stem).strip().capitalize() or name
    return title, suffix_language.group(1) if suffix_language else None


def parse_text(source: str, data: bytes, markdown: bool = True) -> ParsedDocument:
    """`data` (UTF-8 Markdown, or plain text when not `markdown`) as a titled, sectioned document."""
    text = data.decode("utf-8-sig")
    fallback_title, language = names(source)
    front, meta = _FRONT_MATTER.match(text), {}
    if front:
        meta = yaml.safe_load(front.group(1)) or {}
        text = text[front.end():]
    sections = markdown_sections(text) if markdown else [Section((), clean(text))]
    return document(source, data, meta.get("title") or first_h1(sections) or fallback_title,
                    meta.get("language") or language, sections)


def document(source: str, data: bytes, title: str, language: str | None, sections: list[Section]) -> ParsedDocument:
    """A parsed document; `data` is hashed, sections without text are left out."""
    return ParsedDocument(source=source, title=title, language=language or DEFAULT_LANGUAGE,
                          content_hash=hashlib.sha256(data).hexdigest(), sections=[s for s in sections if s.text])


def chunk_document(document: ParsedDocument, target: int = 120, max_words: int = 160,
                   overlap: int = 20) -> list[Chunk]:
    """The document's chunks, numbered from 0 in reading order."""
    if not 0 <= overlap < target <= max_words:
        raise ValueError("need 0 <= overlap < target <= max_words")
    pieces = [(" > ".join(section.path), text, section.page) for section in _merge_small(document, target)
              for text in split_words(section.text, target, max_words, overlap)]
    return [Chunk(document.source, n, document.title, document.language, heading, text, page)
            for n, (heading, text, page) in enumerate(pieces)]


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
    """Consecutive sections of one top-level section and page merged while they fit in `target` words, so
    that short sub-sections ("Team", "Business" under "Plans") make one chunk headed by their common path."""
    depth = 2 if any(s.path and s.path[0] == document.title for s in document.sections) else 1
    merged: list[Section] = []
    for section in document.sections:
        last = merged[-1] if merged else None
        if (last is not None and last.path[:depth] == section.path[:depth] and len(section.path) > depth
                and last.page == section.page and len(last.text.split()) + len(section.text.split()) <= target):
            common = _common_prefix(last.path, section.path)
            text = f"{last.text} {' '.join(section.path[len(common):])}. {section.text}"
            merged[-1] = Section(common, text, section.page)
        else:
            merged.append(section)
    return merged


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def markdown_sections(text: str, page: int | None = None) -> list[Section]:
    """Sections of Markdown `text`, one per heading, each with its heading path."""
    sections, path, lines = [], [], []
    for line in text.splitlines():
        heading = _MD_HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        sections.append(Section(tuple(t for _, t in path), clean("\n".join(lines)), page))
        level = len(heading.group(1))
        path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, heading.group(2))]
        lines = []
    sections.append(Section(tuple(t for _, t in path), clean("\n".join(lines)), page))
    return sections


def first_h1(sections: list[Section]) -> str | None:
    return next((s.path[0] for s in sections if s.path), None)


def clean(text: str) -> str:
    """Markdown text without its markup noise: emphasis, links' targets, list bullets, code ticks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_`]{1,3}", "", text)
    return " ".join(text.split())
