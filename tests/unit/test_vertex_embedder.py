"""The Vertex embedder batches documents under the API's limits and keeps their order, with a fake
client that refuses what Vertex refuses (400 past 250 texts or 20 000 tokens per request)."""

from __future__ import annotations

import pytest

from callbot.action_functions.settings import ActionSettings
from callbot.knowledge.embeddings import VERTEX_MAX_TEXTS, VERTEX_MAX_TOKENS, VertexEmbedder, request_batches


class InvalidArgument(Exception):
    """What Vertex answers an oversized embeddings request: 400 INVALID_ARGUMENT."""


class RecordingEmbeddingsClient:
    """`VertexAIEmbeddings.embed` without the network. Tokens are counted the worst way a subword
    tokenizer with byte fallback can: one per UTF-8 byte. A vector's first value is the number that
    ends its text, so the order of the results can be checked."""

    def __init__(self) -> None:
        self.requests: list[dict] = []

    def embed(self, texts: list[str], embeddings_task_type: str | None = None,
              dimensions: int | None = None) -> list[list[float]]:
        tokens = sum(len(text.encode()) for text in texts)
        self.requests.append({"texts": len(texts), "tokens": tokens, "task": embeddings_task_type,
                              "dimensions": dimensions})
        if len(texts) > VERTEX_MAX_TEXTS:
            raise InvalidArgument(f"400 INVALID_ARGUMENT: {len(texts)} instances, at most 250 per request")
        if tokens > VERTEX_MAX_TOKENS:
            raise InvalidArgument(f"400 INVALID_ARGUMENT: {tokens} input tokens, at most 20000 per request")
        return [[float(text.rsplit(" ", 1)[-1])] + [0.0] * (dimensions - 1) for text in texts]


def _embedder() -> tuple[VertexEmbedder, RecordingEmbeddingsClient]:
    client = RecordingEmbeddingsClient()
    return VertexEmbedder(project="p", client=client), client


def test_more_than_250_documents_go_in_several_requests_and_come_back_in_order():
    embedder, client = _embedder()
    texts = [f"Combien coûte l'offre Équipe ? {n}" for n in range(600)]
    vectors = embedder.embed_documents(texts)
    assert [v[0] for v in vectors] == list(range(600))
    assert all(len(v) == 768 for v in vectors)
    assert sum(r["texts"] for r in client.requests) == 600
    assert all(r["texts"] <= 250 for r in client.requests)
    assert {(r["task"], r["dimensions"]) for r in client.requests} == {("RETRIEVAL_DOCUMENT", 768)}


def test_long_documents_go_in_requests_under_20000_tokens():
    embedder, client = _embedder()
    page = "La plateforme s'intègre à Salesforce et chiffre les données au repos et en transit. " * 12
    texts = [f"{page}{n}" for n in range(120)]  # about 1 000 bytes each: 120 000 in all, under 250 texts
    vectors = embedder.embed_documents(texts)
    assert [v[0] for v in vectors] == list(range(120))
    assert len(client.requests) > 1
    assert all(r["tokens"] <= 20_000 for r in client.requests)


def test_nothing_to_embed_sends_nothing_and_a_question_is_one_query_request():
    embedder, client = _embedder()
    assert embedder.embed_documents([]) == []
    assert client.requests == []
    assert embedder.embed_query("Quel est le prix ? 7")[0] == 7.0
    assert client.requests == [{"texts": 1, "tokens": 20, "task": "RETRIEVAL_QUERY", "dimensions": 768}]


def test_batches_are_cut_by_count_and_by_tokens_and_an_oversized_text_goes_alone():
    assert request_batches(["a", "b", "c"], max_texts=2, max_tokens=100) == [["a", "b"], ["c"]]
    assert request_batches(["aaa", "bbb", "cc"], max_texts=10, max_tokens=10) == [["aaa", "bbb"], ["cc"]]
    assert request_batches(["a", "x" * 50, "b"], max_texts=10, max_tokens=10) == [["a"], ["x" * 50], ["b"]]
    with pytest.raises(ValueError):
        VertexEmbedder(max_texts=0)


def test_the_model_is_a_setting_whose_default_is_multilingual(monkeypatch):
    assert VertexEmbedder().model == "text-multilingual-embedding-002"
    assert ActionSettings().embedding_model == "text-multilingual-embedding-002"
    monkeypatch.setenv("CALLBOT_EMBEDDING_MODEL", "text-embedding-005")
    assert ActionSettings().embedding_model == "text-embedding-005"


def test_the_version_names_what_makes_the_vectors():
    assert VertexEmbedder().version == "vertexai/text-multilingual-embedding-002/768"
    assert VertexEmbedder(model="text-embedding-005").version != VertexEmbedder().version
