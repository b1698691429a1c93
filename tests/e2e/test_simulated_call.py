"""Simulated calls through every process: relay -> Pub/Sub -> agent_turn -> Firestore -> Pub/Sub -> relay."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import websockets
from twilio.request_validator import RequestValidator
from websockets.exceptions import InvalidStatus

from callbot.bus.pubsub import PubSubPublisher
from callbot.messages import BotSpeech, Topic, UserUtterance
from devtools import stack
from devtools.processes import group_alive, patched_environ
from tests.support.cli_call import callbot_call
from tests.support.pubsub_tap import TopicTap

pytestmark = pytest.mark.e2e
SCENARIOS = Path(__file__).parent / "scenarios"


def place_call(stack_dir: Path, scenario: str, report_dir: Path) -> dict:
    """`callbot call` of one scenario here, against the session's stack; the JSON report."""
    return callbot_call(stack_dir, SCENARIOS / f"{scenario}.yaml", report_dir / f"{scenario}.json", timeout_s=180)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def report(three_turns_call):
    return three_turns_call


def bot_lines(report):
    return [e for e in report["transcript"] if e["speaker"] == "bot"]


def test_the_call_completes_with_every_turn_answered_in_order(report):
    # the relay closed the call; the post-call pipeline may have processed it already
    assert report["errors"] == [] and report["call_status"] in ("completed", "processed")
    assert report["post_call"]["status"] == "processed"
    caller = [e["text"] for e in report["transcript"] if e["speaker"] == "caller"]
    assert caller == ["Hello there.", "Do you integrate with our CRM?", "Actually, wait.", "[DTMF 0]"]
    assert [e["stt_text"] for e in report["transcript"] if e["speaker"] == "caller"][:3] == caller[:3]
    bot = bot_lines(report)
    assert bot[0]["text"] == "Hello, and thanks for calling."
    answered = {e["turn_seq"] for e in bot if not e["interrupted"]}
    assert {0, 1, 3, 4} <= answered  # turn 2 was cut off by turn 3, which was answered
    starts = [e["start_ms"] for e in report["transcript"]]
    assert starts == sorted(starts)


def test_the_human_digit_hands_the_call_over_after_the_notice(report):
    assert report["ended_by"] == "transfer"
    assert report["outcome"]["transferred_to"] == stack.DEV_SALES_DESK
    notice = bot_lines(report)[-1]
    assert notice["text"].startswith("Let me connect you") and not notice["interrupted"]


def test_every_turn_has_a_measured_latency(report):
    assert [t["turn_seq"] for t in report["turns"]] == [1, 2, 3, 4]
    for turn in report["turns"]:
        assert turn["latency_ms"] is not None and 0 < turn["latency_ms"] < 5000
        assert abs(turn["first_bot_audio_ms"] - turn["caller_end_ms"] - turn["latency_ms"]) <= 1  # rounding
        stages = turn["relay_breakdown"]  # recorded by the relay in Firestore
        parts = ("endpointing_ms", "stt_ms", "publish_ms", "bus_and_agent_ms", "reply_bus_ms", "tts_and_playback_ms")
        assert stages["total_ms"] == sum(stages[k] for k in parts)
        assert stages["tts_ms"] + stages["playback_ms"] == stages["tts_and_playback_ms"]
        assert stages["bus_and_agent_ms"] > 0


def test_barge_in_clears_playback_fast_and_records_what_was_heard(report):
    assert report["twilio"]["clears"] == 1
    [barge_in] = report["barge_ins"]
    assert barge_in["delay_ms"] is not None and barge_in["delay_ms"] <= 300
    [cut] = [e for e in bot_lines(report) if e["interrupted"]]
    assert cut["turn_seq"] == 2  # the filler or the answer to "Do you integrate with our CRM?"
    assert cut["text"].startswith(cut["heard"]) and len(cut["heard"]) < len(cut["text"])
    # the rest of the interrupted reply was never played
    assert not [e for e in bot_lines(report) if e["turn_seq"] == 2 and e["start_ms"] > cut["start_ms"]]


def test_marks_are_sent_for_every_played_segment(report):
    played = [e for e in bot_lines(report) if not e["interrupted"]]
    assert report["twilio"]["marks"] == len(played)
    assert report["twilio"]["media_in"] > 100 and report["twilio"]["media_out"] > 100


def test_the_call_is_recorded_in_stereo(report, local_stack):
    from stream_relay.speech.wav import parse_wav

    assert report["recording_uri"]
    wav = parse_wav(Path(local_stack.recordings_dir, f"{report['call_sid']}.wav").read_bytes())
    assert (wav.channels, wav.sample_rate) == (2, 8000)
    assert len(wav.frames) / 4 / 8000 > 5  # seconds of audio, both directions
    assert not [p for p in Path(local_stack.recordings_dir, "parts").rglob("*") if p.is_file()]  # composed, deleted


def test_a_backchannel_does_not_interrupt_the_bot(local_stack, stack_dir, report_dir):
    report = place_call(stack_dir, "backchannel", report_dir)
    assert report["errors"] == [] and report["twilio"]["clears"] == 0
    assert not any(e["interrupted"] for e in bot_lines(report))
    assert [t["turn_seq"] for t in report["turns"]] == [1]  # "Mm-hm." was not taken as a turn


def test_a_caller_who_goes_on_after_the_early_final_is_answered_once_for_the_whole_utterance(
        local_stack, stack_dir, report_dir):
    report = place_call(stack_dir, "goes_on_after_a_pause", report_dir)
    assert report["errors"] == []
    # the relay's turn 1 went to the agent on the final heard in the pause and was withdrawn when the
    # caller went on; the whole utterance is its turn 2, answered once (turn 0 is the greeting)
    replies = [e for e in bot_lines(report) if not e["system"]]
    assert {e["turn_seq"] for e in replies} == {0, 2}
    assert len([e for e in replies if e["turn_seq"] == 2 and e["text"]]) >= 1


def test_a_silent_caller_is_reprompted_then_the_call_ends(local_stack, stack_dir, report_dir):
    report = place_call(stack_dir, "silent_caller", report_dir)
    assert report["ended_by"] == "timeout"
    systems = {e["system"]: e for e in bot_lines(report) if e["system"]}
    # the greeting's last line (a caller the CRM knows, e.g. from an earlier call's post-call sync,
    # is also welcomed back)
    greeting_end = max(e["end_ms"] for e in bot_lines(report) if not e["system"]
                       and e["start_ms"] < systems["reprompt"]["start_ms"])
    assert set(systems) == {"reprompt", "silence_goodbye"}
    assert 2500 <= systems["reprompt"]["start_ms"] - greeting_end <= 4500  # the stack's timer is 3 s
    assert 2500 <= systems["silence_goodbye"]["start_ms"] - systems["reprompt"]["end_ms"] <= 4500


def test_a_call_to_the_french_line_is_answered_in_french(local_stack, stack_dir, report_dir):
    report = place_call(stack_dir, "french", report_dir)
    assert bot_lines(report)[0]["text"] == "Bonjour, et merci de votre appel."


def test_forged_signatures_are_refused(local_stack):
    url = f"{local_stack.relay_public_url}/twilio/voice"
    params = {"CallSid": "CAforged", "From": "+14155550123", "To": "+14155550100"}
    wrong = RequestValidator("not-the-token").compute_signature(url, params)
    response = httpx.post(url, data=params, headers={"X-Twilio-Signature": wrong})
    assert response.status_code == 403

    async def open_forged_stream():
        ws_url = local_stack.relay_public_url.replace("http", "ws") + "/twilio/stream"
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(ws_url, additional_headers={"X-Twilio-Signature": "forged"}):
                pass
        assert refused.value.response.status_code == 403

    import asyncio

    asyncio.run(open_forged_stream())


def test_a_duplicate_pubsub_delivery_is_ignored(local_stack):
    with patched_environ(local_stack.emulator_env()):
        replies = TopicTap(local_stack.project_id, Topic.REPLIES)
        call_id = f"CAdup{int(time.time() * 1000)}"
        utterance = UserUtterance(call_id=call_id, turn_seq=1, relay_instance="e2e", text="same")
        publisher = PubSubPublisher(local_stack.project_id)
        publisher.publish(utterance).result(timeout=10)
        publisher.publish(utterance).result(timeout=10)  # the same message again, as a redelivery would
        got = [m for m in replies.drain(expect=4, timeout_s=15) if m.call_id == call_id]
        replies.close()
    segments = sorted((m.turn_seq, m.segment) for m in got if isinstance(m, BotSpeech))
    assert segments and segments == [(1, i) for i in range(len(segments))]  # one reply, each segment once


def test_dev_up_status_down_leaves_no_process(tmp_path):
    cli = [sys.executable, "-m", "devtools.cli", "--state-dir", str(tmp_path)]
    subprocess.run([*cli, "dev", "up", "--stt", "scripted", "--tts", "tone"], check=True, capture_output=True,
                   timeout=120)
    status = json.loads(subprocess.run([*cli, "dev", "status", "--json"], check=True, capture_output=True,
                                       text=True).stdout)
    assert status["running"] and status["relay_public_url"].startswith("http://127.0.0.1:")
    assert set(status["processes"]) == {"firestore-emulator", "pubsub-emulator", "fake-salesforce", "fake-calendar",
                                        "fake-twilio", "fake-sendgrid", "workflows-emulator", "pubsub-push",
                                        *stack.FUNCTIONS, "relay", "console"}
    assert httpx.get(status["relay_public_url"] + "/healthz").json()["status"] == "ok"
    assert httpx.get(status["console_url"] + "/calls").status_code == 200  # dev_admin: no sign-in locally
    subprocess.run([*cli, "dev", "down"], check=True, capture_output=True, timeout=60)
    assert not any(group_alive(p["pid"]) for p in status["processes"].values())
    assert stack.load(tmp_path) is None


def _marked_pids(marker: str) -> set[int]:
    """Processes whose environment carries `marker` (children inherit it, Java included)."""
    pids = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                pids.add(int(environ.parent.name))
        except OSError:
            continue
    return pids


# `callbot` with Ctrl-C handled as in a terminal: a suite started as a background job of a
# non-interactive shell (`make test &`) ignores SIGINT, and a child would inherit that
CLI_AS_IN_A_TERMINAL = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                        "sys.argv[0] = 'callbot'; runpy.run_module('devtools.cli', run_name='__main__')")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_dev_up_leaves_no_process(tmp_path, signum):
    marker = f"CALLBOT_TEST_MARKER_{uuid.uuid4().hex}"
    launcher = subprocess.Popen([sys.executable, "-c", CLI_AS_IN_A_TERMINAL, "--state-dir", str(tmp_path), "dev", "up",
                                 "--stt", "scripted", "--tts", "tone"],
                                env={**os.environ, marker: "1"}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not (_marked_pids(marker) - {launcher.pid}) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _marked_pids(marker) - {launcher.pid}, "dev up started nothing"
    time.sleep(0.5)  # mid-start: the emulators are booting
    launcher.send_signal(signum)
    assert launcher.wait(timeout=60) != 0
    deadline = time.monotonic() + 10
    while _marked_pids(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marked_pids(marker) == set()
    assert stack.load(tmp_path) is None
