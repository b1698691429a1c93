"""Text embeddings for the knowledge base: the `Embedder` port, and two of its engines (the third,
the local model, is `local_embedder.py`; `engines.py` chooses).

- `OfflineEmbedder`: deterministic, no model, no network: the unit tests' engine.
  Words are lowercased, accent-folded, stripped of stop words and lightly stemmed ("pricing",
  "prices" -> "pric"); the vector is the signed feature hashing of their unigrams, of the bigrams
  of neighbouring words and of their character trigrams (which catch what the stemmer misses:
  "integrate" / "integrations"), L2-normalised. Cosine similarity then measures shared vocabulary,
  weighted towards whole words: enough for "how much does it cost" to find the pricing section,
  while a question about something the documents never mention stays below the threshold.
- `VertexEmbedder`: Vertex AI `text-multilingual-embedding-002` by default (the knowledge base has
  French pages) through `langchain-google-vertexai`, imported lazily (the import alone takes
  seconds). Documents are embedded with the RETRIEVAL_DOCUMENT task type and questions with
  RETRIEVAL_QUERY, as the model expects for asymmetric search. Vertex refuses (400) a request of
  more than 250 texts or 20 000 tokens (each text is cut at 2 048 tokens), so documents go in
  batches under both limits, their vectors returned in the order of the texts.

The vector index's dimension must match `dimensions` (768 for both engines by default), and
each engine needs its own similarity threshold (`OFFLINE_THRESHOLD` for the deterministic one).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from callbot.knowledge.memory import STOP_WORDS as _MEMORY_STOP_WORDS
from callbot.spoken import fold

OFFLINE_DIMENSIONS = 768  # the same as the Vertex models: one index definition for both engines
OFFLINE_THRESHOLD = 0.15  # cosine similarity below which a passage does not answer the question
VERTEX_MODEL = "text-multilingual-embedding-002"
VERTEX_DIMENSIONS = 768
VERTEX_MAX_TEXTS = 250  # texts per embeddings request (Vertex AI "Get text embeddings", API limits)
VERTEX_MAX_TOKENS = 20_000  # input tokens per embeddings request, all texts together

_WORD = re.compile(r"[a-z0-9]+")
_EXTRA_STOP_WORDS = """
am been being did doing had has having he her him his i'm into just know like may might more most
must need now off only other out over own same she should some such than them then these they those
through too under up very want was were what's wants get got go going much many also able
work works working use using offer offers marche fonctionne
ca cela ces cet cette comment dans elle est-ce etre faire ils leurs moi peut plus quand quoi sans
ses si sont tout tous tres
"""
STOP_WORDS = frozenset(_MEMORY_STOP_WORDS | set(_EXTRA_STOP_WORDS.split()))
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "es", "ed", "s", "e")
_REPLACEMENTS = {"ations": "at", "ation": "at", "ies": "y", "ied": "y"}
_WEIGHTS = {"word": 1.0, "bigram": 0.5, "trigram": 0.5}


class Embedder(Protocol):
    dimensions: int

    @property
    def version(self) -> str:
        """What makes the vectors (engine, model, dimensions): vectors of two versions do not compare."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def stem(word: str) -> str:
    """A light suffix stripper, English first, good enough to join a word's common forms."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            root = word[:-len(suffix)]
            if suffix in ("ing", "ed") and len(root) > 3 and root[-1] == root[-2] and root[-1] not in "lsz":
                root = root[:-1]  # running -> run, planned -> plan
            return root + _REPLACEMENTS.get(suffix, "")
    return word


def terms(text: str) -> list[str]:
    """The stemmed content words of `text`, in order."""
    words = _WORD.findall(fold(text).replace("'", " "))
    return [stem(w) for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


class OfflineEmbedder:
    """Hashed word, bigram and trigram features: deterministic across processes and machines."""

    def __init__(self, dimensions: int = OFFLINE_DIMENSIONS, ignore: Iterable[str] = ()) -> None:
        """`ignore`: words said everywhere, such as the company's name, which would otherwise make
        any question that names the company look close to every passage."""
        if dimensions < 16:
            raise ValueError("dimensions must be at least 16")
        self.dimensions = dimensions
        self._ignore = frozenset(terms(" ".join(ignore)))

    @property
    def version(self) -> str:
        ignored = f"/ignore:{','.join(sorted(self._ignore))}" if self._ignore else ""
        return f"offline/{self.dimensions}{ignored}"

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        words = [w for w in terms(text) if w not in self._ignore]
        features: defaultdict[tuple[str, str], float] = defaultdict(float)
        for word in words:
            features["word", word] += 1
            padded = f"#{word}#"
            trigrams = [padded[i:i + 3] for i in range(len(padded) - 2)]
            for trigram in trigrams:  # a word's trigrams weigh the same whatever its length
                features["trigram", trigram] += 1 / math.sqrt(len(trigrams))
        for left, right in itertools.pairwise(words):
            features["bigram", f"{left} {right}"] += 1
        vector = [0.0] * self.dimensions
        for (kind, feature), count in features.items():
            digest = hashlib.blake2b(f"{kind}:{feature}".encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "big") % self.dimensions
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[index] += sign * _WEIGHTS[kind] * (1.0 + math.log(count) if count >= 1 else count)
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector] if norm else vector


class VertexEmbedder:
    """Vertex AI text embeddings; the client is created on first use, not at construction."""

    def __init__(self, model: str = VERTEX_MODEL, project: str | None = None, location: str | None = None,
                 dimensions: int = VERTEX_DIMENSIONS, max_texts: int = VERTEX_MAX_TEXTS,
                 max_tokens: int = VERTEX_MAX_TOKENS, client: Any | None = None) -> None:
        """`client`: anything with `VertexAIEmbeddings.embed`'s signature (tests pass a fake)."""
        if max_texts < 1 or max_tokens < 1:
            raise ValueError("max_texts and max_tokens must be at least 1")
        self.model = model
        self.project = project
        self.location = location
        self.dimensions = dimensions
        self.max_texts = max_texts
        self.max_tokens = max_tokens
        self._client = client

    @property
    def version(self) -> str:
        return f"vertexai/{self.model}/{self.dimensions}"

    @property
    def client(self) -> Any:
        if self._client is None:
            from langchain_google_vertexai import VertexAIEmbeddings

            options = {k: v for k, v in (("project", self.project), ("location", self.location)) if v}
            self._client = VertexAIEmbeddings(model_name=self.model, **options)
        return self._client

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in request_batches(texts, self.max_texts, self.max_tokens):
            vectors += self.client.embed(batch, embeddings_task_type="RETRIEVAL_DOCUMENT",
                                         dimensions=self.dimensions)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.client.embed([text], embeddings_task_type="RETRIEVAL_QUERY", dimensions=self.dimensions)[0]


def token_bound(text: str) -> int:
    """An upper bound of the tokens Vertex counts for `text`, without its tokenizer (not available
    offline): its UTF-8 bytes, since a subword token with byte fallback covers at least one byte, plus
    two for the tokens framing a text. About four times the real count for English prose: the price of
    never being refused."""
    return len(text.encode()) + 2


def request_batches(texts: Sequence[str], max_texts: int, max_tokens: int) -> list[list[str]]:
    """`texts` in order, cut into consecutive batches of at most `max_texts` texts and `max_tokens`
    tokens (`token_bound`). A text over `max_tokens` by itself goes alone: Vertex cuts a text at
    2 048 tokens, which the knowledge base's chunks (at most 160 words) never reach."""
    batches: list[list[str]] = []
    batch: list[str] = []
    tokens = 0
    for text in texts:
        cost = token_bound(text)
        if batch and (len(batch) == max_texts or tokens + cost > max_tokens):
            batches.append(batch)
            batch, tokens = [], 0
        batch.append(text)
        tokens += cost
    if batch:
        batches.append(batch)
    return batches
