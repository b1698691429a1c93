"""The knowledge base's retrieval, measured: a folder of documents ingested into a fresh collection on
a Firestore emulator of its own, then an evaluation set asked in every retrieval mode (hybrid,
vector, keyword) with recall@1, recall@k, MRR and the declined share, per language and document
type, and what ingestion and one search cost.

    python -m bench.knowledge                                  # knowledge_base/ and its eval.yaml
    python -m bench.knowledge --folder DIR --set QUESTIONS.yaml  # a corpus of one's own (held out)

The embedder is the local model unless `--embedder deterministic`. Nothing of the local stack is
needed, and the emulator is stopped on the way out.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from bench.stats import percentile, write_results
from callbot.knowledge.firestore_vectors import FirestoreKnowledge
from callbot.knowledge.ingest import ingest
from devtools import kb
from devtools.demo_company import KNOWLEDGE_BASE, embedder
from devtools.emulators import start_emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge", description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=KNOWLEDGE_BASE, help="the documents (default: knowledge_base)")
    parser.add_argument("--set", type=Path, help="the questions (default: FOLDER/eval.yaml)")
    parser.add_argument("--embedder", choices=("local", "deterministic"), default="local")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from google.cloud import firestore

    child, host = start_emulator("firestore", Path(tempfile.mkdtemp(prefix="bench-knowledge-")))
    try:
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        engine, threshold = embedder(args.embedder)
        store = FirestoreKnowledge(firestore.Client(project="bench-knowledge"), engine,
                                   collection=f"kb-{uuid.uuid4().hex[:8]}", threshold=threshold)
        started = time.perf_counter()
        report = ingest(store, engine, args.folder)
        ingest_s = time.perf_counter() - started
        reports = kb.run_eval(store, args.k, args.set or args.folder / "eval.yaml")
        question = "How much does it cost per user?"
        store.search(question=question, language="en-US")  # the keyword index is built on the first search
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            store.search(question=question, language="en-US")
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        child.stop()
    cost = {"documents": len(report.added), "skipped": report.skipped, "chunks": report.chunks,
            "ingest_s": round(ingest_s, 1), "search_ms_p50": round(percentile(timings, 50), 1)}
    payload = {"embedder": args.embedder, "threshold": threshold, "folder": str(args.folder), "cost": cost,
               **{mode: r.to_dict() for mode, r in reports.items()}}
    path = write_results("knowledge", payload)
    if args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(f"{args.embedder} embedder, threshold {threshold}: {cost}")
        print(kb.render_eval(reports))
        print(f"figures: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
