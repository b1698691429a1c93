"""The offline embedder: deterministic, normalised, and close for paraphrases, far for unrelated text."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from callbot.knowledge.embeddings import OFFLINE_THRESHOLD, OfflineEmbedder, VertexEmbedder, fold, stem

PRICING = ("Pricing > What it costs per user\nNorthwind Voice costs 49 US dollars per user per month on the "
           "Team plan and 89 US dollars per user per month on the Business plan.")
SECURITY = ("Security > Encryption and certifications\nAll data is encrypted at rest and in transit. "
            "Northwind Voice is SOC 2 Type II certified and GDPR compliant.")


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_same_text_same_vector_across_processes():
    embedder = OfflineEmbedder()
    code = ("from callbot.knowledge.embeddings import OfflineEmbedder;"
            "print(OfflineEmbedder().embed_query('How much does it cost?')[:8])")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert other.strip() == str(embedder.embed_query("How much does it cost?")[:8])
    assert embedder.embed_documents([PRICING]) == [embedder.embed_query(PRICING)]


def test_vectors_are_unit_length_with_the_declared_dimensions():
    embedder = OfflineEmbedder(dimensions=128)
    for vector in embedder.embed_documents([PRICING, SECURITY, "Combien ça coûte ?"]):
        assert len(vector) == 128 == embedder.dimensions
        assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-9)
    assert embedder.embed_query("the and of") == [0.0] * 128  # only stop words: no direction at all


@pytest.mark.parametrize("question", ["How much does it cost?", "What's the price per user?"])
def test_a_paraphrase_is_closer_to_its_passage_than_to_an_unrelated_one(question):
    embedder = OfflineEmbedder()
    query = embedder.embed_query(question)
    pricing, security = embedder.embed_documents([PRICING, SECURITY])
    assert _cosine(query, pricing) >= OFFLINE_THRESHOLD
    assert _cosine(query, security) < OFFLINE_THRESHOLD
    assert _cosine(query, pricing) > _cosine(query, security) + 0.1


def test_an_unrelated_question_stays_below_the_threshold():
    embedder = OfflineEmbedder()
    query = embedder.embed_query("Is there a mobile app for iPhone?")
    assert all(_cosine(query, d) < OFFLINE_THRESHOLD for d in embedder.embed_documents([PRICING, SECURITY]))


def test_folding_and_stemming_join_the_forms_of_a_word():
    assert fold("Intégrations Coûte") == "integrations coute"
    assert stem("pricing") == stem("prices") == stem("priced")
    assert stem("integrations") == stem("integrate")
    assert stem("running") == "run"


def test_vertex_embedder_construction_imports_nothing():
    before = set(sys.modules)
    embedder = VertexEmbedder(project="p", location="europe-west1")
    assert embedder.dimensions == 768 and embedder.model == "text-multilingual-embedding-002"
    assert not any(m.startswith("langchain_google_vertexai") for m in set(sys.modules) - before)


def test_ignored_words_do_not_count():
    embedder = OfflineEmbedder(ignore=["Northwind Voice"])
    assert embedder.embed_query("Northwind Voice mobile") == embedder.embed_query("mobile")
    assert OfflineEmbedder().embed_query("Northwind Voice mobile") != embedder.embed_query("mobile")
