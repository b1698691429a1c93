"""Whether the knowledge base answers a question at all: the gate between "answer from these
passages" and "the knowledge base does not say".

Two signs, fitted together on `knowledge_base/eval.yaml` with the local models (bench/README.md):

- the reranker's judgement (`reranker.py`) of the best of the first `RERANKED` fused candidates,
  question and passage read together: a logit, above 0 for a passage that answers;
- how far the embedder's nearest chunk stands out from the other candidates: its similarity minus
  the mean similarity of the `CANDIDATES` nearest. An unanswerable question is about equally close
  to many chunks (it shares the corpus's subject, not a fact); an answerable one has a chunk
  closer than the rest, even when it says it in other words ("kept in Europe" for "hosted in
  Belgium"), which the reranker, trained on English web searches, sometimes scores low.

The base answers when `reranker + SPREAD_WEIGHT * spread >= THRESHOLD`. The reranker was trained on
English and cannot read a question against passages of another language (a French caller's
question over the English pages, the fallback: every score near -11, whatever the passage), so there
it does not judge, and its part is taken as `UNREAD`: the spread alone must then reach
(THRESHOLD - UNREAD) / SPREAD_WEIGHT, 0.035. The weight and the
threshold come from a logistic regression of answerable against unanswerable on the evaluation set
(balanced classes), the threshold where recall and declined share add up to the most; neither
depends on the corpus's size the way BM25 scores or IDF-weighted coverage do. The spread is in
the local embedder's units (multilingual-e5-small): another embedder needs its own weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RERANKED = 3  # fused candidates the reranker reads, best first; the passages returned are the best of them
SPREAD_WEIGHT = 190.0  # reranker logit points per unit of spread (the spread is 0.00-0.05)
THRESHOLD = 1.9
UNREAD = -4.75  # the reranker's part where it cannot read the question (another language than the passages')


@dataclass(frozen=True)
class Verdict:
    """The signs of one search and what the gate made of them."""

    reranker: float  # the best reranker logit among the candidates read
    spread: float  # best similarity minus the mean of the candidates'
    score: float  # reranker + SPREAD_WEIGHT * spread

    @property
    def answers(self) -> bool:
        return self.score >= THRESHOLD


def judge(reranker_scores: list[float] | None, similarities: list[float]) -> Verdict:
    """The verdict on a search's reranked candidates and the similarities of its vector candidates;
    `reranker_scores` None: the reranker could not read them (`UNREAD`). Without candidates, or
    without any similarity, nothing answers."""
    if reranker_scores == [] or not similarities:
        return Verdict(-math.inf, 0.0, -math.inf)
    best = UNREAD if reranker_scores is None else max(reranker_scores)
    spread = max(similarities) - sum(similarities) / len(similarities)
    return Verdict(best, round(spread, 4), round(best + SPREAD_WEIGHT * spread, 4))


def relevance(logit: float) -> float:
    """A reranker logit as a score in [0, 1] (the logistic function)."""
    return 1 / (1 + math.exp(-max(min(logit, 50.0), -50.0)))
