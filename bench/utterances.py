"""The endpointing benchmark's test set: sales-call utterances spoken by espeak-ng (en-US, fr-FR),
padded with silence, optionally with line noise, and where their speech really starts and ends.

Three kinds of utterance per language:
- `sentence`: one line of sales-call talk as espeak says it, including its own pauses at commas
  (~120-140 ms) and between sentences (~280 ms), and soft final consonants ("sales", "works");
- `hesitation`: two clauses spliced with a chosen silence between them (200-800 ms), a caller
  thinking mid-turn; espeak's own pauses are shorter than people's, so these probe the thresholds;
- `backchannel`: "mm-hm", "okay", "yeah"... short, must still open (and close) a turn.

Ground truth, on the clean audio (no noise), in whole 20 ms frames: a frame is *voiced* when its RMS
level is above VOICED_DBFS (-60 dBFS; espeak's pauses are digital silence or below -65 dBFS, its
softest consonants around -50 dBFS). True start = start of the first voiced frame, true end = end of
the last one. The longest internal pause is the longest run of unvoiced frames between them.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass

import numpy as np

from stream_relay import mulaw
from stream_relay.speech.espeak_tts import EspeakTextToSpeech

VOICED_DBFS = -60.0
LEAD_MS = 600
TRAIL_MS = 2000  # longer than the largest threshold plus any VAD hangover

VOICES = {"en-US": ("en-us+m3", "en-us+f3"), "fr-FR": ("fr-fr+m3",)}

SENTENCES = {
    "en-US": [
        "Hi, I'm calling about your sales automation platform.",
        "We're a team of about forty reps, mostly in sales.",
        "Do you integrate with Salesforce?",
        "What does the pricing look like for a team our size?",
        "Yes. Next Tuesday works.",
        "My email is jane dot smith at acme dot com.",
        "We're using HubSpot right now, but it's getting expensive.",
        "Honestly, the onboarding is what worries me.",
        "Could you send me the price list?",
        "Let me check with my boss.",
        "Maybe in the next six months.",
        "I'd like a demo, if possible, sometime this week.",
        "Our budget is around twenty thousand dollars per year.",
        "No, that's all for now, thanks.",
        "We need it for the whole team, so roughly fifty seats.",
        "Is there a free trial?",
        "Hmm... I'm not sure yet.",
        "It has to fit our sales process.",
        "Thursday at three is fine, with both of us.",
        "How long does it take to set up all this stuff?",
    ],
    "fr-FR": [
        "Bonjour, j'appelle au sujet de votre logiciel de prospection.",
        "Nous sommes une équipe d'environ quarante commerciaux.",
        "Est-ce que vous vous intégrez avec Salesforce ?",
        "Quel est le prix pour une équipe comme la nôtre ?",
        "Oui. Mardi prochain, ça me va.",
        "Mon adresse, c'est jeanne point martin arobase acme point fr.",
        "On utilise HubSpot en ce moment, mais ça coûte cher.",
        "Franchement, c'est la mise en place qui m'inquiète.",
        "Vous pouvez m'envoyer la grille tarifaire ?",
        "Je dois en parler à mon chef.",
        "Peut-être dans les six prochains mois.",
        "J'aimerais une démo, si possible, cette semaine.",
        "Notre budget est d'environ vingt mille euros par an.",
        "Non, c'est tout pour l'instant, merci.",
        "C'est pour toute l'équipe, donc à peu près cinquante licences.",
        "Il y a un essai gratuit ?",
        "Euh... je ne sais pas encore.",
        "Il faut que ça colle à notre processus.",
        "Jeudi à quinze heures, c'est parfait pour nous deux.",
        "Rappelez-moi plus tard, s'il vous plaît.",
    ],
}

CLAUSES = {
    "en-US": [
        ("Let me think,", "probably next Thursday."),
        ("We use Salesforce,", "and a bit of HubSpot."),
        ("I would need to check", "with my manager first."),
        ("The budget is around ten thousand", "per year."),
        ("We have about forty people", "in the sales team."),
        ("Can you hold on,", "I'm getting another call."),
        ("So,", "how does the pricing work?"),
    ],
    "fr-FR": [
        ("Attendez,", "je regarde mon agenda."),
        ("On a Salesforce,", "et un peu de HubSpot."),
        ("Il faut que je voie", "avec mon responsable."),
        ("Le budget est d'environ dix mille euros", "par an."),
        ("On est une quarantaine", "dans l'équipe commerciale."),
        ("Ne quittez pas,", "j'ai un autre appel."),
        ("Alors,", "comment ça marche pour les tarifs ?"),
    ],
}
HESITATION_GAPS_MS = tuple(range(200, 801, 50))  # spliced silence; the measured pause is ~60 ms longer
HESITATIONS = {
    language: [(clauses[i % len(clauses)][0], gap, clauses[i % len(clauses)][1])
               for i, gap in enumerate(HESITATION_GAPS_MS)]
    for language, clauses in CLAUSES.items()
}


BACKCHANNELS = {
    "en-US": ["Mm-hm.", "Okay.", "Yeah.", "Uh-huh."],
    "fr-FR": ["Mm-hm.", "D'accord.", "Ouais.", "Oui."],
}


@dataclass(frozen=True)
class Utterance:
    """One padded utterance; times in ms from the start of `clean`."""

    key: str
    language: str
    kind: str  # sentence | hesitation | backchannel
    text: str
    voice: str
    clean: bytes  # mu-law: LEAD_MS silence, the speech, TRAIL_MS silence
    true_start_ms: int
    true_end_ms: int
    longest_pause_ms: int
    voiced: tuple[bool, ...]  # per 20 ms frame of `clean`

    @property
    def several_sentences(self) -> bool:
        """"Yes. Next Tuesday works.": a sentence ends inside it (an ellipsis is a hesitation, not an end)."""
        return self.kind == "sentence" and re.search(r"[.?!]\s+\S", self.text.replace("...", "…")) is not None

    def audio(self, noise_dbfs: float | None, warmup_ms: int = 0) -> bytes:
        """The utterance as the relay would receive it, after `warmup_ms` more of the line (silence,
        or noise like the rest): clean, or with white line noise added."""
        audio = mulaw.silence(warmup_ms) + self.clean
        if noise_dbfs is None:
            return audio
        return add_noise(audio, noise_dbfs, seed=zlib.crc32(self.key.encode()))


async def synthesize_all() -> list[Utterance]:
    """Every utterance of both languages, synthesized concurrently (well under a second)."""
    engines = {voice: EspeakTextToSpeech({"en-US": voice}) for voices in VOICES.values() for voice in voices}

    async def say(text: str, voice: str) -> bytes:
        return await engines[voice].synthesize(text, "en-US")

    jobs = []
    for language, voices in VOICES.items():
        lines = ([("sentence", text, [text]) for text in SENTENCES[language]]
                 + [("hesitation", f"{a} [{gap} ms] {b}", [a, gap, b]) for a, gap, b in HESITATIONS[language]]
                 + [("backchannel", text, [text]) for text in BACKCHANNELS[language]])
        for index, (kind, label, parts) in enumerate(lines):
            voice = voices[index % len(voices)]
            spoken = asyncio.gather(*(say(p, voice) for p in parts if isinstance(p, str)))
            jobs.append((f"{language}/{kind}/{index:02d}", language, kind, label, voice, parts, spoken))
    results = await asyncio.gather(*(job[-1] for job in jobs))
    utterances = []
    for (key, language, kind, label, voice, parts, _), audios in zip(jobs, results):
        speech = _splice(parts, list(audios))
        utterances.append(build(key, language, kind, label, voice, speech))
    return utterances


def _splice(parts: list, audios: list[bytes]) -> bytes:
    """Join synthesized clauses with the silences (ms) written between them."""
    out, audio_iter = b"", iter(audios)
    for part in parts:
        out += mulaw.silence(part) if isinstance(part, int) else next(audio_iter)
    return out


def build(key: str, language: str, kind: str, text: str, voice: str, speech: bytes) -> Utterance:
    """Pad `speech` (mu-law) and measure its ground truth."""
    whole_frames = -(-len(speech) // mulaw.FRAME_BYTES) * mulaw.FRAME_BYTES
    speech = speech + bytes([mulaw.SILENCE_BYTE]) * (whole_frames - len(speech))
    clean = mulaw.silence(LEAD_MS) + speech + mulaw.silence(TRAIL_MS)
    voiced = tuple(mulaw.rms_dbfs(mulaw.decode(f)) > VOICED_DBFS for f in mulaw.frames(clean))
    start, end, pause = ground_truth(voiced)
    return Utterance(key, language, kind, text, voice, clean, start, end, pause, voiced)


def ground_truth(voiced: tuple[bool, ...]) -> tuple[int, int, int]:
    """(true start, true end, longest internal pause) in ms, from the voiced frames."""
    indices = [i for i, v in enumerate(voiced) if v]
    if not indices:
        raise ValueError("no voiced frame: espeak-ng produced silence")
    first, last = indices[0], indices[-1]
    longest = run = 0
    for v in voiced[first : last + 1]:
        run = 0 if v else run + 1
        longest = max(longest, run)
    return first * mulaw.FRAME_MS, (last + 1) * mulaw.FRAME_MS, longest * mulaw.FRAME_MS


def add_noise(audio: bytes, level_dbfs: float, seed: int) -> bytes:
    """`audio` with Gaussian white noise of RMS `level_dbfs` added (a quiet phone line's hiss)."""
    pcm = mulaw.decode(audio).astype(np.float64)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 32768.0 * 10 ** (level_dbfs / 20.0), size=pcm.size)
    return mulaw.encode(np.clip(np.round(pcm + noise), -32768, 32767).astype(np.int16))
