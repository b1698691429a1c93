"""Retrieval evaluation of a `KnowledgePort` against a question set (`knowledge_base/eval.yaml`).

Two figures, because a knowledge base fails in two ways: `recall_at_k`, the share of answerable
questions whose source document is among the top-k passages (the bot can answer); and
`declined_share`, the share of questions the base cannot answer for which the search returns nothing
(the bot says it does not know instead of answering from an unrelated passage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from callbot.knowledge import KnowledgePort

DEFAULT_LANGUAGE = "en-US"


@dataclass(frozen=True)
class EvalItem:
    question: str
    source: str | None  # None: the knowledge base cannot answer it
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class ItemResult:
    item: EvalItem
    sources: list[str]  # of the passages returned, best first
    scores: list[float]
    passed: bool


@dataclass
class EvalReport:
    recall_at_k: float
    declined_share: float
    k: int
    per_item: list[ItemResult] = field(default_factory=list)

    def failures(self) -> list[ItemResult]:
        return [r for r in self.per_item if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, "recall_at_k": self.recall_at_k, "declined_share": self.declined_share,
                "failures": [{"question": r.item.question, "expected": r.item.source, "got": r.sources,
                              "scores": r.scores} for r in self.failures()]}


def load_items(path: Path) -> list[EvalItem]:
    """The `items:` of an evaluation YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [EvalItem(question=i["question"], source=i.get("source"), language=i.get("language", DEFAULT_LANGUAGE))
            for i in data["items"]]


def evaluate(port: KnowledgePort, items: Iterable[EvalItem], k: int = 3) -> EvalReport:
    results = []
    for item in items:
        passages = port.search(question=item.question, language=item.language, k=k)
        sources = [p.source for p in passages]
        passed = item.source in sources if item.source is not None else not passages
        results.append(ItemResult(item, sources, [p.score for p in passages], passed))
    answerable = [r for r in results if r.item.source is not None]
    unanswerable = [r for r in results if r.item.source is None]
    return EvalReport(recall_at_k=_share(answerable), declined_share=_share(unanswerable), k=k, per_item=results)


def _share(results: list[ItemResult]) -> float:
    return round(sum(r.passed for r in results) / len(results), 3) if results else 1.0
