"""Blob storage: the `BlobStore` port and its adapters (`local.py` a folder, `gcs.py` Cloud Storage).

Call recordings and the pre-synthesized audio cache are kept in a blob store, chosen by a URI in
settings: `gs://bucket/prefix` for Cloud Storage, a folder path (or `file://` URI) otherwise.
Blob names are relative, `/`-separated paths such as `recordings/CA123.wav`. The methods block:
async callers run them with `asyncio.to_thread`. An object too large to hold in memory is written in
parts, each its own object, then `compose`d into one and the parts deleted (Cloud Storage's compose;
a folder concatenates files).
"""

from __future__ import annotations

import re
from typing import Protocol

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$")


class BlobStore(Protocol):
    def put(self, name: str, data: bytes, content_type: str) -> str:
        """Store `data` under `name` (replacing what was there); returns the object's URI."""

    def get(self, name: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""

    def list(self, prefix: str = "") -> list[str]:
        """Names of the objects whose name starts with `prefix`, sorted."""

    def compose(self, name: str, sources: list[str], content_type: str) -> str:
        """Store under `name` the objects `sources` concatenated in that order (replacing what was
        there; the sources stay); returns the object's URI. Any number of sources."""

    def delete(self, names: list[str]) -> None:
        """Remove these objects; one that is already gone is not an error (a clean-up run again)."""


def check_name(name: str) -> str:
    """`name` if it is a relative path of non-empty segments that cannot escape the store."""
    segments = name.split("/")
    if not name or any(s in ("", ".", "..") or s.startswith(".") or "\\" in s for s in segments):
        raise ValueError(f"bad blob name {name!r}: relative path segments, none empty or starting with '.'")
    return name


def open_blob_store(uri: str) -> BlobStore:
    """The store a settings URI names: `gs://bucket[/prefix]`, `file:///folder` or a folder path."""
    match = _SCHEME.match(uri)
    if match is None:
        if not uri:
            raise ValueError("empty blob store URI")
        from callbot.blobs.local import LocalBlobStore

        return LocalBlobStore(uri)
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme == "gs":
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {uri!r}")
        from callbot.blobs.gcs import GcsBlobStore

        return GcsBlobStore(bucket, prefix)
    if scheme == "file" and rest.startswith("/"):
        from callbot.blobs.local import LocalBlobStore

        return LocalBlobStore(rest)
    raise ValueError(f"unsupported blob store URI {uri!r}: use gs://bucket/prefix or a folder")
