"""Knowledge documents made by the tests: PDF (fpdf2) and DOCX (python-docx) files with headings and
pages, and the bad ones ingestion must skip."""

from __future__ import annotations

import io

Page = list[tuple[str, str]]  # (heading, paragraph) pairs; a heading of "" adds a paragraph only


def pdf_bytes(pages: list[tuple[str, Page]]) -> bytes:
    """A PDF with a text layer: each page opens with its title (16 pt; none if ""), headings in 13 pt,
    body in 11 pt."""
    from fpdf import FPDF

    pdf = FPDF()
    for title, blocks in pages:
        pdf.add_page()
        if title:
            pdf.set_font("helvetica", "B", 16)
            pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        for heading, text in blocks:
            if heading:
                pdf.set_font("helvetica", "B", 13)
                pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf_bytes() -> bytes:
    """A PDF whose page is only a picture (a scan has no text layer)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).text((20, 80), "Pricing: 49 dollars per user", fill=0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=150)
    return bytes(pdf.output())


def docx_bytes(title: str, sections: list[tuple[str, str]], table: list[list[str]] | None = None,
               language: str = "") -> bytes:
    """A Word document: a Heading 1 title, a Heading 2 per section, and optionally a table at the end."""
    from docx import Document

    document = Document()
    document.add_heading(title, 1)
    for heading, text in sections:
        document.add_heading(heading, 2)
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    if language:
        document.core_properties.language = language
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


WEB_PAGE = b"""<!doctype html>
<html lang="en"><head><title>Security | Example</title>
<script>window.dataLayer = []; function gtag() { dataLayer.push(arguments) }</script>
<style>.banner { position: fixed }</style></head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
  <button>Accept all cookies</button><button>Manage preferences</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/pricing">Pricing</a></li>
  <li><a href="/careers">Careers</a></li><li><a href="/login">Log in</a></li></ul></nav></header>
<main><article>
<h1>Security</h1>
<h2>Hosting</h2>
<p>All customer data is hosted in Google Cloud data centres in Belgium, and backups never leave the
European Union. Every connection is encrypted with TLS 1.3.</p>
<h2>Certifications</h2>
<p>We hold an ISO 27001 certificate, audited every year by an independent body, and sign a data
processing agreement with every customer.</p>
</article></main>
<footer><p>Copyright 2026 Example NV. All rights reserved. Privacy policy - Terms of use</p>
  <p>Follow us on LinkedIn</p></footer>
<script>console.log("tracking pixel")</script>
</body></html>"""
