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

    content_type: str | None = None

    def compose(self, sources: list[FakeBlob], **kwargs) -> None:
        """As Cloud Storage: at most 32 sources in the same bucket, each existing."""
        names = [source.name for source in sources]
        self._client.calls.append(("compose", self._bucket, self.name, self.content_type, names, sorted(kwargs)))
        assert 1 <= len(sources) <= 32 and all(source._bucket == self._bucket for source in sources)
        try:
            data = b"".join(self._client.objects[(self._bucket, name)] for name in names)
        except KeyError as missing:
            raise NotFound(f"No such object: {missing}") from None
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

    def delete_blobs(self, blobs: list[FakeBlob], on_error=None, **kwargs) -> None:
        self._client.calls.append(("delete", self.name, [blob.name for blob in blobs], sorted(kwargs)))
        for blob in blobs:
            if self._client.objects.pop((self.name, blob.name), None) is None:
                if on_error is None:
                    raise NotFound(f"No such object: {self.name}/{blob.name}")
                on_error(blob)


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


def test_gcs_compose_concatenates_in_order_with_the_content_type_then_delete_removes_the_sources() -> None:
    client = FakeStorageClient()
    store = GcsBlobStore("rec", "recordings", client=client)
    for name, data in [("parts/CA1/0.header", b"RIFF"), ("parts/CA1/1.pcm", b"ab"), ("parts/CA1/2.pcm", b"cd")]:
        store.put(name, data, "application/octet-stream")
    client.calls.clear()
    sources = ["parts/CA1/0.header", "parts/CA1/1.pcm", "parts/CA1/2.pcm"]
    assert store.compose("CA1.wav", sources, "audio/wav") == "gs://rec/recordings/CA1.wav"
    assert client.calls == [("compose", "rec", "recordings/CA1.wav", "audio/wav",
                             [f"recordings/{s}" for s in sources], ["retry"])]
    assert store.get("CA1.wav") == b"RIFFabcd"
    store.delete(sources)
    store.delete(sources)  # run again after a failure: what is gone is not an error
    assert store.list() == ["CA1.wav"]
    assert client.calls[2] == ("delete", "rec", [f"recordings/{s}" for s in sources], ["retry"])


def test_gcs_compose_of_more_than_32_sources_goes_in_stages_and_leaves_no_intermediate() -> None:
    client = FakeStorageClient()
    store = GcsBlobStore("rec", client=client)
    names = [f"parts/CA2/{i:05d}.pcm" for i in range(1100)]  # a 9-hour call in 30 s parts
    for i, name in enumerate(names):
        client.objects[("rec", name)] = i.to_bytes(2, "big")
    store.compose("CA2.wav", names, "audio/wav")
    assert store.get("CA2.wav") == b"".join(i.to_bytes(2, "big") for i in range(1100))
    composes = [call for call in client.calls if call[0] == "compose"]
    assert all(len(call[4]) <= 32 for call in composes) and composes[-1][2] == "CA2.wav"
    assert all(call[3] == "audio/wav" for call in composes)
    assert sorted(n for (_, n) in client.objects if not n.startswith("parts/")) == ["CA2.wav"]


def test_gcs_compose_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        GcsBlobStore("rec", client=FakeStorageClient()).compose("CA3.wav", [], "audio/wav")


def test_local_compose_and_delete(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("parts/CA1/0.header", b"RIFF", "application/octet-stream")
    store.put("parts/CA1/1.pcm", b"abc", "application/octet-stream")
    uri = store.compose("CA1.wav", ["parts/CA1/0.header", "parts/CA1/1.pcm"], "audio/wav")
    assert uri == (tmp_path / "CA1.wav").as_uri() and store.get("CA1.wav") == b"RIFFabc"
    store.delete(["parts/CA1/0.header", "parts/CA1/1.pcm", "parts/CA1/2.pcm"])
    assert store.list() == ["CA1.wav"] and not (tmp_path / "parts" / "CA1").exists()
    with pytest.raises(FileNotFoundError):
        store.compose("CA2.wav", ["parts/CA2/1.pcm"], "audio/wav")
    assert store.list() == ["CA1.wav"]


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
