"""The audio cache: hits skip the engine, misses reach it, keys separate voices and languages, and
what `build_audio_cache` writes is what `AudioCache.load` reads back."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from callbot.blobs.local import LocalBlobStore
from callbot.phrases import PHRASES, cached_texts, phrase
from callbot.settings import RelaySettings
from stream_relay import audio_cache
from stream_relay.audio_cache import (
    AudioCache,
    CachedTextToSpeech,
    build_audio_cache,
    cache_key,
    voice_folder,
)
from stream_relay.speech.google_tts import GoogleTextToSpeech
from stream_relay.speech.hibari_tts import HibariTextToSpeech
from stream_relay.speech.tone_tts import ToneTextToSpeech
from stream_relay.speech.tts_engines import make_tts

SMALL = {"en-US": ["Hello there.", "Bye now."], "fr-FR": ["Bonjour."]}


class CountingTextToSpeech:
    """A fake engine: audio derived from the text, every call recorded."""

    def __init__(self, voice_id: str = "fake:v1") -> None:
        self.voice_id = voice_id
        self.calls: list[tuple[str, str]] = []

    async def synthesize(self, text: str, language: str) -> bytes:
        self.calls.append((text, language))
        return f"{self.voice_id}|{language}|{text}".encode()


class RecordingStore(LocalBlobStore):
    """A folder store that also remembers the content type of each put."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.content_types: dict[str, str] = {}

    def put(self, name: str, data: bytes, content_type: str) -> str:
        self.content_types[name] = content_type
        return super().put(name, data, content_type)


async def test_hit_returns_cached_audio_without_calling_the_engine() -> None:
    inner = CountingTextToSpeech()
    cache = AudioCache()
    cache.put("Hello there.", inner.voice_id, "en-US", b"cached")
    tts = CachedTextToSpeech(inner, cache)
    assert tts.voice_id == inner.voice_id
    assert await tts.synthesize("Hello there.", "en-US") == b"cached"
    assert await tts.synthesize("  Hello\n  there. ", "en-US") == b"cached"  # whitespace normalised
    assert inner.calls == []


async def test_miss_calls_the_engine_and_does_not_grow_the_cache() -> None:
    inner = CountingTextToSpeech()
    cache = AudioCache()
    tts = CachedTextToSpeech(inner, cache)
    assert await tts.synthesize("Something new.", "en-US") == b"fake:v1|en-US|Something new."
    await tts.synthesize("Something new.", "en-US")
    assert inner.calls == [("Something new.", "en-US")] * 2
    assert len(cache) == 0


def test_keys_differ_per_voice_language_and_wording_but_not_whitespace() -> None:
    base = cache_key("Hello there.", "google:a:rate=1", "en-US")
    assert cache_key("Hello there.", "google:a:rate=1.1", "en-US") != base
    assert cache_key("Hello there.", "google:a:rate=1", "en-GB") != base
    assert cache_key("Hello there!", "google:a:rate=1", "en-US") != base
    assert cache_key(" Hello \t there.\n", "google:a:rate=1", "en-US") == base
    assert len(base) == 64


def test_nfc_and_nfd_spellings_share_a_key() -> None:
    assert cache_key("Désolé", "v", "fr-FR") == cache_key("De\u0301sole\u0301", "v", "fr-FR")


async def test_build_stores_every_phrase_once_and_is_idempotent(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    inner = CountingTextToSpeech()
    assert await build_audio_cache(inner, store, ["en-US", "fr-FR"], SMALL) == 3
    assert sorted(inner.calls) == [("Bonjour.", "fr-FR"), ("Bye now.", "en-US"), ("Hello there.", "en-US")]
    assert set(store.content_types.values()) == {"audio/wav"}
    assert all(name.startswith(voice_folder(inner.voice_id) + "/") for name in store.list())

    assert await build_audio_cache(inner, store, ["en-US", "fr-FR"], SMALL) == 0
    assert len(inner.calls) == 3


async def test_build_fills_in_what_is_missing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    inner = CountingTextToSpeech()
    await build_audio_cache(inner, store, ["en-US"], SMALL)
    (tmp_path / store.list()[0]).unlink()
    assert await build_audio_cache(inner, store, ["en-US"], SMALL) == 1


async def test_build_skips_languages_without_phrases_and_duplicate_texts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inner = CountingTextToSpeech()
    phrases = {"en-US": ["Bye now.", "Bye  now."]}
    with caplog.at_level(logging.WARNING, logger="stream_relay.audio_cache"):
        assert await build_audio_cache(inner, LocalBlobStore(tmp_path), ["en-US", "de-DE"], phrases) == 1
    assert "de-DE" in caplog.text


async def test_build_synthesizes_the_phrases_marked_cached_and_no_other(tmp_path: Path) -> None:
    inner = CountingTextToSpeech()
    await build_audio_cache(inner, LocalBlobStore(tmp_path), ["en-US", "fr-FR"])
    expected = {(phrase(key, language), language) for key, wording in PHRASES.items() if wording.cached
                for language in ("en-US", "fr-FR")}
    assert sorted(inner.calls) == sorted(expected)


async def test_load_reads_what_build_wrote(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    builder = ToneTextToSpeech()
    await build_audio_cache(builder, store, ["en-US", "fr-FR"])
    cache = AudioCache.load(store, builder.voice_id, ["en-US", "fr-FR"])
    assert len(cache) == sum(len(texts) for texts in cached_texts().values())

    inner = CountingTextToSpeech(voice_id=builder.voice_id)
    tts = CachedTextToSpeech(inner, cache)
    for language, texts in cached_texts().items():
        for text in texts:
            assert await tts.synthesize(text, language) == await builder.synthesize(text, language)
    assert inner.calls == []


async def test_load_is_per_voice_and_language(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    await build_audio_cache(CountingTextToSpeech("fake:v1"), store, ["en-US", "fr-FR"], SMALL)
    assert len(AudioCache.load(store, "fake:v2", ["en-US", "fr-FR"])) == 0
    assert len(AudioCache.load(store, "fake:v1", ["fr-FR"])) == 1
    assert len(AudioCache.load(LocalBlobStore(tmp_path / "empty"), "fake:v1", ["en-US"])) == 0


async def test_load_skips_damaged_and_foreign_objects(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = LocalBlobStore(tmp_path)
    inner = CountingTextToSpeech()
    await build_audio_cache(inner, store, ["en-US"], SMALL)
    folder = f"{voice_folder(inner.voice_id)}/en-US/"
    store.put(folder + "README.txt", b"notes", "text/plain")
    store.put(folder + "0" * 64 + ".wav", b"not a wav", "audio/wav")
    with caplog.at_level(logging.WARNING, logger="stream_relay.audio_cache"):
        cache = AudioCache.load(store, inner.voice_id, ["en-US"])
    assert len(cache) == 2
    assert "skipped" in caplog.text


def test_make_tts_builds_the_configured_engines() -> None:
    settings = RelaySettings(google_tts_voices={"en-US": "en-US-Neural2-J"}, tts_speaking_rate=1.1)
    assert isinstance(make_tts(settings.model_copy(update={"tts_engine": "tone"})), ToneTextToSpeech)
    google = make_tts(settings.model_copy(update={"tts_engine": "google"}))
    assert isinstance(google, GoogleTextToSpeech)
    assert "en-US-Neural2-J" in google.voice_id and "rate=1.1" in google.voice_id
    hibari = make_tts(settings.model_copy(update={"tts_engine": "hibari"}))
    assert isinstance(hibari, HibariTextToSpeech)
    assert hibari.voice_id.startswith("hibari-") and "others=espeak-ng:" in hibari.voice_id
    with pytest.raises(ValueError, match="festival"):
        make_tts(settings.model_copy(update={"tts_engine": "festival"}))


async def test_the_tone_voice_speaks_at_the_speaking_rate_under_a_voice_id_of_its_own() -> None:
    calm = make_tts(RelaySettings(tts_engine="tone"))
    fast = make_tts(RelaySettings(tts_engine="tone", tts_speaking_rate=3.0))
    line = "Thanks, Dana. Which of those times works best for you?"
    calm_audio, fast_audio = await calm.synthesize(line, "en-US"), await fast.synthesize(line, "en-US")
    assert len(fast_audio) * 2.5 < len(calm_audio)  # 8 kHz mu-law: a byte a sample
    assert calm.voice_id == "tone:180" and fast.voice_id != calm.voice_id  # (so never each other's cached audio)


def test_main_builds_the_cache_with_the_tone_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("callbot.logs.configure", lambda level="INFO": None)
    argv = ["--store", str(tmp_path), "--engine", "tone", "--language", "fr-FR"]
    assert audio_cache.main(argv) == 0
    names = LocalBlobStore(tmp_path).list()
    assert len(names) == len(cached_texts()["fr-FR"])
    assert all("/fr-FR/" in name for name in names)
    assert audio_cache.main(argv) == 0
    assert LocalBlobStore(tmp_path).list() == names
