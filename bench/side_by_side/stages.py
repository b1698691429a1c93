"""Where callbot's turns spend their time, from what the call records in Firestore: the relay's
breakdown of each turn (`turn_latency` events) and agent_turn's record of its run (`agent_run`:
when it received the message, how long it took to its first sentence). Split into the calls' first
turns and the rest, since a burst of calls starting together shows up in its first turns."""

from __future__ import annotations

from typing import Any

from bench.stats import percentile

STAGES = ("endpointing_ms", "publish_ms", "push_ms", "agent_ms", "reply_bus_ms", "tts_and_playback_ms", "total_ms")


def turn_stages(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per answered caller turn of one call: the relay's stages, with its bus-and-agent
    stage split into the push delivery and agent_turn's run (the LLM's wait included)."""
    runs = {e["turn_seq"]: e for e in events if e.get("kind") == "agent_run" and e.get("input") == "UserUtterance"
            and e.get("received_at_ms")}
    rows = []
    for latency in sorted((e for e in events if e.get("kind") == "turn_latency"), key=lambda e: e["turn_seq"]):
        run = runs.get(latency["turn_seq"])
        if run is None or not latency.get("total_ms"):
            continue
        published = latency["at_ms"] - latency["total_ms"] + latency["endpointing_ms"] + latency["stt_ms"] \
            + latency["publish_ms"]
        push = run["received_at_ms"] - published
        rows.append({"turn_seq": latency["turn_seq"], "preemptive": bool(latency.get("preemptive")),
                     **{key: latency[key] for key in ("endpointing_ms", "publish_ms", "reply_bus_ms",
                                                       "tts_and_playback_ms", "total_ms")},
                     "push_ms": push, "agent_ms": latency["bus_and_agent_ms"] - push})
    return rows


def summary(calls: list[list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """p50 / p95 of each stage over the calls' first turns and over their later turns."""
    groups = {"first turns": [rows[0] for rows in calls if rows],
              "later turns": [row for rows in calls for row in rows[1:]]}
    return {name: {"turns": len(rows), "preemptive": sum(r["preemptive"] for r in rows),
                   **{stage: (percentile([r[stage] for r in rows], 50), percentile([r[stage] for r in rows], 95))
                      for stage in STAGES}}
            for name, rows in groups.items()}
