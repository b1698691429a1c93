"""The retrieval evaluation's figures: recall@1, recall@k, MRR, declined share, per language and type."""

from __future__ import annotations

from pathlib import Path

from callbot.knowledge import Passage
from callbot.knowledge.evaluation import EvalItem, evaluate, load_items


class ScriptedKnowledge:
    """Returns the sources scripted for each question, and records the searches."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[dict] = []

    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]:
        self.calls.append({"question": question, "language": language, "k": k})
        return [Passage(text="...", source=s, title=s, score=0.5) for s in self.answers.get(question, [])][:k]


ITEMS = [
    EvalItem("first", ("a.md",)),
    EvalItem("second", ("b.pdf",)),
    EvalItem("missed", ("c.html",)),
    EvalItem("either page", ("a.md", "b.pdf")),
    EvalItem("premier", ("d.fr-FR.docx",), "fr-FR"),
    EvalItem("declined", ()),
    EvalItem("answered wrongly", ()),
]
ANSWERS = {"first": ["a.md", "b.pdf"], "second": ["a.md", "b.pdf"], "missed": ["a.md"], "either page": ["c.html", "b.pdf"],
           "premier": ["d.fr-FR.docx"], "answered wrongly": ["a.md"]}


def test_the_figures_of_a_scripted_knowledge_base():
    port = ScriptedKnowledge(ANSWERS)
    report = evaluate(port, ITEMS, k=3)
    overall = report.overall
    assert (overall.answerable, overall.unanswerable) == (5, 2)
    assert overall.recall_at_1 == 0.4  # first, premier
    assert overall.recall_at_k == 0.8  # all but missed
    assert overall.mrr == round((1 + 0.5 + 0 + 0.5 + 1) / 5, 3)
    assert overall.declined_share == 0.5
    assert [r.item.question for r in report.failures()] == ["missed", "answered wrongly"]
    assert {c["k"] for c in port.calls} == {3} and port.calls[4]["language"] == "fr-FR"


def test_the_figures_per_language_and_document_type():
    report = evaluate(ScriptedKnowledge(ANSWERS), ITEMS, k=3)
    languages = report.by_language()
    assert languages["fr-FR"].recall_at_1 == 1.0 and languages["fr-FR"].declined_share is None
    assert languages["en-US"].unanswerable == 2
    types = report.by_document_type()
    assert set(types) == {"md", "pdf", "html", "docx"}  # of the first document that answers
    assert types["html"].recall_at_k == 0.0 and types["pdf"].mrr == 0.5
    assert report.to_dict()["by_document_type"]["md"]["answerable"] == 2


def test_load_items_reads_one_source_many_or_none(tmp_path: Path):
    path = tmp_path / "eval.yaml"
    path.write_text("items:\n  - {question: a, source: x.md}\n  - {question: b, source: [x.md, y.pdf]}\n"
                    "  - {question: c, source: null, language: fr-FR}\n")
    assert load_items(path) == [EvalItem("a", ("x.md",)), EvalItem("b", ("x.md", "y.pdf")), EvalItem("c", (), "fr-FR")]


def test_the_demo_evaluation_set_is_large_and_varied():
    items = load_items(Path(__file__).resolve().parents[2] / "knowledge_base" / "eval.yaml")
    assert len(items) >= 100 and sum(not i.answerable for i in items) >= 20
    assert sum(i.language.startswith("fr") for i in items) >= 15
    assert {"md", "pdf", "html", "docx"} <= {i.document_type for i in items if i.answerable}
    assert any(len(i.sources) > 1 for i in items)
    folder = Path(__file__).resolve().parents[2] / "knowledge_base"
    assert all((folder / source).is_file() for i in items for source in i.sources)
