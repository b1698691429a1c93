"""The report of a simulated call: what was said and heard, per-turn latency, Twilio frame counts,
the outcome read back from Firestore, and errors."""

from __future__ import annotations

import bisect
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from callbot.call_document import CallDocument
from devtools.simcall.phone import PhoneLine
from devtools.simcall.post_call import render as render_post_call

EARLY_MS = 500  # a turn may start this much before its line's first frame (the relay's pre-roll, clocks)


@dataclass
class CallReport:
    call_sid: str
    ended_by: str
    transcript: list[dict[str, Any]]
    turns: list[dict[str, Any]]
    twilio: dict[str, int]
    outcome: dict[str, Any]
    call_status: str | None = None
    barge_ins: list[dict[str, Any]] = field(default_factory=list)
    recording_uri: str | None = None
    errors: list[str] = field(default_factory=list)
    systems: dict[str, Any] = field(default_factory=dict)  # what the call left in the CRM and calendar
    post_call: dict[str, Any] = field(default_factory=dict)  # what the post-call workflow did

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(call_sid: str, phone: PhoneLine, said: list[dict], events: list[dict], call: CallDocument,
                 started_wall: float, ended_by: str, errors: list[str]) -> CallReport:
    wall_t0_ms = (time.time() - (phone.clock() - phone.t0)) * 1000
    spoken = [s for s in said if s["kind"] != "dtmf"]
    heard = heard_per_line([wall_t0_ms + phone.ms(s["start"]) for s in spoken],
                           [e for e in events if e.get("speaker") == "caller" and "text" in e])
    heard_by_line = {id(s): text for s, text in zip(spoken, heard)}
    transcript = [
        {"speaker": "caller", "text": s["text"], "start_ms": phone.ms(s["start"]), "end_ms": phone.ms(s["end"]),
         "interrupted": False, "turn_seq": s["seq"] if s["kind"] != "backchannel" else None,
         "stt_text": heard_by_line.get(id(s)), "kind": s["kind"]}
        for s in said
    ]
    transcript += [
        {"speaker": "bot", "text": e.get("text", ""), "start_ms": int(e.get("at_ms", 0) - wall_t0_ms),
         "end_ms": int(e.get("ended_at_ms", 0) - wall_t0_ms), "interrupted": bool(e.get("interrupted")),
         "heard": e.get("heard", ""), "turn_seq": e.get("turn_seq"), "system": e.get("system")}
        for e in events if e.get("speaker") == "bot"
    ]
    transcript.sort(key=lambda entry: (entry["start_ms"], entry["speaker"] != "caller"))
    measured = {e.get("turn_seq"): e for e in events if e.get("kind") == "turn_latency"}
    agent_work = _agent_work(events)
    turns = []
    for s in (s for s in said if s["kind"] != "backchannel"):
        first = phone.first_bot_frame_after(s["end"])
        stages = {k: v for k, v in measured.get(s["seq"], {}).items() if k.endswith("_ms") and k != "at_ms"}
        turns.append({"turn_seq": s["seq"], "caller_end_ms": phone.ms(s["end"]),
                      "first_bot_audio_ms": phone.ms(first) if first is not None else None,
                      "latency_ms": round((first - s["end"]) * 1000) if first is not None else None,
                      "relay_breakdown": stages, "agent": agent_work.get(s["seq"], {})})
    barge_ins = []
    for s in said:
        if s["kind"] == "barge_in":
            clear = next((t for t in phone.clears_at if t >= s["start"]), None)
            barge_ins.append({"turn_seq": s["seq"], "speech_start_ms": phone.ms(s["start"]),
                              "clear_ms": phone.ms(clear) if clear is not None else None,
                              "delay_ms": round((clear - s["start"]) * 1000) if clear is not None else None})
    if ended_by == "bot" and call.ended_by in ("bot", "timeout", "transfer"):
        ended_by = call.ended_by  # the relay ended the call, and says why
    return CallReport(
        call_sid=call_sid, ended_by=ended_by, barge_ins=barge_ins, recording_uri=call.recording_uri, transcript=transcript, turns=turns,
        twilio={"media_in": phone.media_in, "media_out": phone.media_out, "marks": phone.marks,
                "clears": phone.clears},
        outcome=_outcome(call),
        call_status=call.status, errors=list(errors),
    )


def _heard(entry: dict[str, Any]) -> str:
    heard = entry.get("stt_text")
    if heard is None:
        return "backchannel: not a turn" if entry.get("kind") == "backchannel" else "STT: no turn of its own"
    return "STT heard it word for word" if heard == entry["text"] else f'STT heard: "{heard}"'


def heard_per_line(starts_ms: list[float], caller_events: list[dict]) -> list[str | None]:
    """What the relay heard of each line the caller said (their wall-clock starts, in order): the
    text of every caller turn whose speech began from EARLY_MS before that line's start until the
    next line's, joined; None for a line with no turn of its own (a backchannel the relay let pass,
    or words merged into the turn before). Paired by time, not by turn number, so a line the relay
    split in two (a long pause inside it) does not put every later line out of step."""
    heard: list[list[str]] = [[] for _ in starts_ms]
    for event in sorted(caller_events, key=lambda e: e.get("at_ms", 0)):
        line = bisect.bisect_right(starts_ms, event.get("at_ms", 0) + EARLY_MS) - 1
        if line >= 0:
            heard[line].append(event["text"])
    return [" ".join(texts) if texts else None for texts in heard]


def _outcome(call: CallDocument) -> dict[str, Any]:
    """What the conversation established, for the report and the scenarios' expectations."""
    agent = call.outcome
    return {"lead": call.lead_id, "lead_fields": agent.qualification,
            "meeting": call.meeting.stored_form() if call.meeting is not None else None,
            "transferred_to": call.transferred_to, "handoff_reason": agent.handoff_reason,
            "known_caller": agent.known_caller, "unanswered_questions": agent.unanswered_questions,
            "knowledge_sources": agent.knowledge_sources}


def _agent_work(events: list[dict]) -> dict[int, dict[str, Any]]:
    """Per turn, as agent_turn recorded it: the graph runs (ms each) and the action round trips."""
    work: dict[int, dict[str, Any]] = {}
    for event in events:
        entry = work.setdefault(event.get("turn_seq"), {"runs_ms": [], "actions": []})
        if event.get("kind") == "agent_run":
            entry["runs_ms"].append(event.get("run_ms"))
        elif event.get("kind") == "action":
            entry["actions"].append({"action": event.get("action"), "ok": event.get("ok"),
                                     "round_trip_ms": event.get("round_trip_ms"), "action_ms": event.get("action_ms")})
    return {turn: entry for turn, entry in work.items() if entry["runs_ms"] or entry["actions"]}


def render(report: CallReport) -> str:
    """The transcript and a latency table, for a person."""
    lines = [f"call {report.call_sid}  ended by {report.ended_by}  status {report.call_status}", ""]
    for entry in report.transcript:
        who = "caller" if entry["speaker"] == "caller" else "bot   "
        text = entry["text"]
        if entry["speaker"] == "bot" and entry["interrupted"]:
            text += f"   [interrupted; heard: \"{entry.get('heard', '')}\"]"
        if entry["speaker"] == "caller" and entry.get("kind") != "dtmf":
            text += f"   [{_heard(entry)}]"
        lines.append(f"{entry['start_ms'] / 1000:7.2f}s  {who}  {text}")
    lines += ["", "latency: end of the caller's speech audio -> first bot audio frame, as the caller heard it;",
              "stages as the relay measured them (ms): endpointing, STT, publish, bus+agent_turn, reply bus,",
              "TTS+playback", "",
              "turn  caller end  first bot audio  latency   endpt  stt  pub  bus+agent  reply  tts+play"]
    for turn in report.turns:
        latency = f"{turn['latency_ms']} ms" if turn["latency_ms"] is not None else "-"
        first = f"{turn['first_bot_audio_ms'] / 1000:.2f}s" if turn["first_bot_audio_ms"] is not None else "-"
        b = turn.get("relay_breakdown") or {}
        stages = "  ".join(f"{b.get(k, '-'):>{w}}" for k, w in (
            ("endpointing_ms", 5), ("stt_ms", 3), ("publish_ms", 3), ("bus_and_agent_ms", 9),
            ("reply_bus_ms", 5), ("tts_and_playback_ms", 8)))
        lines.append(f"{turn['turn_seq']:>4}  {turn['caller_end_ms'] / 1000:9.2f}s  {first:>15}  {latency:>7}   {stages}")
    for turn in report.turns:
        work = turn.get("agent") or {}
        if work.get("actions"):
            trips = ", ".join(f"{a['action']} {a['round_trip_ms']} ms" for a in work["actions"])
            lines.append(f"      turn {turn['turn_seq']}: agent runs {work['runs_ms']} ms; actions: {trips}")
    latencies = [t["latency_ms"] for t in report.turns if t["latency_ms"] is not None]
    if latencies:
        lines.append(f"median {statistics.median(latencies):.0f} ms, max {max(latencies)} ms "
                     f"over {len(latencies)} turns (includes the endpointer's silence window)")
    for b in report.barge_ins:
        delay = f"{b['delay_ms']} ms" if b["delay_ms"] is not None else "no clear"
        lines.append(f"barge-in at {b['speech_start_ms'] / 1000:.2f}s: playback cleared after {delay}")
    lines.append(f"twilio frames: {report.twilio}")
    lines.append(f"outcome: {report.outcome}")
    if report.systems:
        lines.append(f"in the CRM and calendar: {report.systems}")
    if report.recording_uri:
        lines.append(f"recording: {report.recording_uri}")
    lines += render_post_call(report.post_call)
    if report.errors:
        lines += ["", "errors:", *[f"  - {e}" for e in report.errors]]
    return "\n".join(lines)
