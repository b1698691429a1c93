"""LangGraph checkpoints in Firestore: `FirestoreSaver`, with the sync and the async API.

Each thread is one document tree, so deleting thread "CA" can never touch thread "CA_abc":

    {root}/{thread}                                  thread_id (lets `list(None)` find threads)
    {root}/{thread}/checkpoints/{id}.{ns}            ids, parent id, checkpoint and metadata payloads
    {root}/{thread}/blobs/{ns}.{channel}.{version}   one channel value at one version
    {root}/{thread}/writes/{id}.{ns}.{task}.{idx}    pending writes of a checkpoint
    {root}/{thread}/chunks/{sha256}.{n}              pieces of payloads too large to inline

Document ids are percent-encoded ("/", "%", "." and "_" escaped), so any string is safe and the
"."-joined parts stay unambiguous; the plain values are kept as fields for queries. As in
`InMemorySaver`, a put stores only the channels in `new_versions`, and a read assembles the values
from the blobs at the versions the checkpoint names.

A payload (serde type + bytes) is inlined up to 256 KiB; a larger one is split into 700 KiB chunk
documents named by the payload's hash. A put commits its documents in order, the checkpoint
document last: chunks and blobs are only reachable through it, so a reader never sees a checkpoint
whose parts are missing. A usual put is a single batch; big states need several, each kept under
500 writes and 3 MiB (the emulator refuses requests over 4 MiB; production allows 10 MiB).

Queries need no composite index: checkpoints of one thread are read newest first with
`order_by(checkpoint_id desc)` and `checkpoint_id < before` (automatic single-field index),
namespace and metadata are filtered here; writes are fetched with `checkpoint_id in [...]`.
In production, exempt the payload fields (`checkpoint`, `metadata`, `value`, `data`) from
single-field indexing: they are never queried and indexing them costs writes.

`reusing_reads()` serves the second of two reads of a thread's latest checkpoint with no write in
between from the first (one reuse, a copy): agent_turn reads the state to deduplicate, then the
graph reads it again to run; that is three Firestore round trips fewer before the first sentence.

Known limits: an overwritten large payload leaves its old chunks until `delete_thread`; the
insert-if-absent of `put_writes` is a read then a batch, not a transaction (one writer per call).
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple
from urllib.parse import quote

from google.cloud import firestore
from google.cloud.firestore_v1 import FieldFilter
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

INLINE_BYTES = 256 * 1024
CHUNK_BYTES = 700 * 1024
BATCH_BYTES = 3 * 1024 * 1024
BATCH_OPS = 500
PAGE = 30  # checkpoints read per query; also Firestore's limit of values in an `in` filter
SUBCOLLECTIONS = ("checkpoints", "writes", "blobs", "chunks")  # deleted in this order

Path = tuple[str, ...]
Op = tuple[Path, dict[str, Any] | None]  # a set, or a delete when the data is None


# Each operation is written once, as a generator that yields these requests and `_Out` results;
# `_iter` and `_aiter` carry the requests out with the sync or the async client.
class _Get(NamedTuple):
    paths: list[Path]  # answered with one dict (None when missing) per path


class _Query(NamedTuple):
    collection: Path
    where: list[tuple[str, str, Any]]
    newest_first: bool = False  # order by checkpoint_id, descending
    limit: int | None = None


class _ListIds(NamedTuple):
    collection: Path


class _Commit(NamedTuple):
    ops: list[Op]


class _Out(NamedTuple):
    value: Any


Program = Generator[Any, Any, Any]
_reads: ContextVar[dict[tuple[str, str], CheckpointTuple] | None] = ContextVar("checkpoint_reads", default=None)


class FirestoreSaver(BaseCheckpointSaver[str]):
    """Stores LangGraph checkpoints under `root_collection`; async methods need `async_client`."""

    def __init__(self, client: firestore.Client, async_client: firestore.AsyncClient | None = None,
                 root_collection: str = "langgraph", serde: SerializerProtocol | None = None) -> None:
        if not root_collection or "/" in root_collection:
            raise ValueError(f"root_collection must be one collection id, got {root_collection!r}")
        super().__init__(serde=serde)
        self.client = client
        self.async_client = async_client
        self.root = root_collection

    @classmethod
    def from_project(cls, project: str, database: str = "(default)",
                     root_collection: str = "langgraph") -> FirestoreSaver:
        """Build both clients for `project` (they honour FIRESTORE_EMULATOR_HOST)."""
        return cls(firestore.Client(project=project, database=database),
                   firestore.AsyncClient(project=project, database=database), root_collection)

    # --- public API: each method runs one program with the sync or the async driver ---

    @contextmanager
    def reusing_reads(self) -> Iterator[None]:
        """Within this block, a read of a thread's latest checkpoint is kept for the next read of it
        (once), unless something is written to the thread in between."""
        token = _reads.set({})
        try:
            yield
        finally:
            _reads.reset(token)

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        memo, latest = _reads.get(), _latest_key(config)
        if memo is not None and latest is not None and latest in memo:
            return memo.pop(latest)
        found = self._run(self._get_tuple(config))
        if memo is not None and latest is not None and found is not None:
            memo[latest] = copy.deepcopy(found)
        return found

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self._arun(self._get_tuple(config))

    def list(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
             before: RunnableConfig | None = None, limit: int | None = None) -> Iterator[CheckpointTuple]:
        return self._iter(self._list(config, filter, before, limit))

    async def alist(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
                    before: RunnableConfig | None = None,
                    limit: int | None = None) -> AsyncIterator[CheckpointTuple]:
        async for item in self._aiter(self._list(config, filter, before, limit)):
            yield item

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        _forget(config)
        return self._run(self._put(config, checkpoint, metadata, new_versions))

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        return await self._arun(self._put(config, checkpoint, metadata, new_versions))

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        _forget(config)
        self._run(self._put_writes(config, writes, task_id, task_path))

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        await self._arun(self._put_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        _forget({"configurable": {"thread_id": thread_id}})
        self._run(self._delete_thread(thread_id))

    async def adelete_thread(self, thread_id: str) -> None:
        await self._arun(self._delete_thread(thread_id))

    def get_next_version(self, current: str | None, channel: None) -> str:
        """As `InMemorySaver`: a zero-padded counter and a random suffix, so versions sort."""
        current_v = 0 if current is None else int(str(current).split(".")[0])
        return f"{current_v + 1:032}.{random.random():016}"

    # --- programs ---

    def _get_tuple(self, config: RunnableConfig) -> Program:
        conf = config["configurable"]
        thread_id, ns = conf["thread_id"], conf.get("checkpoint_ns", "")
        if checkpoint_id := get_checkpoint_id(config):
            [head] = yield _Get([self._doc(thread_id, "checkpoints", checkpoint_id, ns)])
            yield from self._emit(thread_id, [head] if head else [], None, 1)
        else:
            yield from self._scan(thread_id, ns, None, None, 1)

    def _list(self, config: RunnableConfig | None, filter: dict[str, Any] | None,
              before: RunnableConfig | None, limit: int | None) -> Program:
        if config is None:
            threads = yield _Query((self.root,), [])
            thread_ids = [thread["thread_id"] for thread in threads]
        else:
            thread_ids = [config["configurable"]["thread_id"]]
        ns = config["configurable"].get("checkpoint_ns") if config else None
        checkpoint_id = get_checkpoint_id(config) if config else None
        before_id = get_checkpoint_id(before) if before else None
        for thread_id in thread_ids:
            if limit is not None and limit <= 0:
                return
            if checkpoint_id:
                rows = yield _Query(self._coll(thread_id, "checkpoints"),
                                    [("checkpoint_id", "==", checkpoint_id)])
                heads = [r for r in rows if _wanted(r, ns, before_id)]
                emitted = yield from self._emit(thread_id, heads, filter, limit)
            else:
                emitted = yield from self._scan(thread_id, ns, before_id, filter, limit)
            limit = None if limit is None else limit - emitted

    def _scan(self, thread_id: str, ns: str | None, before_id: str | None,
              filter: dict[str, Any] | None, limit: int | None) -> Program:
        """Emit one thread's checkpoints newest first, a page at a time; return how many."""
        emitted, cursor = 0, before_id
        size = PAGE if limit is None else max(1, min(PAGE, limit))
        while limit is None or emitted < limit:
            where = [("checkpoint_id", "<", cursor)] if cursor else []
            rows = yield _Query(self._coll(thread_id, "checkpoints"), where, True, size)
            heads = [r for r in rows if _wanted(r, ns, None)]
            budget = None if limit is None else limit - emitted
            emitted += yield from self._emit(thread_id, heads, filter, budget)
            if len(rows) < size:
                break
            cursor, size = rows[-1]["checkpoint_id"], min(PAGE, size * 2)
        return emitted

    def _emit(self, thread_id: str, heads: list[dict[str, Any]], filter: dict[str, Any] | None,
              budget: int | None) -> Program:
        """Decode checkpoint heads, keep those matching `filter` (at most `budget`), load their
        blobs and pending writes, and yield them as `CheckpointTuple`s; return how many."""
        chunks = yield from self._chunks(thread_id, [h[f] for h in heads for f in ("checkpoint", "metadata")])
        kept = []
        for head in heads:
            metadata = self._decode(head["metadata"], chunks)
            if filter and not all(metadata.get(k) == v for k, v in filter.items()):
                continue
            if budget is not None and len(kept) >= budget:
                break
            kept.append((head, self._decode(head["checkpoint"], chunks), metadata))
        if not kept:
            return 0
        blob_paths = [self._doc(thread_id, "blobs", h["checkpoint_ns"], ch, str(ver))
                      for h, cp, _ in kept for ch, ver in cp["channel_versions"].items()]
        blobs = dict(zip(blob_paths, (yield _Get(blob_paths)), strict=True))
        ids = sorted({h["checkpoint_id"] for h, _, _ in kept})
        writes = yield _Query(self._coll(thread_id, "writes"), [("checkpoint_id", "in", ids)])
        payloads = [b["value"] for b in blobs.values() if b] + [w["value"] for w in writes]
        chunks.update((yield from self._chunks(thread_id, payloads)))
        for head, checkpoint, metadata in kept:
            ns, checkpoint_id = head["checkpoint_ns"], head["checkpoint_id"]
            values = {}
            for channel, version in checkpoint["channel_versions"].items():
                blob = blobs[self._doc(thread_id, "blobs", ns, channel, str(version))]
                if blob and blob["value"]["type"] != "empty":
                    values[channel] = self._decode(blob["value"], chunks)
            mine = [w for w in writes if (w["checkpoint_ns"], w["checkpoint_id"]) == (ns, checkpoint_id)]
            mine.sort(key=lambda w: writes_sort_key(w["task_path"], w["task_id"], w["idx"]))
            parent_id = head.get("parent_checkpoint_id")
            yield _Out(CheckpointTuple(
                config=_config(thread_id, ns, checkpoint_id),
                checkpoint={**checkpoint, "channel_values": values},
                metadata=metadata,
                parent_config=_config(thread_id, ns, parent_id) if parent_id else None,
                pending_writes=[(w["task_id"], w["channel"], self._decode(w["value"], chunks)) for w in mine],
            ))
        return len(kept)

    def _put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
             new_versions: ChannelVersions) -> Program:
        conf = config["configurable"]
        thread_id, ns = conf["thread_id"], conf.get("checkpoint_ns", "")
        stripped = dict(checkpoint)
        values = stripped.pop("channel_values")
        ops: list[Op] = []
        for channel, version in new_versions.items():
            typed = self.serde.dumps_typed(values[channel]) if channel in values else ("empty", b"")
            value = self._payload(thread_id, typed, ops)
            ops.append((self._doc(thread_id, "blobs", ns, channel, str(version)),
                        {"checkpoint_ns": ns, "channel": channel, "version": str(version), "value": value}))
        head = {
            "thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"],
            "parent_checkpoint_id": conf.get("checkpoint_id"),
            "checkpoint": self._payload(thread_id, self.serde.dumps_typed(stripped), ops),
            "metadata": self._payload(
                thread_id, self.serde.dumps_typed(get_checkpoint_metadata(config, metadata)), ops),
        }
        ops.append((self._thread(thread_id), {"thread_id": thread_id}))
        ops.append((self._doc(thread_id, "checkpoints", checkpoint["id"], ns), head))  # last: commit point
        for batch in _batches(ops):
            yield _Commit(batch)
        yield _Out(_config(thread_id, ns, checkpoint["id"]))

    def _put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                    task_path: str) -> Program:
        """Regular writes are kept if already stored (a retried task); special ones overwrite."""
        conf = config["configurable"]
        thread_id, ns, checkpoint_id = conf["thread_id"], conf.get("checkpoint_ns", ""), conf["checkpoint_id"]
        rows = {}
        for idx, (channel, value) in enumerate(writes):
            idx = WRITES_IDX_MAP.get(channel, idx)
            rows[self._doc(thread_id, "writes", checkpoint_id, ns, task_id, str(idx))] = (idx, channel, value)
        regular = [path for path, (idx, _, _) in rows.items() if idx >= 0]
        existing = {path for path, doc in zip(regular, (yield _Get(regular)), strict=True) if doc}
        ops: list[Op] = []
        heads: list[Op] = []
        for path, (idx, channel, value) in rows.items():
            if path not in existing:
                heads.append((path, {
                    "thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id,
                    "task_id": task_id, "task_path": task_path, "idx": idx, "channel": channel,
                    "value": self._payload(thread_id, self.serde.dumps_typed(value), ops)}))
        for batch in _batches(ops + heads):
            yield _Commit(batch)

    def _delete_thread(self, thread_id: str) -> Program:
        ops: list[Op] = []
        for name in SUBCOLLECTIONS:
            ids = yield _ListIds(self._coll(thread_id, name))
            ops.extend(((*self._coll(thread_id, name), doc_id), None) for doc_id in ids)
        ops.append((self._thread(thread_id), None))
        for batch in _batches(ops):
            yield _Commit(batch)

    # --- payloads and paths ---

    def _payload(self, thread_id: str, typed: tuple[str, bytes], ops: list[Op]) -> dict[str, Any]:
        """A serde payload as a map: inline, or as ids of chunk documents appended to `ops`."""
        kind, data = typed
        if len(data) <= INLINE_BYTES:
            return {"type": kind, "data": data}
        digest = hashlib.sha256(data).hexdigest()
        ids = []
        for n, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            ids.append(f"{digest}.{n}")
            piece = data[start:start + CHUNK_BYTES]
            ops.append(((*self._coll(thread_id, "chunks"), ids[-1]), {"data": piece}))
        return {"type": kind, "chunks": ids}

    def _chunks(self, thread_id: str, payloads: list[dict[str, Any]]) -> Program:
        """Fetch the chunk documents the payloads refer to; return {chunk id: bytes}."""
        ids = sorted({i for p in payloads for i in p.get("chunks", ())})
        if not ids:
            return {}
        docs = yield _Get([(*self._coll(thread_id, "chunks"), i) for i in ids])
        missing = [i for i, doc in zip(ids, docs, strict=True) if doc is None]
        if missing:
            raise LookupError(f"thread {thread_id!r}: chunk documents missing: {missing}")
        return {i: doc["data"] for i, doc in zip(ids, docs, strict=True)}

    def _decode(self, payload: dict[str, Any], chunks: dict[str, bytes]) -> Any:
        data = payload["data"] if "data" in payload else b"".join(chunks[i] for i in payload["chunks"])
        return self.serde.loads_typed((payload["type"], data))

    def _thread(self, thread_id: str) -> Path:
        return (self.root, _key(thread_id))

    def _coll(self, thread_id: str, name: str) -> Path:
        return (*self._thread(thread_id), name)

    def _doc(self, thread_id: str, collection: str, *parts: str) -> Path:
        return (*self._coll(thread_id, collection), _key(*parts))

    # --- drivers ---

    def _run(self, program: Program) -> Any:
        """Run a program to its end; return its result (put, get_tuple), or None if it has none."""
        results = [*self._iter(program)]
        return results[0] if results else None

    async def _arun(self, program: Program) -> Any:
        results = [result async for result in self._aiter(program)]
        return results[0] if results else None

    def _iter(self, program: Program) -> Iterator[Any]:
        reply = None
        while True:
            try:
                step = program.send(reply)
            except StopIteration:
                return
            if isinstance(step, _Out):
                reply = None
                yield step.value
            else:
                reply = self._execute(step)

    async def _aiter(self, program: Program) -> AsyncIterator[Any]:
        reply = None
        while True:
            try:
                step = program.send(reply)
            except StopIteration:
                return
            if isinstance(step, _Out):
                reply = None
                yield step.value
            else:
                reply = await self._aexecute(step)

    def _execute(self, step: Any) -> Any:
        db = self.client
        match step:
            case _Get(paths):
                found = {s.reference.path: s.to_dict() for s in
                         (db.get_all([db.document(*p) for p in dict.fromkeys(paths)]) if paths else ())}
                return [found.get("/".join(p)) for p in paths]
            case _Query():
                return [snap.to_dict() for snap in _query(db.collection(*step.collection), step).stream()]
            case _ListIds(collection):
                return [ref.id for ref in db.collection(*collection).list_documents()]
            case _Commit(ops):
                _fill(db.batch(), db, ops).commit()

    async def _aexecute(self, step: Any) -> Any:
        db = self.async_client
        if db is None:
            raise RuntimeError("FirestoreSaver has no async_client: pass one, or use from_project()")
        match step:
            case _Get(paths):
                found = {s.reference.path: s.to_dict() async for s in
                         db.get_all([db.document(*p) for p in dict.fromkeys(paths)])} if paths else {}
                return [found.get("/".join(p)) for p in paths]
            case _Query():
                query = _query(db.collection(*step.collection), step)
                return [snap.to_dict() async for snap in query.stream()]
            case _ListIds(collection):
                return [ref.id async for ref in db.collection(*collection).list_documents()]
            case _Commit(ops):
                await _fill(db.batch(), db, ops).commit()


def _latest_key(config: RunnableConfig) -> tuple[str, str] | None:
    """The key of a read of a thread's latest checkpoint; None for a read of a given checkpoint."""
    conf = config.get("configurable") or {}
    if get_checkpoint_id(config) or "thread_id" not in conf:
        return None
    return str(conf["thread_id"]), conf.get("checkpoint_ns", "")


def _forget(config: RunnableConfig) -> None:
    memo, thread_id = _reads.get(), (config.get("configurable") or {}).get("thread_id")
    if memo:
        for key in [k for k in memo if k[0] == str(thread_id)]:
            del memo[key]


def _key(*parts: str) -> str:
    """A Firestore document id for a tuple of strings, injective and valid for any input."""
    return ".".join(quote(p, safe="").replace(".", "%2E").replace("_", "%5F") for p in parts)


def _wanted(head: dict[str, Any], ns: str | None, before_id: str | None) -> bool:
    """Whether a checkpoint head is in namespace `ns` (any if None) and older than `before_id`."""
    in_ns = ns is None or head["checkpoint_ns"] == ns
    return in_ns and not (before_id and head["checkpoint_id"] >= before_id)


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}}


def _query(collection: Any, step: _Query) -> Any:
    query = collection
    for field, op, value in step.where:
        query = query.where(filter=FieldFilter(field, op, value))
    if step.newest_first:
        query = query.order_by("checkpoint_id", direction=firestore.Query.DESCENDING)
    return query.limit(step.limit) if step.limit else query


def _fill(batch: Any, db: Any, ops: list[Op]) -> Any:
    for path, data in ops:
        if data is None:
            batch.delete(db.document(*path))
        else:
            batch.set(db.document(*path), data)
    return batch


def _batches(ops: list[Op]) -> Iterator[list[Op]]:
    """Split ops, in order, into batches within Firestore's limits of writes and request size."""
    batch: list[Op] = []
    size = 0
    for op in ops:
        cost = 1024 + sum(map(len, op[0])) + _size(op[1])
        if batch and (len(batch) == BATCH_OPS or size + cost > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(op)
        size += cost
    if batch:
        yield batch


def _size(value: Any) -> int:
    if isinstance(value, (bytes, str)):
        return len(value)
    if isinstance(value, dict):
        return sum(len(k) + _size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(map(_size, value))
    return 16
