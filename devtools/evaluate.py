"""`callbot eval`: the agent scenarios (`tests/scenarios/*.yaml`) against an LLM provider, on the
local stack, with pass/fail per scenario from each scenario's `expect` section.

With `--provider offline` (the default) this is what the end-to-end tests run. With a real
provider the run needs its credentials (OPENAI_API_KEY, ANTHROPIC_API_KEY, or Application Default
Credentials for Vertex AI) and network; without them it says so and skips, successfully.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from devtools import stack
from devtools.simcall import scenario as scenarios
from devtools.simcall.expectations import check

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "scenarios"


@dataclass
class Verdict:
    scenario: str
    failures: list[str]

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
            try:
                import google.auth

                google.auth.default()
            except Exception as exc:  # noqa: BLE001 - whatever the reason, there are no usable credentials
                return f"no Application Default Credentials ({type(exc).__name__})"
            return None
    return f"unknown provider {provider!r}"


def evaluate(state_dir: Path, provider: str, directory: Path = SCENARIOS, only: list[str] | None = None) -> list[Verdict]:
    """Run every scenario in `directory` on a fresh stack with `provider`; the verdicts."""
    from devtools.cli import place_call  # the same path as `callbot call`

    paths = sorted(p for p in directory.glob("*.yaml") if not only or p.stem in only)
    info = stack.up(state_dir, stt="scripted", tts="tone",
                    function_settings={"CALLBOT_LLM_PROVIDER": provider})
    verdicts = []
    try:
        for path in paths:
            scenario = scenarios.load(path)
            report = asyncio.run(place_call(info, scenario, "tone")).to_dict()
            verdicts.append(Verdict(path.stem, check(report, scenario.expect)))
    finally:
        stack.down(state_dir)
    return verdicts


def render(provider: str, verdicts: list[Verdict]) -> str:
    lines = [f"scenarios against {provider}:"]
    for verdict in verdicts:
        lines.append(f"  {'PASS' if verdict.passed else 'FAIL'}  {verdict.scenario}")
        lines += [f"        - {failure}" for failure in verdict.failures]
    passed = sum(v.passed for v in verdicts)
    lines.append(f"{passed}/{len(verdicts)} passed")
    return "\n".join(lines)
