"""Ingestion: a folder (or `gs://bucket/prefix`) of documents into the Firestore knowledge base.

Incremental and idempotent, so it can run on every deploy or on a schedule:

- a document whose content hash is the one stored, embedded by the same embedder (its `version`:
  engine, model, dimensions), is skipped: nothing is embedded, nothing written;
- a new or changed document, or one whose vectors another embedder made (they would not compare
  with the questions' vectors), is chunked and embedded, its chunks set under deterministic ids
  (`sha256(source)#n`), and the old chunks beyond the new count deleted;
- a document no longer in the source loses its chunks and its record.

- a file that gives no text (a corrupt or scanned PDF, an HTML page without main content, a type
  `documents.py` does not read, such as the `eval.yaml` beside the demo documents) is reported in
  `skipped` with the reason, logged, and left alone: if an earlier version of it was indexed, that
  version stays; every other document is ingested as usual.

The files are read through `callbot.blobs`, whose stores list and read both a local folder and a
Cloud Storage prefix. Writes go in batches of at most 400 (see `FirestoreKnowledge.write`), the
keyword index's revision last (see `firestore_vectors.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from callbot.blobs import BlobStore, open_blob_store
from callbot.errors import UnreadableDocument
from callbot.knowledge.chunking import ParsedDocument, chunk_document
from callbot.knowledge.documents import parse_document
from callbot.knowledge.embeddings import Embedder
from callbot.knowledge.firestore_vectors import FirestoreKnowledge, StoredSource, chunk_id
from callbot.knowledge.hybrid import StoredChunk, primary_language

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> why it gave no text
    chunks: int = 0  # chunks embedded and written
    writes: int = 0  # Firestore writes, deletes included

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "skipped": self.skipped, "chunks": self.chunks, "writes": self.writes}


def ingest(store: FirestoreKnowledge, embedder: Embedder, root: Path | str) -> IngestReport:
    """Bring `store` in line with the documents under `root` (a folder, `file://` URI or `gs://` URI)."""
    blobs = open_blob_store(str(root))
    stored = store.stored_sources()
    report = IngestReport()
    puts: list[tuple[str, StoredChunk, list[float]]] = []
    deletes: list[str] = []
    records: list[StoredSource] = []
    for name, document in readable_documents(blobs, report.skipped):  # one deleted meanwhile is removed below
        previous = stored.get(name)
        if previous and (previous.content_hash, previous.embedder) == (document.content_hash, embedder.version):
            report.unchanged.append(name)
            continue
        (report.updated if previous else report.added).append(name)
        chunks = embedded_chunks(name, document, embedder)
        puts += [(chunk_id(name, chunk.index), chunk, vector) for chunk, vector in chunks]
        deletes += [chunk_id(name, n) for n in range(len(chunks), previous.chunks if previous else 0)]
        records.append(StoredSource(name, document.content_hash, len(chunks), embedder.version))
        report.chunks += len(chunks)
    present = {r.source for r in records} | set(report.unchanged) | set(report.skipped)
    for source, previous in sorted(stored.items()):
        if source not in present:
            report.removed.append(source)
            deletes += [chunk_id(source, n) for n in range(previous.chunks)]
    if puts or deletes or records or report.removed:
        report.writes = store.write(puts, deletes, records, report.removed)
    return report


def readable_documents(blobs: BlobStore, skipped: dict[str, str],
                       level: int = logging.WARNING) -> Iterator[tuple[str, ParsedDocument]]:
    """Each document of `blobs` that gives text, by name; dot files are passed over, a file deleted
    since the listing too, and one that gives no text is logged at `level` and put in `skipped` with
    the reason."""
    for name in sorted(blobs.list()):
        data = None if PurePosixPath(name).name.startswith(".") else blobs.get(name)
        if data is None:
            continue
        try:
            yield name, parse_document(name, data)
        except UnreadableDocument as error:
            skipped[name] = str(error).removeprefix(f"{name}: ")
            log.log(level, "knowledge document skipped: %s", error, extra={"source": name})


def embedded_chunks(name: str, document: ParsedDocument, embedder: Embedder) -> list[tuple[StoredChunk, list[float]]]:
    """`document` (read from the file `name`) as the chunks a search reads, each with its vector."""
    chunks = chunk_document(document)
    vectors = embedder.embed_documents([c.embedding_text for c in chunks]) if chunks else []
    return [(StoredChunk(source=name, index=chunk.index, title=chunk.title, heading=chunk.heading, text=chunk.text,
                         page=chunk.page, language=primary_language(chunk.language), locale=chunk.language,
                         content_hash=document.content_hash), vector)
            for chunk, vector in zip(chunks, vectors, strict=True)]
