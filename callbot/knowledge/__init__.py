"""The knowledge base: the `KnowledgePort` and the passages it returns.

Adapters: `memory.py` (in-memory fake with keyword scoring, also the local stack's knowledge base
until the RAG adapter lands). Passages below the relevance threshold are not returned: an empty
list means "the knowledge base does not say".
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
