"""Blob stores: a folder round trip, Cloud Storage calls against a fake client, URI parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.api_core.exceptions import NotFound

from callbot.blobs import open_blob_store
from callbot.blobs.gcs import GcsBlobStore
from callbot.blobs.local import LocalBlobStore


def test_local_round_trip(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "store")
    uri = store.put("recordings/CA1.wav", b"RIFF...", "audio/wav")
    assert uri == (tmp_path / "store" / "recordings" / "CA1.wav").as_uri()
    assert store.get("recordings/CA1.wav") == b"RIFF..."
    store.put("recordings/CA1.wav", b"replaced", "audio/wav")
    assert store.get("recordings/CA1.wav") == b"replaced"
    assert store.get("recordings/CA2.wav") is None


def test_local_list_by_prefix_sorted_without_partial_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    for name in ["b/2.wav", "a/1.wav", "b/1.wav", "bb.wav"]:
        store.put(name, name.encode(), "audio/wav")
    (tmp_path / "b" / ".3.wav.abc.partial").write_bytes(b"half")
    assert store.list() == ["a/1.wav", "b/1.wav", "b/2.wav", "bb.wav"]
    assert store.list("b/") == ["b/1.wav", "b/2.wav"]
    assert store.list("b") == ["b/1.wav", "b/2.wav", "bb.wav"]
    assert store.list("c/") == []
    assert LocalBlobStore(tmp_path / "missing").list() == []


@pytest.mark.parametrize("name", ["", "/abs.wav", "../escape.wav", "a/../../b", "a//b", "a/./b", ".hidden",
                                  "a\\b"])
def test_names_that_could_escape_or_hide_are_rejected(tmp_path: Path, name: str) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(ValueError):
        store.put(name, b"x", "text/plain")
    with pytest.raises(ValueError):
        GcsBlobStore("bucket", client=FakeStorageClient()).put(name, b"x", "text/plain")


class FakeBlob:
    def __init__(self, client: FakeStorageClient, bucket: str, name: str) -> None:
        self._client, self._bucket, self.name = client, bucket, name

    def upload_from_string(self, data: bytes, content_type: str = "text/plain", **kwargs) -> None:
        self._client.calls.append(("upload", self._bucket, self.name, content_type, sorted(kwargs)))
        self._client.objects[(self._bucket, self.name)] = data

    def download_as_bytes(self, **_) -> bytes:
        self._client.calls.append(("download", self._bucket, self.name))
        try:
            return self._client.objects[(self._bucket, self.name)]
        except KeyError:
            raise NotFound(f"No such object: {self._bucket}/{self.name}") from None


class FakeBucket:
    def __init__(self, client: FakeStorageClient, name: str) -> None:
        self._client, self.name = client, name

    def blob(self, name: str) -> FakeBlob:
        return FakeBlob(self._client, self.name, name)


class FakeStorageClient:
    """The slice of `google.cloud.storage.Client` the adapter uses, recording every call."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.calls: list[tuple] = []

    def bucket(self, name: str) -> FakeBucket:
        return FakeBucket(self, name)

    def list_blobs(self, bucket: str, prefix: str | None = None, **_) -> list[FakeBlob]:
        self.calls.append(("list", bucket, prefix))
        return [FakeBlob(self, b, n) for (b, n) in self.objects if b == bucket and n.startswith(prefix or "")]


def test_gcs_put_get_under_the_prefix() -> None:
    client = FakeStorageClient()
    store = GcsBlobStore("callbot-recordings", "prod/", client=client)
    uri = store.put("recordings/CA1.wav", b"RIFF", "audio/wav")
    assert uri == "gs://callbot-recordings/prod/recordings/CA1.wav"
    upload = ("upload", "callbot-recordings", "prod/recordings/CA1.wav", "audio/wav", ["retry"])
    assert client.calls == [upload]
    assert store.get("recordings/CA1.wav") == b"RIFF"
    assert store.get("recordings/CA2.wav") is None
    assert client.calls[-1] == ("download", "callbot-recordings", "prod/recordings/CA2.wav")


def test_gcs_list_strips_the_prefix_and_skips_folder_placeholders() -> None:
    client = FakeStorageClient()
    client.objects = {
        ("b", "cache/en-US/"): b"",
        ("b", "cache/en-US/k1.wav"): b"1",
        ("b", "cache/fr-FR/k2.wav"): b"2",
        ("b", "other/x.wav"): b"3",
        ("b2", "cache/y.wav"): b"4",
    }
    store = GcsBlobStore("b", "cache", client=client)
    assert store.list() == ["en-US/k1.wav", "fr-FR/k2.wav"]
    assert store.list("fr-FR/") == ["fr-FR/k2.wav"]
    assert client.calls == [("list", "b", "cache/"), ("list", "b", "cache/fr-FR/")]


def test_gcs_without_prefix() -> None:
    client = FakeStorageClient()
    store = GcsBlobStore("b", client=client)
    assert store.put("x.wav", b"1", "audio/wav") == "gs://b/x.wav"
    assert store.list() == ["x.wav"]
    assert client.calls[-1] == ("list", "b", "")


def test_gcs_client_is_created_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.cloud import storage

    created: list[FakeStorageClient] = []
    monkeypatch.setattr(storage, "Client", lambda: created.append(FakeStorageClient()) or created[-1])
    store = GcsBlobStore("b", "p")
    assert created == []
    store.put("x.wav", b"1", "audio/wav")
    store.get("x.wav")
    assert len(created) == 1


@pytest.mark.parametrize(
    "uri, normalised",
    [("gs://bkt", "gs://bkt"), ("gs://bkt/", "gs://bkt"), ("gs://bkt/audio-cache", "gs://bkt/audio-cache"),
     ("gs://bkt/a/b/", "gs://bkt/a/b"), ("GS://bkt/p", "gs://bkt/p")],
)
def test_open_gcs_store(uri: str, normalised: str) -> None:
    store = open_blob_store(uri)
    assert isinstance(store, GcsBlobStore)
    assert store.uri == normalised


def test_open_local_store_from_path_or_file_uri(tmp_path: Path) -> None:
    for uri in [str(tmp_path), tmp_path.as_uri()]:
        store = open_blob_store(uri)
        assert isinstance(store, LocalBlobStore)
        assert store.uri == tmp_path.as_uri()
        assert store.put("a.bin", b"1", "application/octet-stream") == (tmp_path / "a.bin").as_uri()


@pytest.mark.parametrize("uri", ["", "gs://", "gs:///prefix", "s3://bucket/x", "https://example.com/x",
                                 "file://host/share"])
def test_open_rejects_other_uris(uri: str) -> None:
    with pytest.raises(ValueError):
        open_blob_store(uri)
