"""Endpointing benchmark: how late the relay's Endpointer closes a turn, and how often it closes one
too early, per VAD engine and end-of-turn silence threshold, on real synthesized speech.

    .venv/bin/python -m bench.endpointing [--tolerated-pause-ms 500] [--final-latency-ms 150]

The utterances (bench/utterances.py) run through the real `Endpointer` frame by frame, exactly as
the relay feeds it, in two conditions: clean, and with white line noise. Before each utterance the
VAD hears WARMUP_MS of the same line (a call does not start mid-sentence; a fresh WebRTC VAD calls
the first 80-100 ms of any noisy line speech, measured separately as "call start"). For speed, each
VAD runs once per utterance and condition and its per-frame decisions are replayed for every
threshold: the Endpointer sees the very same decisions it would get from the live VAD.

Per utterance (stream times, so exact and reproducible):
- endpointing delay = when SpeechEnded is reported (end of the frame that completed the silence)
  minus the true end of speech (see bench/utterances.py);
- premature = a SpeechEnded reported before the true end: the turn would go to the agent while the
  caller still had words to say (a split turn, or a tail never heard);
- missed start = no SpeechStarted between the true start (less 100 ms) and the true end;
- false start = a SpeechStarted outside the speech, i.e. on noise;
- tail clip = true end minus SpeechEnded.at_ms: trailing speech the VAD did not call speech (the
  utterance audio handed to a batch STT such as Whisper ends at at_ms).
Delay figures are over the utterances endpointed once, after their end (not premature, not missed).

The "final result" path simulates a streaming STT whose final is ready `--final-latency-ms` after
the true end; a consistent STT also finalizes that long into any internal pause (withdrawn when the
caller goes on), which is what can split a turn on the shorter `silence_after_final_ms`.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from bench.endpointing_report import conclusion, recommend, render, sensitivity
from bench.stats import percentile, write_results
from bench.utterances import Utterance, synthesize_all
from callbot.settings import RelaySettings
from stream_relay import mulaw
from stream_relay.speech.endpointer import Endpointer, EnergyVad, SpeechEnded, SpeechStarted, WebRtcVad

SILENCE_MS = tuple(range(300, 801, 50))  # measured; the rules choose from these
AFTER_FINAL_MS = (100, 150, 200, 300, 400)
START_SLACK_MS = 100
WARMUP_MS = 1000
PRE_ROLL_MS = 200  # the relay uses the Endpointer's default

VADS: dict[str, Callable[[], object]] = {
    "webrtc-1": lambda: WebRtcVad(1),
    "webrtc-2": lambda: WebRtcVad(2),
    "webrtc-3": lambda: WebRtcVad(3),
    "energy-45": lambda: EnergyVad(-45.0),
}


@dataclass(frozen=True)
class Options:
    noise_dbfs: float = -50.0
    final_latency_ms: int = 150
    tolerated_pause_ms: int = 500
    max_clip_ms: int = 40


def current_defaults() -> dict[str, object]:
    """The relay's turn-taking defaults, read from RelaySettings rather than copied."""
    fields = RelaySettings.model_fields
    engine = fields["vad_engine"].default
    vad = (f"webrtc-{fields['vad_aggressiveness'].default}" if engine == "webrtc"
           else f"energy-{abs(int(fields['vad_energy_dbfs'].default))}")
    return {"vad": vad, "silence_ms": fields["endpoint_silence_ms"].default,
            "silence_after_final_ms": fields["endpoint_silence_after_final_ms"].default,
            "min_speech_ms": fields["vad_min_speech_ms"].default}


class ReplayVad:
    """Replays per-frame decisions recorded from a real VAD on the same audio."""

    def __init__(self, decisions: list[bool]) -> None:
        self._decisions = iter(decisions)

    def is_speech(self, pcm_frame) -> bool:
        return next(self._decisions)


@dataclass
class Outcome:
    key: str
    kind: str  # sentence | hesitation | backchannel; "sentences" when a sentence ends inside it
    longest_pause_ms: int
    ended: int  # SpeechEnded events reported
    missed: bool
    false_start: bool
    premature: bool
    unended: bool  # speech was heard but no SpeechEnded came after the true end
    delay_ms: int | None
    tail_clip_ms: int | None


def endpoint(frames: list[bytes], decisions: list[bool], min_speech_ms: int, silence_ms: int,
             after_final_ms: int | None = None, finals: list[bool] | None = None) -> list[tuple[int, object]]:
    """Run the Endpointer; each event with the stream time at which it was reported. `finals[i]`:
    whether the STT has a final result ready when frame i arrives."""
    endpointer = Endpointer(ReplayVad(decisions), min_speech_ms=min_speech_ms, silence_ms=silence_ms,
                            pre_roll_ms=PRE_ROLL_MS, silence_after_final_ms=after_final_ms)
    reported = []
    for index, frame in enumerate(frames):
        for event in endpointer.process(frame, final_ready=finals is not None and finals[index]):
            reported.append((endpointer.stream_ms, event))
    return reported


def stt_finals(utterance: Utterance, latency_ms: int, at_pauses: bool) -> list[bool]:
    """Per frame, whether a simulated streaming STT has a final result: `latency_ms` after the true
    end of speech or, with `at_pauses`, `latency_ms` into every pause (withdrawn when speech resumes)."""
    flags, voiced_until = [], None
    for index, voiced in enumerate(utterance.voiced):
        start_ms = index * mulaw.FRAME_MS
        flags.append(voiced_until is not None and start_ms - voiced_until >= latency_ms
                     and (at_pauses or voiced_until >= utterance.true_end_ms))
        if voiced:
            voiced_until = start_ms + mulaw.FRAME_MS
    return flags


def judge(utterance: Utterance, reported: list[tuple[int, object]]) -> Outcome:
    start, end = utterance.true_start_ms, utterance.true_end_ms
    starts = [e.at_ms for _, e in reported if isinstance(e, SpeechStarted)]
    ends = [(at, e) for at, e in reported if isinstance(e, SpeechEnded) and e.at_ms > start - START_SLACK_MS]
    heard = any(start - START_SLACK_MS <= s < end for s in starts)
    premature = any(at < end for at, _ in ends)
    closing = next(((at, e) for at, e in ends if at >= end), None)
    clean = heard and not premature and closing is not None
    return Outcome(
        key=utterance.key, kind="sentences" if utterance.several_sentences else utterance.kind,
        longest_pause_ms=utterance.longest_pause_ms, ended=len(ends),
        missed=not heard, false_start=any(s < start - START_SLACK_MS or s >= end for s in starts),
        premature=premature, unended=heard and closing is None,
        delay_ms=closing[0] - end if clean else None,
        tail_clip_ms=max(0, end - closing[1].at_ms) if clean else None)


def summarize(outcomes: list[Outcome]) -> dict[str, object]:
    delays = [o.delay_ms for o in outcomes if o.delay_ms is not None]
    clips = [o.tail_clip_ms for o in outcomes if o.tail_clip_ms is not None]
    premature = sum(o.premature for o in outcomes)
    return {
        "utterances": len(outcomes),
        "delay_p50_ms": percentile(delays, 50), "delay_p95_ms": percentile(delays, 95),
        "delay_max_ms": max(delays, default=None),
        "premature": premature, "premature_pct": round(100 * premature / len(outcomes), 1),
        "missed_starts": sum(o.missed for o in outcomes),
        "false_starts": sum(o.false_start for o in outcomes),
        "unended": sum(o.unended for o in outcomes),
        "tail_clip_p95_ms": percentile(clips, 95), "tail_clip_max_ms": max(clips, default=None),
        "shortest_pause_split_ms": min((o.longest_pause_ms for o in outcomes if o.premature), default=None),
        "longest_pause_kept_ms": max((o.longest_pause_ms for o in outcomes
                                      if not o.premature and not o.missed), default=None),
    }


def run(utterances: list[Utterance], options: Options, defaults: dict) -> dict:
    """Every condition x VAD x threshold; summaries, and every per-utterance outcome in `details`."""
    min_speech_ms, silence_for_final = int(defaults["min_speech_ms"]), int(defaults["silence_ms"])
    conditions = {"clean": None, f"noise{options.noise_dbfs:g}dBFS": options.noise_dbfs}
    warmup = WARMUP_MS // mulaw.FRAME_MS
    finals_at_end = [stt_finals(u, options.final_latency_ms, at_pauses=False) for u in utterances]
    finals_at_pauses = [stt_finals(u, options.final_latency_ms, at_pauses=True) for u in utterances]
    result: dict[str, list] = {"silence": [], "final": [], "call_start": [], "details": []}
    for condition, level in conditions.items():
        streams = [list(mulaw.frames(u.audio(level, WARMUP_MS))) for u in utterances]
        for vad_name, make_vad in VADS.items():
            labels = {"condition": condition, "vad": vad_name}
            decided = []
            for utterance, frames in zip(utterances, streams):
                vad = make_vad()
                decisions = [vad.is_speech(mulaw.decode(f)) for f in frames]
                decided.append((utterance, frames[warmup:], decisions[warmup:]))
            fresh = [judge(u, endpoint(f, _decide(make_vad, f), min_speech_ms, silence_for_final))
                     for u, f, _ in decided]
            result["call_start"].append({**labels, "utterances": len(fresh),
                                         "false_starts": sum(o.false_start for o in fresh)})
            for silence_ms in SILENCE_MS:
                outcomes = [judge(u, endpoint(f, d, min_speech_ms, silence_ms)) for u, f, d in decided]
                result["silence"].append({**labels, "silence_ms": silence_ms, **summarize(outcomes)})
                result["details"] += [{**labels, "path": "silence", "silence_ms": silence_ms, **asdict(o)}
                                      for o in outcomes]
            for after_final in AFTER_FINAL_MS:
                paths = {name: [judge(u, endpoint(f, d, min_speech_ms, silence_for_final, after_final, finals))
                                for (u, f, d), finals in zip(decided, flags)]
                         for name, flags in (("final_at_end", finals_at_end), ("finals_at_pauses", finals_at_pauses))}
                summary = summarize(paths["final_at_end"])
                at_pauses = paths["finals_at_pauses"]
                for kind in ("sentence", "sentences", "hesitation", "backchannel"):
                    summary[f"split_at_pauses_{kind}"] = sum(o.premature for o in at_pauses if o.kind == kind)
                summary["split_at_pauses_from_ms"] = summarize(at_pauses)["shortest_pause_split_ms"]
                result["final"].append({**labels, "silence_ms": silence_for_final,
                                        "silence_after_final_ms": after_final, **summary})
                for name, outcomes in paths.items():
                    result["details"] += [{**labels, "path": name, "silence_ms": silence_for_final,
                                           "silence_after_final_ms": after_final, **asdict(o)} for o in outcomes]
    return result


def _decide(make_vad: Callable[[], object], frames: list[bytes]) -> list[bool]:
    vad = make_vad()
    return [vad.is_speech(mulaw.decode(f)) for f in frames]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.endpointing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tolerated-pause-ms", type=int, default=Options.tolerated_pause_ms,
                        help="internal pauses up to this long must not end the turn (an assumption of the rules)")
    parser.add_argument("--final-latency-ms", type=int, default=Options.final_latency_ms,
                        help="how long after the end of speech (or into a pause) the simulated STT finalizes")
    parser.add_argument("--noise-dbfs", type=float, default=Options.noise_dbfs, help="line-noise condition level")
    parser.add_argument("--max-clip-ms", type=int, default=Options.max_clip_ms,
                        help="a VAD whose p95 tail clip exceeds this is not recommended")
    args = parser.parse_args(argv)
    options = Options(args.noise_dbfs, args.final_latency_ms, args.tolerated_pause_ms, args.max_clip_ms)
    began = time.monotonic()
    defaults = current_defaults()
    utterances = asyncio.run(synthesize_all())
    synthesized = time.monotonic()
    result = run(utterances, options, defaults)
    recommendation = recommend(result, options, defaults)
    kinds = {kind: sum(u.kind == kind for u in utterances) for kind in ("sentence", "hesitation", "backchannel")}
    print(f"{len(utterances)} utterances, espeak-ng en-US and fr-FR: {kinds['sentence']} sentences "
          f"({sum(u.several_sentences for u in utterances)} of them two sentences), "
          f"{kinds['hesitation']} with a spliced pause, {kinds['backchannel']} backchannels; min_speech_ms "
          f"{defaults['min_speech_ms']}, pre-roll {PRE_ROLL_MS} ms, VAD warmed up on {WARMUP_MS} ms of the line")
    print(render(result, options))
    print(sensitivity(result))
    print(conclusion(recommendation, defaults, result, options))
    elapsed = time.monotonic() - began
    path = write_results("endpointing", {
        "options": asdict(options), "defaults": defaults, "recommendation": recommendation,
        "utterances": [{"key": u.key, "kind": u.kind, "text": u.text, "voice": u.voice,
                        "true_start_ms": u.true_start_ms, "true_end_ms": u.true_end_ms,
                        "longest_pause_ms": u.longest_pause_ms} for u in utterances],
        **result, "runtime_s": {"synthesis": round(synthesized - began, 2), "total": round(elapsed, 2)}},
        compact=True)
    print(f"\n{elapsed:.1f} s (synthesis {synthesized - began:.1f} s); results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
