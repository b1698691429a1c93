"""The caller's three utterances for the side-by-side benchmark: espeak-ng's en-us voice at 165
words a minute, 8 kHz mu-law without a header, silence trimmed at both ends so that the last frame
of each file is its last voiced one. Written as `utt{1,2,3}.ulaw` with `utterances.json` listing
them, which `twilio_caller.py` reads (in either virtual environment)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from stream_relay import mulaw
from stream_relay.speech.espeak_tts import DEFAULT_WPM, EspeakTextToSpeech

# Plain sentences with no commas, so that espeak puts no pause inside them that a 200 ms silence
# window could take for the end of the turn.
TEXTS = (
    "Hi there I would like to check the status of my order.",
    "It was placed last Tuesday under the name Smith.",
    "Perfect thanks a lot for the help.",
)
WPM = 165
VOICED_DBFS = -50.0  # espeak's silence is far below this, its softest consonants near it


def trimmed(audio: bytes) -> bytes:
    """`audio` without its leading and trailing unvoiced 20 ms frames."""
    frames = [audio[i:i + mulaw.FRAME_BYTES] for i in range(0, len(audio), mulaw.FRAME_BYTES)]
    voiced = [i for i, frame in enumerate(frames) if mulaw.rms_dbfs(mulaw.decode(frame)) > VOICED_DBFS]
    if not voiced:
        raise ValueError("espeak-ng produced no voiced audio")
    return b"".join(frames[voiced[0]:voiced[-1] + 1])


def write(out_dir: Path) -> list[dict]:
    """Synthesize the utterances into `out_dir` unless they are there; returns their list."""
    listing = out_dir / "utterances.json"
    if listing.exists():
        return json.loads(listing.read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    tts = EspeakTextToSpeech({"en-US": "en-us"}, speaking_rate=WPM / DEFAULT_WPM)
    meta = []
    for index, text in enumerate(TEXTS, 1):
        audio = trimmed(asyncio.run(tts.synthesize(text, "en-US")))
        name = f"utt{index}.ulaw"
        (out_dir / name).write_bytes(audio)
        meta.append({"file": name, "text": text, "seconds": round(len(audio) / mulaw.SAMPLE_RATE, 3)})
    listing.write_text(json.dumps(meta, indent=2))
    return meta
