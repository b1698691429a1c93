"""The knowledge base: the `KnowledgePort` and the passages it returns.

Adapters: `firestore_vectors.py` (Firestore vector search over chunks written by `ingest.py`,
embedded by `embeddings.py`) and `memory.py` (keyword scoring over the demo company's documents,
for unit tests). Passages below the relevance threshold are not returned: an empty list means
"the knowledge base does not say".
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


class KnowledgePort(Protocol):
    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]: ...
