"""The knowledge base on Firestore: hybrid retrieval, the RAG adapter for the `KnowledgePort`.

Layout (collection names are settings, so tests and tenants can keep their own):

- `{collection}/{sha256(source)}#{n}`: one chunk: `text`, `heading`, `page` (PDF), `source`, `title`,
  `language` (the primary subtag, "en", so that en-US and en-GB callers share the English
  documents), `locale` (the document's full tag), `content_hash` and `embedding` (a `Vector`).
- `{collection}_sources/{sha256(source)}`: one per document: `source`, `content_hash`, `chunks`
  (how many) and `embedder` (the `Embedder.version` of its vectors), so that ingestion knows what
  is stored without reading any vectors.
- `{collection}_index/revision`: `revision`, a new value after every ingestion that wrote something.

A search runs two retrievers over the chunks of the caller's language and fuses their rankings:

- vector: the question's embedding, `find_nearest` (cosine, `CANDIDATES` nearest) pre-filtered on
  `language`; a chunk's similarity is `1 - distance`;
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

Where the keyword index lives: Firestore has no full-text search, so each function instance builds
the BM25 index in memory from the chunk texts (a projection without the vectors), on its first
search, and again when the `revision` document (one read per search) says an ingestion changed the
chunks. The chunk texts stay the one copy of the corpus: nothing else to keep in step, no second
store to run, the same code on the emulator and in production, and an instance never searches a
stale index. Building it takes milliseconds for a few thousand chunks; a corpus of millions would
need a search service instead.

When no passage of the caller's language answers, the same search runs over `fallback_language`'s
documents (the company's own language). If those answer, and the best passage of the caller's
language is within `LANGUAGE_PREFERENCE` of their best (most often the same page in both languages,
which the cross-lingual model finds a little closer in English), the caller's passages are
returned; otherwise the fallback's, which say their `language` so that the agent answers in the
caller's language from them.

In production the pre-filter needs a composite vector index on the chunk collection (the emulator
needs none); for Terraform:

    resource "google_firestore_index" "knowledge_chunks" {
      collection = "knowledge_chunks"
      fields { field_path = "language"  order = "ASCENDING" }
      fields { field_path = "embedding" vector_config { dimension = 768  flat {} } }
    }

The dimension is the embedder's `dimensions` (768 for Vertex AI, 512 for the local model).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

from callbot.knowledge import Passage
from callbot.knowledge.embeddings import Embedder
from callbot.knowledge.keyword_index import KeywordHit, KeywordIndex
from callbot.knowledge.local_embedder import LOCAL_THRESHOLD

DEFAULT_COLLECTION = "knowledge_chunks"
BATCH_LIMIT = 400  # writes per commit; Firestore allows 500
CANDIDATES = 20  # chunks each retriever ranks before fusion
RRF_K = 60
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

    def passage(self, score: float) -> Passage:
        return Passage(text=self.text, source=self.source, title=self.title, score=min(max(score, 0.0), 1.0),
                       heading=self.heading or "", page=self.page, language=self.locale or self.language)


@dataclass(frozen=True)
class _Candidates:
    similarities: dict[str, float]  # chunk id -> cosine similarity, the vector retriever's
    hits: list[KeywordHit]  # the keyword retriever's, best first


@dataclass(frozen=True)
class StoredSource:
    source: str
    content_hash: str
    chunks: int
    embedder: str = ""  # the Embedder.version of its vectors; empty in records written before it was kept


def source_key(source: str) -> str:
    """A document id for any source path: `/` cannot appear in a Firestore document id."""
    return hashlib.sha256(source.encode()).hexdigest()


def chunk_id(source: str, index: int) -> str:
    return f"{source_key(source)}#{index}"


def primary_language(language: str) -> str:
    """"en-US" and "en-GB" are both "en"."""
    return language.split("-", 1)[0].lower()


class FirestoreKnowledge:
    """Searches and maintains the chunk collection; `ingest.py` decides what to write."""

    def __init__(self, client: Any, embedder: Embedder, collection: str = DEFAULT_COLLECTION,
                 threshold: float = LOCAL_THRESHOLD, mode: Mode = "hybrid",
                 fallback_language: str | None = "en") -> None:
        """`threshold`: the cosine similarity a question's best chunk must reach (one per embedder);
        `fallback_language`: whose documents answer when the caller's language has none that does."""
        if not 0 <= threshold <= 1:
            raise ValueError("threshold must be in [0, 1]")
        if not collection or "/" in collection:
            raise ValueError(f"bad collection name {collection!r}")
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: one of {', '.join(MODES)}")
        self.client = client
        self.embedder = embedder
        self.collection = collection
        self.threshold = threshold
        self.mode = mode
        self.fallback_language = primary_language(fallback_language) if fallback_language else None
        self._loaded: tuple[str | None, dict[str, dict[str, Any]], KeywordIndex] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_project(cls, project_id: str, embedder: Embedder, **options: Any) -> FirestoreKnowledge:
        from google.cloud import firestore

        return cls(firestore.Client(project=project_id), embedder, **options)

    @property
    def chunks(self) -> Any:
        return self.client.collection(self.collection)

    @property
    def sources(self) -> Any:
        return self.client.collection(f"{self.collection}_sources")

    @property
    def revisions(self) -> Any:
        return self.client.collection(f"{self.collection}_index")

    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]:
        if k <= 0 or not question.strip():
            return []
        wanted = primary_language(language)
        own = self._candidates(question, wanted)
        if self._answers(own):
            return self._fused(own, k)
        if not self.fallback_language or wanted == self.fallback_language:
            return []
        other = self._candidates(question, self.fallback_language)
        if not self._answers(other):
            return []
        if own.similarities and _best(own) >= _best(other) - LANGUAGE_PREFERENCE:
            return self._fused(own, k)  # the caller's own pages say it about as well: most likely the same page
        return self._fused(other, k)

    def _candidates(self, question: str, language: str) -> _Candidates:
        similarities = self._nearest(question, language) if self.mode != "keyword" else {}
        hits = self._chunks_and_index()[1].search(question, language, CANDIDATES) if self.mode != "vector" else []
        return _Candidates(similarities, hits)

    def _fused(self, candidates: _Candidates, k: int) -> list[Passage]:
        """The candidates ranked by reciprocal rank fusion, the best `k`."""
        similarities, hits = candidates.similarities, candidates.hits
        chunks = self._chunks_and_index()[0]
        ranked = reciprocal_rank_fusion([sorted(similarities, key=lambda key: -similarities[key]),
                                         [hit.key for hit in hits]])
        coverage = {hit.key: hit.coverage for hit in hits}
        best = [key for key in ranked if key in chunks][:k]
        return [chunks[key].passage(similarities.get(key, coverage.get(key, 0.0))) for key in best]

    def _answers(self, candidates: _Candidates) -> bool:
        hits = candidates.hits
        best_similarity = _best(candidates)
        keyword_strong = bool(hits) and hits[0].coverage >= KEYWORD_COVERAGE
        match self.mode:
            case "vector":
                return best_similarity >= self.threshold
            case "keyword":
                return keyword_strong
        return best_similarity >= self.threshold or keyword_strong

    def _nearest(self, question: str, language: str) -> dict[str, float]:
        """Chunk id -> cosine similarity, for the `CANDIDATES` chunks nearest to the question."""
        from google.cloud.firestore_v1.base_query import FieldFilter
        from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
        from google.cloud.firestore_v1.vector import Vector

        query = self.chunks.where(filter=FieldFilter("language", "==", language)).find_nearest(
            vector_field="embedding", query_vector=Vector(self.embedder.embed_query(question)),
            distance_measure=DistanceMeasure.COSINE, limit=CANDIDATES, distance_result_field="distance")
        return {snapshot.id: round(1.0 - float(snapshot.get("distance")), 4) for snapshot in query.get()}

    def _chunks_and_index(self) -> tuple[dict[str, dict[str, Any]], KeywordIndex]:
        """The chunks' fields (without vectors) and their keyword index, read again when an ingestion
        has changed them since."""
        snapshot = self.revisions.document("revision").get()
        revision = snapshot.get("revision") if snapshot.exists else None
        with self._lock:
            if self._loaded is None or self._loaded[0] != revision:
                chunks = {s.id: StoredChunk.from_document(s.to_dict())
                          for s in self.chunks.select(list(StoredChunk.FIELDS)).stream()}
                index = KeywordIndex((key, c.language, c.keyword_text) for key, c in chunks.items())
                self._loaded = (revision, chunks, index)
            return self._loaded[1], self._loaded[2]

    def stored_sources(self) -> dict[str, StoredSource]:
        """What is indexed, by source path."""
        stored = (snapshot.to_dict() for snapshot in self.sources.stream())
        return {d["source"]: StoredSource(d["source"], d["content_hash"], d["chunks"], d.get("embedder", ""))
                for d in stored}

    def write(self, puts: Iterable[tuple[str, StoredChunk, list[float]]], deletes: Iterable[str],
              sources: Iterable[StoredSource], removed_sources: Iterable[str]) -> int:
        """Set chunk documents, delete chunk ids, then record (or forget) the documents' hashes and
        mark a new revision, in batches of at most `BATCH_LIMIT` writes; returns the number of writes.
        The source records go after the chunks, so an interrupted ingestion is redone next time rather
        than recorded as done; the revision goes last, so searches rebuild their keyword index."""
        from google.cloud.firestore_v1.vector import Vector

        operations: list[tuple[Any, dict[str, Any] | None]] = []
        for doc_id, chunk, vector in puts:
            operations.append((self.chunks.document(doc_id), {**asdict(chunk), "embedding": Vector(vector)}))
        operations += [(self.chunks.document(doc_id), None) for doc_id in deletes]
        operations += [(self.sources.document(source_key(s.source)),
                        {"source": s.source, "content_hash": s.content_hash, "chunks": s.chunks,
                         "embedder": s.embedder}) for s in sources]
        operations += [(self.sources.document(source_key(source)), None) for source in removed_sources]
        operations.append((self.revisions.document("revision"), {"revision": uuid.uuid4().hex}))
        for start in range(0, len(operations), BATCH_LIMIT):
            batch = self.client.batch()
            for ref, data in operations[start:start + BATCH_LIMIT]:
                if data is None:
                    batch.delete(ref)
                else:
                    batch.set(ref, data)
            batch.commit()
        return len(operations)


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> list[str]:
    """The keys of several rankings (best first) in one: each scores the sum of 1 / (k + rank) over the
    rankings it is in; ties keep the order in which keys were first seen."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1 / (k + rank)
    return sorted(fused, key=lambda key: -fused[key])


def _best(candidates: _Candidates) -> float:
    return max(candidates.similarities.values(), default=0.0)
