"""One call as its page shows it, from the call document and its events: the transcript (with
what the caller heard of each cut reply, and the keys pressed), the actions and what came back, and
a latency waterfall per turn from the breakdown the relay records (`stream_relay/turn_latency.py`),
with bus and agent time told apart by agent_turn's own record of the turn.

Times on the page are seconds into the recording: the relay's recording starts with the media
stream (`stream_started_at_ms`), so an event at `at_ms` is heard at `(at_ms - start) / 1000` s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from callbot.call_document import CallDocument
from callbot.logs import mask
from console.listing import Outcome, lead_score, outcome, post_call_status


@dataclass(frozen=True)
class Line:
    speaker: str  # caller or bot
    text: str
    at_s: float  # seconds into the recording
    turn_seq: int | None
    heard: str | None = None  # of a reply cut by the caller: what they heard of it
    interrupted: bool = False
    system: str | None = None  # a cached phrase (greeting, reprompt, ...)
    dtmf: str | None = None

    @property
    def unheard(self) -> str:
        """The part of an interrupted line the caller never heard."""
        if not self.interrupted or self.heard is None:
            return ""
        return self.text.removeprefix(self.heard)


@dataclass(frozen=True)
class Action:
    turn_seq: int | None
    port: str
    action: str
    ok: bool | None
    error: str | None
    action_ms: int | None
    round_trip_ms: int | None
    request: str = ""  # what was asked, as agent_turn recorded it (JSON text)
    result: str = ""  # what came back


TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
STAGE_COLOURS = {"endpointing": 1, "STT": 2, "publish": 3, "bus": 4, "bus + agent": 4, "agent": 5, "reply bus": 6,
                 "TTS": 7, "TTS + playback": 7, "playback": 8}


@dataclass(frozen=True)
class Stage:
    name: str
    ms: int
    start_ms: int  # from the end of the caller's speech

    @property
    def colour(self) -> str:
        """The stage's CSS class: the same colour for the same stage in every row."""
        return f"s{STAGE_COLOURS.get(self.name, 9)}"


@dataclass(frozen=True)
class TurnLatency:
    turn_seq: int
    total_ms: int
    stages: list[Stage]
    llm_ms: int | None  # of the agent's time, the LLM's until its first sentence
    trace_id: str | None = None  # the turn's trace (callbot.tracing), when one was recorded


@dataclass
class CallView:
    call_id: str
    call: CallDocument
    caller: str
    called: str
    outcome: Outcome
    lines: list[Line] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    turns: list[TurnLatency] = field(default_factory=list)
    qualification: dict[str, str] = field(default_factory=dict)
    score: int | None = None
    post_call: str = "none"
    revealed: bool = False

    @property
    def scale_ms(self) -> int:
        """The waterfall's width: the slowest turn."""
        return max((turn.total_ms for turn in self.turns), default=0) or 1


def build(call_id: str, call: CallDocument, events: list[dict[str, Any]], revealed: bool) -> CallView:
    shown = (lambda text: text) if revealed else mask
    start_ms = call.stream_started_at_ms or min((e.get("at_ms") or 0 for e in events), default=0)
    view = CallView(call_id=call_id, call=call, caller=shown(call.from_ or "unknown"), called=call.to or "",
                    outcome=outcome(call), score=lead_score(call), post_call=post_call_status(call),
                    revealed=revealed)
    view.lines = [_line(event, start_ms, shown) for event in events if event.get("speaker") in ("caller", "bot")]
    view.lines.sort(key=lambda line: line.at_s)
    view.actions = [_action(event, shown) for event in events if event.get("kind") == "action"]
    runs = [event for event in events if event.get("kind") == "agent_run"]
    view.turns = sorted((_turn(event, runs) for event in events if event.get("kind") == "turn_latency"),
                        key=lambda turn: turn.turn_seq)
    view.qualification = {key: shown(str(value)) for key, value in call.outcome.qualification.items()
                          if value not in (None, "", [])}
    return view


def _line(event: dict[str, Any], start_ms: int, shown) -> Line:
    at_s = max(0.0, ((event.get("at_ms") or start_ms) - start_ms) / 1000)
    if event.get("dtmf"):
        return Line("caller", f"pressed {event['dtmf']}", at_s, event.get("turn_seq"), dtmf=str(event["dtmf"]))
    heard = event.get("heard")
    return Line(speaker=event["speaker"], text=shown(str(event.get("text") or "")), at_s=at_s,
                turn_seq=event.get("turn_seq"), heard=shown(heard) if isinstance(heard, str) else None,
                interrupted=bool(event.get("interrupted")), system=event.get("system"))


def _action(event: dict[str, Any], shown) -> Action:
    return Action(turn_seq=event.get("turn_seq"), port=str(event.get("port") or ""), action=str(event.get("action")),
                  ok=event.get("ok"), error=shown(str(event["error"])) if event.get("error") else None,
                  action_ms=event.get("action_ms"), round_trip_ms=event.get("round_trip_ms"),
                  request=shown(str(event.get("request") or "")), result=shown(str(event.get("result") or "")))


def _ms(event: dict[str, Any], key: str) -> int:
    value = event.get(key)
    return max(0, int(value)) if isinstance(value, int | float) else 0


def _turn(event: dict[str, Any], runs: list[dict[str, Any]]) -> TurnLatency:
    """The relay's breakdown, with `bus_and_agent_ms` split where agent_turn says it received the
    turn (its first run of the turn); without that record it stays one stage."""
    seq = int(event.get("turn_seq") or 0)
    total = _ms(event, "total_ms")
    before_bus = _ms(event, "endpointing_ms") + _ms(event, "stt_ms") + _ms(event, "publish_ms")
    bus_and_agent = _ms(event, "bus_and_agent_ms")
    speech_ended_ms = _ms(event, "at_ms") - total
    mine = sorted((run for run in runs if run.get("turn_seq") == seq and run.get("received_at_ms")),
                  key=lambda run: run["received_at_ms"])
    parts: list[tuple[str, int]] = [("endpointing", _ms(event, "endpointing_ms")), ("STT", _ms(event, "stt_ms")),
                                    ("publish", _ms(event, "publish_ms"))]
    llm_ms = None
    if mine:
        bus = min(bus_and_agent, max(0, int(mine[0]["received_at_ms"]) - speech_ended_ms - before_bus))
        llm_ms = mine[0].get("llm_before_first_ms")
        parts += [("bus", bus), ("agent", bus_and_agent - bus)]
    else:
        parts.append(("bus + agent", bus_and_agent))
    parts.append(("reply bus", _ms(event, "reply_bus_ms")))
    if event.get("tts_ms") is not None and event.get("playback_ms") is not None:
        parts += [("TTS", _ms(event, "tts_ms")), ("playback", _ms(event, "playback_ms"))]
    else:
        parts.append(("TTS + playback", _ms(event, "tts_and_playback_ms")))
    stages, at = [], 0
    for name, ms in parts:
        stages.append(Stage(name, ms, at))
        at += ms
    trace = event.get("trace_id")
    return TurnLatency(turn_seq=seq, total_ms=max(total, at), stages=stages,
                       llm_ms=int(llm_ms) if isinstance(llm_ms, int | float) else None,
                       trace_id=trace if isinstance(trace, str) and TRACE_ID.match(trace) else None)
