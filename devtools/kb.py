"""What `callbot kb ingest | ask | eval` do: the knowledge base on Firestore, from the command line.

They use the local stack's Firestore emulator when a stack is running (`callbot dev up`), else the
project named by CALLBOT_PROJECT_ID or GOOGLE_CLOUD_PROJECT with the credentials of the environment.
The offline embedder is the default; `vertex` uses Vertex AI (and needs credentials), and then the
threshold must be one tuned for it (`--threshold`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from callbot.knowledge import Passage
from callbot.knowledge.embeddings import OFFLINE_THRESHOLD
from callbot.knowledge.evaluation import EvalReport, evaluate, load_items
from callbot.knowledge.firestore_vectors import DEFAULT_COLLECTION, FirestoreKnowledge
from callbot.knowledge.ingest import IngestReport, ingest
from devtools import stack
from devtools.demo_company import KNOWLEDGE_BASE, embedder

EVAL_SET = KNOWLEDGE_BASE / "eval.yaml"
DONT_KNOW = "I don't know; a specialist will follow up."


def open_store(embedder_name: str = "offline", collection: str = DEFAULT_COLLECTION,
               threshold: float = OFFLINE_THRESHOLD, state_dir: Path = stack.DEFAULT_STATE_DIR) -> FirestoreKnowledge:
    """The knowledge base of the running local stack, else of the environment's project."""
    if stack.status(state_dir).get("running"):
        info = stack.load(state_dir)
        os.environ.update(info.emulator_env())
        project = info.project_id
    else:
        project = os.environ.get("CALLBOT_PROJECT_ID") or os.environ.get("GOOGLE_CLOUD_PROJECT")
        if not project:
            raise SystemExit("no local stack is running and neither CALLBOT_PROJECT_ID nor "
                             "GOOGLE_CLOUD_PROJECT is set")
    return FirestoreKnowledge.from_project(project, embedder(embedder_name), collection=collection,
                                           threshold=threshold)


def ingest_folder(store: FirestoreKnowledge, root: Path | str) -> IngestReport:
    return ingest(store, store.embedder, root)


def answer(passages: list[Passage], sentences: int = 2) -> str:
    """What the bot would say: the best passage's first sentences and its title, or that it does not know."""
    if not passages:
        return DONT_KNOW
    best = passages[0]
    first = " ".join(re.split(r"(?<=[.!?])\s+", best.text.strip())[:sentences])
    return f"{first} (source: {best.title})"


def ask(store: FirestoreKnowledge, question: str, language: str = "en-US", k: int = 3) -> tuple[str, list[Passage]]:
    passages = store.search(question=question, language=language, k=k)
    return answer(passages), passages


def run_eval(store: FirestoreKnowledge, k: int = 3, eval_set: Path = EVAL_SET) -> EvalReport:
    return evaluate(store, load_items(eval_set), k=k)


def render_eval(report: EvalReport) -> str:
    lines = [f"recall@{report.k}: {report.recall_at_k:.3f}", f"declined share: {report.declined_share:.3f}"]
    for result in report.failures():
        expected = result.item.source or "nothing"
        got = ", ".join(f"{s} ({score:.3f})" for s, score in zip(result.sources, result.scores, strict=True))
        lines.append(f"  MISS {result.item.question!r}: expected {expected}, got {got or 'nothing'}")
    return "\n".join(lines)
