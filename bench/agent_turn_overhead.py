"""agent_turn overhead, excluding the LLM: what one turn costs in the function itself.

    .venv/bin/python -m bench.agent_turn_overhead [--turns 50]

Starts the Firestore and Pub/Sub emulators in a temporary folder and runs the real `TurnHandler`
in this process (Firestore checkpointer, Pub/Sub publisher, Firestore call log) with a chat model
that answers instantly, so every millisecond measured is the function's own: checkpoint reads and
writes, graph steps, publishing, the call document. It measures
- cold start: a fresh interpreter importing `functions/agent_turn/main.py`, then its first turn
  (building the composition root: LangGraph, clients, the graph);
- warm turns: a plain reply (two sentences) per caller utterance;
- an action turn: the utterance whose tool call pauses the graph (filler, `ActionRequested`), and
  the `ActionCompleted` that resumes it;
and counts checkpointer calls per turn. The emulators are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from bench.stats import percentile, table, write_results
from callbot.bus import Delivery, topology
from callbot.messages import ActionCompleted, ActionRequested, CallStarted, UserUtterance
from devtools.emulators import spawn_emulator, wait_emulator
from devtools.processes import patched_environ

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "callbot-bench"
COLD = """
import time, json
t0 = time.perf_counter()
from functions.agent_turn import main
t1 = time.perf_counter()
from callbot.bus import Delivery
from callbot.messages import CallStarted
main.turn_handler().handle(Delivery(CallStarted(call_id="CAcold", turn_seq=0, relay_instance="b"), "1", None))
t2 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_turn_ms": (t2 - t1) * 1000}))
"""


class InstantModel(BaseChatModel):
    """Answers at once: a tool call when the caller asks a question ending in '?', else two sentences."""

    @property
    def _llm_type(self) -> str:
        return "instant"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        last = messages[-1]
        if last.type == "human" and last.text.endswith("?"):
            reply = AIMessage("", tool_calls=[{"name": "search_knowledge", "args": {"question": last.text},
                                               "id": f"q{len(messages)}"}])
        else:
            reply = AIMessage("Thanks, that helps. What else would you like to know?")
        return ChatResult(generations=[ChatGeneration(message=reply)])


def count_calls(saver: Any) -> dict[str, int]:
    """Count the checkpointer's calls that reach Firestore (its methods wrapped on the instance)."""
    counts = {"get_tuple": 0, "put": 0, "put_writes": 0}
    for name in counts:
        method = getattr(saver, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            counts[_name] += 1
            return _method(*args, **kwargs)

        setattr(saver, name, counted)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agent-turn-bench-") as folder:
        firestore, firestore_host = spawn_emulator("firestore", Path(folder))
        pubsub, pubsub_host = spawn_emulator("pubsub", Path(folder))
        try:
            wait_emulator(firestore, firestore_host)
            wait_emulator(pubsub, pubsub_host)
            env = {"FIRESTORE_EMULATOR_HOST": firestore_host, "PUBSUB_EMULATOR_HOST": pubsub_host,
                   "CALLBOT_PROJECT_ID": PROJECT, "GOOGLE_CLOUD_PROJECT": PROJECT, "CALLBOT_LOG_LEVEL": "WARNING"}
            with patched_environ(env):
                topology.apply(PROJECT, {})
                results = {"cold": _cold(env), **_warm(args.turns)}
        finally:
            firestore.stop()
            pubsub.stop()
    _print(results)
    path = write_results("agent_turn_overhead", results)
    print(f"\nfull figures: {path}")
    return 0


def _cold(env: dict[str, str]) -> list[dict[str, float]]:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", COLD], cwd=ROOT, env={**_base_env(), **env}, check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return runs


def _base_env() -> dict[str, str]:
    import os

    return dict(os.environ)


def _warm(turns: int) -> dict[str, Any]:
    from callbot.agents.graph import build_graph
    from callbot.bus.pubsub import PubSubPublisher
    from callbot.checkpoint.firestore import FirestoreSaver
    from callbot.settings import AgentTurnSettings
    from callbot.store.call_log import FirestoreCallLog
    from functions.agent_turn.handler import TurnHandler

    settings = AgentTurnSettings(project_id=PROJECT)
    saver = FirestoreSaver.from_project(PROJECT)
    counts = count_calls(saver)
    handler = TurnHandler(build_graph(saver, InstantModel(), settings), PubSubPublisher(PROJECT), settings,
                          FirestoreCallLog(saver.client, 1))
    published: list[ActionRequested] = []
    original = handler._publisher.publish

    def keep(message):
        if isinstance(message, ActionRequested):
            published.append(message)
        return original(message)

    handler._publisher.publish = keep

    def timed(message) -> tuple[float, dict[str, int]]:
        before = dict(counts)
        started = time.perf_counter()
        handler.handle(Delivery(message, "1", None))
        return (time.perf_counter() - started) * 1000, {k: counts[k] - before[k] for k in before}

    call_id = f"CAbench{int(time.time())}"
    timed(CallStarted(call_id=call_id, turn_seq=0, relay_instance="b"))
    timed(_completed(published[-1], {"caller": None}))
    plain, plain_counts, asked, resumed = [], None, [], []
    for seq in range(1, turns + 1):
        ms, plain_counts = timed(UserUtterance(call_id=call_id, turn_seq=seq, relay_instance="b", text="We have forty reps."))
        plain.append(ms)
    action_call = f"{call_id}a"
    timed(CallStarted(call_id=action_call, turn_seq=0, relay_instance="b"))
    timed(_completed(published[-1], {"caller": None}))
    for seq in range(1, turns // 2 + 1):
        ms, ask_counts = timed(UserUtterance(call_id=action_call, turn_seq=seq, relay_instance="b", text="Price?"))
        asked.append(ms)
        ms, resume_counts = timed(_completed(published[-1], {"passages": []}))
        resumed.append(ms)
    return {"plain_turn_ms": plain, "plain_turn_checkpointer_calls": plain_counts,
            "action_request_ms": asked, "action_request_checkpointer_calls": ask_counts,
            "action_resume_ms": resumed, "action_resume_checkpointer_calls": resume_counts}


def _completed(request: ActionRequested, result: dict) -> ActionCompleted:
    return ActionCompleted(call_id=request.call_id, turn_seq=request.turn_seq, relay_instance=request.relay_instance,
                           request_id=request.request_id, port=request.port, action=request.action, result=result)


def _print(results: dict[str, Any]) -> None:
    cold = results["cold"]
    print("agent_turn cold start (fresh interpreter), ms")
    print(table(["run", "import main.py", "first turn (composition root + turn)"],
                [[str(i + 1), c["import_ms"], c["first_turn_ms"]] for i, c in enumerate(cold)]))
    print("\nagent_turn warm overhead per message, excluding the LLM (instant model), ms")
    rows = []
    for label, key in (("plain reply", "plain_turn"), ("utterance -> ActionRequested", "action_request"),
                       ("ActionCompleted -> reply", "action_resume")):
        values = results[f"{key}_ms"]
        calls = results[f"{key}_checkpointer_calls"]
        rows.append([label, len(values), percentile(values, 50), percentile(values, 95), max(values),
                     f"{calls['get_tuple']}/{calls['put']}/{calls['put_writes']}"])
    print(table(["message", "n", "p50", "p95", "max", "checkpointer get/put/put_writes"], rows))


if __name__ == "__main__":
    sys.exit(main())
