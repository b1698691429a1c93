"""Retrieval evaluation of a `KnowledgePort` against a question set (`knowledge_base/eval.yaml`).

A knowledge base fails in two ways, so two kinds of figures:

- on the answerable questions, where the document that answers ranks among the passages returned:
  `recall@1` and `recall@k` (the share found first, and among the top k: the bot can answer), and
  `MRR` (the mean of 1/rank, 0 when not returned). A question whose answer spans pages lists them
  all (`source: [a.md, b.pdf]`) and counts as found at the rank of the first of them returned;
- on the unanswerable ones, `declined`: the share for which the search returns nothing (the bot says
  it does not know instead of answering from an unrelated passage).

Each figure is given for the whole set, per language of the question, and per type of the document
that answers (`md`, `pdf`, `html`, `docx`; unanswerable questions have none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from callbot.knowledge import KnowledgePort

DEFAULT_LANGUAGE = "en-US"


@dataclass(frozen=True)
class EvalItem:
    question: str
    sources: tuple[str, ...]  # the documents that answer it; empty: the knowledge base cannot
    language: str = DEFAULT_LANGUAGE

    @property
    def answerable(self) -> bool:
        return bool(self.sources)

    @property
    def document_type(self) -> str | None:
        return PurePosixPath(self.sources[0]).suffix.lstrip(".").lower() if self.sources else None


@dataclass(frozen=True)
class ItemResult:
    item: EvalItem
    sources: list[str]  # of the passages returned, best first
    scores: list[float]
    rank: int | None  # of the first answering document among `sources`, from 1

    @property
    def passed(self) -> bool:
        return self.rank is not None if self.item.answerable else not self.sources


@dataclass(frozen=True)
class Figures:
    answerable: int
    unanswerable: int
    recall_at_1: float | None
    recall_at_k: float | None
    mrr: float | None
    declined_share: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"answerable": self.answerable, "unanswerable": self.unanswerable, "recall_at_1": self.recall_at_1,
                "recall_at_k": self.recall_at_k, "mrr": self.mrr, "declined_share": self.declined_share}


@dataclass
class EvalReport:
    k: int
    per_item: list[ItemResult] = field(default_factory=list)

    @property
    def overall(self) -> Figures:
        return figures(self.per_item)

    @property
    def recall_at_k(self) -> float:
        return self.overall.recall_at_k or 0.0

    @property
    def declined_share(self) -> float:
        return self.overall.declined_share if self.overall.declined_share is not None else 1.0

    def by_language(self) -> dict[str, Figures]:
        return _grouped(self.per_item, lambda r: r.item.language)

    def by_document_type(self) -> dict[str, Figures]:
        return _grouped([r for r in self.per_item if r.item.answerable], lambda r: r.item.document_type or "")

    def failures(self) -> list[ItemResult]:
        return [r for r in self.per_item if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, **self.overall.to_dict(),
                "by_language": {key: f.to_dict() for key, f in self.by_language().items()},
                "by_document_type": {key: f.to_dict() for key, f in self.by_document_type().items()},
                "failures": [{"question": r.item.question, "language": r.item.language,
                              "expected": list(r.item.sources), "got": r.sources, "scores": r.scores}
                             for r in self.failures()]}


def load_items(path: Path) -> list[EvalItem]:
    """The `items:` of an evaluation YAML file: `question`, `source` (a file, a list of files, or null)
    and `language` (default en-US)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for item in data["items"]:
        source = item.get("source")
        sources = tuple(source) if isinstance(source, list) else (source,) if source else ()
        items.append(EvalItem(question=item["question"], sources=sources,
                              language=item.get("language", DEFAULT_LANGUAGE)))
    return items


def evaluate(port: KnowledgePort, items: Iterable[EvalItem], k: int = 3) -> EvalReport:
    results = []
    for item in items:
        passages = port.search(question=item.question, language=item.language, k=k)
        sources = [p.source for p in passages]
        rank = next((n for n, source in enumerate(sources, start=1) if source in item.sources), None)
        results.append(ItemResult(item, sources, [p.score for p in passages], rank))
    return EvalReport(k=k, per_item=results)


def figures(results: list[ItemResult]) -> Figures:
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    ranks = [r.rank for r in answerable]
    return Figures(
        answerable=len(answerable), unanswerable=len(unanswerable),
        recall_at_1=_mean([rank == 1 for rank in ranks]), recall_at_k=_mean([rank is not None for rank in ranks]),
        mrr=_mean([1 / rank if rank else 0.0 for rank in ranks]),
        declined_share=_mean([not r.sources for r in unanswerable]))


def _grouped(results: list[ItemResult], key) -> dict[str, Figures]:
    groups: dict[str, list[ItemResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: figures(group) for name, group in sorted(groups.items())}


def _mean(values: list[bool] | list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None
