"""Pre-synthesized audio for the lines the bot says often, so the first thing a caller hears needs no
TTS round trip.

An entry is keyed by the SHA-256 of (text with whitespace normalised, the engine's `voice_id`, the
language): changing the voice, the speaking rate or a phrase's wording simply misses. Entries are
kept in a blob store as mu-law WAV files, `<voice folder>/<language>/<key>.wav`, which play in any
browser, and are read into memory when the relay starts (`AudioCache.load`).

The cache is a curated set, the phrases marked `cached` in `callbot.phrases`, filled ahead of time
by `build_audio_cache` (a Cloud Build step:
`python -m stream_relay.audio_cache --store gs://bucket/audio-cache --engine google`). A miss at call
time goes to the engine and is not stored: what the LLM says once must not grow the set, and an
object in the store is always something someone chose to pre-synthesize.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping

from callbot.blobs import BlobStore
from callbot.phrases import cached_texts
from stream_relay.speech.tts import TextToSpeech
from stream_relay.speech.wav import BadWav, mulaw_from_wav, mulaw_wav

log = logging.getLogger(__name__)

CONTENT_TYPE = "audio/wav"
_ENTRY = re.compile(r"^([0-9a-f]{64})\.wav$")


def normalise_text(text: str) -> str:
    """The text as the cache sees it: Unicode NFC, runs of whitespace collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cache_key(text: str, voice_id: str, language: str) -> str:
    material = "\n".join((normalise_text(text), voice_id, language))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def voice_folder(voice_id: str) -> str:
    """A readable, path-safe folder name for a voice, unique thanks to a short hash of the full id."""
    readable = re.sub(r"[^A-Za-z0-9_=,-]+", "_", voice_id).strip("_")[:80]
    return f"{readable}-{hashlib.sha256(voice_id.encode('utf-8')).hexdigest()[:10]}"


def blob_name(key: str, voice_id: str, language: str) -> str:
    return f"{voice_folder(voice_id)}/{language}/{key}.wav"


class AudioCache:
    """Mu-law audio in memory, by cache key."""

    def __init__(self, entries: Mapping[str, bytes] | None = None) -> None:
        self._entries = dict(entries or {})

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, text: str, voice_id: str, language: str) -> bytes | None:
        return self._entries.get(cache_key(text, voice_id, language))

    def put(self, text: str, voice_id: str, language: str, audio: bytes) -> None:
        self._entries[cache_key(text, voice_id, language)] = audio

    @classmethod
    def load(cls, store: BlobStore, voice_id: str, languages: Iterable[str]) -> AudioCache:
        """Every entry of `voice_id` in `languages`, read from the store. A damaged object is
        skipped with a warning: the engine still speaks that line, only slower."""
        entries: dict[str, bytes] = {}
        for language in languages:
            folder = f"{voice_folder(voice_id)}/{language}/"
            for name in store.list(folder):
                match = _ENTRY.match(name[len(folder):])
                data = store.get(name) if match is not None else None
                if match is None or data is None:
                    continue
                try:
                    entries[match.group(1)] = mulaw_from_wav(data)
                except BadWav as error:
                    log.warning("audio cache entry %s skipped: %s", name, error)
        log.info("audio cache loaded: %d entries for %s", len(entries), voice_id)
        return cls(entries)


class CachedTextToSpeech:
    """A TextToSpeech that answers from the cache when it can, and asks `inner` otherwise."""

    def __init__(self, inner: TextToSpeech, cache: AudioCache) -> None:
        self._inner = inner
        self._cache = cache
        self.voice_id = inner.voice_id

    async def synthesize(self, text: str, language: str) -> bytes:
        cached = self._cache.get(text, self.voice_id, language)
        if cached is not None:
            return cached
        return await self._inner.synthesize(text, language)


async def build_audio_cache(
    tts: TextToSpeech,
    store: BlobStore,
    languages: Iterable[str],
    phrases: Mapping[str, Iterable[str]] | None = None,
) -> int:
    """Synthesize every text of `phrases` (by language; the cached phrases by default) in each of
    `languages` with `tts` and store it; returns how many were added. Entries already in the store
    are left alone, so running it again costs no synthesis."""
    phrases = cached_texts() if phrases is None else phrases
    added = 0
    for language in languages:
        if language not in phrases:
            log.warning("no phrases for %s: nothing to cache", language)
            continue
        folder = f"{voice_folder(tts.voice_id)}/{language}/"
        existing = set(await asyncio.to_thread(store.list, folder))
        for text in dict.fromkeys(phrases[language]):
            name = blob_name(cache_key(text, tts.voice_id, language), tts.voice_id, language)
            if name in existing:
                continue
            audio = await tts.synthesize(text, language)
            await asyncio.to_thread(store.put, name, mulaw_wav(audio), CONTENT_TYPE)
            existing.add(name)
            added += 1
    return added


def main(argv: list[str] | None = None) -> int:
    from callbot.blobs import open_blob_store
    from callbot.logs import configure
    from callbot.settings import RelaySettings
    from stream_relay.speech.tts_engines import make_tts

    settings = RelaySettings()
    parser = argparse.ArgumentParser(prog="python -m stream_relay.audio_cache",
                                     description="Synthesize the common phrases into the audio cache.")
    parser.add_argument("--store", default=settings.audio_cache_uri,
                        help="gs://bucket/prefix or a folder (default: CALLBOT_AUDIO_CACHE_URI)")
    parser.add_argument("--engine", choices=("tone", "espeak", "hibari", "google"), default=settings.tts_engine)
    parser.add_argument("--language", action="append", dest="languages",
                        help="repeat for several (default: CALLBOT_LANGUAGES)")
    args = parser.parse_args(argv)
    if not args.store:
        parser.error("--store is required when CALLBOT_AUDIO_CACHE_URI is not set")
    try:
        store, tts = open_blob_store(args.store), make_tts(settings.model_copy(update={"tts_engine": args.engine}))
    except ValueError as error:
        parser.error(str(error))
    configure(settings.log_level)
    languages = args.languages or list(settings.languages)
    added = asyncio.run(build_audio_cache(tts, store, languages))
    log.info("audio cache built: %d phrases added for %s in %s", added, tts.voice_id, args.store)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
