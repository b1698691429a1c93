"""Which embedder a knowledge base runs, by name, with the similarity threshold tuned for it: the one
place the action functions and the developer tools choose.

- `local` (the default off Google Cloud): the multilingual model shipped in a PyPI package
  (`local_embedder.py`);
- `deterministic`: hashed word features, no model (`embeddings.OfflineEmbedder`): the unit tests';
- `vertexai` (production): Vertex AI text embeddings; its threshold must be given (no default has
  been measured without credentials).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from callbot.knowledge.embeddings import (
    OFFLINE_THRESHOLD,
    VERTEX_MODEL,
    Embedder,
    OfflineEmbedder,
    VertexEmbedder,
)
from callbot.knowledge.local_embedder import LOCAL_THRESHOLD, LocalEmbedder

EmbedderName = Literal["local", "deterministic", "vertexai"]
EMBEDDERS: tuple[EmbedderName, ...] = ("local", "deterministic", "vertexai")


def make_embedder(name: str, *, ignore: Iterable[str] = (), model: str = VERTEX_MODEL,
                  project: str | None = None) -> tuple[Embedder, float | None]:
    """The embedder called `name` and its default threshold (None: it has none). `ignore`: words said in
    every document, such as the company's name, which the deterministic embedder must not count."""
    match name:
        case "local":
            return LocalEmbedder(), LOCAL_THRESHOLD
        case "deterministic":
            return OfflineEmbedder(ignore=ignore), OFFLINE_THRESHOLD
        case "vertexai":
            return VertexEmbedder(model=model, project=project), None
    raise ValueError(f"unknown embedder {name!r}: one of {', '.join(EMBEDDERS)}")
