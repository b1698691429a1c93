"""`callbot`: the developer CLI.

    callbot dev up | down | status [--json]
    callbot call --scenario FILE [--report FILE]
    callbot eval [--provider offline|vertexai|openai|anthropic] [--scenario NAME ...]
    callbot demo
    callbot kb ingest DIR [--json] | kb ask "QUESTION" [--language en-US] [--json] | kb eval [--k 3]
    callbot post-call rerun CALL_SID [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from devtools import stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callbot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, default=stack.DEFAULT_STATE_DIR,
                        help="where the local stack records its processes and logs")
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="the local stack").add_subparsers(dest="action", required=True)
    up = dev.add_parser("up", help="start the local stack and leave it running")
    up.add_argument("--stt", choices=("whisper", "scripted", "google"), default="whisper",
                    help="speech-to-text engine of the relay (default: local Whisper)")
    up.add_argument("--tts", choices=("espeak", "tone", "google"), default="espeak",
                    help="text-to-speech engine of the relay (default: local espeak-ng)")
    dev.add_parser("down", help="stop the local stack")
    status = dev.add_parser("status", help="what runs where")
    status.add_argument("--json", action="store_true")
    call = commands.add_parser("call", help="place a simulated call (starts the stack if needed)")
    call.add_argument("--scenario", type=Path, required=True)
    call.add_argument("--report", type=Path, help="write the report as JSON here")
    call.add_argument("--voice", choices=("espeak", "tone"),
                      help="the caller's voice: real words (espeak) or a speech-like tone; "
                           "default: tone when the relay's STT is scripted, else espeak")
    evaluation = commands.add_parser("eval", help="run the agent scenarios (tests/scenarios) against an LLM "
                                                  "provider on a fresh stack; pass/fail per scenario")
    evaluation.add_argument("--provider", choices=("offline", "vertexai", "openai", "anthropic"), default="offline")
    evaluation.add_argument("--scenario", action="append", help="only this scenario (file stem); repeatable")
    commands.add_parser("demo", help="start a stack, place the demo call, print it, stop the stack")
    _kb_parser(commands)
    post_call = commands.add_parser("post-call", help="the post-call workflow").add_subparsers(dest="action",
                                                                                               required=True)
    rerun = post_call.add_parser("rerun", help="run the post-call workflow of a call again (safe: every step "
                                 "is idempotent); on the local stack when one runs, else on the project that "
                                 "the CALLBOT_* settings name")
    rerun.add_argument("call_sid")
    rerun.add_argument("--wait", type=float, default=120.0, help="seconds to wait for the outcome (0: do not wait)")
    args = parser.parse_args(argv)

    match args.command:
        case "dev":
            return _dev(args)
        case "call":
            info = stack.up(args.state_dir)
            return _call(info, args.scenario, args.report, args.voice)
        case "eval":
            return _eval(args)
        case "demo":
            from devtools.simcall.place import DEMO_SCENARIO

            demo_dir = args.state_dir.parent / "demo"
            print("starting the local stack (emulators, agent_turn, relay with Whisper STT and espeak-ng "
                  "TTS)...", flush=True)
            info = stack.up(demo_dir, stt="whisper", tts="espeak")
            try:
                return _call(info, DEMO_SCENARIO, None, "espeak")
            finally:
                stack.down(demo_dir)
                print("local stack stopped", flush=True)
        case "kb":
            return _kb(args)
        case "post-call":
            return _post_call_rerun(args)
    return 2


def _post_call_rerun(args: argparse.Namespace) -> int:
    from callbot.post_call import FAILED, PROCESSED, runs
    from callbot.post_call.records import FirestoreCallRecords
    from callbot.post_call.settings import PostCallSettings
    from callbot.workflows.factory import workflow_runner
    from devtools.finished_call import wait_outcome

    info = stack.load(args.state_dir) if stack.status(args.state_dir).get("running") else None
    if info is not None:
        os.environ.update(info.emulator_env())
        settings = PostCallSettings(workflow_engine="emulator", workflows_emulator_url=info.workflows_url,
                                    project_id=info.project_id)
    else:
        settings = PostCallSettings()
    records = FirestoreCallRecords.from_project(settings.project_id)
    execution = runs.rerun(records, workflow_runner(settings), args.call_sid)
    print(f"post-call work of {args.call_sid} started again: {execution}", flush=True)
    if not args.wait:
        return 0
    try:
        post_call = wait_outcome(records, args.call_sid, timeout_s=args.wait)["post_call"]
    except TimeoutError:
        print(f"{args.call_sid}: no outcome within {args.wait:.0f} s; see the workflow's logs")
        return 1
    print(f"{args.call_sid}: {post_call['status']}"
          + (f" at {post_call.get('failed_step')}: {post_call.get('error')}" if post_call["status"] == FAILED else ""))
    return 0 if post_call["status"] == PROCESSED else 1


def _dev(args: argparse.Namespace) -> int:
    match args.action:
        case "up":
            info = stack.up(args.state_dir, stt=args.stt, tts=args.tts)
            print(f"local stack up: relay {info.relay_public_url} (STT {info.stt_engine}, TTS {info.tts_engine}), "
                  f"logs in {info.log_dir}")
            return 0
        case "down":
            stopped = stack.down(args.state_dir)
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
            return 0
        case "status":
            current = stack.status(args.state_dir)
            if args.json:
                print(json.dumps(current, indent=2))
            elif not current.get("processes"):
                print("local stack: not running")
            else:
                print(f"local stack: {'running' if current['running'] else 'DEGRADED'}")
                print(f"  relay      {current['relay_public_url']}  (public URL; media stream on /twilio/stream)")
                print(f"  firestore  {current['firestore']}")
                print(f"  pubsub     {current['pubsub']}")
                for name, url in current["functions"].items():
                    print(f"  {name:<10} {url}")
                for name, alive in current["alive"].items():
                    print(f"  process {name:<18} {'up' if alive else 'DOWN'}")
            return 0 if current.get("running") or not current.get("processes") else 1
    return 2


def _call(info: stack.StackInfo, scenario_path: Path, report_path: Path | None, voice: str | None) -> int:
    from devtools.simcall.place import checked, place_call
    from devtools.simcall.report import render
    from devtools.simcall.scenario import load

    scenario = load(scenario_path)
    report = asyncio.run(place_call(info, scenario, voice))
    result, failures = checked(report, scenario)
    if report_path is not None:
        report_path.write_text(json.dumps(result, indent=2))
    else:
        print(render(report))
        for failure in failures:
            print(f"EXPECTATION NOT MET: {failure}")
    return 0 if report.ok and not failures else 1


def _eval(args: argparse.Namespace) -> int:
    from devtools.evaluate import credentials_missing, evaluate, render

    missing = credentials_missing(args.provider)
    if missing:
        print(f"skipped: the {args.provider} provider cannot be called from here: {missing}")
        return 0
    verdicts = evaluate(args.state_dir.parent / f"eval-{args.provider}", args.provider, only=args.scenario)
    print(render(args.provider, verdicts))
    return 0 if all(v.passed for v in verdicts) else 1


def _kb_parser(commands: argparse._SubParsersAction) -> None:
    from callbot.knowledge.embeddings import OFFLINE_THRESHOLD
    from callbot.knowledge.firestore_vectors import DEFAULT_COLLECTION

    kb = commands.add_parser("kb", help="the knowledge base on Firestore (the local stack's emulator if "
                                        "running, else the environment's project)")
    kb.add_argument("--collection", default=DEFAULT_COLLECTION)
    kb.add_argument("--embedder", choices=("offline", "vertex"), default="offline")
    kb.add_argument("--threshold", type=float, default=OFFLINE_THRESHOLD,
                    help="cosine similarity under which a passage is dropped (tuned for the offline embedder)")
    actions = kb.add_subparsers(dest="action", required=True)
    ingest = actions.add_parser("ingest", help="index a folder (or gs://bucket/prefix) of documents")
    ingest.add_argument("root")
    ingest.add_argument("--json", action="store_true")
    ask = actions.add_parser("ask", help="search the knowledge base as the bot would")
    ask.add_argument("question")
    ask.add_argument("--language", default="en-US")
    ask.add_argument("--k", type=int, default=3)
    ask.add_argument("--json", action="store_true")
    evaluation = actions.add_parser("eval", help="recall@k and declined share on knowledge_base/eval.yaml")
    evaluation.add_argument("--k", type=int, default=3)
    evaluation.add_argument("--json", action="store_true")


def _kb(args: argparse.Namespace) -> int:
    from devtools import kb

    store = kb.open_store(args.embedder, args.collection, args.threshold, args.state_dir)
    match args.action:
        case "ingest":
            report = kb.ingest_folder(store, args.root)
            if args.json:
                print(json.dumps(report.to_dict(), indent=2))
            else:
                print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged "
                      f"{len(report.unchanged)}, removed {len(report.removed)}; {report.chunks} chunks "
                      f"embedded, {report.writes} writes")
            return 0
        case "ask":
            answer, passages = kb.ask(store, args.question, args.language, args.k)
            if args.json:
                print(json.dumps({"answer": answer, "passages": [p.model_dump() for p in passages]}, indent=2,
                                 ensure_ascii=False))
            else:
                print(answer)
                for p in passages:
                    print(f"  {p.score:.3f}  {p.source} ({p.title}): {p.text[:100]}")
            return 0
        case "eval":
            report = kb.run_eval(store, args.k)
            print(json.dumps(report.to_dict(), indent=2) if args.json else kb.render_eval(report))
            return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
