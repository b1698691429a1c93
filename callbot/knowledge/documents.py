"""Knowledge documents from their bytes, by file type: Markdown and plain text, PDF, DOCX and HTML.

- Markdown (`.md`, `.markdown`) and plain text (`.txt`): `chunking.parse_text`.
- PDF: the text layer of each page, read with `pypdf`. Headings are the lines set in a larger font
  than the body's (the size most of the text is set in), their level by size; every section keeps
  its page number. A scanned PDF has no text layer: no OCR is done, so it gives no text and is
  reported as unreadable, like a corrupt or encrypted one.
- DOCX: paragraphs read with `python-docx`; "Title" and "Heading N" styles open sections, tables are
  read row by row. Word documents have no fixed pages: no page numbers.
- HTML: the main content only, found by `trafilatura` (navigation, cookie banners, scripts, headers
  and footers are left out), as Markdown so that its headings become sections; the title is the
  first H1, else `<title>`; the language comes from `<html lang>`. It favours recall: in its precision
  mode, a short page lost its headings and a list.

The language of a document is also read from its name (`tarifs.fr-FR.pdf`), else en-US. Anything that
gives no text, or a type not listed here, raises `UnreadableDocument` with the reason.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import PurePosixPath

from callbot.errors import UnreadableDocument
from callbot.knowledge.chunking import (
    ParsedDocument,
    Section,
    clean,
    document,
    first_h1,
    markdown_sections,
    names,
    parse_text,
)

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
_HTML_LANG = re.compile(rb"<html[^>]*\slang=[\"']?([A-Za-z-]+)", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING_STYLE = re.compile(r"^(?:Heading (\d)|Title)$")
MIN_HTML_WORDS = 8  # fewer in a page's main content: a page without any (a menu, a "coming soon")


def supported(source: str) -> bool:
    return source.lower().endswith(SUFFIXES)


def parse_document(source: str, data: bytes) -> ParsedDocument:
    """`data` (the bytes of the file at `source`) as a titled, sectioned document with some text."""
    extension = PurePosixPath(source).suffix.lower()
    match extension:
        case ".md" | ".markdown" | ".txt":
            try:
                parsed = parse_text(source, data, markdown=extension != ".txt")
            except UnicodeDecodeError as error:
                raise UnreadableDocument(f"{source}: not UTF-8 text ({error.reason})") from error
        case ".pdf":
            parsed = _pdf(source, data)
        case ".docx":
            parsed = _docx(source, data)
        case ".html" | ".htm":
            parsed = _html(source, data)
        case _:
            raise UnreadableDocument(f"{source}: unsupported type {extension or '(none)'}; "
                                     f"supported: {', '.join(SUFFIXES)}")
    if not parsed.sections:
        raise UnreadableDocument(f"{source}: no text" + (" (a scanned PDF has no text layer; it is not OCRed)"
                                                          if extension == ".pdf" else ""))
    return parsed


def _pdf(source: str, data: bytes) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    lines: list[tuple[int, float, str]] = []  # page, font size, text
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableDocument(f"{source}: encrypted PDF")
        for number, page in enumerate(reader.pages, start=1):
            page.extract_text(visitor_text=lambda text, cm, tm, font, size, n=number: lines.extend(
                (n, round(size * (abs(tm[3]) or 1.0), 1), line.strip()) for line in text.splitlines() if line.strip()))
    except PyPdfError as error:
        raise UnreadableDocument(f"{source}: not a readable PDF ({error})") from error
    title, language = names(source)
    if not lines:
        return document(source, data, title, language, [])
    body: Counter[float] = Counter()
    for _, size, text in lines:
        body[size] += len(text)
    body_size = body.most_common(1)[0][0]
    levels = {size: level for level, size in enumerate(sorted({s for _, s, t in lines if _heading(s, t, body_size)},
                                                               reverse=True), start=1)}
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    text: list[str] = []
    page = lines[0][0]
    for number, size, line in lines:
        heading = size in levels and _heading(size, line, body_size)
        if heading or number != page:
            sections.append(Section(tuple(t for _, t in path), clean(" ".join(text)), page))
            text, page = [], number
        if heading:
            path = [(lvl, t) for lvl, t in path if lvl < levels[size]] + [(levels[size], line)]
        else:
            text.append(line)
    sections.append(Section(tuple(t for _, t in path), clean(" ".join(text)), page))
    return document(source, data, first_h1(sections) or title, language, sections)


def _heading(size: float, text: str, body_size: float) -> bool:
    return size >= body_size * 1.15 and len(text.split()) <= 14 and not text.endswith((".", ",", ";"))


def _docx(source: str, data: bytes) -> ParsedDocument:
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        word = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableDocument(f"{source}: not a readable DOCX ({error})") from error
    title, language = names(source)
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    text: list[str] = []
    for block in word.iter_inner_content():
        if hasattr(block, "rows"):  # a table: one sentence per row
            text += [" | ".join(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip())) + "."
                     for row in block.rows]
            continue
        style = _HEADING_STYLE.match(block.style.name if block.style is not None else "")
        if style and block.text.strip():
            sections.append(Section(tuple(t for _, t in path), clean("\n".join(text))))
            level = int(style.group(1) or 1)
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, " ".join(block.text.split()))]
            text = []
        else:
            text.append(block.text)
    sections.append(Section(tuple(t for _, t in path), clean("\n".join(text))))
    return document(source, data, word.core_properties.title or first_h1(sections) or title,
                    language or word.core_properties.language or None, sections)


def _html(source: str, data: bytes) -> ParsedDocument:
    import trafilatura

    title, language = names(source)
    lang, html_title = _HTML_LANG.search(data), _HTML_TITLE.search(data)
    markdown = trafilatura.extract(data, output_format="markdown", include_formatting=True, include_tables=True,
                                   include_comments=False, include_images=False, include_links=False,
                                   favor_recall=True)
    if len((markdown or "").split()) < MIN_HTML_WORDS:  # what trafilatura falls back on: a menu's words
        raise UnreadableDocument(f"{source}: no main content")
    sections = markdown_sections(markdown or "")
    page_title = " ".join(html_title.group(1).decode("utf-8", "replace").split()) if html_title else ""
    return document(source, data, first_h1(sections) or page_title or title,
                    lang.group(1).decode() if lang else language, sections)
