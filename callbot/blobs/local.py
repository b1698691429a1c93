"""A folder as a blob store: the local stack's recordings and audio cache, and tests.

Writes go to a hidden temporary file that is then renamed over the target, so a reader never sees
half an object. Content types are not kept: a file's extension says enough locally.
"""

from __future__ import annotations

import os
import shutil
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

    def compose(self, name: str, sources: list[str], content_type: str) -> str:
        if not sources:
            raise ValueError(f"nothing to compose into {name!r}")
        path = self._path(name)
        parts = [self._path(source) for source in sources]
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        try:
            with partial.open("wb") as out:
                for part in parts:
                    with part.open("rb") as source:
                        shutil.copyfileobj(source, out)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return path.as_uri()

    def delete(self, names: list[str]) -> None:
        """Also removes the folders the objects leave empty (not the store's own folder)."""
        paths = [self._path(name) for name in names]
        for path in paths:
            path.unlink(missing_ok=True)
        for folder in sorted({path.parent for path in paths}, reverse=True):
            if folder != self._root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

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
