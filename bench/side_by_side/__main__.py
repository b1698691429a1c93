"""`python -m bench.side_by_side`: both systems in one run, then the comparison table.

    .venv/bin/python -m bench.side_by_side [--ns 1,10] [--only callbot|pipecat]

Pipecat's virtual environment is made on first use in `.cache/pipecat-venv` (or `--pipecat-venv`)
from `requirements-pipecat.txt` (PyPI); later runs reuse it. The sides run one after the other on
the same machine, the caller in a process of its own; figures are noisy, compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.side_by_side import callbot_side, caller_audio
from bench.side_by_side.stages import STAGES
from bench.stats import RESULTS_DIR, fmt, table, write_results

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_VENV = ROOT / ".cache" / "pipecat-venv"
PIPECAT_CHECK = "import pipecat, uvicorn, websockets, onnxruntime"


def pipecat_python(venv: Path) -> Path:
    """The interpreter of Pipecat's virtual environment, made and filled if it is not ready."""
    python = venv / "bin" / "python"
    if python.exists():
        ready = subprocess.run([str(python), "-c", PIPECAT_CHECK], capture_output=True, check=False)
        if ready.returncode == 0:
            return python
    print(f"making Pipecat's virtual environment in {venv} (a few minutes, once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements-pipecat.txt")],
                   check=True)
    return python


def run_pipecat(python: Path, audio_dir: Path, ns: list[int], out_dir: Path, stagger_s: float) -> dict:
    subprocess.run([str(python), str(HERE / "run_pipecat.py"), "--audio-dir", str(audio_dir),
                    "--out-dir", str(out_dir), "--ns", ",".join(map(str, ns)), "--stagger", str(stagger_s)],
                   check=True, timeout=1800)
    return json.loads((out_dir / "results.json").read_text())


def figures_pipecat(results: dict) -> dict[int, dict]:
    return {level["n"]: {"p50": level["latency"]["p50"], "p95": level["latency"]["p95"],
                         "max": level["latency"]["max"], "cpu": level["bot_cpu_s_per_call_minute"],
                         "no_reply": level["turns_no_reply"], "fallbacks": level["smart_turn_fallbacks"],
                         "p95_without_fallbacks": level["latency_without_smart_turn_fallback"]["p95"]}
            for level in results["concurrency"]}


def figures_callbot(results: dict) -> dict[int, dict]:
    return {level["n"]: {"p50": level["latency"]["p50"], "p95": level["latency"]["p95"],
                         "max": level["latency"]["max"], "cpu": level["relay_cpu_s_per_call_minute"],
                         "no_reply": level["turns_no_reply"], "rss_after": level["relay_rss_mb_after"]}
            for level in results["levels"]}


def ratio(ours: float | None, theirs: float | None) -> str:
    return "-" if not ours or not theirs else f"{ours / theirs:.2f}"


def comparison(pipecat: dict[int, dict], callbot: dict[int, dict], ns: list[int]) -> str:
    """The issue's table: p50 at one call, p50 and p95 at the largest level, CPU per call-minute."""
    one, many = ns[0], ns[-1]
    rows = []

    def row(name: str, level: int, key: str, digits: int = 0) -> None:
        theirs, ours = pipecat.get(level, {}).get(key), callbot.get(level, {}).get(key)
        rows.append((name, fmt(theirs, digits), fmt(ours, digits), ratio(ours, theirs)))

    row(f"voice-to-voice p50, {one} call(s) (ms)", one, "p50")
    row(f"voice-to-voice p50, {many} calls at once (ms)", many, "p50")
    row(f"voice-to-voice p95, {many} calls at once (ms)", many, "p95")
    row(f"CPU s per call-minute, bot/relay process, {many} calls", many, "cpu", 2)
    lines = [table(("figure", "Pipecat 1.14", "callbot", "ratio"), rows)]
    if many in pipecat:
        p = pipecat[many]
        lines.append(f"Pipecat at {many} calls: {p['fallbacks']} turns hit smart-turn's 3 s fallback; p95 without "
                     f"them {fmt(p['p95_without_fallbacks'])} ms; turns without a reply: {p['no_reply']}.")
    if many in callbot:
        c = callbot[many]
        lines.append(f"callbot at {many} calls: max {fmt(c['max'])} ms; turns without a reply: {c['no_reply']}; "
                     f"relay RSS after the level {fmt(c['rss_after'])} MiB.")
    return "\n".join(lines)


def stage_table(level: dict) -> str:
    """callbot's turns at one level, stage by stage (p50 / p95 ms), first turns apart."""
    rows = [(name, f"{group['turns']} ({group['preemptive']})",
             *(f"{fmt(group[stage][0])} / {fmt(group[stage][1])}" for stage in STAGES))
            for name, group in level["stages"].items()]
    headers = ("turns", "n (preemptive)", *(stage.removesuffix("_ms") for stage in STAGES))
    return f"callbot at {level['n']} calls, by stage (p50 / p95 ms):\n" + table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ns", default="1,10", help="concurrency levels, the first one call (default 1,10)")
    parser.add_argument("--only", choices=("callbot", "pipecat"), help="run one side only")
    parser.add_argument("--stagger", type=float, default=0.25, help="seconds between call starts")
    parser.add_argument("--pipecat-venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args()
    ns = [int(n) for n in args.ns.split(",") if n]
    run_dir = RESULTS_DIR / f"side_by_side-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    audio_dir = run_dir / "audio"
    caller_audio.write(audio_dir)
    payload: dict = {"ns": ns, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    pipecat: dict[int, dict] = {}
    callbot: dict[int, dict] = {}
    if args.only != "callbot":
        payload["pipecat"] = run_pipecat(pipecat_python(args.pipecat_venv), audio_dir, ns, run_dir / "pipecat",
                                         args.stagger)
        pipecat = figures_pipecat(payload["pipecat"])
    if args.only != "pipecat":
        payload["callbot"] = callbot_side.run(audio_dir, ns, run_dir / "callbot", args.stagger)
        callbot = figures_callbot(payload["callbot"])
    payload["load_after"] = os.getloadavg()
    print()
    print(comparison(pipecat, callbot, ns))
    for level in payload.get("callbot", {}).get("levels", []):
        print("\n" + stage_table(level))
    print(f"\nload average before/after: {payload['load_before'][0]:.2f} / {payload['load_after'][0]:.2f} "
          f"on {payload['cpus']} CPUs (a busy machine inflates every figure)")
    print(f"results: {write_results('side_by_side', payload)}; raw runs in {run_dir}")


if __name__ == "__main__":
    main()
