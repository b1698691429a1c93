"""Chunking: headings kept as paths, windows overlap, sections never mixed, language and title found."""

from __future__ import annotations

import itertools

from callbot.knowledge.chunking import chunk_document, split_words
from callbot.knowledge.documents import parse_document


def _words(n: int, start: int = 0) -> str:
    return " ".join(f"w{i}." for i in range(start, start + n))


def test_markdown_headings_become_paths_and_title():
    text = "# Pricing\n\n## Plans\n\nTeam costs 49.\n\n## Annual billing\n\nSaves 15 percent.\n"
    chunks = chunk_document(parse_document("docs/pricing.md", text.encode()))
    assert [c.heading for c in chunks] == ["Pricing > Plans", "Pricing > Annual billing"]
    assert chunks[1].embedding_text == "Pricing > Annual billing\nSaves 15 percent."
    assert {c.title for c in chunks} == {"Pricing"}
    assert [c.index for c in chunks] == [0, 1] and chunks[0].source == "docs/pricing.md"


def test_short_subsections_merge_under_their_section_but_sections_never_mix():
    text = "# P\n\n## Plans\n\nIntro.\n\n### Team\n\nCosts 49.\n\n### Business\n\nCosts 89.\n\n## Security\n\nSafe.\n"
    chunks = chunk_document(parse_document("p.md", text.encode()))
    assert [c.heading for c in chunks] == ["P > Plans", "P > Security"]
    assert chunks[0].text == "Intro. Team. Costs 49. Business. Costs 89."


def test_long_sections_are_windowed_with_overlap():
    pieces = split_words(_words(400), target=120, max_words=160, overlap=20)
    assert len(pieces) >= 3
    for previous, current in itertools.pairwise(pieces):
        assert 80 <= len(previous.split()) <= 160
        assert current.split()[:20] == previous.split()[-20:]
    covered = {w for p in pieces for w in p.split()}
    assert covered == set(_words(400).split())


def test_a_window_never_spans_two_sections():
    text = f"# T\n\n## A\n\n{_words(150)}\n\n## B\n\n{_words(30, 1000)}\n"
    chunks = chunk_document(parse_document("t.md", text.encode()))
    assert all("w1000." not in c.text for c in chunks if c.heading == "T > A")
    assert [c.heading for c in chunks][-1] == "T > B" and chunks[-1].text.startswith("w1000.")


def test_language_from_front_matter_suffix_or_default():
    front = parse_document("tarifs.md", b"---\nlanguage: fr-FR\n---\n# Tarifs\n\nPrix.\n")
    assert (front.language, front.title) == ("fr-FR", "Tarifs")
    assert parse_document("integrations.fr-FR.md", b"# Int\n\nx.\n").language == "fr-FR"
    assert parse_document("pricing.md", b"# Pricing\n\nx.\n").language == "en-US"


def test_title_falls_back_to_the_file_name_and_plain_text_is_one_section():
    document = parse_document("notes/support-hours.txt", b"Support is open on weekdays.\n\nBy chat.")
    assert document.title == "Support hours"
    assert [c.text for c in chunk_document(document)] == ["Support is open on weekdays. By chat."]


def test_html_headings_lists_and_language():
    html = b"""<html lang="fr-FR"><head><title>Support</title><style>p {color: red}</style></head>
    <body><h1>Support</h1><h2>Hours</h2><p>Open on <b>weekdays</b>.</p>
    <h2>Response</h2><ul><li>Team: one day</li><li>Business: four hours</li></ul>
    <script>var x = 1;</script></body></html>"""
    document = parse_document("support.html", html)
    chunks = chunk_document(document)
    assert (document.title, document.language) == ("Support", "fr-FR")
    assert [c.heading for c in chunks] == ["Support > Hours", "Support > Response"]
    assert chunks[0].text == "Open on weekdays."
    assert "Team: one day" in chunks[1].text and "Business: four hours" in chunks[1].text
    assert "color" not in " ".join(c.text for c in chunks) and "var x" not in chunks[1].text


def test_the_content_hash_changes_with_the_bytes():
    assert parse_document("a.md", b"x").content_hash != parse_document("a.md", b"y").content_hash
