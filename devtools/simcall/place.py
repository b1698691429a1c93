"""Placing one simulated call on a running local stack and reading what it left in every system:
the path of `callbot call`, `callbot demo`, `callbot eval` and the end-to-end tests of whole calls."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from callbot.store.firestore import FirestoreCallStore
from devtools import stack
from devtools.simcall import scenario as sc
from devtools.simcall.caller import CallTarget, Cue, SimulatedCall
from devtools.simcall.expectations import check
from devtools.simcall.post_call import wait_post_call
from devtools.simcall.report import CallReport
from devtools.simcall.systems import snapshot
from devtools.simcall.voices import caller_voice


async def place_call(info: stack.StackInfo, scenario: sc.Scenario, voice: str | None,
                     wait_post_call_s: float = 60.0, cues: Mapping[str, Cue] | None = None) -> CallReport:
    """Place one simulated call described by `scenario` on the running stack `info`; its report,
    with what the post-call workflow did (waited for up to `wait_post_call_s`; 0: not waited for).
    `voice`: one of `voices.VOICES`; None: the scenario's, else tone when the relay's STT is
    scripted (it hears the script, not the audio) and the neural voice when it listens.
    `cues`: the hooks the scenario's `cue` steps run, by name."""
    os.environ.update(info.emulator_env())
    voice = voice or scenario.voice or ("tone" if info.stt_engine == "scripted" else "hibari")
    call = SimulatedCall(CallTarget(info.relay_public_url, info.twilio_auth_token), scenario,
                         FirestoreCallStore(info.project_id, retention_days=1),
                         voice=caller_voice(voice, scenario.language), cues=cues)
    report = await call.run()
    if wait_post_call_s:
        report.post_call = await wait_post_call(call.calls, call.call_sid, info.twilio_url, scenario.caller_number,
                                                timeout_s=wait_post_call_s)
    record_id = (report.post_call.get("crm") or {}).get("record_id") or report.outcome.get("lead")
    report.systems = await asyncio.to_thread(_systems, info, report.outcome, record_id)
    return report


def _systems(info: stack.StackInfo, outcome: dict, record_id: str | None) -> dict:
    email = (outcome.get("lead_fields") or {}).get("email")
    return snapshot(info.salesforce_url, info.calendar_url, record_id, email)


def checked(report: CallReport, scenario: sc.Scenario) -> tuple[dict, list[str]]:
    """The report as JSON with the verdict on the scenario's `expect` section (`expectations`), and
    every expectation the call fell short of (none when the scenario expects nothing)."""
    result = report.to_dict()
    failures = check(result, scenario.expect) if scenario.expect else []
    result["expectations"] = {"checked": bool(scenario.expect), "failures": failures}
    return result, failures
