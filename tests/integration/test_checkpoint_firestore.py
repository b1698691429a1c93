"""FirestoreSaver against the Firestore emulator: the LangGraph conformance suite, a compiled graph
with a state larger than one document, and the guarantees the design asks for (thread isolation,
any characters in ids, InMemorySaver's write semantics)."""

from __future__ import annotations

import operator
import os
import uuid
from typing import Annotated, Any, TypedDict

import pytest
from google.cloud import firestore
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.types import ERROR
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from callbot.checkpoint.firestore import BATCH_BYTES, BATCH_OPS, FirestoreSaver, _Commit, _size

PROJECT_ID = "callbot-test"

pytestmark = pytest.mark.integration

MIB = 1024 * 1024


@pytest.fixture
def saver(firestore_emulator: str, unique: str) -> FirestoreSaver:
    return FirestoreSaver.from_project(PROJECT_ID, root_collection=f"checkpoints-{unique}")


def _config(thread_id: str, ns: str = "") -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns}}


def _put(saver: FirestoreSaver, thread_id: str, values: dict[str, Any], ns: str = "",
         parent: dict[str, Any] | None = None, **metadata: Any) -> dict[str, Any]:
    """Put one checkpoint holding `values`, each channel at a new version."""
    checkpoint = empty_checkpoint()
    versions = {channel: saver.get_next_version(None, None) for channel in values}
    checkpoint["channel_values"] = dict(values)
    checkpoint["channel_versions"] = versions
    config = parent or _config(thread_id, ns)
    return saver.put(config, checkpoint, {"source": "loop", "step": 0, **metadata}, versions)


def _documents(saver: FirestoreSaver, thread_id: str) -> list[str]:
    """Every document stored for a thread (whose id needs no escaping), its own document included."""
    thread = saver.client.collection(saver.root).document(thread_id)
    paths = [thread.path] if thread.get().exists else []
    for collection in thread.collections():
        paths += [snap.reference.path for snap in collection.stream()]
    return paths


async def test_conformance_suite(firestore_emulator: str, unique: str) -> None:
    @checkpointer_test(name=f"FirestoreSaver-{unique}")
    async def fresh_saver():
        yield FirestoreSaver.from_project(PROJECT_ID, root_collection=f"conformance-{uuid.uuid4().hex[:10]}")

    report = await validate(fresh_saver)
    report.print_report()
    assert report.passed_all_base(), report.to_dict()


class BigState(TypedDict):
    blob: str
    turns: Annotated[int, operator.add]
    seen: int


def _graph(saver: FirestoreSaver) -> Any:
    builder = StateGraph(BigState)
    builder.add_node("turn", lambda state: {"turns": 1, "seen": len(state["blob"])})
    builder.add_edge(START, "turn")
    builder.add_edge("turn", END)
    return builder.compile(checkpointer=saver)


def test_graph_state_of_3_mib_survives_a_new_process(saver: FirestoreSaver, unique: str) -> None:
    blob = os.urandom(3 * MIB // 2).hex()  # a 3 MiB string: three Firestore documents' worth
    config = {"configurable": {"thread_id": f"CA{unique}"}}
    assert _graph(saver).invoke({"blob": blob, "turns": 1}, config)["turns"] == 2

    # A new saver with new clients, as another Cloud Run instance would build it, resumes the thread.
    resumed = _graph(FirestoreSaver.from_project(PROJECT_ID, root_collection=saver.root))
    assert resumed.get_state(config).values["blob"] == blob
    state = resumed.invoke({"turns": 1}, config)
    assert (state["blob"], state["turns"], state["seen"]) == (blob, 4, len(blob))

    chunks = list(saver.client.collection(saver.root, f"CA{unique}", "chunks").stream())
    assert len(chunks) >= 5
    assert all(len(doc.get("data")) <= 700 * 1024 for doc in chunks)


def test_big_put_is_split_into_batches_that_end_with_the_checkpoint(saver: FirestoreSaver) -> None:
    commits: list[_Commit] = []
    execute = saver._execute

    def recording(step: Any) -> Any:
        if isinstance(step, _Commit):
            commits.append(step)
        return execute(step)

    saver._execute = recording  # type: ignore[method-assign]
    stored = _put(saver, "big", {"a": os.urandom(2 * MIB), "b": os.urandom(2 * MIB), "c": "small"})

    assert len(commits) >= 2
    for commit in commits:
        assert len(commit.ops) <= BATCH_OPS
        assert sum(_size(data) for _, data in commit.ops) <= BATCH_BYTES
    last_path, _ = commits[-1].ops[-1]
    assert last_path[-2] == "checkpoints"
    assert all(path[-2] != "checkpoints" for commit in commits for path, _ in commit.ops[:-1])
    values = saver.get_tuple(stored).checkpoint["channel_values"]
    assert (len(values["a"]), len(values["b"]), values["c"]) == (2 * MIB, 2 * MIB, "small")


def test_delete_thread_deletes_exactly_that_thread(saver: FirestoreSaver, unique: str) -> None:
    doomed, neighbour = f"CA{unique}", f"CA{unique}_abc"
    for thread_id in (doomed, neighbour):
        stored = _put(saver, thread_id, {"big": os.urandom(MIB), "n": 1})
        _put(saver, thread_id, {"n": 2}, ns="child:1")
        saver.put_writes(stored, [("n", 3), ("big", os.urandom(MIB))], "task-1")
    assert _documents(saver, doomed)

    saver.delete_thread(doomed)

    assert saver.get_tuple(_config(doomed)) is None
    assert list(saver.list(_config(doomed))) == []
    assert _documents(saver, doomed) == []
    kept = saver.get_tuple(_config(neighbour))
    assert kept is not None and len(kept.checkpoint["channel_values"]["big"]) == MIB
    written = [(channel, len(v) if channel == "big" else v) for _, channel, v in kept.pending_writes]
    assert written == [("n", 3), ("big", MIB)]
    assert len(list(saver.list(_config(neighbour)))) == 1
    assert len(list(saver.list({"configurable": {"thread_id": neighbour}}))) == 2


@pytest.mark.parametrize("thread_id", ["a/b", "..", ".", "__x__", "%2F", "ça va? #1", "a.b_c"])
def test_any_string_is_a_thread_namespace_and_channel(saver: FirestoreSaver, thread_id: str) -> None:
    ns = f"parent:{thread_id}|child/{thread_id}"
    stored = _put(saver, thread_id, {thread_id: "value", "other/chan": 2}, ns=ns)
    saver.put_writes(stored, [(thread_id, "w")], f"task/{thread_id}", task_path=thread_id)

    got = saver.get_tuple(_config(thread_id, ns))
    assert got.config == stored
    assert got.checkpoint["channel_values"] == {thread_id: "value", "other/chan": 2}
    assert got.pending_writes == [(f"task/{thread_id}", thread_id, "w")]
    assert saver.get_tuple(_config(thread_id)) is None  # the root namespace is a different one


def test_put_writes_keeps_regular_writes_and_overwrites_special_ones(saver: FirestoreSaver) -> None:
    stored = _put(saver, "writes", {"n": 1})
    saver.put_writes(stored, [("n", "first"), (ERROR, "boom")], "task-b", task_path="~b")
    saver.put_writes(stored, [("n", "retried"), (ERROR, "boom again")], "task-b", task_path="~b")
    saver.put_writes(stored, [("n", "x"), ("m", "y")], "task-a", task_path="~a")
    saver.put_writes(stored, [("n", os.urandom(2 * MIB))], "task-c", task_path="~c")

    writes = saver.get_tuple(stored).pending_writes
    # Sorted by (task_path, task_id, idx), as live execution applies them; special idx are negative.
    assert [(task, channel) for task, channel, _ in writes] == [
        ("task-a", "n"), ("task-a", "m"), ("task-b", ERROR), ("task-b", "n"), ("task-c", "n")]
    assert [value for _, _, value in writes[:4]] == ["x", "y", "boom again", "first"]
    assert len(writes[4][2]) == 2 * MIB


def test_list_orders_filters_and_pages(saver: FirestoreSaver) -> None:
    configs: list[dict[str, Any]] = []
    for step in range(40):  # more than one page of PAGE checkpoints
        parent = configs[-1] if configs else None
        configs.append(_put(saver, "history", {"step": step}, parent=parent, step=step,
                            parity="even" if step % 2 == 0 else "odd"))
        if step % 10 == 0:
            _put(saver, "history", {"sub": step}, ns=f"sub:{step}")
    ids = [c["configurable"]["checkpoint_id"] for c in configs]
    config = _config("history")

    listed = list(saver.list(config))
    assert [t.checkpoint["id"] for t in listed] == ids[::-1]
    assert listed[0].parent_config == configs[-2]
    assert listed[-1].parent_config is None
    assert [t.metadata["step"] for t in saver.list(config, filter={"parity": "odd"}, limit=3)] == [39, 37, 35]
    before = saver.list(config, before=configs[20], limit=2)
    assert [t.checkpoint["id"] for t in before] == [ids[19], ids[18]]
    assert len(list(saver.list({"configurable": {"thread_id": "history"}}))) == 44
    assert [t.checkpoint["channel_values"] for t in saver.list(_config("history", "sub:30"))] == [{"sub": 30}]
    assert len(list(saver.list(None, filter={"parity": "even"}))) == 20
    assert len(list(saver.list(None, limit=41))) == 41
    assert saver.get_tuple(config).checkpoint["channel_values"] == {"step": 39}


async def test_async_methods_need_the_async_client(firestore_emulator: str, unique: str) -> None:
    saver = FirestoreSaver(firestore.Client(project=PROJECT_ID), root_collection=f"sync-only-{unique}")
    stored = _put(saver, "t", {"n": 1})
    assert saver.get_tuple(stored) is not None
    with pytest.raises(RuntimeError, match="async_client"):
        await saver.aget_tuple(stored)


async def test_async_and_sync_share_the_data_big_values_included(saver: FirestoreSaver) -> None:
    big = os.urandom(2 * MIB)
    checkpoint = empty_checkpoint()
    versions = {"n": 1, "big": 1}
    checkpoint["channel_values"], checkpoint["channel_versions"] = {"n": 7, "big": big}, versions
    stored = await saver.aput(_config("mixed"), checkpoint, {"source": "input", "step": -1}, versions)
    await saver.aput_writes(stored, [("n", 8), ("big", big)], "task")
    assert saver.get_tuple(stored).pending_writes == [("task", "n", 8), ("task", "big", big)]
    listed = [t async for t in saver.alist(_config("mixed"))]
    assert [t.checkpoint["channel_values"] for t in listed] == [{"n": 7, "big": big}]
    await saver.adelete_thread("mixed")
    assert saver.get_tuple(stored) is None
    assert _documents(saver, "mixed") == []


def test_next_versions_increase_as_strings(saver: FirestoreSaver) -> None:
    versions = [saver.get_next_version(None, None)]
    for _ in range(12):
        versions.append(saver.get_next_version(versions[-1], None))
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert saver.get_next_version(5, None).startswith(f"{6:032}.")


class Chat(TypedDict):
    said: Annotated[list[str], operator.add]


def _interrupting_graph(saver: Any) -> Any:
    """A subgraph (its own checkpoint namespace) and an interrupt (special pending writes)."""
    inner = StateGraph(Chat)
    inner.add_node("greet", lambda state: {"said": ["hello"]})
    inner.add_edge(START, "greet")
    builder = StateGraph(Chat)
    builder.add_node("sub", inner.compile())
    builder.add_node("ask", lambda state: {"said": [interrupt("book a meeting?")]})
    builder.add_edge(START, "sub")
    builder.add_edge("sub", "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=saver)


def _history(graph: Any, config: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(s.values, s.next, s.metadata["step"], s.metadata["source"],
             [(t.name, [i.value for i in t.interrupts]) for t in s.tasks])
            for s in graph.get_state_history(config)]


def test_a_graph_sees_the_same_history_as_with_in_memory_saver(saver: FirestoreSaver) -> None:
    histories = []
    for checkpointer in (InMemorySaver(), saver):
        graph, config = _interrupting_graph(checkpointer), {"configurable": {"thread_id": "same"}}
        graph.invoke({"said": ["hi"]}, config)
        assert graph.get_state(config).interrupts[0].value == "book a meeting?"
        assert graph.invoke(Command(resume="yes"), config)["said"][-2:] == ["hello", "yes"]
        namespaces = sorted(t.config["configurable"]["checkpoint_ns"].split(":")[0]
                            for t in checkpointer.list(config))  # every namespace, subgraph's included
        histories.append((_history(graph, config), namespaces))
    assert histories[0] == histories[1]
    assert "sub" in histories[1][1]
    assert len(histories[1][0]) == 4


def test_reusing_reads_serves_the_next_read_of_the_latest_checkpoint_once_and_forgets_it_on_a_write(
        saver: FirestoreSaver, monkeypatch) -> None:
    _put(saver, "t-reuse", {"messages": ["hello"]})
    executed: list[Any] = []
    execute = saver._execute
    monkeypatch.setattr(saver, "_execute", lambda step: executed.append(step) or execute(step))
    with saver.reusing_reads():
        first = saver.get_tuple(_config("t-reuse"))
        reads = len(executed)
        second = saver.get_tuple(_config("t-reuse"))
        assert len(executed) == reads  # no round trip
        assert second.checkpoint == first.checkpoint and second.checkpoint is not first.checkpoint
        saver.get_tuple(_config("t-reuse"))
        assert len(executed) == 2 * reads  # only once
        saver.get_tuple(_config("t-reuse"))
        _put(saver, "t-reuse", {"messages": ["hello", "again"]}, parent=second.config)
        after = saver.get_tuple(_config("t-reuse"))
        assert after.checkpoint["channel_values"]["messages"] == ["hello", "again"]  # re-read after the write
    saver.get_tuple(_config("t-reuse"))
    before = len(executed)
    saver.get_tuple(_config("t-reuse"))
    assert len(executed) > before  # outside the block, every read goes to Firestore
