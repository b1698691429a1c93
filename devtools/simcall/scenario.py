"""Scenario files (YAML) for the simulated caller.

    caller: {number: "+14155550123"}
    language: en-US
    voice: hibari                    # optional: the caller's voice (devtools/simcall/voices.py)
    steps:
      - say: "Hi, I'd like to know more about your product."
      - wait_bot: {timeout_s: 10}
      - pause: {ms: 2000}
      - barge_in: {after_ms: 400, say: "Sorry, one more thing"}
      - backchannel: {after_ms: 400, say: "Mm-hm."}   # must not cut the bot off
      - dtmf: "0"
      - cue: salesforce_down         # the test's hook of that name runs here (a fault injected mid-call)
      - hangup: {}                   # or `wait_hangup: {timeout_s: 10}`: until the bot ends the call,
                                     # or `drop: {}`: the line drops (the socket closes, no `stop`)
    expect:                          # optional; checked by `devtools.simcall.expectations`
      ended_by: bot
      outcome: {meeting: booked, lead_fields: {last_name: "O'Brien"}}
      bot_says: ["Pricing"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from devtools.simcall.voices import VOICES

DEMO_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "demo.yaml"  # placed by `callbot demo`


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class WaitBot:
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Pause:
    ms: int


@dataclass(frozen=True)
class BargeIn:
    after_ms: int
    text: str
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Backchannel:
    """Like a barge-in, but a short acknowledgement ("mm-hm") that must not cut the bot off."""

    after_ms: int
    text: str
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Dtmf:
    digits: str


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class WaitHangup:
    """Until the bot ends the call (goodbye, handover, timeout)."""

    timeout_s: float = 10.0


@dataclass(frozen=True)
class Drop:
    """The line drops: the media stream's socket closes without a `stop` message."""


@dataclass(frozen=True)
class Cue:
    """The placing test's hook `name` runs here, given the call sid (e.g. a fault injected at this
    point of the call)."""

    name: str


Step = Say | WaitBot | Pause | BargeIn | Backchannel | Dtmf | Hangup | WaitHangup | Drop | Cue
STEP_KINDS = ("say", "wait_bot", "pause", "barge_in", "backchannel", "dtmf", "cue", "hangup", "wait_hangup", "drop")


@dataclass(frozen=True)
class Scenario:
    caller_number: str
    called_number: str
    language: str
    steps: list[Step] = field(default_factory=list)
    expect: dict = field(default_factory=dict)
    voice: str | None = None  # None: the default for the stack's STT (`place.py`)

    @property
    def spoken(self) -> list[str]:
        """Everything the caller says, in order: what a scripted STT hears."""
        return [s.text for s in self.steps if isinstance(s, (Say, BargeIn, Backchannel))]


class ScenarioError(ValueError):
    """The file or mapping is not a scenario; the message says where and why."""


def load(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise ScenarioError(f"scenario file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"scenario file {path} cannot be read: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario file {path} is not valid YAML: {_yaml_problem(exc)}") from exc
    try:
        return parse(raw)
    except ScenarioError as exc:
        raise ScenarioError(f"scenario file {path}: {exc}") from exc


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())


def parse(raw: object) -> Scenario:
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list):
        raise ScenarioError("a scenario is a mapping with a list of steps")
    caller = raw.get("caller") or {}
    voice = raw.get("voice")
    if voice is not None and voice not in VOICES:
        raise ScenarioError(f"unknown voice {voice!r} (the voices: {', '.join(VOICES)})")
    return Scenario(
        caller_number=str(caller.get("number", "+14155550123")),
        called_number=str(raw.get("called", {}).get("number", "+14155550100")),
        language=str(raw.get("language", "en-US")),
        steps=[_step(i, s) for i, s in enumerate(raw["steps"])],
        expect=_expect(raw.get("expect")),
        voice=voice,
    )


def _expect(raw: object) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError("`expect` is a mapping")
    return raw


def _step(index: int, raw: object) -> Step:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScenarioError(f"step {index}: one key per step, e.g. `- say: ...`")
    (kind, value), = raw.items()
    args = value if isinstance(value, dict) else {}
    try:
        match kind:
            case "say":
                return Say(text=str(value))
            case "wait_bot":
                return WaitBot(timeout_s=float(args.get("timeout_s", 10)))
            case "pause":
                return Pause(ms=int(args["ms"]))
            case "barge_in":
                return BargeIn(after_ms=int(args.get("after_ms", 400)), text=str(args["say"]),
                               timeout_s=float(args.get("timeout_s", 10)))
            case "backchannel":
                return Backchannel(after_ms=int(args.get("after_ms", 400)), text=str(args["say"]),
                                   timeout_s=float(args.get("timeout_s", 10)))
            case "dtmf":
                return Dtmf(digits=str(value))
            case "hangup":
                return Hangup()
            case "wait_hangup":
                return WaitHangup(timeout_s=float(args.get("timeout_s", 10)))
            case "drop":
                return Drop()
            case "cue":
                return Cue(name=str(value))
    except KeyError as exc:
        raise ScenarioError(f"step {index} ({kind}): {exc} is missing") from exc
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"step {index} ({kind}): {exc}") from exc
    raise ScenarioError(f"step {index}: unknown step {kind!r} (the steps: {', '.join(STEP_KINDS)})")
