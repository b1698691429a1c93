"""A simulated call through the real relay keeps transcribing across Google STT stream restarts.

Google ends a streaming recognition after about five minutes; the relay restarts its stream before
that, between utterances. Five minutes cannot run in the suite, so time is scaled down: the fake
Speech service (devtools/fake_speech.py) aborts any stream older than 12 s, and the relay restarts at
8 s between utterances, at 11 s at the latest. A call of six turns, under a minute, crosses several
restarts.
"""

import json
import sys
from pathlib import Path

import pytest

from devtools import stack
from devtools.processes import free_port, group_alive, spawn, wait_listening
from devtools.simcall.scenario import load
from tests.support.cli_call import callbot_call

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).parent / "scenarios" / "long_call.yaml"
FAKE_MAX_STREAM_S = 12
RESTART_S, MAX_STREAM_S = 8, 11


@pytest.fixture(scope="module")
def long_call(tmp_path_factory):
    """The fake Speech service and a stack of our own whose relay uses it; one call; everything
    stopped again. Returns the call report, the fake's stats and the relay's log lines."""
    tmp = tmp_path_factory.mktemp("stt-restart")
    script, stats_path, stack_dir = tmp / "script.json", tmp / "fake-speech.json", tmp / "stack"
    script.write_text(json.dumps(load(SCENARIO).spoken))
    port = free_port()
    fake = spawn("fake-speech", [sys.executable, "-m", "devtools.fake_speech", "--port", str(port),
                                 "--max-stream-s", str(FAKE_MAX_STREAM_S), "--script-file", str(script),
                                 "--stats-file", str(stats_path)], tmp / "logs", cwd=ROOT)
    processes: dict = {}
    try:
        wait_listening("127.0.0.1", port, fake)
        info = stack.up(stack_dir, stt="google", tts="tone", settings={
            "CALLBOT_GOOGLE_STT_ENDPOINT": f"127.0.0.1:{port}",
            "CALLBOT_STT_STREAM_RESTART_S": str(RESTART_S), "CALLBOT_STT_MAX_STREAM_S": str(MAX_STREAM_S),
            "CALLBOT_SILENCE_REPROMPT_S": "30", "CALLBOT_SILENCE_HANGUP_S": "30",
            # the restarts under test are the age ones: a new stream for each reply's answer hints
            # (tests/unit/test_google_stt.py) would end streams early for another reason
            "CALLBOT_STT_ANSWER_HINTS": "false"})
        processes = info.processes
        try:
            report = callbot_call(stack_dir, SCENARIO, tmp / "report.json", voice="tone")
        finally:
            stack.down(stack_dir)
    finally:
        fake.stop()
    assert not fake.alive() and not any(group_alive(p["pid"]) for p in processes.values())
    relay_log = [json.loads(line) for line in Path(processes["relay"]["log"]).read_text().splitlines()
                 if line.startswith("{")]
    return report, json.loads(stats_path.read_text()), relay_log


def test_every_utterance_is_transcribed_and_answered(long_call):
    report, _, _ = long_call
    assert report["errors"] == [] and report["call_status"] == "completed" and report["ended_by"] == "caller"
    caller = [e for e in report["transcript"] if e["speaker"] == "caller"]
    spoken = load(SCENARIO).spoken
    assert [e["text"] for e in caller] == spoken
    assert [e["stt_text"] for e in caller] == spoken  # the fake's final results, never a cut interim
    answered = {e["turn_seq"] for e in report["transcript"] if e["speaker"] == "bot" and not e["interrupted"]}
    assert set(range(len(spoken) + 1)) <= answered  # the greeting, then a reply to every utterance
    assert [t["turn_seq"] for t in report["turns"]] == list(range(1, len(spoken) + 1))
    assert all(t["latency_ms"] is not None for t in report["turns"])


def test_the_stream_restarts_between_utterances_before_the_limit(long_call):
    report, stats, relay_log = long_call
    streams = stats["streams"]
    restarts = streams[:-1]
    planned = [s for s in restarts if s["end"] == "half_closed"]
    aborted = [s for s in streams if s["end"] == "aborted"]
    summary = [(s["number"], s["end"], s["age_s"], [u["text"] for u in s["utterances"]]) for s in streams]
    print(f"\nspeech streams: {len(streams)}; restarts: {len(planned)} planned, {len(aborted)} aborted by the "
          f"{FAKE_MAX_STREAM_S} s limit")
    for number, end, age_s, heard in summary:
        print(f"  stream {number}: {end} at {age_s:.1f} s, heard {heard}")
    assert len(streams) >= 3, summary
    assert len(planned) >= 2, summary
    assert not aborted, summary  # the relay restarts at 8-11 s, the fake aborts at 12 s
    for stream in planned:  # between utterances after 8 s, never later than 11 s (as the fake's clock sees it)
        assert RESTART_S - 0.5 <= stream["age_s"] < MAX_STREAM_S + 0.5, summary

    utterances = [u for s in streams for u in s["utterances"]]
    assert [u["text"] for u in utterances] == load(SCENARIO).spoken, summary  # none lost, none split
    assert all(u["final"] for u in utterances), summary

    call_sid = report["call_sid"]
    relay_restarts = [r for r in relay_log
                      if r.get("message") == "restarting the speech stream" and r.get("call_id") == call_sid]
    assert len(relay_restarts) == len(planned)
    assert not [r for r in relay_log if r.get("message", "").startswith("speech stream failed")]
