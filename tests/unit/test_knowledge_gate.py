"""The knowledge base's gate and its reranker: the cross-encoder shipped in a package scores a passage
that answers above one that does not, and the gate answers on a strong reranker score or a chunk
that stands out from the other candidates, and declines when neither."""

from __future__ import annotations

import math

import pytest

from callbot.knowledge.gate import SPREAD_WEIGHT, THRESHOLD, judge, relevance
from callbot.knowledge.reranker import LocalReranker, model_folder


def test_the_reranker_model_is_a_file_of_an_installed_package():
    folder = model_folder()
    assert (folder / "model.onnx").is_file() and (folder / "tokenizer.json").is_file()


@pytest.mark.parametrize("question, answer, unrelated", [
    ("How much does it cost?", "Pricing. The Team plan costs 49 US dollars per user per month.",
     "Security. All customer data is hosted in Google Cloud in Belgium."),
    ("Is our information kept in Europe?", "Security. All customer data is hosted in Google Cloud in Belgium.",
     "Onboarding. A specialist sets up the assistant with you in the first week."),
])
def test_the_reranker_scores_the_passage_that_answers_higher(question, answer, unrelated):
    reranker = LocalReranker()
    scores = reranker.score(question, [answer, unrelated])
    assert scores[0] > scores[1]
    assert reranker.score(question, [unrelated, answer]) == pytest.approx(scores[::-1], abs=1e-3)  # order kept
    assert reranker.score(question, []) == []


def test_a_strong_reranker_score_answers_without_any_spread():
    verdict = judge([THRESHOLD + 1.0, -8.0], [0.85, 0.85, 0.85])
    assert verdict.answers and verdict.spread == 0


def test_a_chunk_standing_out_answers_when_the_reranker_is_unsure():
    similarities = [0.88, 0.82, 0.81, 0.80]
    spread = 0.88 - sum(similarities) / len(similarities)
    verdict = judge([-4.0], similarities)
    assert verdict.score == pytest.approx(-4.0 + SPREAD_WEIGHT * spread, abs=1e-3)
    assert verdict.answers


def test_a_low_reranker_score_and_no_chunk_standing_out_declines():
    assert not judge([-6.0, -9.0], [0.83, 0.82, 0.82, 0.81]).answers


def test_no_candidates_decline():
    assert not judge([], [0.9]).answers and not judge([3.0], []).answers


def test_relevance_is_a_share():
    assert relevance(0.0) == 0.5 and 0 < relevance(-100.0) < relevance(2.0) < relevance(100.0) <= 1.0
    assert math.isclose(relevance(2.0), 1 / (1 + math.exp(-2.0)))
