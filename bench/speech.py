"""How well the local recognizers hear each local voice: word error rate over sales-call sentences.

    python -m bench.speech [--voices espeak,hibari,hibari-low] [--recognizers tiny.en,base]

Each of SENTENCES (names, a spelled email, numbers, times, as callers say them) is spoken by each of
the simulated caller's voices (`devtools/simcall/voices.py`: already 8 kHz mu-law, as Twilio
carries it) and transcribed by each local Whisper model through the relay's own recognizer
(`stream_relay.speech.whisper_stt`: the audio back to 16 kHz, int8, beam 5, one thread), in three
contexts:

- *none*: no prompt at all;
- *relay*: what the relay gives Whisper today: the company's vocabulary (the local stack's:
  company, reps, products), the bot's question before the sentence and the phrases its answer is
  likely to hold (`hints.py`: `initial_prompt` and `hotwords`);
- *+ caller*: the same, with the caller's own words added (their name, company and email domain,
  as they would have said them earlier in the call: the relay prompts Whisper with the caller's
  last words, `whisper_stt.HEARD_CHARS`, so a name said once is spelled the same way after).

Word error rate is jiwer's, over all sentences of a cell, after both sides are normalized alike:
lower case, number words as digits (text2num), each digit a word ("45" and "forty five" are both
"4 5"), an address as written said as spoken ("acme-logistics.com" is "acme dash logistics dot com"),
other punctuation and hyphens as spaces ("J-O-R-D-A-N" is "j o r d a n"). Real-time factor is the
recognizer's wall time over the audio's duration. Prints the table; writes every transcript to
bench/results/speech-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer
from text_to_num import alpha2digit

from bench.stats import table, write_results
from devtools import whisper_base
from devtools.simcall.voices import caller_voice
from devtools.stack import demo_vocabulary
from stream_relay import mulaw
from stream_relay.speech.hints import speech_hints
from stream_relay.speech.stt import SpeechHints
from stream_relay.speech.whisper_stt import WhisperEngine, WhisperSpeechToTextFactory, bundled_model_dir

LANGUAGE = "en-US"
CONTEXTS = ("none", "relay", "+ caller")


@dataclass(frozen=True)
class Sentence:
    text: str
    slot: str | None  # what the bot asked for (`BotSpeech.listen_for`)
    question: str  # what the bot said just before
    caller_words: tuple[str, ...]  # the caller's name, company, email domain, known by then


DANA = ("Dana Whitfield", "Acme Logistics", "acme-logistics.com")
JORDAN = ("Jordan Ellis", "Northwind", "northwind.io")
SENTENCES = (
    Sentence("Hi, this is Dana Whitfield from Acme Logistics.", None, "How can I help you today?", DANA),
    Sentence("My email is dana dot whitfield at acme dash logistics dot com.", "email",
             "What's the best email address to reach you?", DANA),
    Sentence("It's j o r d a n dot e l l i s at northwind dot io.", "email",
             "Sorry about that. Could you spell your email address for me?", JORDAN),
    Sentence("We have about forty five sales reps.", "team_size", "How many people are on your team?", DANA),
    Sentence("Can we meet next Tuesday at ten thirty in the morning?", "slot_choice",
             "Would you like to meet one of our sales reps?", DANA),
    Sentence("I'm the head of sales operations.", "role", "What's your role there?", DANA),
    Sentence("I work for Brightline Dental Group in Portland.", "company", "Which company are you with?",
             ("Marcus Oyelaran", "Brightline Dental Group", "brightlinedental.com")),
    Sentence("We miss about two hundred calls a week and want every call answered.", "need",
             "What are you hoping Northwind Voice will do for you?", DANA),
    Sentence("We'd like to start in the second week of January.", "timeline", "When would you like to start?",
             DANA),
    Sentence("You can call me back at four one five, five five five, zero one nine nine.", None,
             "Is there anything else I should know?", JORDAN),
    Sentence("My last name is Kowalski, K O W A L S K I.", "last_name", "And your last name?",
             ("Agnieszka Kowalski", "Vistula Freight", "vistulafreight.pl")),
    Sentence("How much does Northwind Voice cost for fifteen users?", None, "How can I help you today?", JORDAN),
)


def normalized(text: str) -> str:
    """The words of `text` as the error rate compares them (see the module docstring)."""
    text = re.sub(r"\b([ap])\.m\.", r"\1m", alpha2digit(text.lower(), "en").lower())
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", " dot ", text.replace("@", " at "))  # an address as written
    text = re.sub(r"(?<=[a-z]{2})-(?=[a-z]{2})", " dash ", text)
    text = re.sub(r"\d+", lambda number: " ".join(number.group()), text)
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def recognizers(names: list[str]) -> dict[str, Path]:
    folders = {"tiny.en": bundled_model_dir(), "base": whisper_base.join()}
    return {name: folders[name] for name in names}


def hints_for(sentence: Sentence, context: str) -> SpeechHints:
    if context == "none":
        return SpeechHints()
    vocabulary = tuple(demo_vocabulary())
    if context == "+ caller":
        vocabulary += sentence.caller_words
    return speech_hints(vocabulary, LANGUAGE, sentence.slot, sentence.question)


async def run(voices: list[str], models: dict[str, Path]) -> list[dict]:
    audio = {voice: [await caller_voice(voice, LANGUAGE)(s.text) for s in SENTENCES] for voice in voices}
    rows = []
    for model, folder in models.items():
        factory = WhisperSpeechToTextFactory(WhisperEngine(folder, cpu_threads=1))
        await factory.warm_up()
        for context in CONTEXTS:
            for voice in voices:
                for sentence, spoken in zip(SENTENCES, audio[voice]):
                    stt = factory(f"bench-{model}", LANGUAGE, {})
                    stt.expect(hints_for(sentence, context))
                    started = time.perf_counter()
                    heard = (await stt.transcribe(spoken)).text
                    rows.append({"recognizer": model, "context": context, "voice": voice, "said": sentence.text,
                                 "heard": heard, "seconds": time.perf_counter() - started,
                                 "audio_seconds": mulaw.duration_ms(spoken) / 1000})
    return rows


def summary(rows: list[dict], voices: list[str], models: list[str]) -> tuple[list[str], list[list[str]]]:
    headers = ["recognizer", "context", *(f"{voice} WER" for voice in voices), "real-time factor"]
    lines = []
    for model in models:
        for context in CONTEXTS:
            cells, factors = [], []
            for voice in voices:
                cell = [r for r in rows if (r["recognizer"], r["context"], r["voice"]) == (model, context, voice)]
                error = jiwer.wer([normalized(r["said"]) for r in cell], [normalized(r["heard"]) for r in cell])
                cells.append(f"{100 * error:.1f}%")
                factors += [r["seconds"] / r["audio_seconds"] for r in cell]
            lines.append([model, context, *cells, f"{min(factors):.2f}-{max(factors):.2f}"])
    return headers, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speech", description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", default="espeak,hibari,hibari-low")
    parser.add_argument("--recognizers", default="tiny.en,base")
    args = parser.parse_args(argv)
    voices, models = args.voices.split(","), recognizers(args.recognizers.split(","))
    started = time.perf_counter()
    rows = asyncio.run(run(voices, models))
    headers, lines = summary(rows, voices, list(models))
    print(table(headers, lines))
    path = write_results("speech", {"sentences": len(SENTENCES), "table": [dict(zip(headers, line)) for line in lines],
                                    "transcripts": rows})
    print(f"\n{len(SENTENCES)} sentences, {time.perf_counter() - started:.0f} s; transcripts: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
