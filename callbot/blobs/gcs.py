"""Cloud Storage as a blob store (the real service, or an emulator when STORAGE_EMULATOR_HOST is set).

Objects live under `prefix/` in the bucket. The client library retries reads and lists on timeouts,
429 and 5xx by itself; uploads are given the same policy explicitly (the library has changed its
default for them over the years), which is safe here because a name always gets the same bytes.
"""

from __future__ import annotations

from typing import Any

from callbot.blobs import check_name


class GcsBlobStore:
    def __init__(self, bucket: str, prefix: str = "", client: Any | None = None) -> None:
        if not bucket:
            raise ValueError("GcsBlobStore needs a bucket name")
        self._bucket_name = bucket
        self._prefix = prefix.strip("/")
        self._client = client

    @property
    def uri(self) -> str:
        return f"gs://{self._bucket_name}/{self._prefix}".rstrip("/")

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud import storage

            self._client = storage.Client()
        return self._client

    def put(self, name: str, data: bytes, content_type: str) -> str:
        from google.cloud.storage.retry import DEFAULT_RETRY

        key = self._key(check_name(name))
        self._bucket().blob(key).upload_from_string(data, content_type=content_type, retry=DEFAULT_RETRY)
        return f"gs://{self._bucket_name}/{key}"

    def get(self, name: str) -> bytes | None:
        from google.api_core.exceptions import NotFound

        try:
            return self._bucket().blob(self._key(check_name(name))).download_as_bytes()
        except NotFound:
            return None

    def list(self, prefix: str = "") -> list[str]:
        root = f"{self._prefix}/" if self._prefix else ""
        blobs = self.client.list_blobs(self._bucket_name, prefix=root + prefix)
        return sorted(blob.name[len(root):] for blob in blobs if not blob.name.endswith("/"))

    def _bucket(self) -> Any:
        return self.client.bucket(self._bucket_name)

    def _key(self, name: str) -> str:
        return f"{self._prefix}/{name}" if self._prefix else name
