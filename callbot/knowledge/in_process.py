"""The knowledge base held in the process: the chunks, vectors and hybrid search of the Firestore
adapter (`hybrid.py`), with the vectors in a numpy matrix instead of a Firestore collection.

What the text-level evaluation (`callbot eval --level text`, `devtools/conversation.py`) searches:
the same documents as the local stack (`knowledge_base/`, every type `documents.py` reads), cut into
the same chunks (`ingest.embedded_chunks`), embedded by the same local model and searched by the same
code, so that a conversation in one process finds and declines what the same call through the
whole stack would. It is built once, from a folder, and only read afterwards (searches from several
threads are safe). Not for production: nothing is kept between processes, and every document is
embedded at start (about 2 s for the demo company's 20 documents with the local model).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from callbot.blobs import open_blob_store
from callbot.knowledge.embeddings import Embedder
from callbot.knowledge.firestore_vectors import chunk_id
from callbot.knowledge.hybrid import CANDIDATES, HybridSearch, Mode, StoredChunk
from callbot.knowledge.ingest import embedded_chunks, readable_documents
from callbot.knowledge.keyword_index import KeywordIndex


class InProcessKnowledge(HybridSearch):
    """Chunks and their unit vectors, searched by cosine similarity and BM25, fused."""

    def __init__(self, chunks: list[tuple[StoredChunk, list[float]]], embedder: Embedder, threshold: float,
                 mode: Mode = "hybrid", fallback_language: str | None = "en") -> None:
        super().__init__(embedder, threshold, mode, fallback_language)
        # keyed and ordered as Firestore keeps them (document ids, in id order): chunks that score alike come
        # out in the same order as there
        chunks = sorted(chunks, key=lambda pair: chunk_id(pair[0].source, pair[0].index))
        self._chunks = {chunk_id(chunk.source, chunk.index): chunk for chunk, _ in chunks}
        self._keys = list(self._chunks)
        self._languages = np.array([chunk.language for chunk, _ in chunks])
        vectors = np.array([vector for _, vector in chunks], dtype=np.float64).reshape(len(chunks), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._vectors = vectors / np.where(norms == 0, 1, norms)
        self._index = KeywordIndex((key, chunk.language, chunk.keyword_text, chunk.headings)
                                   for key, chunk in self._chunks.items())
        self.skipped: dict[str, str] = {}  # file -> why it gave no text, as ingestion reports it

    @classmethod
    def from_folder(cls, root: Path | str, embedder: Embedder, threshold: float, **options) -> InProcessKnowledge:
        """Every document under `root` (a folder, `file://` or `gs://` URI) that gives text; the others are
        logged and listed in `skipped`, as `callbot kb ingest` does."""
        skipped: dict[str, str] = {}
        chunks = [pair for name, document in readable_documents(open_blob_store(str(root)), skipped, logging.INFO)
                  for pair in embedded_chunks(name, document, embedder)]
        knowledge = cls(chunks, embedder, threshold, **options)
        knowledge.skipped = skipped
        return knowledge

    def _nearest(self, question: str, language: str) -> dict[str, float]:
        among = np.flatnonzero(self._languages == language)
        if not len(among):
            return {}
        query = np.asarray(self.embedder.embed_query(question), dtype=np.float64)
        query /= np.linalg.norm(query) or 1.0
        similarities = self._vectors[among] @ query
        best = np.argsort(-similarities, kind="stable")[:CANDIDATES]
        return {self._keys[among[i]]: round(float(similarities[i]), 4) for i in best}

    def _chunks_and_index(self) -> tuple[dict[str, StoredChunk], KeywordIndex]:
        return self._chunks, self._index
