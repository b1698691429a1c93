"""Voice-to-voice latency: end of the caller's speech to the first bot audio, through every process.

    .venv/bin/python -m bench.voice_latency [--calls 4] [--turns 8] [--stt-final-ms 150]
        [--llm-first-token-ms 350] [--llm-tokens-per-s 40] [--tts-first-audio-ms 150]

Starts the local stack in a temporary folder: the real relay, Pub/Sub and Firestore emulators,
agent_turn and the action functions. Speech-to-text, the LLM and text-to-speech are fakes of fixed,
settable latency:

- STT: the scripted engine's final result is ready `--stt-final-ms` after the caller's last loud
  frame (stream time), as a streaming engine's final comes after the end of speech;
- LLM: the offline dialogue engine streams its reply word by word, the first word after
  `--llm-first-token-ms`, then one word per 1/`--llm-tokens-per-s` s (a word stands for a token);
- TTS: the tone engine waits `--tts-first-audio-ms` before its audio. Lines in the relay's audio
  cache (the greeting, the filler) are not synthesized, as in production.

One unmeasured warm-up call, then `--calls` calls one after another, each the greeting and
`--turns` say / wait-for-the-reply cycles of the same sales-call lines. Per turn: *total* is the end
of the caller's audio to the first bot frame, as the simulated phone saw them. The stages add up to
it: *endpointing* (the true end of speech to the endpointer closing the turn: the VAD's hangover
and the silence the endpointer waits for, within which the STT's final arrives), *STT* (the
transcript after the turn closed), *publish* (the relay's Pub/Sub publish), *push* (the emulator
pushing the utterance to agent_turn), *function* (agent_turn from receiving the message to
publishing the first sentence, the LLM's time excluded), *LLM* (the time agent_turn waited on the
LLM before that sentence, as it records it: the first token and the rest of the sentence's words,
once per LLM step when a reply takes two, e.g. an in-graph tool call first), *reply bus* (the first
sentence from agent_turn to the relay), *TTS* (the relay's synthesis of that sentence, about 0 for
a line in the audio cache), *relay* (queueing and pacing to the first frame sent, and the frame
reaching the phone).

**Pipeline overhead** = total - the designed endpointing wait - the fakes' own latencies (the LLM
wait before the first sentence, TTS first audio where it was synthesized). The designed wait is the
silence the endpointer must hear once the STT's final is ready (`endpoint_silence_after_final_ms`),
or the STT's latency if that is longer. What remains is ours: VAD hangover, buses, Firestore, the
graph, the relay.

Results are printed as a table and written to `bench/results/voice_latency-<UTC time>.json`.
The stack is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import fmt, percentile, table, write_results
from callbot.phrases import Phrase, phrase
from callbot.settings import RelaySettings
from devtools import stack
from devtools.processes import patched_environ
from devtools.simcall import scenario as sc
from devtools.simcall.caller import CallTarget, SimulatedCall
from devtools.simcall.voices import tone_voice

# half answered at once by the lead agent, half knowledge questions: a tool call, the cached filler
# first ("One moment, let me check."), then the answer after the search
CALLER_LINES = (
    "We are a team of about forty sales reps.",
    "Do you integrate with Salesforce?",
    "We want to start next quarter.",
    "What does it cost per seat?",
    "Can I get a demo?",
    "Is there a free trial?",
    "We are a team of about forty sales reps.",
    "How long does the onboarding take?",
)
PAUSE_MS = 400
FILLER = phrase(Phrase.FILLER, "en-US")
STAGES = ("endpointing", "stt", "publish", "push", "function", "llm", "reply_bus", "tts", "relay")


def fake_settings(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """Environment of the relay and of the functions for the fakes' latencies."""
    relay = {"CALLBOT_SCRIPTED_STT_FINAL_MS": str(args.stt_final_ms),
             "CALLBOT_TONE_TTS_LATENCY_MS": str(args.tts_first_audio_ms),
             "CALLBOT_SILENCE_REPROMPT_S": "3600", "CALLBOT_SILENCE_HANGUP_S": "3600",
             "CALLBOT_MAX_CALL_S": "7200"}
    functions = {"CALLBOT_OFFLINE_FIRST_TOKEN_S": str(args.llm_first_token_ms / 1000),
                 "CALLBOT_OFFLINE_CHUNK_DELAY_S": str(1 / args.llm_tokens_per_s)}
    return relay, functions


def designed_wait_ms(stt_final_ms: int, settings: RelaySettings) -> int:
    """The silence the endpointer is meant to wait after the end of speech: the shorter window once
    the final is ready, the STT's own latency if that comes later, the long window at most."""
    return min(max(settings.endpoint_silence_after_final_ms, stt_final_ms), settings.endpoint_silence_ms)


def turn_stages(turn: dict[str, Any], run: dict[str, Any] | None, first_sentence: str, args: argparse.Namespace,
                wait_ms: int) -> dict[str, Any] | None:
    """One turn's stages, adding up to the phone's total; None if the turn was not measured."""
    relay = turn.get("relay_breakdown") or {}
    total = turn.get("latency_ms")
    if total is None or not relay.get("total_ms") or relay.get("tts_ms") is None or run is None \
            or run.get("llm_before_first_ms") is None:
        return None
    llm = run["llm_before_first_ms"]
    # the relay's stages are relative to its own estimate of the end of speech; the phone knows the
    # true end, so endpointing absorbs the difference and the stages add up to the phone's total
    endpointing = total - relay["total_ms"] + relay["endpointing_ms"]
    push = run["push_ms"]
    function = relay["bus_and_agent_ms"] - push - llm
    tts = relay["tts_ms"]
    stages = {"total": total, "endpointing": endpointing, "stt": relay["stt_ms"], "publish": relay["publish_ms"],
              "push": push, "function": function, "llm": llm, "reply_bus": relay["reply_bus_ms"], "tts": tts,
              "relay": total - endpointing - relay["stt_ms"] - relay["publish_ms"] - relay["bus_and_agent_ms"]
              - relay["reply_bus_ms"] - tts}
    tts_fake = min(tts, args.tts_first_audio_ms)
    stages["overhead"] = total - wait_ms - llm - tts_fake
    stages["first_sentence"] = first_sentence
    stages["kind"] = "filler" if first_sentence == FILLER else "answer"
    return stages


def build_scenario(turns: int, offset: int) -> sc.Scenario:
    steps: list[sc.Step] = [sc.WaitBot(timeout_s=30)]
    for index in range(turns):
        steps += [sc.Say(CALLER_LINES[(offset + index) % len(CALLER_LINES)]), sc.WaitBot(timeout_s=30),
                  sc.Pause(ms=PAUSE_MS)]
    steps.append(sc.Hangup())
    return sc.Scenario(caller_number=f"+1415555{offset % 10000:04d}", called_number="+14155550100",
                       language="en-US", steps=steps)


async def one_call(info: stack.StackInfo, store, index: int, turns: int) -> tuple[Any, list[dict[str, Any]]]:
    call = SimulatedCall(CallTarget(info.relay_public_url, info.twilio_auth_token), build_scenario(turns, index),
                         store, voice=tone_voice)
    report = await call.run()
    return report, await store.list_events(call.call_sid)


def runs_by_turn(events: list[dict[str, Any]], published: dict[int, int]) -> dict[int, dict[str, Any]]:
    """agent_turn's run for each caller utterance: when it received the message (so the push
    delivery is known from the relay's publish time)."""
    runs = {}
    for event in events:
        if event.get("kind") == "agent_run" and event.get("input") == "UserUtterance" \
                and event.get("received_at_ms") and event.get("turn_seq") in published:
            seq = event["turn_seq"]
            runs[seq] = {**event, "push_ms": event["received_at_ms"] - published[seq]}
    return runs


def measure_call(report, events: list[dict[str, Any]], args: argparse.Namespace, wait_ms: int) -> tuple[list[dict[str, Any]], list[str]]:
    first_sentence = {e.get("turn_seq"): e.get("text", "") for e in events
                      if e.get("speaker") == "bot" and e.get("segment") == 0 and not e.get("system")}
    # the relay's publish time: its clock at the start of the turn plus the stages before the push
    published = {}
    for turn in report.turns:
        relay = turn.get("relay_breakdown") or {}
        latency = next((e for e in events if e.get("kind") == "turn_latency"
                        and e.get("turn_seq") == turn["turn_seq"]), None)
        if latency is None or not relay:
            continue
        first_audio = latency["at_ms"]
        published[turn["turn_seq"]] = first_audio - relay["total_ms"] + relay["endpointing_ms"] \
            + relay["stt_ms"] + relay["publish_ms"]
    runs = runs_by_turn(events, published)
    measured, errors = [], list(report.errors)
    for turn in report.turns:
        stages = turn_stages(turn, runs.get(turn["turn_seq"]), first_sentence.get(turn["turn_seq"], ""), args,
                             wait_ms)
        if stages is None:
            errors.append(f"turn {turn['turn_seq']} not measured: latency {turn.get('latency_ms')}, relay "
                          f"{turn.get('relay_breakdown')}, agent run {runs.get(turn['turn_seq'])}")
        else:
            measured.append(stages)
    return measured, errors


def summarize(turns: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    keys = ("total", *STAGES, "overhead")
    return {key: {"p50": percentile([t[key] for t in turns], 50), "p95": percentile([t[key] for t in turns], 95),
                  "mean": round(sum(t[key] for t in turns) / len(turns), 1) if turns else None}
            for key in keys}


async def measure(info: stack.StackInfo, args: argparse.Namespace) -> dict[str, Any]:
    from callbot.store.firestore import FirestoreCallStore

    store = FirestoreCallStore(info.project_id, retention_days=1)
    settings = RelaySettings()
    wait_ms = designed_wait_ms(args.stt_final_ms, settings)
    print("warm-up call (not measured)...", flush=True)
    await one_call(info, store, 0, 2)
    turns, errors = [], []
    for index in range(1, args.calls + 1):
        report, events = await one_call(info, store, index, args.turns)
        measured, call_errors = measure_call(report, events, args, wait_ms)
        turns += measured
        errors += [f"{report.call_sid}: {e}" for e in call_errors]
        print(f"  call {index}/{args.calls}: {len(measured)} turns, median total "
              f"{fmt(percentile([t['total'] for t in measured], 50))} ms", flush=True)
    by_kind = {kind: summarize([t for t in turns if t["kind"] == kind]) for kind in ("answer", "filler")}
    return {"designed_wait_ms": wait_ms, "turns": turns, "summary": summarize(turns), "by_first_sentence": by_kind,
            "errors": errors}


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    summary = result["summary"]
    rows = [[key, fmt(summary[key]["p50"]), fmt(summary[key]["p95"]), fmt(summary[key]["mean"], 1)]
            for key in ("total", *STAGES)]
    rows.append(["pipeline overhead", fmt(summary["overhead"]["p50"]), fmt(summary["overhead"]["p95"]),
                 fmt(summary["overhead"]["mean"], 1)])
    fakes = (f"fakes: STT final {args.stt_final_ms} ms after speech, LLM first token {args.llm_first_token_ms} ms "
             f"at {args.llm_tokens_per_s:g} tokens/s, TTS first audio {args.tts_first_audio_ms} ms; "
             f"designed endpointing wait {result['designed_wait_ms']} ms")
    kinds = result["by_first_sentence"]
    split = [[kind, sum(t["kind"] == kind for t in result["turns"]), fmt(kinds[kind]["total"]["p50"]),
              fmt(kinds[kind]["total"]["p95"]), fmt(kinds[kind]["llm"]["p50"]), fmt(kinds[kind]["overhead"]["p50"]),
              fmt(kinds[kind]["overhead"]["p95"])] for kind in ("answer", "filler")]
    lines = [fakes, f"{len(result['turns'])} turns over {args.calls} calls", "",
             table(["stage (ms)", "p50", "p95", "mean"], rows), "",
             "by first sentence: the answer itself, or the cached filler before a knowledge search", "",
             table(["first sentence", "turns", "total p50", "total p95", "LLM p50", "overhead p50", "overhead p95"],
                   split)]
    if result["errors"]:
        lines += ["", "errors:", *(f"  {e}" for e in result["errors"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.voice_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--turns", type=int, default=8, help="caller utterances per call")
    parser.add_argument("--stt-final-ms", type=int, default=150)
    parser.add_argument("--llm-first-token-ms", type=float, default=350)
    parser.add_argument("--llm-tokens-per-s", type=float, default=40)
    parser.add_argument("--tts-first-audio-ms", type=int, default=150)
    args = parser.parse_args(argv)
    relay_env, function_env = fake_settings(args)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="callbot-bench-") as tmp:
        state_dir = Path(tmp)
        print("starting the local stack (scripted STT, tone TTS, offline LLM, with latencies)...", flush=True)
        try:
            info = stack.up(state_dir, stt="scripted", tts="tone", settings=relay_env, function_settings=function_env)
            with patched_environ({**info.emulator_env(), **relay_env}):
                result = asyncio.run(measure(info, args))
        finally:
            stopped = stack.down(state_dir)
            print(f"stack stopped: {', '.join(stopped) or 'nothing was running'}", flush=True)
    print(render(result, args))
    elapsed = time.monotonic() - began
    path = write_results("voice_latency", {"options": vars(args), "cores": os.cpu_count(), **result,
                                           "runtime_s": round(elapsed, 1)})
    print(f"\n{elapsed:.0f} s in all; results: {path}")
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
