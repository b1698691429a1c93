"""The knowledge base on Firestore: hybrid retrieval, the RAG adapter for the `KnowledgePort`.

Layout (collection names are settings, so tests and tenants can keep their own):

- `{collection}/{sha256(source)}#{n}`: one chunk: `text`, `heading`, `page` (PDF), `source`, `title`,
  `language` (the primary subtag, "en", so that en-US and en-GB callers share the English
  documents), `locale` (the document's full tag), `content_hash` and `embedding` (a `Vector`).
- `{collection}_sources/{sha256(source)}`: one per document: `source`, `content_hash`, `chunks`
  (how many) and `embedder` (the `Embedder.version` of its vectors), so that ingestion knows what
  is stored without reading any vectors.
- `{collection}_index/revision`: `revision`, a new value after every ingestion that wrote something.

A search is `hybrid.py`'s: vector and keyword retrievers fused, over the chunks of the caller's
language; here the vector side is Firestore's `find_nearest` (cosine, `CANDIDATES` nearest)
pre-filtered on `language`, a chunk's similarity `1 - distance`.

Where the keyword index lives: Firestore has no full-text search, so each function instance builds
the BM25 index in memory from the chunk texts (a projection without the vectors), on its first
search, and again when the `revision` document (one read per search) says an ingestion changed the
chunks. The chunk texts stay the one copy of the corpus: nothing else to keep in step, no second
store to run, the same code on the emulator and in production, and an instance never searches a
stale index. Building it takes milliseconds for a few thousand chunks; a corpus of millions would
need a search service instead.

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
from typing import Any

from callbot.knowledge.embeddings import Embedder
from callbot.knowledge.hybrid import CANDIDATES, HybridSearch, Mode, StoredChunk
from callbot.knowledge.keyword_index import KeywordIndex
from callbot.knowledge.local_embedder import LOCAL_THRESHOLD

DEFAULT_COLLECTION = "knowledge_chunks"
BATCH_LIMIT = 400  # writes per commit; Firestore allows 500


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


class FirestoreKnowledge(HybridSearch):
    """Searches and maintains the chunk collection; `ingest.py` decides what to write."""

    def __init__(self, client: Any, embedder: Embedder, collection: str = DEFAULT_COLLECTION,
                 threshold: float = LOCAL_THRESHOLD, mode: Mode = "hybrid",
                 fallback_language: str | None = "en") -> None:
        """`threshold`: the cosine similarity a question's best chunk must reach (one per embedder);
        `fallback_language`: whose documents answer when the caller's language has none that does."""
        super().__init__(embedder, threshold, mode, fallback_language)
        if not collection or "/" in collection:
            raise ValueError(f"bad collection name {collection!r}")
        self.client = client
        self.collection = collection
        self._loaded: tuple[str | None, dict[str, StoredChunk], KeywordIndex] | None = None
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

    def _nearest(self, question: str, language: str) -> dict[str, float]:
        """Chunk id -> cosine similarity, for the `CANDIDATES` chunks nearest to the question."""
        from google.cloud.firestore_v1.base_query import FieldFilter
        from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
        from google.cloud.firestore_v1.vector import Vector

        query = self.chunks.where(filter=FieldFilter("language", "==", language)).find_nearest(
            vector_field="embedding", query_vector=Vector(self.embedder.embed_query(question)),
            distance_measure=DistanceMeasure.COSINE, limit=CANDIDATES, distance_result_field="distance")
        return {snapshot.id: round(1.0 - float(snapshot.get("distance")), 4) for snapshot in query.get()}

    def _chunks_and_index(self) -> tuple[dict[str, StoredChunk], KeywordIndex]:
        """The chunks' fields (without vectors) and their keyword index, read again when an ingestion
        has changed them since."""
        snapshot = self.revisions.document("revision").get()
        revision = snapshot.get("revision") if snapshot.exists else None
        with self._lock:
            if self._loaded is None or self._loaded[0] != revision:
                chunks = {s.id: StoredChunk.from_document(s.to_dict())
                          for s in self.chunks.select(list(StoredChunk.FIELDS)).stream()}
                index = KeywordIndex((key, c.language, c.keyword_text, c.headings) for key, c in chunks.items())
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
