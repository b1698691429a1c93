"""The callbot side of `python -m bench.side_by_side`: a local stack of our own (scripted STT, the
offline agent, tone TTS) with the same fake latencies as Pipecat's side, the same fake Twilio
caller, and the relay's CPU read from /proc. One unmeasured warm-up call first, as on Pipecat's side."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.proc_stats import process_stat, rss_mb
from bench.side_by_side.stages import summary, turn_stages
from callbot.store.reader import FirestoreCallReader
from devtools import stack
from devtools.processes import patched_environ

HERE = Path(__file__).resolve().parent
LINES = [  # what the scripted STT "hears"; the audio is the caller's espeak utterances
    "We are a team of about forty sales reps.",
    "We want to start next quarter.",
    "Can I get a demo?",
]
RELAY_SETTINGS = {"CALLBOT_SCRIPTED_STT_FINAL_MS": "150", "CALLBOT_TONE_TTS_LATENCY_MS": "150",
                  "CALLBOT_SILENCE_REPROMPT_S": "3600", "CALLBOT_SILENCE_HANGUP_S": "3600",
                  "CALLBOT_MAX_CALL_S": "7200"}
FUNCTION_SETTINGS = {"CALLBOT_OFFLINE_FIRST_TOKEN_S": "0.35", "CALLBOT_OFFLINE_CHUNK_DELAY_S": "0.025"}
SETTLE_S = 2.0  # idle seconds after each level, so that the calls' teardown is billed to it


def run(audio_dir: Path, ns: list[int], out_dir: Path, stagger_s: float) -> dict:
    """Per concurrency level: the caller's summary, the relay's CPU per call-minute and RSS."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    info = stack.up(state_dir=state, stt="scripted", tts="tone", settings=RELAY_SETTINGS,
                    function_settings=FUNCTION_SETTINGS)
    results: dict = {"levels": []}
    try:
        pid = info.processes["relay"]["pid"]
        webhook = info.relay_public_url.rstrip("/") + "/twilio/voice"

        def call(n: int, out: Path, lines: list[str], audio: list[str] | None = None) -> dict:
            command = [sys.executable, str(HERE / "twilio_caller.py"), "--webhook", webhook,
                       "--auth-token", info.twilio_auth_token, "--calls", str(n), "--expect-greeting",
                       "--stagger", str(stagger_s), "--param", "stt_script=" + json.dumps(lines), "--out", str(out)]
            command += ["--audio", *audio] if audio else ["--audio-dir", str(audio_dir)]
            subprocess.run(command, check=True, timeout=600)
            return json.loads(out.read_text())

        results["relay_rss_mb_idle"] = round(rss_mb(pid), 1)
        print("callbot: warm-up call (1 utterance, not counted)", flush=True)
        call(1, out_dir / "warmup.json", LINES[:1], [str(audio_dir / "utt1.ulaw")])
        for n in ns:
            print(f"callbot: {n} concurrent calls", flush=True)
            before, started = process_stat(pid), time.monotonic()
            caller = call(n, out_dir / f"n{n}.json", LINES)
            time.sleep(SETTLE_S)
            after, window = process_stat(pid), time.monotonic() - started
            summary = caller["summary"]
            cpu = after.cpu_s - before.cpu_s
            results["levels"].append({
                "n": n, "latency": summary["latency_ms"], "turns": summary["turns"],
                "turns_no_reply": summary["turns_no_reply"], "calls_failed": summary["calls_failed"],
                "call_minutes": summary["call_minutes"], "relay_cpu_s": round(cpu, 2), "window_s": round(window, 1),
                "relay_cpu_s_per_call_minute": round(cpu / summary["call_minutes"], 3)
                if summary["call_minutes"] else None,
                "relay_rss_mb_after": round(rss_mb(pid), 1),
                "first_turn_latency_ms": [c["turns"][0]["latency_ms"] for c in caller["calls"] if c["turns"]],
                "stages": stages_of(info, [c["call_sid"] for c in caller["calls"]]),
            })
    finally:
        stack.down(state)
    return results


def stages_of(info: stack.StackInfo, call_sids: list[str]) -> dict:
    """Where the calls' turns spent their time (`stages.py`), read back from the emulator."""
    with patched_environ(info.emulator_env()):
        reader = FirestoreCallReader.from_project(info.project_id)
        return summary([turn_stages(reader.list_events(sid)) for sid in call_sids])
