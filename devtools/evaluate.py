"""`callbot eval`: the agent scenarios (`tests/scenarios/*.yaml`) against an LLM provider, with
pass/fail per scenario from each scenario's `expect` section and the task success rate.

`--level stack` (the default) places each call through the local stack, in real time;
`--level text` runs the same graph, agents and action functions' logic in one process, without
audio (`devtools.conversation`): the whole corpus in seconds on the offline engine.

With `--provider offline` (the default) this is what the end-to-end tests run. With a real
provider the run needs its credentials (OPENAI_API_KEY, ANTHROPIC_API_KEY, or Application Default
Credentials for Vertex AI) and network; without them it says so and skips, successfully.
"""

from __future__ import annotations

import asyncio
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        case "vertexai":
            return google_credentials_missing()
    return f"unknown provider {provider!r}"


def select(only: list[str] | None = None, directory: Path = SCENARIOS) -> dict[str, scenarios.Scenario]:
    """The scenarios of `directory` by name (file stem), all or those named in `only`, loaded: an
    unknown name or a file that is not a scenario fails here, before a stack starts."""
    paths = {path.stem: path for path in sorted(directory.glob("*.yaml"))}
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


def evaluate_text(selected: dict[str, scenarios.Scenario], model: Any = None,
                  settings: Any = None) -> list[Verdict]:
    """Run the `selected` scenarios at the text level on `model` (the offline engine when None)."""
    from devtools.conversation import converse, text_level

    verdicts = []
    for name, scenario in selected.items():
        conversation = converse(scenario, call_id=f"CA{name}", model=model, settings=settings)
        failures = check(conversation.report(), text_level(scenario.expect))
        verdicts.append(Verdict(name, failures, transcript=conversation.transcript(),
                                agent_runs_ms=[round(s * 1000) for s in conversation.run_seconds]))
    return verdicts


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
        lines.append(f"  {'PASS' if verdict.passed else 'FAIL'}  {verdict.scenario:<32} {figures}")
        lines += [f"        - {failure}" for failure in verdict.failures]
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
    lines.append(success_line(verdicts))
    after = [v.post_call_ms for v in verdicts if v.post_call_ms is not None]
    if after:
        lines.append(f"hang-up -> post-call processed: median {_median(after)} ms, max {max(after)} ms (n={len(after)})")
    return "\n".join(lines)
