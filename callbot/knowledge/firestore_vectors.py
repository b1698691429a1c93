"""The knowledge base on Firestore vector search: the RAG adapter for the `KnowledgePort`.

Layout (collection names are settings, so tests and tenants can keep their own):

- `{collection}/{sha256(source)}#{n}`: one chunk: `text`, `heading`, `source`, `title`, `language`
  (the primary subtag, "en", so that en-US and en-GB callers share the English documents), `locale`
  (the document's full tag), `content_hash` and `embedding` (a `Vector`).
- `{collection}_sources/{sha256(source)}`: one per document: `source`, `content_hash`, `chunks`
  (how many) and `embedder` (the `Embedder.version` of its vectors), so that ingestion knows what
  is stored without reading any vectors.

A search embeds the question, runs `find_nearest` (cosine, `limit=k`) pre-filtered on `language`,
turns each distance into a similarity (`score = 1 - distance`) and drops passages under the
threshold: an empty list means "the knowledge base does not say".

In production the pre-filter needs a composite vector index on the chunk collection (the emulator
needs none); for Terraform:

    resource "google_firestore_index" "knowledge_chunks" {
      collection = "knowledge_chunks"
      fields { field_path = "language"  order = "ASCENDING" }
      fields { field_path = "embedding" vector_config { dimension = 768  flat {} } }
    }

The dimension is the embedder's `dimensions` (768 for both the offline and the Vertex engine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from callbot.knowledge import Passage
from callbot.knowledge.embeddings import OFFLINE_THRESHOLD, Embedder

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


def primary_language(language: str) -> str:
    """"en-US" and "en-GB" are both "en"."""
    return language.split("-", 1)[0].lower()


class FirestoreKnowledge:
    """Searches and maintains the chunk collection; `ingest.py` decides what to write."""

    def __init__(self, client: Any, embedder: Embedder, collection: str = DEFAULT_COLLECTION,
                 threshold: float = OFFLINE_THRESHOLD) -> None:
        if not 0 <= threshold <= 1:
            raise ValueError("threshold must be in [0, 1]")
        if not collection or "/" in collection:
            raise ValueError(f"bad collection name {collection!r}")
        self.client = client
        self.embedder = embedder
        self.collection = collection
        self.threshold = threshold

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

    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]:
        if k <= 0 or not question.strip():
            return []
        from google.cloud.firestore_v1.base_query import FieldFilter
        from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
        from google.cloud.firestore_v1.vector import Vector

        query = self.chunks.where(filter=FieldFilter("language", "==", primary_language(language))).find_nearest(
            vector_field="embedding", query_vector=Vector(self.embedder.embed_query(question)),
            distance_measure=DistanceMeasure.COSINE, limit=k, distance_result_field="distance")
        passages = []
        for snapshot in query.get():
            data = snapshot.to_dict()
            score = round(1.0 - float(data["distance"]), 4)
            if score >= self.threshold:
                passages.append(Passage(text=data["text"], source=data["source"], title=data["title"],
                                        score=min(max(score, 0.0), 1.0)))
        return sorted(passages, key=lambda p: -p.score)

    def stored_sources(self) -> dict[str, StoredSource]:
        """What is indexed, by source path."""
        stored = (snapshot.to_dict() for snapshot in self.sources.stream())
        return {d["source"]: StoredSource(d["source"], d["content_hash"], d["chunks"], d.get("embedder", ""))
                for d in stored}

    def write(self, puts: Iterable[tuple[str, dict[str, Any]]], deletes: Iterable[str],
              sources: Iterable[StoredSource], removed_sources: Iterable[str]) -> int:
        """Set chunk documents, delete chunk ids, then record (or forget) the documents' hashes, in
        batches of at most `BATCH_LIMIT` writes; returns the number of writes. The source records go
        last, so an interrupted ingestion is redone next time rather than recorded as done."""
        from google.cloud.firestore_v1.vector import Vector

        operations: list[tuple[Any, dict[str, Any] | None]] = []
        for doc_id, data in puts:
            operations.append((self.chunks.document(doc_id), {**data, "embedding": Vector(data["embedding"])}))
        operations += [(self.chunks.document(doc_id), None) for doc_id in deletes]
        operations += [(self.sources.document(source_key(s.source)),
                        {"source": s.source, "content_hash": s.content_hash, "chunks": s.chunks,
                         "embedder": s.embedder}) for s in sources]
        operations += [(self.sources.document(source_key(source)), None) for source in removed_sources]
        for start in range(0, len(operations), BATCH_LIMIT):
            batch = self.client.batch()
            for ref, data in operations[start:start + BATCH_LIMIT]:
                if data is None:
                    batch.delete(ref)
                else:
                    batch.set(ref, data)
            batch.commit()
        return len(operations)
