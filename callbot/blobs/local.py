"""A folder as a blob store: the local stack's recordings and audio cache, and tests.

Writes go to a hidden temporary file that is then renamed over the target, so a reader never sees
half an object. Content types are not kept: a file's extension says enough locally.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from callbot.blobs import check_name


class LocalBlobStore:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self._root = Path(folder).expanduser().resolve()

    @property
    def uri(self) -> str:
        return self._root.as_uri()

    def put(self, name: str, data: bytes, content_type: str) -> str:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        try:
            partial.write_bytes(data)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return path.as_uri()

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def list(self, prefix: str = "") -> list[str]:
        if not self._root.is_dir():
            return []
        names = (path.relative_to(self._root).as_posix() for path in self._root.rglob("*") if path.is_file())
        return sorted(n for n in names if n.startswith(prefix) and not _hidden(n))

    def _path(self, name: str) -> Path:
        return self._root.joinpath(*check_name(name).split("/"))


def _hidden(name: str) -> bool:
    return any(segment.startswith(".") for segment in name.split("/"))
