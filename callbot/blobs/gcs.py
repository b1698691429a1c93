"""Cloud Storage as a blob store (the real service, or an emulator when STORAGE_EMULATOR_HOST is set).

Objects live under `prefix/` in the bucket. The client library retries reads and lists on timeouts,
429 and 5xx by itself; uploads are given the same policy explicitly (the library has changed its
default for them over the years), which is safe here because a name always gets the same bytes.
Compose (the same policy: its sources do not change while it runs) takes at most 32 sources per
request, so more are composed in stages through intermediate objects, deleted at the end.
"""

from __future__ import annotations

from typing import Any

from callbot.blobs import check_name

MAX_COMPOSE_SOURCES = 32  # Cloud Storage's limit per compose request


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

    def compose(self, name: str, sources: list[str], content_type: str) -> str:
        from google.cloud.storage.retry import DEFAULT_RETRY

        if not sources:
            raise ValueError(f"nothing to compose into {name!r}")
        bucket, key = self._bucket(), self._key(check_name(name))
        keys = [self._key(check_name(source)) for source in sources]
        staged: list[str] = []
        while len(keys) > MAX_COMPOSE_SOURCES:
            groups = [keys[i:i + MAX_COMPOSE_SOURCES] for i in range(0, len(keys), MAX_COMPOSE_SOURCES)]
            keys = []
            for group in groups:
                if len(group) == 1:
                    keys.append(group[0])
                    continue
                staged.append(f"{key}.compose-{len(staged) + 1:04d}")
                _compose(bucket, staged[-1], group, content_type, DEFAULT_RETRY)
                keys.append(staged[-1])
        _compose(bucket, key, keys, content_type, DEFAULT_RETRY)
        if staged:
            self._delete_keys(staged)
        return f"gs://{self._bucket_name}/{key}"

    def delete(self, names: list[str]) -> None:
        self._delete_keys([self._key(check_name(name)) for name in names])

    def _delete_keys(self, keys: list[str]) -> None:
        from google.cloud.storage.retry import DEFAULT_RETRY

        bucket = self._bucket()
        bucket.delete_blobs([bucket.blob(key) for key in keys], on_error=_already_gone, retry=DEFAULT_RETRY)

    def _bucket(self) -> Any:
        return self.client.bucket(self._bucket_name)

    def _key(self, name: str) -> str:
        return f"{self._prefix}/{name}" if self._prefix else name


def _compose(bucket: Any, key: str, sources: list[str], content_type: str, retry: Any) -> None:
    destination = bucket.blob(key)
    destination.content_type = content_type
    destination.compose([bucket.blob(source) for source in sources], retry=retry)


def _already_gone(blob: Any) -> None:
    """`delete_blobs` calls this for an object that was not found: deleted by an earlier try."""
