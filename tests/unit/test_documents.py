"""Knowledge documents by type: PDF pages and headings, DOCX headings and tables, the main content of
an HTML page, and what gives no text (corrupt, scanned, empty, unsupported) refused with its reason."""

from __future__ import annotations

import pytest

from callbot.errors import UnreadableDocument
from callbot.knowledge.chunking import chunk_document
from callbot.knowledge.documents import parse_document, supported
from tests.support.documents import WEB_PAGE, docx_bytes, pdf_bytes, scanned_pdf_bytes

SECURITY_PDF = [
    ("Security", [("Hosting", "Customer data is hosted in Belgium."), ("Encryption", "Data is encrypted at rest.")]),
    ("Security", [("Certifications", "We are ISO 27001 certified and audited every year.")]),
]


def test_a_pdf_keeps_its_headings_and_page_numbers():
    document = parse_document("docs/security.pdf", pdf_bytes(SECURITY_PDF))
    chunks = chunk_document(document)
    assert (document.title, document.language) == ("Security", "en-US")
    by_heading = {c.heading: c for c in chunks}
    assert by_heading["Security > Hosting"].page == 1
    assert "Belgium" in by_heading["Security > Hosting"].text
    assert by_heading["Security > Certifications"].page == 2
    assert "ISO 27001" in by_heading["Security > Certifications"].text
    assert all("Security" not in c.text.split()[:1] for c in chunks)  # headings are not body text


def test_a_section_running_over_a_page_break_becomes_one_chunk_per_page():
    long = "Customer data is hosted in Belgium and never leaves the European Union. " * 3
    document = parse_document("s.pdf", pdf_bytes([("Security", [("Hosting", long)]), ("", [("", long)])]))
    assert [(c.heading, c.page) for c in chunk_document(document)] == [("Security > Hosting", 1),
                                                                        ("Security > Hosting", 2)]


def test_a_docx_keeps_its_headings_and_reads_tables_row_by_row():
    data = docx_bytes("Tarifs", [("Les offres", "L'offre Team coûte 45 euros par utilisateur et par mois.")],
                      table=[["Offre", "Prix"], ["Business", "79 euros"]], language="fr-FR")
    document = parse_document("tarifs.docx", data)
    chunks = chunk_document(document)
    assert (document.title, document.language) == ("Tarifs", "fr-FR")
    assert chunks[0].heading == "Tarifs > Les offres" and chunks[0].page is None
    assert "45 euros" in chunks[0].text and "Business | 79 euros." in chunks[0].text


def test_the_language_in_the_file_name_comes_first():
    data = docx_bytes("Pricing", [("Plans", "Team costs 49 dollars.")], language="en-US")
    assert parse_document("tarifs.fr-FR.docx", data).language == "fr-FR"
    assert parse_document("prix.fr-FR.pdf", pdf_bytes(SECURITY_PDF)).language == "fr-FR"


def test_an_html_page_gives_its_main_content_only():
    document = parse_document("security.html", WEB_PAGE)
    text = " ".join(f"{c.heading} {c.text}" for c in chunk_document(document))
    assert (document.title, document.language) == ("Security", "en")
    assert "Belgium" in text and "ISO 27001" in text
    assert [c.heading for c in chunk_document(document)] == ["Security > Hosting", "Security > Certifications"]
    for noise in ("cookies", "Careers", "Log in", "All rights reserved", "LinkedIn", "dataLayer", "tracking", "fixed"):
        assert noise not in text


@pytest.mark.parametrize("name, data, reason", [
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", "not a readable PDF"),
    ("scan.pdf", scanned_pdf_bytes(), "no text layer"),
    ("empty.html", b"<html><head><title>Soon</title></head><body></body></html>", "no main content"),
    ("menu.html", b"<html><body><nav><a href='/'>Home</a> <a href='/blog'>Blog</a></nav></body></html>",
     "no main content"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable DOCX"),
    ("latin1.md", "# Prix\n\nCoûte 49 euros".encode("latin-1"), "not UTF-8"),
    ("prices.xlsx", b"PK\x03\x04", "unsupported type .xlsx"),
    ("README", b"hello", "unsupported type (none)"),
])
def test_what_gives_no_text_is_refused_with_its_reason(name, data, reason):
    with pytest.raises(UnreadableDocument, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_document(name, data)


def test_supported_types():
    assert all(supported(f"a{suffix}") for suffix in (".md", ".txt", ".pdf", ".docx", ".html", ".HTM"))
    assert not supported("eval.yaml") and not supported("deck.pptx")
