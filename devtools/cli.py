"""`callbot`: the developer CLI. It parses the arguments, checks them and the files they name before
anything starts, and hands them to the library (`devtools.stack`, `devtools.simcall.place`,
`devtools.evaluate`, `devtools.kb`, `devtools.post_call_rerun`). What stops a command is printed as
one line on stderr that says what is wrong and how to fix it, with exit code 2 for a usage error and
1 otherwise (`devtools.errors`); `--debug` prints the traceback instead.

    callbot [--debug] [--state-dir DIR] COMMAND ...
    callbot dev up [--stt whisper|scripted|google] [--tts hibari|espeak|tone|google] | down | status [--json]
    callbot call --scenario FILE [--report FILE] [--voice hibari|hibari-low|espeak|tone]
    callbot eval [--provider offline|vertexai|openai|anthropic|openai_compatible] [--level stack|text]
                 [--scenario NAME ...] [--show]
    callbot demo
    callbot kb [--embedder local|deterministic|vertexai] [--mode hybrid|vector|keyword] ingest DIR [--json]
               | kb ask "QUESTION" [--language en-US] [--json] | kb eval [--k 3] [--set FILE]
    callbot post-call rerun CALL_SID [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from devtools import stack, target
from devtools.errors import CommandError, UsageError, refusal
from devtools.simcall import scenario as sc
from devtools.simcall.voices import VOICES


class _Parser(argparse.ArgumentParser):
    """Raises its usage errors, so that `main` prints them as one line like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see `{self.prog} --help`")


def _at_least(minimum: float, kind: type = int):
    """An argparse type: a number of `kind` no smaller than `minimum`."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is less than {minimum}")
        return value
    return parse


def _parser() -> _Parser:
    parser = _Parser(prog="callbot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, default=stack.DEFAULT_STATE_DIR,
                        help="where the local stack records its processes and logs")
    parser.add_argument("--debug", action="store_true", help="an error prints its traceback, not one line")
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="the local stack").add_subparsers(dest="action", required=True)
    up = dev.add_parser("up", help="start the local stack and leave it running")
    up.add_argument("--stt", choices=("whisper", "scripted", "google"), default="whisper",
                    help="speech-to-text engine of the relay (default: local Whisper)")
    up.add_argument("--tts", choices=("hibari", "espeak", "tone", "google"), default="hibari",
                    help="text-to-speech engine of the relay (default: the local neural voice, hibari, "
                         "with espeak-ng for French)")
    dev.add_parser("down", help="stop the local stack")
    status = dev.add_parser("status", help="what runs where")
    status.add_argument("--json", action="store_true")
    call = commands.add_parser("call", help="place a simulated call (starts the stack if needed)")
    call.add_argument("--scenario", type=Path, required=True)
    call.add_argument("--report", type=Path, help="write the report as JSON here")
    call.add_argument("--voice", choices=VOICES,
                      help="the caller's voice (devtools/simcall/voices.py): neural (hibari, hibari-low), "
                           "a hard robotic line (espeak) or a speech-like tone; default: the scenario's "
                           "`voice`, else tone when the relay's STT is scripted and hibari when it listens")
    evaluation = commands.add_parser("eval", help="run the agent scenarios (tests/scenarios) against an LLM "
                                                  "provider on a fresh stack; pass/fail per scenario")
    evaluation.add_argument("--provider", choices=("offline", "vertexai", "openai", "anthropic", "openai_compatible"),
                            default="offline", help="openai_compatible: the server at CALLBOT_LLM_BASE_URL "
                            "(Ollama, vLLM, llama-server), CALLBOT_LLM_MODEL naming its model")
    evaluation.add_argument("--scenario", action="append", help="only this scenario (file stem); repeatable")
    evaluation.add_argument("--scenarios-dir", type=Path, default=None,
                            help="the folder of scenario files to run (default: tests/scenarios), e.g. a team's own "
                                 "held-out callers")
    evaluation.add_argument("--level", choices=("stack", "text"), default="stack",
                            help="stack: calls through the local stack in real time; text: the same graph, "
                                 "agents and action functions in one process, no audio (seconds for the corpus)")
    evaluation.add_argument("--knowledge", choices=("keyword", "hybrid"), default="keyword",
                            help="at the text level, what product questions search: keyword, the demo company's "
                                 "short documents scored by their words (the default, what the corpus is held to); "
                                 "hybrid, knowledge_base/ searched as the local stack searches it (its local "
                                 "embedding model and keyword index, the same gate)")
    evaluation.add_argument("--now", type=_instant, default=None,
                            help="at the text level, the calls' \"now\" as an ISO date-time with its offset "
                                 "(e.g. 2026-12-08T09:00-05:00): the calendar and the agents read days and free "
                                 "times against it, to replay a run of another day; default: the machine's clock")
    evaluation.add_argument("--show", action="store_true", help="print the transcript of each failed scenario")
    commands.add_parser("demo", help="start a stack, place the demo call, print it, stop the stack")
    _kb_parser(commands)
    post_call = commands.add_parser("post-call", help="the post-call workflow").add_subparsers(dest="action",
                                                                                               required=True)
    rerun = post_call.add_parser("rerun", help="run the post-call workflow of a call again (safe: every step "
                                 "is idempotent); on the local stack when one runs, else on the project that "
                                 "CALLBOT_PROJECT_ID or GOOGLE_CLOUD_PROJECT names")
    rerun.add_argument("call_sid")
    rerun.add_argument("--wait", type=_at_least(0, float), default=120.0,
                       help="seconds to wait for the outcome (0: do not wait)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except UsageError as exc:
        return _refuse(exc)
    commands = {"dev": _dev, "call": _call, "eval": _eval, "demo": _demo, "kb": _kb, "post-call": _post_call_rerun}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("callbot: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        return _refuse(exc)


def _refuse(exc: Exception) -> int:
    if isinstance(exc, sc.ScenarioError):
        exc = UsageError(f"{exc}; a scenario file looks like {_shown(sc.DEMO_SCENARIO)}")
    line, code = refusal(exc)
    print(f"callbot: {line}", file=sys.stderr)
    return code


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it is below it."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def _post_call_rerun(args: argparse.Namespace) -> int:
    from devtools import post_call_rerun

    records, execution = post_call_rerun.start(target.current(args.state_dir), args.call_sid)
    print(f"post-call work of {args.call_sid} started again: {execution}", flush=True)
    if not args.wait:
        return 0
    processed, line = post_call_rerun.outcome(records, args.call_sid, args.wait)
    print(line)
    return 0 if processed else 1


def _dev(args: argparse.Namespace) -> int:
    match args.action:
        case "up":
            _google_speech_credentials(args.stt, args.tts)
            info = stack.up(args.state_dir, stt=args.stt, tts=args.tts)
            print(f"local stack up: relay {info.relay_public_url} (STT {info.stt_engine}, TTS {info.tts_engine}), "
                  f"call console {info.console_url}, logs in {info.log_dir}")
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
                print(f"  console    {current.get('console_url') or '-'}  (the call console)")
                print(f"  firestore  {current['firestore']}")
                print(f"  pubsub     {current['pubsub']}")
                for name, url in current["functions"].items():
                    print(f"  {name:<10} {url}")
                for name, alive in current["alive"].items():
                    print(f"  process {name:<18} {'up' if alive else 'DOWN'}")
            return 0 if current.get("running") or not current.get("processes") else 1
    return 2


def _google_speech_credentials(stt: str, tts: str) -> None:
    if "google" not in (stt, tts):
        return
    missing = target.google_credentials_missing()
    if missing:
        raise CommandError(f"the google speech engines need Google credentials: {missing}; log in with "
                           f"`{target.LOGIN}`, or choose --stt whisper and --tts espeak")


def _call(args: argparse.Namespace) -> int:
    scenario = _callable_scenario(args.scenario)
    if args.report is not None and not args.report.parent.is_dir():
        raise UsageError(f"--report {args.report}: the folder {args.report.parent} does not exist; create it or "
                         f"write the report elsewhere")
    if args.report is not None and args.report.is_dir():
        raise UsageError(f"--report {args.report} is a folder; pass the path of a file to write the report to")
    return _place(stack.up(args.state_dir), scenario, args.report, args.voice)


def _callable_scenario(path: Path) -> sc.Scenario:
    """The scenario in `path`, if `callbot call` can place it: it cues no hooks (only a test gives those)."""
    scenario = sc.load(path)
    cued = [step.name for step in scenario.steps if isinstance(step, sc.Cue)]
    if cued:
        raise UsageError(f"scenario file {path} cues {', '.join(cued)}: `cue` steps run hooks that only a test "
                         f"can give; remove them to place the call with `callbot call`")
    return scenario


def _demo(args: argparse.Namespace) -> int:
    scenario = sc.load(sc.DEMO_SCENARIO)
    demo_dir = args.state_dir.parent / "demo"
    print("starting the local stack (emulators, agent_turn, relay with Whisper STT and the hibari voice)...",
          flush=True)
    info = stack.up(demo_dir, stt="whisper", tts="hibari")
    try:
        code = _place(info, scenario, None, None)
        _keep_up_while_looking()
        return code
    finally:
        stack.down(demo_dir)
        print("local stack stopped", flush=True)


def _keep_up_while_looking() -> None:
    """In a terminal, the demo's stack (and its call console) stays up until Enter is pressed."""
    if not sys.stdin.isatty():
        print("(not a terminal: the stack stops now; run `make demo` in a terminal to look at the call in the "
              "console, or `callbot dev up` and `callbot call --scenario devtools/scenarios/demo.yaml`)")
        return
    try:
        input("open the console page above to see and hear the call; press Enter to stop the local stack ")
    except EOFError:
        pass


def _place(info: stack.StackInfo, scenario: sc.Scenario, report_path: Path | None, voice: str | None) -> int:
    from devtools.simcall.place import checked, place_call
    from devtools.simcall.report import render

    report = asyncio.run(place_call(info, scenario, voice))
    result, failures = checked(report, scenario)
    if report_path is not None:
        report_path.write_text(json.dumps(result, indent=2))
    else:
        print(render(report))
        for failure in failures:
            print(f"EXPECTATION NOT MET: {failure}")
    if info.console_url:
        print(f"call console: {info.call_page(report.call_sid)}", flush=True)
    return 0 if report.ok and not failures else 1


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r}") from error
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (e.g. 2026-12-08T09:00-05:00)")
    return at


def _eval(args: argparse.Namespace) -> int:
    from devtools import evaluate

    selected = evaluate.select(args.scenario, args.scenarios_dir or evaluate.SCENARIOS)
    missing = evaluate.credentials_missing(args.provider)
    if missing:
        print(f"skipped: the {args.provider} provider cannot be called from here: {missing}")
        return 0
    if args.level == "text":
        from callbot.llm.providers import chat_model
        from callbot.settings import AgentTurnSettings

        settings = AgentTurnSettings(llm_provider=args.provider)
        progress = None if args.provider == "offline" else (
            lambda verdict: print(evaluate.progress_line(verdict), file=sys.stderr, flush=True))
        verdicts = evaluate.evaluate_text(selected, chat_model(settings), settings, progress, args.knowledge,
                                          clock=(lambda: args.now) if args.now else None)
    else:
        if args.now:
            raise UsageError("--now applies to --level text only: the stack's processes read the machine's clock")
        verdicts = evaluate.evaluate(args.state_dir.parent / f"eval-{args.provider}", args.provider, selected)
    print(evaluate.render(args.provider, verdicts))
    if args.show:
        for verdict in (v for v in verdicts if not v.passed):
            print(f"\n--- {verdict.scenario}\n" + "\n".join(verdict.transcript))
    return 0 if all(v.passed for v in verdicts) else 1


def _kb_parser(commands: argparse._SubParsersAction) -> None:
    from callbot.knowledge.firestore_vectors import DEFAULT_COLLECTION
    from callbot.knowledge.hybrid import MODES

    kb = commands.add_parser("kb", help="the knowledge base on Firestore (the local stack's emulator if "
                                        "running, else the environment's project)")
    kb.add_argument("--collection", default=DEFAULT_COLLECTION)
    kb.add_argument("--embedder", choices=("local", "deterministic", "vertexai"), default="local",
                    help="local: the multilingual model shipped in a PyPI package (default); deterministic: "
                         "hashed words; vertexai: Vertex AI (needs credentials and --threshold)")
    kb.add_argument("--threshold", type=float,
                    help="cosine similarity a question's best passage must reach (default: the embedder's)")
    kb.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval for ingest and ask")
    actions = kb.add_subparsers(dest="action", required=True)
    ingest = actions.add_parser("ingest", help="index a folder (or gs://bucket/prefix) of Markdown, text, PDF, "
                                               "DOCX and HTML documents")
    ingest.add_argument("root")
    ingest.add_argument("--json", action="store_true")
    ask = actions.add_parser("ask", help="search the knowledge base as the bot would")
    ask.add_argument("question")
    ask.add_argument("--language", default="en-US")
    ask.add_argument("--k", type=_at_least(1), default=3)
    ask.add_argument("--json", action="store_true")
    evaluation = actions.add_parser("eval", help="recall@1, recall@k, MRR and declined share of each retrieval "
                                                 "mode, per language and document type, on an evaluation set")
    evaluation.add_argument("--k", type=_at_least(1), default=3)
    evaluation.add_argument("--set", type=Path, help="the questions (default: knowledge_base/eval.yaml)")
    evaluation.add_argument("--json", action="store_true")


def _kb(args: argparse.Namespace) -> int:
    from devtools import kb

    if args.action == "ingest":
        _documents_folder(args.root)
    if args.embedder == "vertexai" and args.threshold is None and args.action != "ingest":
        raise UsageError("the vertexai embedder needs --threshold to search (tuned for it: see bench/README.md)")
    if args.embedder == "vertexai" and (missing := target.google_credentials_missing()):
        raise CommandError(f"the vertexai embedder needs Google credentials: {missing}; log in with "
                           f"`{target.LOGIN}`, or use --embedder local")
    target.current(args.state_dir)  # a running stack, or a named project with credentials
    store = kb.open_store(args.embedder, args.collection, args.threshold, args.state_dir, args.mode,
                          searches=args.action != "ingest")
    match args.action:
        case "ingest":
            report = kb.ingest_folder(store, args.root)
            if args.json:
                print(json.dumps(report.to_dict(), indent=2))
            else:
                print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged "
                      f"{len(report.unchanged)}, removed {len(report.removed)}, skipped {len(report.skipped)}; "
                      f"{report.chunks} chunks embedded, {report.writes} writes")
                for name, reason in report.skipped.items():
                    print(f"  skipped {name}: {reason}")
            return 0
        case "ask":
            answer, passages = kb.ask(store, args.question, args.language, args.k)
            if args.json:
                print(json.dumps({"answer": answer, "passages": [p.model_dump() for p in passages]}, indent=2,
                                 ensure_ascii=False))
            else:
                print(answer)
                for p in passages:
                    print(f"  {p.score:.3f}  {p.source} ({kb.citation(p)}): {p.text[:100]}")
            return 0
        case "eval":
            reports = kb.run_eval(store, args.k, args.set or kb.EVAL_SET)
            print(json.dumps({mode: r.to_dict() for mode, r in reports.items()}, indent=2, ensure_ascii=False)
                  if args.json else kb.render_eval(reports))
            return 0
    return 2


def _documents_folder(root: str) -> None:
    """A local `root` must be a folder: ingesting one that does not exist would find no documents
    and remove every indexed one."""
    if not root.startswith("gs://") and not Path(root.removeprefix("file://")).is_dir():
        raise UsageError(f"{root} is not a folder: pass a folder of documents (the demo company's: "
                         f"knowledge_base) or gs://bucket/prefix")


if __name__ == "__main__":
    sys.exit(main())
