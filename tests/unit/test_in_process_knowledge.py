"""The knowledge base held in the process (`callbot/knowledge/in_process.py`): built from a folder as
ingestion reads it, searched by the hybrid search; the deterministic embedder, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from callbot.knowledge.embeddings import OFFLINE_THRESHOLD, OfflineEmbedder
from callbot.knowledge.in_process import InProcessKnowledge

pytestmark = pytest.mark.unit


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pricing.md").write_text("# Pricing\n\n## Per user\n\nThe Team plan costs 49 dollars per user "
                                         "per month.\n\n## Annual billing\n\nPaying yearly saves 15 percent.\n")
    (tmp_path / "integrations.md").write_text("# Integrations\n\nCalls are written to HubSpot and Salesforce.\n")
    (tmp_path / "tarifs.fr-FR.md").write_text("# Tarifs\n\nL'offre Team coûte 49 dollars par utilisateur.\n")
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf")
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    return tmp_path


@pytest.fixture
def knowledge(folder: Path) -> InProcessKnowledge:
    return InProcessKnowledge.from_folder(folder, OfflineEmbedder(), OFFLINE_THRESHOLD)


def test_every_readable_document_is_searched_and_the_others_are_named(knowledge):
    assert set(knowledge.skipped) == {"broken.pdf", "notes.yaml"}
    [best, *_] = knowledge.search(question="Does it work with HubSpot?", language="en-US")
    assert (best.source, best.title) == ("integrations.md", "Integrations")


def test_a_passage_keeps_its_heading(knowledge):
    [best, *_] = knowledge.search(question="How much does paying yearly save?", language="en-US")
    assert (best.source, best.heading) == ("pricing.md", "Pricing > Annual billing")


def test_a_question_in_french_finds_the_french_page(knowledge):
    [best, *_] = knowledge.search(question="Combien coûte l'offre Team ?", language="fr-FR")
    assert (best.source, best.language) == ("tarifs.fr-FR.md", "fr-FR")


def test_what_no_document_says_returns_nothing(knowledge):
    assert knowledge.search(question="Can I order a pizza for the weekend?", language="en-US") == []


def test_the_retrieval_mode_is_checked():
    with pytest.raises(ValueError, match="unknown retrieval mode"):
        InProcessKnowledge([], OfflineEmbedder(), OFFLINE_THRESHOLD, mode="fuzzy")


def test_a_question_about_a_name_no_document_holds_is_declined(knowledge):
    assert knowledge.search(question="Do you integrate with Pipedrive?", language="en-US") == []
    assert knowledge.search(question="Do you integrate with HubSpot?", language="en-US")


def test_a_rare_name_asked_about_in_other_words_finds_its_page_unless_the_rest_is_unknown(folder):
    keyword = InProcessKnowledge.from_folder(folder, OfflineEmbedder(), OFFLINE_THRESHOLD, mode="keyword")
    # a third of the question's weight is HubSpot's, too little for the keyword search alone, but the name is rare
    [best, *_] = keyword.search(question="Does HubSpot save the plan?", language="en-US")
    assert best.source == "integrations.md"
    assert keyword.search(question="Does HubSpot have a mobile app?", language="en-US") == []  # no app anywhere
