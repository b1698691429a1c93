"""The relay's own CPU per call-minute, without the rest of the stack: quick to run, and steady
enough on a shared machine to compare two versions of the per-frame path.

    .venv/bin/python -m bench.relay_alone [--calls 10] [--seconds 30] [--py-spy FILE]

Starts the relay (uvicorn, as the local stack does) with in-memory fakes: no emulators, no
agent_turn. An echo agent inside the relay stands for the bus and agent_turn: it answers the call's
start with the greeting and every utterance with what the offline agent says ("You said: <line>",
"Tell me more.") 300 ms later, through the relay's own reply dispatch, so the outbound path (TTS,
pacing, marks) runs as in a real call. Scripted STT, tone TTS, the webrtc VAD, preemptive turns on.
The calls are `bench.relay_capacity`'s: simulated Twilio calls from this process, real-time 20 ms
frames, started 100 ms apart. Printed: relay CPU seconds per call-minute, and net of the relay's idle
rate. `--py-spy FILE` records the relay during the calls (py-spy's raw collapsed stacks, which
`python -m bench.relay_alone --top FILE` sums per function).

`bench.relay_capacity` measures the same process inside the whole stack; this one leaves out the
Pub/Sub and Firestore clients' threads (their CPU counts there, not here).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path

from bench import proc_stats
from bench.call_metrics import agent_reply, build_scenario
from callbot.messages import BotSpeech, CallStarted, Message, UserUtterance
from callbot.phrases import Phrase, phrase
from callbot.settings import RelaySettings
from callbot.store.memory import MemoryCallStore
from devtools.processes import free_port, spawn, stop_group, wait_http_ok
from devtools.simcall.caller import CallTarget, SimulatedCall
from devtools.simcall.voices import tone_voice
from stream_relay.bootstrap import RelayServices, make_stt_factory, make_vad_factory
from stream_relay.speech.tone_tts import ToneTextToSpeech

REPLY_DELAY_S = 0.3
IDLE_S = 3.0
STAGGER_S = 0.1
IDLE_LEAVES = ("epoll_pwait", "epoll_wait", "clock_nanosleep")  # waiting for I/O, or a round's end


class EchoAgent:
    """The bus and agent_turn in one: a `Publisher` that answers, and the `ReplySource` it answers
    through. Nothing is kept: a benchmark of hours holds no more than one of seconds."""

    def __init__(self, relay_instance: str) -> None:
        self._instance = relay_instance
        self._dispatch = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, dispatch) -> None:
        self._dispatch, self._loop = dispatch, asyncio.get_running_loop()

    async def stop(self) -> None:
        self._dispatch = None

    def publish(self, message: Message) -> Future[str]:
        if isinstance(message, CallStarted):
            self._answer(message, [phrase(Phrase.GREETING, "en-US"), phrase(Phrase.GREETING_QUESTION, "en-US")])
        elif isinstance(message, UserUtterance):
            self._answer(message, agent_reply(message.text))
        done: Future[str] = Future()
        done.set_result(message.message_key)
        return done

    def _answer(self, message: Message, sentences: list[str]) -> None:
        for index, text in enumerate(sentences):
            speech = BotSpeech(call_id=message.call_id, turn_seq=message.turn_seq, relay_instance=self._instance,
                               segment=index, text=text, is_last=index == len(sentences) - 1)
            self._loop.call_later(REPLY_DELAY_S, self._deliver, speech)

    def _deliver(self, speech: BotSpeech) -> None:
        if self._dispatch is not None:
            self._dispatch(speech)


def create_relay_app():
    """`uvicorn bench.relay_alone:create_relay_app --factory`: the relay on in-memory fakes."""
    from stream_relay.app import create_app

    settings = RelaySettings()
    agent = EchoAgent(settings.relay_instance)
    return create_app(RelayServices(settings=settings, publisher=agent, calls=MemoryCallStore(), replies=agent,
                                    stt_factory=make_stt_factory(settings), tts=ToneTextToSpeech(),
                                    vad_factory=make_vad_factory(settings)))


async def _calls(url: str, token: str, calls: int, seconds: float) -> list[SimulatedCall]:
    async def one(index: int) -> SimulatedCall:
        await asyncio.sleep(index * STAGGER_S + index * 0.020 / calls)
        call = SimulatedCall(CallTarget(url, token), build_scenario(seconds, offset=index), MemoryCallStore(),
                             voice=tone_voice)
        await call.run()
        return call

    return await asyncio.gather(*(one(i) for i in range(calls)))


def run(calls: int, seconds: float, py_spy: Path | None) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {"CALLBOT_PUBLIC_URL": url, "CALLBOT_RELAY_INSTANCE": "bench-relay", "CALLBOT_STT_ENGINE": "scripted",
                "CALLBOT_TTS_ENGINE": "tone", "CALLBOT_SILENCE_REPROMPT_S": "3600",
                "CALLBOT_SILENCE_HANGUP_S": "3600", "CALLBOT_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory(prefix="callbot-relay-alone-") as tmp:
        relay = spawn("relay", [sys.executable, "-m", "uvicorn", "bench.relay_alone:create_relay_app", "--factory",
                                "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                                "--ws-ping-interval", "0", "--ws-max-size", "65536", "--ws-per-message-deflate",
                                "false"],  # as devtools/stack.py runs it
                      Path(tmp), env=settings, cwd=Path(__file__).resolve().parent.parent)
        spy = None
        try:
            wait_http_ok(f"{url}/healthz", 60, relay)
            token = RelaySettings(public_url=url).twilio_auth_token.get_secret_value()
            asyncio.run(_calls(url, token, 1, 6.0))  # warm-up: imports and first-call paths
            idle_before = proc_stats.process_stat(relay.pid).cpu_s
            time.sleep(IDLE_S)
            idle_per_s = (proc_stats.process_stat(relay.pid).cpu_s - idle_before) / IDLE_S
            if py_spy is not None:
                spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                                        str(relay.pid), "--format", "raw", "--rate", "100", "--native",
                                        "--output", str(py_spy)], stdout=subprocess.DEVNULL)
            load = Path("/proc/loadavg").read_text().split()[0]
            cpu_before, wall_before = proc_stats.process_stat(relay.pid).cpu_s, time.monotonic()
            done = asyncio.run(_calls(url, token, calls, seconds))
            cpu = proc_stats.process_stat(relay.pid).cpu_s - cpu_before
            wall = time.monotonic() - wall_before
        finally:
            if spy is not None:
                spy.send_signal(2)
                spy.wait(30)
            stop_group(relay.pid)
    minutes = sum(c.phone.media_out for c in done if c.phone) * 0.020 / 60
    return {"calls": calls, "call_minutes": round(minutes, 2), "wall_s": round(wall, 1),
            "relay_cpu_s": round(cpu, 2), "cpu_s_per_call_minute": round(cpu / minutes, 3),
            "net_of_idle": round((cpu - idle_per_s * wall) / minutes, 3), "idle_pct": round(100 * idle_per_s, 2),
            "load_average_at_start": load, "load_average_at_end": Path("/proc/loadavg").read_text().split()[0],
            "bot_frames": sum(c.phone.media_in for c in done if c.phone)}


def stages(repeat: int = 5, frames: int = 3000) -> list[tuple[str, float]]:
    """Microseconds of CPU per 20 ms frame for each part of the relay's per-frame path, run in this
    process on the tone voice (speech and silence), the best of `repeat` runs: the cost of each
    stage, as steady as a shared machine allows. The WebSocket server's own part (uvicorn,
    websockets, starlette) is not here: it is the difference to the whole process's figure."""
    from stream_relay import twilio_wire
    from stream_relay.frame_lag import FrameLag
    from stream_relay.media_stream import AudioBudget
    from stream_relay.recording import CallRecorder
    from stream_relay.speech.endpointer import Endpointer
    from stream_relay.speech.scripted_stt import ScriptedSpeechToText
    from stream_relay.speech.synthetic_voice import synthesize_mulaw

    settings = RelaySettings()
    audio = (synthesize_mulaw(" ".join(agent_reply("What does it cost per seat?")) * 3)
             + bytes([0xFF]) * 160 * frames)[: 160 * frames]
    chunks = [audio[i:i + 160] for i in range(0, len(audio), 160)]
    texts = [twilio_wire.media_in_message("MZ" + "0" * 32, c, i, 20 * i, i + 2) for i, c in enumerate(chunks)]
    parsed = [twilio_wire.parse_inbound(t) for t in texts]

    def parse() -> None:
        for text in texts:
            twilio_wire.parse_inbound(text)

    def budget() -> None:
        admitted = AudioBudget(ahead_s=3600)
        for frame in parsed:
            admitted.admit(len(frame.audio))

    def lag() -> None:
        measured = FrameLag()
        for frame in parsed:
            measured.frame(frame.timestamp_ms + 3.0, frame.timestamp_ms)

    def record_caller() -> None:
        recorder = CallRecorder()
        for chunk in chunks:
            recorder.caller_frame(chunk)

    def stt_feed() -> None:
        stt = ScriptedSpeechToText(["What does it cost per seat?"], final_ms=150)
        for chunk in chunks:
            stt.feed(chunk)

    def endpointer() -> None:
        ends = Endpointer(make_vad_factory(settings)(), min_speech_ms=settings.vad_min_speech_ms,
                          silence_ms=settings.endpoint_silence_ms,
                          silence_after_final_ms=settings.endpoint_silence_after_final_ms)
        for chunk in chunks:
            ends.process(chunk)

    def media_out() -> None:
        for chunk in chunks:
            twilio_wire.media_message("MZ" + "0" * 32, chunk)

    def record_bot() -> None:
        recorder = CallRecorder()
        for i, chunk in enumerate(chunks):
            recorder.bot_frame(chunk, 160 * i)

    parts = [("inbound: parse the Twilio JSON and base64", parse), ("inbound: audio budget", budget),
             ("inbound: frame lag", lag), ("inbound: recording", record_caller),
             ("inbound: scripted STT feed (final after 150 ms)", stt_feed),
             (f"inbound: endpointer ({settings.vad_engine} VAD)", endpointer),
             ("outbound: media message (JSON and base64)", media_out), ("outbound: recording", record_bot)]
    results = []
    for name, part in parts:
        best = float("inf")
        for _ in range(repeat):
            began = time.process_time()
            part()
            best = min(best, time.process_time() - began)
        results.append((name, 1e6 * best / len(chunks)))
    return results


def top(path: Path, limit: int = 150) -> str:
    """Per function of py-spy's raw stacks: the share of samples it is on (inclusive) and at the top of
    (self), over the samples where the relay's event loop was not waiting."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any(f.startswith("Runner.run ") for f in frames) or frames[-1].startswith(IDLE_LEAVES):
            continue  # another thread, or the event loop waiting for I/O
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    rows = [f"{100 * n / total:5.1f} %  {100 * own[f] / total:5.1f} %  {f}" for f, n in inclusive.most_common(limit)]
    return f"{total} samples\nincl.    self\n" + "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relay_alone", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--py-spy", type=Path, help="record the relay with py-spy (raw stacks) into this file")
    parser.add_argument("--top", type=Path, help="only sum a py-spy raw file per function, run nothing")
    parser.add_argument("--stages", action="store_true", help="only time each part of the per-frame path, "
                        "in this process")
    args = parser.parse_args(argv)
    if args.stages:
        for name, us in stages():
            print(f"{us:7.2f} us per frame  {name}")
        return 0
    if args.top:
        print(top(args.top))
        return 0
    result = run(args.calls, args.seconds, args.py_spy)
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
