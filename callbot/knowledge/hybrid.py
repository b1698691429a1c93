"""Hybrid retrieval, whatever holds the chunks: Firestore in production and on the emulator
(`firestore_vectors.py`), or the process itself for the text-level evaluation (`in_process.py`).

A search runs two retrievers over the chunks of the caller's language and fuses their rankings:

- vector: the `CANDIDATES` chunks nearest to the question's embedding (cosine), among the chunks of
  the language;
- keyword: BM25 (`keyword_index.py`), which finds the rare words (a product name, a code, a number)
  that embeddings blur.

The two rankings are fused by reciprocal rank fusion (each chunk scores the sum of `1 / (60 + rank)`
over the rankings it is in; Cormack et al., 2009): no score scales to reconcile, and a chunk both
retrievers rank high comes first. Whether the base answers at all is decided before fusing, on either of
two signs: the best vector similarity reaches `threshold`, or the best keyword hit holds
`KEYWORD_COVERAGE` of the question's terms weighted by their rarity (the words that make the
question specific are in one chunk). Otherwise nothing is returned: the bot declines. The values
were chosen on `knowledge_base/eval.yaml` (bench/README.md has the figures, and what a
three-sign rule fitted more closely to that set did on unseen documents). `mode` can
restrict a search to one retriever (`vector`, `keyword`) for the evaluation's comparison.

When no passage of the caller's language answers, the same search runs over `fallback_language`'s
documents (the company's own language). If those answer, and the best passage of the caller's
language is within `LANGUAGE_PREFERENCE` of their best (most often the same page in both languages,
which the cross-lingual model finds a little closer in English), the caller's passages are
returned; otherwise the fallback's, which say their `language` so that the agent answers in the
caller's language from them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from callbot.knowledge import Passage
from callbot.knowledge.embeddings import Embedder
from callbot.knowledge.keyword_index import KeywordHit, KeywordIndex

CANDIDATES = 20  # chunks each retriever ranks before fusion
RRF_K = 60
NAMED_HITS = 3  # keyword hits looked at for a rare name the question asks about
LANGUAGE_PREFERENCE = 0.15  # how much less similar the caller's own pages may be than the fallback's and still answer
KEYWORD_COVERAGE = 0.5  # of the question's terms (IDF-weighted) the best keyword hit must hold to answer alone
Mode = Literal["hybrid", "vector", "keyword"]
MODES: tuple[Mode, ...] = ("hybrid", "vector", "keyword")


@dataclass(frozen=True)
class StoredChunk:
    """One chunk document, without its vector."""

    source: str
    index: int
    title: str
    heading: str
    text: str
    page: int | None
    language: str  # primary subtag, "en": what searches filter on
    locale: str  # the document's tag, "en-US"
    content_hash: str

    FIELDS: ClassVar[tuple[str, ...]] = ("source", "index", "title", "heading", "text", "page", "language", "locale",
                                         "content_hash")

    @classmethod
    def from_document(cls, data: dict[str, Any]) -> StoredChunk:
        return cls(**{name: data.get(name) for name in cls.FIELDS})

    @property
    def keyword_text(self) -> str:
        """What the keyword index counts: the document's title, the headings and the text."""
        return f"{self.title} {self.heading} {self.text}"

    @property
    def headings(self) -> str:
        """The document's title and the chunk's headings (whose initials name acronyms)."""
        return f"{self.title} > {self.heading}"

    def passage(self, score: float) -> Passage:
        return Passage(text=self.text, source=self.source, title=self.title, score=min(max(score, 0.0), 1.0),
                       heading=self.heading or "", page=self.page, language=self.locale or self.language)


@dataclass(frozen=True)
class Candidates:
    similarities: dict[str, float]  # chunk id -> cosine similarity, the vector retriever's
    hits: list[KeywordHit]  # the keyword retriever's, best first


def primary_language(language: str) -> str:
    """"en-US" and "en-GB" are both "en"."""
    return language.split("-", 1)[0].lower()


class HybridSearch(ABC):
    """The `KnowledgePort`'s search over chunks that a subclass holds: it gives the vector retriever
    (`_nearest`) and the chunks with their keyword index (`_chunks_and_index`)."""

    def __init__(self, embedder: Embedder, threshold: float, mode: Mode = "hybrid",
                 fallback_language: str | None = "en") -> None:
        """`threshold`: the cosine similarity a question's best chunk must reach (one per embedder);
        `fallback_language`: whose documents answer when the caller's language has none that does."""
        if not 0 <= threshold <= 1:
            raise ValueError("threshold must be in [0, 1]")
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: one of {', '.join(MODES)}")
        self.embedder = embedder
        self.threshold = threshold
        self.mode = mode
        self.fallback_language = primary_language(fallback_language) if fallback_language else None

    @abstractmethod
    def _nearest(self, question: str, language: str) -> dict[str, float]:
        """Chunk id -> cosine similarity, for the `CANDIDATES` chunks of `language` nearest to the question."""

    @abstractmethod
    def _chunks_and_index(self) -> tuple[dict[str, StoredChunk], KeywordIndex]:
        """The chunks by id, and their keyword index."""

    def warm(self) -> None:
        """Load what the first search would: the embedding model (a first query) and the chunks with their
        keyword index, so that a new instance does not make its first caller wait for them."""
        self.embedder.embed_query("warm")
        self._chunks_and_index()

    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]:
        if k <= 0 or not question.strip():
            return []
        wanted = primary_language(language)
        index = self._chunks_and_index()[1]
        if self.mode != "vector" and index.unknown_names(question, wanted) and \
                (not self.fallback_language or index.unknown_names(question, self.fallback_language, wanted)):
            return []  # "Are you FedRAMP authorized?": a name no document holds, and the base says nothing of it
        if self.mode != "vector" and index.unknown_things(question, wanted) and \
                (not self.fallback_language or index.unknown_things(question, self.fallback_language)):
            return []  # "Is there a mobile app?": a thing asked for of which no document says a word
        own = self._candidates(question, wanted)
        if self._answers(own):
            return self._fused(own, k)
        if names := self._names_held(question, wanted, own):  # the chunks that hold the name first
            return self._fused(own, k, first=lambda key: index.holds(key, wanted, names))
        if not self.fallback_language or wanted == self.fallback_language:
            return []
        other = self._candidates(question, self.fallback_language)
        if not self._answers(other):
            return []
        if own.similarities and _best(own) >= _best(other) - LANGUAGE_PREFERENCE:
            return self._fused(own, k)  # the caller's own pages say it about as well: most likely the same page
        return self._fused(other, k)

    def _candidates(self, question: str, language: str) -> Candidates:
        similarities = self._nearest(question, language) if self.mode != "keyword" else {}
        hits = self._chunks_and_index()[1].search(question, language, CANDIDATES) if self.mode != "vector" else []
        return Candidates(similarities, hits)

    def _fused(self, candidates: Candidates, k: int, first: Callable[[str], bool] | None = None) -> list[Passage]:
        """The candidates ranked by reciprocal rank fusion (those `first` picks before the rest), the best `k`."""
        similarities, hits = candidates.similarities, candidates.hits
        chunks = self._chunks_and_index()[0]
        ranked = reciprocal_rank_fusion([sorted(similarities, key=lambda key: -similarities[key]),
                                         [hit.key for hit in hits]])
        coverage = {hit.key: hit.coverage for hit in hits}
        if first is not None:
            ranked = sorted(ranked, key=lambda key: not first(key))
        best = [key for key in ranked if key in chunks][:k]
        return [chunks[key].passage(similarities.get(key, coverage.get(key, 0.0))) for key in best]

    def _names_held(self, question: str, language: str, candidates: Candidates) -> set[str]:
        """The terms of the rare names the question asks about ("HubSpot"), when one of the best keyword
        hits holds them and every other word of the question is in the base: that chunk answers, however
        the rest of the question is worded ("does it write everything into HubSpot?"); else none."""
        if self.mode == "vector" or not candidates.hits:
            return set()
        index = self._chunks_and_index()[1]
        names = index.rare_names(question, language)
        if not names or index.unseen_terms(question, language):
            return set()  # ("does HubSpot have a mobile app?": the base says nothing of an app)
        held = any(index.holds(hit.key, language, names) for hit in candidates.hits[:NAMED_HITS])
        return names if held else set()

    def _answers(self, candidates: Candidates) -> bool:
        hits = candidates.hits
        best_similarity = _best(candidates)
        keyword_strong = bool(hits) and hits[0].coverage >= KEYWORD_COVERAGE
        match self.mode:
            case "vector":
                return best_similarity >= self.threshold
            case "keyword":
                return keyword_strong
        return best_similarity >= self.threshold or keyword_strong


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> list[str]:
    """The keys of several rankings (best first) in one: each scores the sum of 1 / (k + rank) over the
    rankings it is in; ties keep the order in which keys were first seen."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1 / (k + rank)
    return sorted(fused, key=lambda key: -fused[key])


def _best(candidates: Candidates) -> float:
    return max(candidates.similarities.values(), default=0.0)
