"""`callbot eval`: the agent scenarios (`tests/scenarios/*.yaml`) against an LLM provider, with
pass/fail per scenario from each scenario's `expect` section and the task success rate.

`--level stack` (the default) places each call through the local stack, in real time;
`--level text` runs the same graph, agents and action functions' logic in one process, without
audio (`devtools.conversation`): the whole corpus in seconds on the offline engine.

With `--provider offline` (the default) this is what the end-to-end tests run. With a real
provider the run needs its credentials (OPENAI_API_KEY, ANTHROPIC_API_KEY, or Application Default
Credentials for Vertex AI) and network; without them it says so and skips, successfully.
`openai_compatible` needs the server's address, CALLBOT_LLM_BASE_URL (`make eval-local` starts a
local model and sets it: scripts/eval_local.py).

At the text level every LLM step (one model call) is timed, and what went wrong on the model's
side is noted per scenario: replies not finished in time, model errors, the step limit reached,
tool calls written as text or with arguments that do not parse, tools that answered an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, ToolMessage

from devtools import stack
from devtools.errors import UsageError
from devtools.simcall import scenario as scenarios
from devtools.simcall.expectations import check
from devtools.simcall.place import place_call
from devtools.target import google_credentials_missing

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "scenarios"


@dataclass
class Verdict:
    scenario: str
    failures: list[str]
    latencies_ms: list[int] = field(default_factory=list)  # end of caller speech -> first bot audio, per turn
    agent_runs_ms: list[int] = field(default_factory=list)  # agent_turn graph runs (LLM included)
    action_round_trips_ms: list[int] = field(default_factory=list)  # ActionRequested -> ActionCompleted received
    round_trips_by_action: dict[str, list[int]] = field(default_factory=dict)
    post_call_ms: int | None = None  # hang-up -> the post-call workflow marked the call processed
    transcript: list[str] = field(default_factory=list)  # "caller: ..." / "bot: ..." lines (text level)
    llm_steps_s: list[float] = field(default_factory=list)  # each model call, start to last chunk (text level)
    notes: list[str] = field(default_factory=list)  # what went wrong on the model's side (text level)

    @property
    def passed(self) -> bool:
        return not self.failures


def credentials_missing(provider: str) -> str | None:
    """Why `provider` cannot be called from here, or None when it can."""
    match provider:
        case "offline":
            return None
        case "openai" | "anthropic":
            variable = f"{provider.upper()}_API_KEY"
            return None if os.environ.get(variable) else f"{variable} is not set"
        case "openai_compatible":  # a key is optional (local servers take any), the address is not
            return None if os.environ.get("CALLBOT_LLM_BASE_URL") else (
                "CALLBOT_LLM_BASE_URL is not set (the server's API root, e.g. http://127.0.0.1:8080/v1)")
        case "vertexai":
            return google_credentials_missing()
    return f"unknown provider {provider!r}"


def select(only: list[str] | None = None, directory: Path = SCENARIOS) -> dict[str, scenarios.Scenario]:
    """The scenarios of `directory` by name (file stem), all or those named in `only`, loaded: an
    unknown name or a file that is not a scenario fails here, before a stack starts."""
    if not directory.is_dir():
        raise UsageError(f"no folder of scenarios at {directory}")
    paths = {path.stem: path for path in sorted(directory.glob("*.yaml"))}
    if not paths:
        raise UsageError(f"no scenario (*.yaml) in {directory}")
    unknown = [name for name in only or [] if name not in paths]
    if unknown:
        shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
        raise UsageError(f"no scenario named {', '.join(unknown)} in {shown}; the scenarios: {', '.join(paths)}")
    return {name: scenarios.load(path) for name, path in paths.items() if not only or name in only}


def evaluate(state_dir: Path, provider: str, selected: dict[str, scenarios.Scenario]) -> list[Verdict]:
    """Run the `selected` scenarios, by name, on a fresh stack with `provider`; the verdicts."""
    info = stack.up(state_dir, stt="scripted", tts="tone",
                    function_settings={"CALLBOT_LLM_PROVIDER": provider})
    verdicts = []
    try:
        for name, scenario in selected.items():
            report = asyncio.run(place_call(info, scenario, "tone")).to_dict()
            verdicts.append(_verdict(name, report, check(report, scenario.expect)))
    finally:
        stack.down(state_dir)
    return verdicts


def text_call_id(name: str) -> str:
    """A call id for scenario `name` within the 64 characters a call id may have, however long the name."""
    call_id = f"CA{name}"
    return call_id if len(call_id) <= 64 else f"{call_id[:55]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def evaluate_text(selected: dict[str, scenarios.Scenario], model: Any = None, settings: Any = None,
                  progress: Callable[[Verdict], None] | None = None, knowledge: str = "keyword",
                  clock: Callable[[], datetime] | None = None) -> list[Verdict]:
    """Run the `selected` scenarios at the text level on `model` (the offline engine when None),
    timing each of its steps; `progress` is told each verdict as it is reached; `knowledge`: which
    knowledge base the calls search (`devtools.conversation.KNOWLEDGE`); `clock`: the calls' "now"
    (the machine's clock when None)."""
    from devtools.conversation import converse, text_level

    verdicts = []
    for name, scenario in selected.items():
        timer = StepTimer()
        with _AgentErrors() as errors:
            conversation = converse(scenario, call_id=text_call_id(name), model=timer.timing(model), settings=settings,
                                    knowledge=knowledge, clock=clock)
        failures = check(conversation.report(), text_level(scenario.expect))
        messages = conversation.state.get("messages") or []
        notes = [*errors.notes(), *timer.notes(), *tool_errors(messages)]
        if failures:  # which tools the model called, to tell a wrong tool or none from a wrong result
            notes.append(f"tools called: {tools_called(messages)}")
        verdicts.append(Verdict(name, failures, transcript=conversation.transcript(),
                                agent_runs_ms=[round(s * 1000) for s in conversation.run_seconds],
                                llm_steps_s=timer.seconds, notes=notes))
        if progress:
            progress(verdicts[-1])
    return verdicts


def progress_line(verdict: Verdict) -> str:
    """One line as a scenario ends, for runs that take minutes (a local model)."""
    return (f"{'PASS' if verdict.passed else 'FAIL'} {verdict.scenario}: LLM steps {step_figures(verdict.llm_steps_s)}, "
            f"{sum(verdict.llm_steps_s):.0f} s in all")


TOOL_CALL_AS_TEXT = re.compile(r"<tool_call>|\{\s*\"name\"\s*:\s*\"\w+\"\s*,\s*\"(arguments|parameters)\"")


class StepTimer(BaseCallbackHandler):
    """A LangChain callback that times every LLM step of a model (from the call to its last chunk,
    whether or not the agent waited that long) and notes replies whose tool calls are not real ones."""

    def __init__(self) -> None:
        self._started: dict[UUID, float] = {}
        self.seconds: list[float] = []
        self.errors: list[str] = []
        self.as_text: list[str] = []  # replies that wrote a tool call as text
        self.unparsed: list[str] = []  # tool calls whose arguments did not parse

    def timing(self, model: Any) -> Any:
        """A copy of `model` that reports its steps here (None, the offline engine, stays None)."""
        if model is None or not hasattr(model, "callbacks"):
            return model
        return model.model_copy(update={"callbacks": [*(model.callbacks or []), self]})

    def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._started[run_id] = time.perf_counter()

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._stop(run_id)
        for generation in (g for gs in response.generations for g in gs):
            message = getattr(generation, "message", None)
            if not isinstance(message, AIMessage):
                continue
            if not message.tool_calls and TOOL_CALL_AS_TEXT.search(message.text):
                self.as_text.append(message.text)
            self.unparsed += [f"{c.get('name')}({c.get('args')})" for c in message.invalid_tool_calls]

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._stop(run_id)
        self.errors.append(f"{type(error).__name__}: {error}")

    def _stop(self, run_id: UUID) -> None:
        started = self._started.pop(run_id, None)
        if started is not None:
            self.seconds.append(time.perf_counter() - started)

    def notes(self) -> list[str]:
        notes = [f"model error: {error}" for error in self.errors]
        notes += [f"tool call written as text: {_cut(text)}" for text in self.as_text]
        notes += [f"tool call arguments that do not parse: {_cut(call)}" for call in self.unparsed]
        return notes


def tools_called(messages: list[Any]) -> str:
    """The tools of a conversation's tool calls, by name in order of first call, with their counts."""
    counts = Counter(c["name"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls)
    return ", ".join(f"{name}{f' x{n}' if n > 1 else ''}" for name, n in counts.items()) or "none"


def tool_errors(messages: list[Any]) -> list[str]:
    """The tool results of a conversation that are errors (bad arguments, unknown tools, failed actions)."""
    notes = []
    for message in messages:
        if not isinstance(message, ToolMessage):
            continue
        try:
            content = json.loads(message.text)
        except ValueError:
            content = None
        if message.status == "error" or (isinstance(content, dict) and content.get("error")):
            notes.append(f"tool error: {message.name}: {_cut((content or {}).get('error') or message.text)}")
    return notes


AGENT_ERROR_KINDS = (("no complete reply within", "timeout"), ("LLM failed", "model failed"),
                     ("agent step limit reached", "step limit reached (loop)"))


class _AgentErrors(logging.Handler):
    """The agents' errors logged while a conversation runs: an LLM step that failed or ran out of time
    (the caller heard an apology), the step limit reached (a tool-call loop)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []
        self._logger = logging.getLogger("callbot.agents")

    def __enter__(self) -> Self:
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())

    def notes(self) -> list[str]:
        kinds = Counter(next((kind for key, kind in AGENT_ERROR_KINDS if key in text), f"error: {_cut(text)}")
                        for text in self.records)
        return [f"{kind}{f' x{count}' if count > 1 else ''}" for kind, count in kinds.items()]


def _cut(text: Any, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def step_figures(seconds: list[float]) -> str:
    """`n=.. median .. s, p90 .. s` of LLM steps."""
    if not seconds:
        return "n=0"
    p90 = statistics.quantiles(seconds, n=10, method="inclusive")[-1] if len(seconds) > 1 else seconds[0]
    return f"n={len(seconds)}, median {statistics.median(seconds):.2f} s, p90 {p90:.2f} s"


def success_line(verdicts: list[Verdict]) -> str:
    passed = sum(v.passed for v in verdicts)
    rate = 100 * passed / len(verdicts) if verdicts else 0.0
    return f"task success: {passed}/{len(verdicts)} ({rate:.0f}%)"


def _verdict(name: str, report: dict, failures: list[str]) -> Verdict:
    turns = report.get("turns") or []
    work = [t.get("agent") or {} for t in turns]
    actions = [a for w in work for a in w.get("actions", []) if a.get("round_trip_ms") is not None]
    by_action: dict[str, list[int]] = {}
    for action in actions:
        by_action.setdefault(action["action"], []).append(action["round_trip_ms"])
    return Verdict(name, failures,
                   latencies_ms=[t["latency_ms"] for t in turns if t.get("latency_ms") is not None],
                   agent_runs_ms=[ms for w in work for ms in w.get("runs_ms", []) if ms is not None],
                   action_round_trips_ms=[a["round_trip_ms"] for a in actions], round_trips_by_action=by_action,
                   post_call_ms=(report.get("post_call") or {}).get("after_hang_up_ms"))


def _median(values: list[int]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def render(provider: str, verdicts: list[Verdict]) -> str:
    lines = [f"scenarios against {provider}  (median ms: turn latency / agent_turn run / action round trip)"]
    for verdict in verdicts:
        figures = " / ".join(_median(v) for v in (verdict.latencies_ms, verdict.agent_runs_ms,
                                                   verdict.action_round_trips_ms))
        steps = f"   LLM steps {step_figures(verdict.llm_steps_s)}" if verdict.llm_steps_s else ""
        lines.append(f"  {'PASS' if verdict.passed else 'FAIL'}  {verdict.scenario:<32} {figures}{steps}")
        lines += [f"        - {failure}" for failure in verdict.failures]
        lines += [f"        ~ {note}" for note in verdict.notes]
    passed = sum(v.passed for v in verdicts)
    totals = [[ms for v in verdicts for ms in v.latencies_ms], [ms for v in verdicts for ms in v.agent_runs_ms],
              [ms for v in verdicts for ms in v.action_round_trips_ms]]
    lines.append(f"{passed}/{len(verdicts)} passed; over all calls: turn latency median {_median(totals[0])} ms "
                 f"(n={len(totals[0])}), agent_turn run median {_median(totals[1])} ms (n={len(totals[1])}), "
                 f"action round trip median {_median(totals[2])} ms (n={len(totals[2])})")
    by_action: dict[str, list[int]] = {}
    for verdict in verdicts:
        for action, trips in verdict.round_trips_by_action.items():
            by_action.setdefault(action, []).extend(trips)
    if by_action:
        lines.append("action round trip median per action: " + ", ".join(
            f"{action} {_median(trips)} ms (n={len(trips)})" for action, trips in sorted(by_action.items())))
    steps = [s for v in verdicts for s in v.llm_steps_s]
    if steps:
        lines.append(f"seconds per LLM step over all calls: {step_figures(steps)}, max {max(steps):.2f} s")
    lines.append(success_line(verdicts))
    after = [v.post_call_ms for v in verdicts if v.post_call_ms is not None]
    if after:
        lines.append(f"hang-up -> post-call processed: median {_median(after)} ms, max {max(after)} ms (n={len(after)})")
    return "\n".join(lines)
