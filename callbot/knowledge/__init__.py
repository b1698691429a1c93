"""The knowledge base: the `KnowledgePort` and the passages it returns.

Adapters: `firestore_vectors.py` (hybrid retrieval: Firestore vector search and a BM25 keyword
index over chunks written by `ingest.py`, embedded by `local_embedder.py` or `embeddings.py`) and
`memory.py` (keyword scoring over the demo company's documents, for unit tests). When nothing is
relevant enough, nothing is returned: an empty list means "the knowledge base does not say".
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict


class Passage(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    source: str  # the document it came from, e.g. "pricing.md"
    title: str  # a name a person can say, e.g. "Pricing"
    score: float  # relevance in [0, 1]
    heading: str = ""  # the section, e.g. "Pricing > Annual billing"
    page: int | None = None  # in a paged document (PDF)
    language: str = ""  # the passage's ("fr-FR"): another than the caller's when none of theirs answers


class KnowledgePort(Protocol):
    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]: ...

    def warm(self) -> None:
        """Load what the first search would need (a model, an index), before any caller asks."""
