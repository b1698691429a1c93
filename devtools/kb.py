"""What `callbot kb ingest | ask | eval` do: the knowledge base on Firestore, from the command line.

They use the local stack's Firestore emulator when a stack is running (`callbot dev up`), else the
project named by CALLBOT_PROJECT_ID or GOOGLE_CLOUD_PROJECT with the credentials of the environment.
The local embedding model is the default; `vertexai` uses Vertex AI (and needs credentials), and then
the threshold must be one tuned for it (`--threshold`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from callbot.knowledge import Passage
from callbot.knowledge.evaluation import EvalReport, Figures, evaluate, load_items
from callbot.knowledge.firestore_vectors import DEFAULT_COLLECTION, FirestoreKnowledge
from callbot.knowledge.hybrid import MODES, Mode
from callbot.knowledge.ingest import IngestReport, ingest
from devtools import stack
from devtools.demo_company import KNOWLEDGE_BASE, embedder

EVAL_SET = KNOWLEDGE_BASE / "eval.yaml"
DONT_KNOW = "I don't know; a specialist will follow up."


def open_store(embedder_name: str = "local", collection: str = DEFAULT_COLLECTION, threshold: float | None = None,
               state_dir: Path = stack.DEFAULT_STATE_DIR, mode: Mode = "hybrid",
               searches: bool = True) -> FirestoreKnowledge:
    """The knowledge base of the running local stack, else of the environment's project; `threshold`
    None: the embedder's own (an embedder without one can only ingest: `searches` False)."""
    if stack.status(state_dir).get("running"):
        info = stack.load(state_dir)
        os.environ.update(info.emulator_env())
        project = info.project_id
    else:
        project = os.environ.get("CALLBOT_PROJECT_ID") or os.environ.get("GOOGLE_CLOUD_PROJECT")
        if not project:
            raise SystemExit("no local stack is running and neither CALLBOT_PROJECT_ID nor "
                             "GOOGLE_CLOUD_PROJECT is set")
    engine, default = embedder(embedder_name)
    threshold = default if threshold is None else threshold
    if threshold is None and searches:
        raise SystemExit(f"the {embedder_name} embedder has no default threshold: pass --threshold")
    return FirestoreKnowledge.from_project(project, engine, collection=collection,
                                           threshold=1.0 if threshold is None else threshold, mode=mode)


def ingest_folder(store: FirestoreKnowledge, root: Path | str) -> IngestReport:
    return ingest(store, store.embedder, root)


def answer(passages: list[Passage], sentences: int = 2) -> str:
    """What the bot would say: the best passage's first sentences and where they come from, or that it
    does not know."""
    if not passages:
        return DONT_KNOW
    best = passages[0]
    first = " ".join(re.split(r"(?<=[.!?])\s+", best.text.strip())[:sentences])
    return f"{first} (source: {citation(best)})"


def citation(passage: Passage) -> str:
    """"Security, page 2"."""
    return f"{passage.title}, page {passage.page}" if passage.page else passage.title


def ask(store: FirestoreKnowledge, question: str, language: str = "en-US", k: int = 3) -> tuple[str, list[Passage]]:
    passages = store.search(question=question, language=language, k=k)
    return answer(passages), passages


def run_eval(store: FirestoreKnowledge, k: int = 3, eval_set: Path = EVAL_SET,
             modes: tuple[Mode, ...] = MODES) -> dict[Mode, EvalReport]:
    """The evaluation set against the store's chunks, once per retrieval mode."""
    items = load_items(eval_set)
    return {mode: evaluate(FirestoreKnowledge(store.client, store.embedder, store.collection, store.threshold, mode),
                           items, k=k) for mode in modes}


def render_eval(reports: dict[Mode, EvalReport], failures: bool = True) -> str:
    """One table: per mode, the figures for the whole set, per language and per document type; then
    the hybrid mode's misses."""
    k = next(iter(reports.values())).k
    lines = [(f"{'mode':8} {'questions':14} {'answerable':>10} {'recall@1':>9} {f'recall@{k}':>9} {'MRR':>6} "
             f"{'unanswerable':>12} {'declined':>9}")]
    for mode, report in reports.items():
        groups = [("all", report.overall), *((f"lang {key}", f) for key, f in report.by_language().items()),
                  *((f"type {key}", f) for key, f in report.by_document_type().items())]
        lines += [f"{mode:8} {name:14} {_row(f)}" for name, f in groups]
    shown = reports.get("hybrid") or next(iter(reports.values()))
    for result in shown.failures() if failures else []:
        expected = ", ".join(result.item.sources) or "nothing"
        got = ", ".join(f"{s} ({score:.3f})" for s, score in zip(result.sources, result.scores, strict=True))
        lines.append(f"  MISS {result.item.question!r}: expected {expected}, got {got or 'nothing'}")
    return "\n".join(lines)


def _row(f: Figures) -> str:
    def cell(value: float | None, width: int) -> str:
        return f"{value:>{width}.3f}" if value is not None else f"{'-':>{width}}"

    return (f"{f.answerable:>10} {cell(f.recall_at_1, 9)} {cell(f.recall_at_k, 9)} {cell(f.mrr, 6)} "
            f"{f.unanswerable:>12} {cell(f.declined_share, 9)}")
