"""The Pipecat side of `python -m bench.side_by_side`: Pipecat's bot (pipecat_bot.py) against the
fake Twilio caller. It runs in Pipecat's own virtual environment, never the project's.

1. reads the caller's 3 utterances (written by caller_audio.py into --audio-dir);
2. starts the bot with uvicorn on a free 127.0.0.1 port (one process);
3. one warm-up call (1 utterance, not counted);
4. one call with the 3 utterances: per-turn latency, p50/p95, and a per-turn
   breakdown joined from the bot's trace;
5. N = 1, 10, 15, 25 concurrent calls (3 utterances each, starts staggered):
   latency p50/p95 and the bot process's CPU seconds per call-minute
   (utime+stime from /proc/PID/stat, all threads);
6. stops the bot (SIGTERM, then SIGKILL if needed) and writes OUT_DIR/results.json.

The caller runs as a separate process so its CPU is not billed to the bot; on
a 2-core machine the two still compete for the cores, which the report says.

    PIPECAT_VENV/bin/python bench/side_by_side/run_pipecat.py --audio-dir DIR --out-dir DIR [--ns 1,10]
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from twilio_caller import percentile

CLK_TCK = os.sysconf("SC_CLK_TCK")
# The fakes' fixed latencies and Pipecat's default VAD stop_secs (see /info).
FLOOR_PARTS_MS = {"vad_stop_secs": 200, "stt": 150, "llm_first_token": 350, "tts_first_audio": 150}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    # fields 14, 15 (utime, stime) counted from 1; parts[0] is field 3
    return (int(parts[11]) + int(parts[12])) / CLK_TCK


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0.0, threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                self.peak = max(self.peak, proc_rss_mb(self.pid))
            except OSError:
                return
            self._halt.wait(0.5)

    def stop(self):
        self._halt.set()
        self.join(2)


def http_get_json(url: str, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def start_bot(port: int, log_path: str, trace_dir: str, turn_stop: str) -> subprocess.Popen:
    env = dict(os.environ, BENCH_TRACE_DIR=trace_dir, BENCH_TURN_STOP=turn_stop)
    cmd = [
        sys.executable, "-m", "uvicorn", "pipecat_bot:app", "--app-dir", HERE,
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]
    with open(log_path, "w") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise SystemExit(f"bot exited early (rc={p.returncode}); see {log_path}")
        try:
            http_get_json(f"http://127.0.0.1:{port}/health", timeout=1)
            return p
        except OSError:
            time.sleep(0.3)
    stop_bot(p)
    raise SystemExit("bot did not come up in 60 s")


def stop_bot(p: subprocess.Popen):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def run_caller(url: str, out_json: str, calls: int, audio: list[str] | None, audio_dir: str,
               stagger: float, extra: list[str] | None = None) -> dict:
    cmd = [sys.executable, os.path.join(HERE, "twilio_caller.py"), "--url", url,
           "--calls", str(calls), "--stagger", str(stagger), "--out", out_json]
    if audio:
        cmd += ["--audio", *audio]
    else:
        cmd += ["--audio-dir", audio_dir]
    cmd += extra or []
    subprocess.run(cmd, check=True, timeout=600)
    with open(out_json) as f:
        return json.load(f)


def load_trace(trace_dir: str, call_sid: str) -> list[dict]:
    path = os.path.join(trace_dir, f"{call_sid}.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def first(events, name, after, before=float("inf")):
    for e in events:
        if e["event"] == name and after <= e["t"] < before:
            return e
    return None


def last(events, name, after, before):
    hit = None
    for e in events:
        if e["event"] == name and after <= e["t"] < before:
            hit = e
    return hit


def breakdown(call: dict, events: list[dict]) -> list[dict]:
    """Join one caller call with the bot's timeline: where each turn's latency went."""
    rows = []
    for t in call["turns"]:
        if t["t_eos"] is None or t["t_first_audio"] is None:
            rows.append({"turn": t["index"], "latency_ms": t["latency_ms"]})
            continue
        lo, hi = t["t_speech_start"], t["t_first_audio"]
        stop = first(events, "user_turn_stopped", t["t_eos"] - 1.0, hi)
        vad = last(events, "vad_stopped", lo, stop["t"] if stop else hi)
        tr = last(events, "transcript", vad["t"] if vad else lo, stop["t"] + 1e-3 if stop else hi)
        st = last(events, "smart_turn", lo, stop["t"] + 1e-3 if stop else hi)
        ctx = first(events, "llm_context", stop["t"] if stop else lo, hi)
        tok = first(events, "llm_first_token", ctx["t"] if ctx else lo, hi)
        req = first(events, "tts_request", tok["t"] if tok else lo, hi)
        aud = first(events, "tts_first_audio", req["t"] if req else lo, hi + 0.1)

        def ms(a, b):
            return None if a is None or b is None else round((b - a) * 1000, 1)

        g = lambda e: e["t"] if e else None
        rows.append(
            {
                "turn": t["index"],
                "utterance": t["utterance"],
                "latency_ms": t["latency_ms"],
                "eos_to_vad_stop": ms(t["t_eos"], g(vad)),
                "vad_stop_to_transcript": ms(g(vad), g(tr)),
                "transcript_to_turn_stop": ms(g(tr), g(stop)),
                "turn_stop_to_llm_first_token": ms(g(stop), g(tok)),
                "llm_first_token_to_tts_request": ms(g(tok), g(req)),
                "tts_request_to_tts_audio": ms(g(req), g(aud)),
                "tts_audio_to_caller": ms(g(aud), t["t_first_audio"]),
                "smart_turn": {k: st[k] for k in ("complete", "probability", "inference_ms")} if st else None,
                # smart-turn judged the turn incomplete at VAD stop, so it ended on
                # SmartTurnParams.stop_secs (3 s) of silence instead.
                "smart_turn_fallback": bool(st and st.get("complete") is False),
            }
        )
    return rows


def above_floor(row) -> float | None:
    """Latency minus the fakes' 650 ms and the VAD stop time actually measured (EOS -> VAD stop)."""
    if row.get("latency_ms") is None or row.get("eos_to_vad_stop") is None:
        return None
    fakes = FLOOR_PARTS_MS["stt"] + FLOOR_PARTS_MS["llm_first_token"] + FLOOR_PARTS_MS["tts_first_audio"]
    return round(row["latency_ms"] - row["eos_to_vad_stop"] - fakes, 1)


def analyze_single(run_dir: str) -> dict:
    with open(os.path.join(run_dir, "single.json")) as f:
        s = json.load(f)
    call = s["calls"][0]
    rows = breakdown(call, load_trace(os.path.join(run_dir, "trace"), call["call_sid"]))
    for x in rows:
        x["above_measured_floor"] = above_floor(x)
    return {"summary": s["summary"], "turns": rows, "call_error": call["error"]}


def analyze_n(run_dir: str, n: int) -> dict:
    """Latency figures for one concurrency level, from the caller's file and the bot's traces."""
    with open(os.path.join(run_dir, f"n{n}.json")) as f:
        r = json.load(f)
    sm = r["summary"]
    rows = []
    for c in r["calls"]:
        rows += breakdown(c, load_trace(os.path.join(run_dir, "trace"), c["call_sid"]))
    clean = [x for x in rows if not x.get("smart_turn_fallback")]
    return {
        "latency": latency_stats(sm["latency_ms"]["all"]),
        "latency_without_smart_turn_fallback": latency_stats([x["latency_ms"] for x in clean]),
        "smart_turn_fallbacks": sum(1 for x in rows if x.get("smart_turn_fallback")),
        "above_measured_floor_p50": _pv([above_floor(x) for x in clean], 50),
        "above_measured_floor_p95": _pv([above_floor(x) for x in clean], 95),
        "eos_to_vad_stop_p50": _p(rows, "eos_to_vad_stop", 50),
        "eos_to_vad_stop_p95": _p(rows, "eos_to_vad_stop", 95),
        "transcript_to_turn_stop_p50": _p(clean, "transcript_to_turn_stop", 50),
        "transcript_to_turn_stop_p95": _p(clean, "transcript_to_turn_stop", 95),
        "tts_audio_to_caller_p50": _p(rows, "tts_audio_to_caller", 50),
        "tts_audio_to_caller_p95": _p(rows, "tts_audio_to_caller", 95),
        "turns": sm["turns"],
        "turns_no_reply": sm["turns_no_reply"],
        "calls_failed": sm["calls_failed"],
        "errors": sm["errors"],
        "caller_cpu_s": sm["caller_cpu_s"],
        "caller_late_frames": sm["caller_late_frames"],
        "caller_send_lag_max_ms": sm["caller_send_lag_max_ms"],
        "media_in": sm["media_in"],
        "media_out": sm["media_out"],
        "marks": sm["marks_received"],
        "clears": sm["clears"],
    }


def _pv(values, q):
    v = [x for x in values if x is not None]
    return None if not v else round(percentile(v, q), 1)


def latency_stats(values):
    vals = [v for v in values if v is not None]
    return {
        "n": len(vals),
        "p50": None if not vals else round(percentile(vals, 50), 1),
        "p95": None if not vals else round(percentile(vals, 95), 1),
        "min": None if not vals else min(vals),
        "max": None if not vals else max(vals),
    }


def _p(rows, key, q):
    v = [x[key] for x in rows if x.get(key) is not None]
    return None if not v else round(percentile(v, q), 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ns", default="1,10,15,25", help="concurrency levels (15: where one process saturates here)")
    ap.add_argument("--out-dir", default=os.environ.get("PEERS_OUT", "/tmp/peers-out"))
    ap.add_argument("--stagger", type=float, default=0.25, help="seconds between call starts")
    ap.add_argument("--settle", type=float, default=2.0, help="idle seconds around each CPU window")
    ap.add_argument("--turn-stop", default="default", choices=["default", "speech_timeout"],
                    help="default = Pipecat's own (smart-turn v3); speech_timeout = variant")
    ap.add_argument("--audio-dir", required=True, help="the caller's utterances (bench/side_by_side/caller_audio.py)")
    a = ap.parse_args()
    ns = [int(x) for x in a.ns.split(",") if x]

    out = os.path.abspath(a.out_dir)
    audio_dir = os.path.abspath(a.audio_dir)
    stamp = time.strftime("%Y%m%d-%H%M%S") + ("" if a.turn_stop == "default" else f"-{a.turn_stop}")
    run_dir = os.path.join(out, "runs", stamp)
    trace_dir = os.path.join(run_dir, "trace")
    os.makedirs(trace_dir, exist_ok=True)
    if not os.path.exists(os.path.join(audio_dir, "utterances.json")):
        raise SystemExit(f"no caller audio in {audio_dir}: python -m bench.side_by_side writes it")
    with open(os.path.join(audio_dir, "utterances.json")) as f:
        utt_meta = json.load(f)

    port = free_port()
    url = f"ws://127.0.0.1:{port}/ws"
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())},
        "utterances": utt_meta,
        "floor_parts_ms": FLOOR_PARTS_MS,
        "run_dir": run_dir,
    }
    bot = start_bot(port, os.path.join(run_dir, "bot.log"), trace_dir, a.turn_stop)
    print(f"bot pid {bot.pid} on {url}")
    try:
        results["bot_pid"] = bot.pid
        results["bot"] = http_get_json(f"http://127.0.0.1:{port}/info")
        results["bot_rss_mb_idle"] = round(proc_rss_mb(bot.pid), 1)
        c0 = proc_cpu_s(bot.pid)
        time.sleep(5)
        results["bot_idle_cpu_s_per_min"] = round((proc_cpu_s(bot.pid) - c0) / 5 * 60, 3)

        print("warm-up call (1 utterance, not counted)")
        w = run_caller(url, os.path.join(run_dir, "warmup.json"), 1,
                       [os.path.join(audio_dir, utt_meta[0]["file"])], audio_dir, a.stagger)
        results["warmup_latency_ms"] = w["summary"]["latency_ms"]["all"]

        print("single call, 3 utterances")
        run_caller(url, os.path.join(run_dir, "single.json"), 1, None, audio_dir, a.stagger, ["--keep-arrivals"])
        results["single"] = analyze_single(run_dir)

        results["concurrency"] = []
        for n in ns:
            time.sleep(a.settle)
            print(f"N={n} concurrent calls")
            rss = RssSampler(bot.pid)
            rss.start()
            cpu0, t0 = proc_cpu_s(bot.pid), time.monotonic()
            r = run_caller(url, os.path.join(run_dir, f"n{n}.json"), n, None, audio_dir, a.stagger)
            time.sleep(a.settle)  # let the bot finish tearing the calls down
            cpu1, t1 = proc_cpu_s(bot.pid), time.monotonic()
            rss.stop()
            sm = r["summary"]
            cpu = cpu1 - cpu0
            entry = {
                "n": n,
                "call_minutes": sm["call_minutes"],
                "bot_cpu_s": round(cpu, 2),
                "window_s": round(t1 - t0, 1),
                "bot_cpu_s_per_call_minute": round(cpu / sm["call_minutes"], 2)
                if sm["call_minutes"] else None,
                "bot_cores_busy": round(cpu / (t1 - t0), 2),
                "bot_rss_mb_peak": round(rss.peak, 1),
            }
            entry.update(analyze_n(run_dir, n))
            results["concurrency"].append(entry)
            x = results["concurrency"][-1]
            print(
                f"  p50={x['latency']['p50']} p95={x['latency']['p95']} ms "
                f"cpu/call-min={x['bot_cpu_s_per_call_minute']} s cores={x['bot_cores_busy']} "
                f"smart-turn fallbacks={x['smart_turn_fallbacks']} no-reply={x['turns_no_reply']}"
            )
    finally:
        stop_bot(bot)
        results["bot_exit_code"] = bot.returncode

    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
