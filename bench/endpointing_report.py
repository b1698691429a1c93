"""Tables and conclusion of the endpointing benchmark, from its result dict (pure: no audio here).

The recommendation follows explicit rules, printed with it, so a reader can disagree with a rule
rather than with a number:
1. a VAD qualifies if, in both conditions and at every threshold, it misses no start, starts on no
   noise, always ends the turn, and its p95 tail clip is at most `max_clip_ms` (failing that: the
   VADs with the fewest such failures);
2. for each, the smallest silence_ms that splits no utterance whose longest internal pause is at
   most `tolerated_pause_ms`, in either condition;
3. the lowest worst-condition p95 delay wins; a difference of one frame (20 ms) or less is below
   the measurement's resolution, so the current VAD is kept when it is that close;
4. silence_after_final_ms: the smallest value at which an STT that finalizes at every pause cuts no
   sentence in the middle (at a comma or a hesitation, with espeak's own pauses) in either
   condition; a turn ended between two sentences ("Yes. | Next Tuesday works.") is allowed: the
   agent answers a complete sentence and the caller's next words barge in. When no value qualifies,
   the one that cuts the fewest.
"""

from __future__ import annotations

from typing import Any

from bench.stats import fmt, table

FRAME_MS = 20
SHOWN_SILENCE_MS = (300, 400, 500, 600, 800)  # printed; every value swept is in the JSON
SENSITIVITY_PAUSES_MS = (300, 400, 500, 600, 700, 800)


def _vads(result: dict) -> list[str]:
    return list(dict.fromkeys(r["vad"] for r in result["silence"]))


def smallest_silence(result: dict, vad: str, tolerated_pause_ms: int) -> int | None:
    """The smallest silence_ms swept at which `vad` splits no utterance with pauses up to the tolerated."""
    swept = sorted({r["silence_ms"] for r in result["silence"]})
    split = {d["silence_ms"] for d in result["details"] if d["path"] == "silence" and d["vad"] == vad
             and d["premature"] and d["longest_pause_ms"] <= tolerated_pause_ms}
    return next((ms for ms in swept if ms not in split), None)


def recommend(result: dict, options: Any, defaults: dict) -> dict[str, Any]:
    """Apply the module's rules; the figures behind each step are returned with the choice."""
    def rows_of(vad: str, silence_ms: int) -> list[dict]:
        return [r for r in result["silence"] if r["vad"] == vad and r["silence_ms"] == silence_ms]

    failures = {}
    for vad in _vads(result):
        rows = [r for r in result["silence"] if r["vad"] == vad]
        failures[vad] = {"missed": sum(r["missed_starts"] for r in rows),
                         "false_starts": sum(r["false_starts"] for r in rows),
                         "unended": sum(r["unended"] for r in rows),
                         "tail_clip_p95_ms": max(r["tail_clip_p95_ms"] or 0 for r in rows)}
    score = {v: f["missed"] + f["false_starts"] + f["unended"] + 10**6 * (f["tail_clip_p95_ms"] > options.max_clip_ms)
             for v, f in failures.items()}
    qualified = [v for v in score if score[v] == min(score.values())]
    candidates = []
    for vad in qualified:
        silence_ms = smallest_silence(result, vad, options.tolerated_pause_ms)
        if silence_ms is not None:
            rows = rows_of(vad, silence_ms)
            candidates.append({"vad": vad, "silence_ms": silence_ms,
                               "delay_p95_ms": max(r["delay_p95_ms"] for r in rows),
                               "tail_clip_p95_ms": max(r["tail_clip_p95_ms"] or 0 for r in rows)})
    if not candidates:
        return {"vad": None, "failures": failures, "reason": (
            f"no qualified VAD keeps pauses up to {options.tolerated_pause_ms} ms at any threshold swept")}
    best = min(candidates, key=lambda c: (c["delay_p95_ms"], c["tail_clip_p95_ms"]))
    current = next((c for c in candidates if c["vad"] == defaults["vad"]), None)
    if current is not None and current["delay_p95_ms"] - best["delay_p95_ms"] <= FRAME_MS:
        best = current
    finals = {}
    for row in result["final"]:
        if row["vad"] == best["vad"]:
            entry = finals.setdefault(row["silence_after_final_ms"],
                                      {"delay_p95_ms": 0, "cut_in_sentence": 0, "cut_between_sentences": 0,
                                       "cut_hesitations": 0})
            entry["delay_p95_ms"] = max(entry["delay_p95_ms"], row["delay_p95_ms"])
            entry["cut_in_sentence"] += row["split_at_pauses_sentence"]
            entry["cut_between_sentences"] += row["split_at_pauses_sentences"]
            entry["cut_hesitations"] += row["split_at_pauses_hesitation"]
    after_final = min(finals, key=lambda ms: (finals[ms]["cut_in_sentence"], ms))
    return {**best, "silence_after_final_ms": after_final, "qualified_vads": qualified,
            "failures": failures, "candidates": candidates, "after_final": finals}


def render(result: dict, options: Any) -> str:
    out = []
    for condition in dict.fromkeys(r["condition"] for r in result["silence"]):
        rows = [r for r in result["silence"] if r["condition"] == condition and r["silence_ms"] in SHOWN_SILENCE_MS]
        out += [(f"\nEnd of turn on silence alone, {condition}: {rows[0]['utterances']} utterances; delay = "
                "SpeechEnded reported - true end of speech (ms)"), table(
            ["vad", "silence", "p50", "p95", "max", "premature", "%", "split@pause", "kept@pause", "missed",
             "false", "unended", "clip p95"],
            [[r["vad"], r["silence_ms"], r["delay_p50_ms"], r["delay_p95_ms"], r["delay_max_ms"], r["premature"],
              fmt(r["premature_pct"], 1), r["shortest_pause_split_ms"], r["longest_pause_kept_ms"],
              r["missed_starts"], r["false_starts"], r["unended"], r["tail_clip_p95_ms"]] for r in rows])]
    out.append("  split@pause: shortest internal pause (ms) of a split utterance; kept@pause: longest internal "
               "pause of an utterance not split")
    silence_ms = result["final"][0]["silence_ms"]
    out += [f"\nCall start: a fresh VAD on the first frames of the line (no warm-up), silence_ms {silence_ms}",
            table(["condition", "vad", "false starts", "of"],
                  [[r["condition"], r["vad"], r["false_starts"], r["utterances"]] for r in result["call_start"]])]
    latency = options.final_latency_ms
    out += [(f"\nEnd of turn on the STT's final result (silence_ms {silence_ms} otherwise). Delay: final ready "
            f"{latency} ms after the true end. Splits: the STT also finalizes {latency} ms into every pause"), table(
        ["condition", "vad", "after_final", "p50", "p95", "max", "cut: in a sentence", "between sentences",
         "hesitations", "backchannels", "split@pause"],
        [[r["condition"], r["vad"], r["silence_after_final_ms"], r["delay_p50_ms"], r["delay_p95_ms"],
          r["delay_max_ms"], r["split_at_pauses_sentence"], r["split_at_pauses_sentences"],
          r["split_at_pauses_hesitation"], r["split_at_pauses_backchannel"], r["split_at_pauses_from_ms"]]
         for r in result["final"]])]
    return "\n".join(out)


def sensitivity(result: dict) -> str:
    """For each VAD, the smallest silence_ms that keeps pauses up to 300..800 ms, with its p95 delay."""
    rows = []
    for vad in _vads(result):
        cells = [vad]
        for pause in SENSITIVITY_PAUSES_MS:
            ms = smallest_silence(result, vad, pause)
            p95 = max((r["delay_p95_ms"] for r in result["silence"] if r["vad"] == vad and r["silence_ms"] == ms),
                      default=None)
            cells.append(f"{ms} ({p95})" if ms is not None else "-")
        rows.append(cells)
    return ("\nSmallest silence_ms (worst-condition p95 delay) that splits no utterance with pauses up to ... ms"
            + "\n" + table(["vad"] + [str(p) for p in SENSITIVITY_PAUSES_MS], rows))


def conclusion(rec: dict, defaults: dict, result: dict, options: Any) -> str:
    lines = ["\nConclusion",
             (f"  current defaults: {defaults['vad']}, silence_ms {defaults['silence_ms']}, "
             f"silence_after_final_ms {defaults['silence_after_final_ms']}")]
    if rec.get("vad") is None:
        return "\n".join(lines + [f"  no recommendation: {rec['reason']}"])
    lines.append(f"  supported:        {rec['vad']}, silence_ms {rec['silence_ms']}, "
                 f"silence_after_final_ms {rec['silence_after_final_ms']}")
    out = []
    for vad, f in rec["failures"].items():
        if vad in rec["qualified_vads"]:
            continue
        problems = [f"{f[k]} {name}" for k, name in (("missed", "missed starts"), ("false_starts", "false starts"),
                                                     ("unended", "unended turns")) if f[k]]
        if f["tail_clip_p95_ms"] > options.max_clip_ms:
            problems.append(f"drops up to {f['tail_clip_p95_ms']} ms of the last sound (p95)")
        out.append(f"{vad}: {', '.join(problems)}")
    lines.append(f"  VAD: ruled out {'; '.join(out) or 'none'}.")
    lines.append(f"       smallest silence_ms keeping pauses up to {options.tolerated_pause_ms} ms -> p95 delay: "
                 + ", ".join(f"{c['vad']} {c['silence_ms']} ms -> {c['delay_p95_ms']} ms" for c in rec["candidates"])
                 + f" (within {FRAME_MS} ms counts as a tie; ties keep the current VAD).")
    current = [r for r in result["silence"] if r["vad"] == defaults["vad"] and r["silence_ms"] == defaults["silence_ms"]]
    if current:
        lines.append(f"  silence_ms: the current {defaults['silence_ms']} ms with {defaults['vad']} has p95 delay "
                     f"{max(r['delay_p95_ms'] or 0 for r in current)} ms and splits utterances from "
                     f"{min(r['shortest_pause_split_ms'] or 10**6 for r in current)} ms pauses; "
                     f"{rec['silence_ms']} ms is the smallest that keeps every pause up to "
                     f"{options.tolerated_pause_ms} ms (p95 {rec['delay_p95_ms']} ms).")
    finals = rec["after_final"]
    lines.append(f"  silence_after_final_ms ({rec['vad']}; p95 delay with the final {options.final_latency_ms} ms "
                 "after the end / turns cut inside a sentence / between two sentences, when the STT finalizes at "
                 "every pause, both conditions): " + ", ".join(
                     f"{ms} -> {f['delay_p95_ms']} ms / {f['cut_in_sentence']} / {f['cut_between_sentences']}"
                     for ms, f in sorted(finals.items())) + ".")
    chosen = finals[rec["silence_after_final_ms"]]
    verdict = ("the smallest that cuts no sentence in the middle" if chosen["cut_in_sentence"] == 0
               else f"the one that cuts the fewest sentences in the middle ({chosen['cut_in_sentence']})")
    hesitations = sum(d["kind"] == "hesitation" for d in result["details"]
                      if d["path"] == "silence" and d["silence_ms"] == rec["silence_ms"] and d["vad"] == rec["vad"])
    lines.append(f"       {rec['silence_after_final_ms']} is {verdict}. Its price: {chosen['cut_hesitations']} of "
                 f"{hesitations} hesitation runs (both conditions) end the turn if the STT finalizes in them (the silence path keeps "
                 f"those up to {options.tolerated_pause_ms} ms); no value below silence_ms avoids that, so the fast "
                 "path is only as safe as the STT's finals are reliable turn ends.")
    lines.append(f"  assumptions: pauses up to {options.tolerated_pause_ms} ms are part of the turn "
                 "(--tolerated-pause-ms; the sensitivity table gives the answer for other values); tail clip p95 "
                 f"<= {options.max_clip_ms} ms; STT finals {options.final_latency_ms} ms into a pause "
                 "(--final-latency-ms).")
    return "\n".join(lines)
