"""Post-call latency: hang-up to `processed` on the local stack.

    .venv/bin/python -m bench.post_call [--calls 20] [--burst 10]

Starts the local stack (scripted STT, tone TTS) in a temporary folder, seeds finished calls in
Firestore (a qualified prospect with a booked meeting and consent: every step has work to do,
including the SMS) and publishes their `CallEnded` as the relay does. Measured per call, from the
moment `CallEnded` is published: the trigger starting the run, then each step's result as the step
recorded it (summarize_call, sync_crm, send_confirmation) and `processed` (record_post_call).
First the calls one after another, then `--burst` calls ended at the same moment. The stack is
stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.stats import percentile, table, write_results
from callbot.bus.pubsub import PubSubPublisher
from callbot.call_document import PostCallSteps
from callbot.post_call import Step
from callbot.post_call.records import FirestoreCallRecords
from devtools import stack
from devtools.finished_call import publish_call_ended, seed_finished_call, wait_outcome
from devtools.processes import patched_environ

STAGES = ("started", "summarize_call", "sync_crm", "send_confirmation", "processed")


def one_call(records: FirestoreCallRecords, publisher: PubSubPublisher, number: int) -> dict[str, Any]:
    call_id = seed_finished_call(records, f"+1415556{number:04d}")
    published_ms = int(time.time() * 1000)
    publish_call_ended(publisher, call_id)
    call = wait_outcome(records, call_id, timeout_s=120)
    post_call = call.post_call
    steps = post_call.steps or PostCallSteps()
    results = {Step.SUMMARIZE: steps.summarize_call, Step.SYNC_CRM: steps.sync_crm,
               Step.SEND_CONFIRMATION: steps.send_confirmation}
    marks = {"started": post_call.run.started_at_ms, "processed": post_call.finished_at_ms,
             **{str(step): result.at_ms if result else None for step, result in results.items()}}
    return {"call_id": call_id, "status": call.status,
            **{f"{stage}_ms": (marks[stage] - published_ms) if marks[stage] else None for stage in STAGES}}


def summarize(label: str, runs: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for stage in STAGES:
        values = [r[f"{stage}_ms"] for r in runs if r[f"{stage}_ms"] is not None]
        rows.append([f"{label}: {stage}", len(values), percentile(values, 50), percentile(values, 95),
                     max(values) if values else None])
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20, help="calls ended one after another")
    parser.add_argument("--burst", type=int, default=10, help="calls ended at the same moment")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="callbot-bench-") as tmp:
        state_dir = Path(tmp)
        info = stack.up(state_dir, stt="scripted", tts="tone")
        try:
            with patched_environ(info.emulator_env()):
                records = FirestoreCallRecords.from_project(info.project_id)
                publisher = PubSubPublisher(info.project_id)
                one_call(records, publisher, 0)  # warm every function once; not counted
                sequential = [one_call(records, publisher, n) for n in range(1, args.calls + 1)]
                with ThreadPoolExecutor(args.burst) as pool:
                    burst = list(pool.map(lambda n: one_call(records, publisher, n),
                                          range(1000, 1000 + args.burst)))
        finally:
            stack.down(state_dir)
    rows = summarize("one at a time", sequential) + summarize(f"{args.burst} at once", burst)
    print("time from CallEnded published to each stage (ms): the run started by post_call_trigger, each "
          "step's result recorded, the call marked processed")
    print(table(["stage", "n", "p50", "p95", "max"], rows))
    failed = [r for r in sequential + burst if r["status"] != "processed"]
    print(f"calls not processed: {len(failed)}")
    path = write_results("post_call", {"sequential": sequential, "burst": burst,
                                       "table": [dict(zip(["stage", "n", "p50", "p95", "max"], r, strict=True))
                                                 for r in rows]})
    print(f"results: {path}")


if __name__ == "__main__":
    main()
