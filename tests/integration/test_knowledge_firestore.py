"""The RAG knowledge base on the Firestore emulator: ingestion of `knowledge_base/` (Markdown, PDF, DOCX,
HTML), hybrid search in the caller's language with an English fallback, pages cited, incremental
re-ingestion, bad files skipped, the keyword index following ingestions, declining what the base does
not say, and the evaluation set's figures with the local model. Each test uses its own collections;
the demo corpus is embedded by the local model once per module."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from google.cloud import firestore

from callbot.knowledge.embeddings import OFFLINE_THRESHOLD, OfflineEmbedder
from callbot.knowledge.evaluation import evaluate, load_items
from callbot.knowledge.firestore_vectors import FirestoreKnowledge, chunk_id
from callbot.knowledge.ingest import IngestReport, ingest
from callbot.knowledge.local_embedder import LocalEmbedder
from tests.support.documents import WEB_PAGE, docx_bytes, pdf_bytes, scanned_pdf_bytes

pytestmark = pytest.mark.integration

PROJECT = "callbot-it"
KNOWLEDGE_BASE = Path(__file__).resolve().parents[2] / "knowledge_base"


@pytest.fixture(scope="module")
def demo(firestore_emulator: str) -> tuple[FirestoreKnowledge, IngestReport]:
    """The demo corpus embedded by the local model, searched in hybrid mode (read-only tests)."""
    store = FirestoreKnowledge(firestore.Client(project=PROJECT), LocalEmbedder(),
                               collection=f"kb-demo-{uuid.uuid4().hex[:10]}")
    return store, ingest(store, store.embedder, KNOWLEDGE_BASE)


class _Searched:
    """The store's answers, each question searched on the emulator once for the module's read-only
    tests (a search is a round trip to the emulator: the evaluation set is 129 of them)."""

    def __init__(self, store: FirestoreKnowledge) -> None:
        self._store, self._seen = store, {}

    def search(self, *, question: str, language: str, k: int = 3) -> list:
        key = (question, language, k)
        if key not in self._seen:
            self._seen[key] = self._store.search(question=question, language=language, k=k)
        return self._seen[key]


@pytest.fixture(scope="module")
def searched(demo) -> _Searched:
    return _Searched(demo[0])


@pytest.fixture
def store(firestore_emulator: str, unique: str) -> FirestoreKnowledge:
    """A fresh collection with the deterministic embedder: for what ingestion writes."""
    embedder = OfflineEmbedder(ignore=["Northwind Voice"])  # the company's name is in every passage
    return FirestoreKnowledge(firestore.Client(project=PROJECT), embedder, collection=f"kb-{unique}",
                              threshold=OFFLINE_THRESHOLD)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_BASE, copy)
    return copy


def _chunks(store: FirestoreKnowledge) -> dict[str, tuple[str, object]]:
    return {s.id: (s.get("text"), s.update_time) for s in store.chunks.stream()}


def _vectors(store: FirestoreKnowledge) -> dict[str, list[float]]:
    return {s.id: list(s.get("embedding")) for s in store.chunks.stream()}


def test_every_document_type_is_ingested_and_searched_in_the_callers_language(demo):
    store, report = demo
    assert {Path(s).suffix for s in report.added} == {".md", ".pdf", ".docx", ".html"}
    assert report.skipped == {"eval.yaml": "unsupported type .yaml; supported: .md, .markdown, .txt, .html, "
                                           ".htm, .pdf, .docx"}
    assert report.chunks == len(_chunks(store)) and "eval.yaml" not in store.stored_sources()
    english = store.search(question="How much does it cost per user?", language="en-US", k=3)
    assert english[0].source == "pricing.md" and "49" in english[0].text
    assert english[0].title == "Pricing" and english[0].language == "en-US" and 0 < english[0].score <= 1
    french = store.search(question="Combien ça coûte par utilisateur ?", language="fr-FR", k=3)
    assert french[0].source == "tarifs.fr-FR.md" and all(p.language == "fr-FR" for p in french)


def test_a_pdf_passage_says_its_page(demo):
    store, _ = demo
    best = store.search(question="What is your recovery time objective?", language="en-US", k=3)[0]
    assert (best.source, best.page, best.heading) == ("trust-and-compliance.pdf", 3,
                                                      "Trust and compliance > Business continuity")
    assert "4 hours" in best.text


def test_a_rare_name_is_found_by_its_keyword(demo):
    store, _ = demo
    vector = FirestoreKnowledge(store.client, store.embedder, store.collection, store.threshold, mode="vector")
    keyword = FirestoreKnowledge(store.client, store.embedder, store.collection, store.threshold, mode="keyword")
    question = "Has Halcyon Security tested the platform?"
    assert keyword.search(question=question, language="en-US", k=1)[0].source == "trust-and-compliance.pdf"
    assert store.search(question=question, language="en-US", k=1)[0].source == "trust-and-compliance.pdf"
    assert vector.search(question=question, language="en-US", k=3)  # the vector side alone also answers


def test_a_french_caller_gets_english_passages_when_no_french_page_answers(demo):
    store, _ = demo
    passages = store.search(question="Proposez-vous un programme de revendeurs ?", language="fr-FR", k=3)
    assert passages[0].source == "partner-program.docx" and passages[0].language == "en-US"
    german = store.search(question="Wie viel kostet es pro Benutzer?", language="de-DE", k=3)
    assert german and german[0].source == "pricing.md"


def test_a_french_page_is_kept_over_its_english_twin(demo):
    """The French pricing page is less similar to this question than the English one (below the
    threshold, so the English pages are searched), but close enough to be the same page."""
    store, _ = demo
    question = "Est-ce qu'on paie moins cher en payant à l'année ?"
    passages = store.search(question=question, language="fr-FR", k=3)
    assert "tarifs.fr-FR.md" in [p.source for p in passages] and {p.language for p in passages} == {"fr-FR"}
    assert max(p.score for p in passages) < store.threshold  # no French passage answered alone


@pytest.mark.parametrize("question", ["Do you have an on-premise version?", "Is there a mobile app?",
                                      "Who is the CEO?", "Do you have an office in Tokyo?"])
def test_what_the_base_does_not_say_returns_nothing(demo, question):
    store, _ = demo
    assert store.search(question=question, language="en-US", k=3) == []


def test_the_evaluation_set_reaches_its_targets(searched):
    items = load_items(KNOWLEDGE_BASE / "eval.yaml")
    report = evaluate(searched, items, k=3)
    print(f"\nhybrid: recall@1={report.overall.recall_at_1} recall@3={report.recall_at_k} mrr={report.overall.mrr} "
          f"declined={report.declined_share} failures={[r.item.question for r in report.failures()]}")
    assert report.recall_at_k >= 0.92  # measured 0.943 (bench/README.md)
    assert report.declined_share >= 0.85  # 0.870
    assert report.by_language()["fr-FR"].recall_at_k >= 0.85  # 0.913


def test_reingesting_unchanged_documents_writes_nothing(store):
    ingest(store, store.embedder, KNOWLEDGE_BASE)
    before = _chunks(store)
    report = ingest(store, store.embedder, KNOWLEDGE_BASE)
    assert (report.added, report.updated, report.removed, report.writes) == ([], [], [], 0)
    assert len(report.unchanged) == len(store.stored_sources())
    assert _chunks(store) == before  # same ids, same texts, same update times


def test_documents_embedded_by_another_model_are_embedded_again(store, folder):
    """A new embeddings model (the deterministic one to the local model, or a new Vertex AI model) makes
    vectors that do not compare with the old ones: unchanged documents are embedded again, once."""
    first = OfflineEmbedder(dimensions=768)  # another version than the store's (it ignores no word)
    ingest(store, first, folder)
    assert {s.embedder for s in store.stored_sources().values()} == {first.version}
    before = _vectors(store)
    report = ingest(store, store.embedder, folder)
    assert (report.unchanged, report.added, report.removed) == ([], [], [])
    assert sorted(report.updated) == sorted(store.stored_sources())
    assert report.writes == len(before) + len(report.updated) + 1  # every chunk and record, and the revision
    assert {s.embedder for s in store.stored_sources().values()} == {store.embedder.version}
    after = _vectors(store)
    assert after.keys() == before.keys() and after != before  # the company's name no longer counts
    again = ingest(store, store.embedder, folder)
    assert (again.updated, again.writes) == ([], 0)


def test_a_changed_document_replaces_its_chunks_and_the_keyword_index_follows(store, folder):
    ingest(store, store.embedder, folder)
    assert store.search(question="Zephyrine", language="en-US") == []  # the index is built on this search
    before = _chunks(store)
    old_ids = {i for i in before if i.startswith(chunk_id("pricing.md", 0).split("#")[0])}
    assert len(old_ids) == 3
    (folder / "pricing.md").write_text("# Pricing\n\n## Price\n\nNorthwind Voice costs 59 US dollars per user "
                                       "per month on the Team plan, or on the Zephyrine plan.\n")
    report = ingest(store, store.embedder, folder)
    assert (report.updated, report.added, report.removed) == (["pricing.md"], [], [])
    after = _chunks(store)
    assert chunk_id("pricing.md", 0) in after and not (old_ids - {chunk_id("pricing.md", 0)}) & set(after)
    assert "59 US dollars" in after[chunk_id("pricing.md", 0)][0]
    assert {i: v for i, v in after.items() if i not in old_ids} == {i: v for i, v in before.items()
                                                                    if i not in old_ids}
    best = store.search(question="How much does it cost per user?", language="en-US", k=1)
    assert best[0].source == "pricing.md" and "59" in best[0].text
    keyword = FirestoreKnowledge(store.client, store.embedder, store.collection, store.threshold, mode="keyword")
    assert keyword.search(question="the Zephyrine plan", language="en-US", k=1)[0].source == "pricing.md"


def test_a_removed_document_disappears(store, folder):
    ingest(store, store.embedder, folder)
    (folder / "free-trial.md").unlink()
    report = ingest(store, store.embedder, folder)
    assert report.removed == ["free-trial.md"] and report.writes == 2 + 1 + 1  # two chunks, the record, the revision
    assert "free-trial.md" not in store.stored_sources()
    assert not [i for i in _chunks(store) if i.startswith(chunk_id("free-trial.md", 0).split("#")[0])]
    assert all(p.source != "free-trial.md" for p in store.search(question="Is there a free trial?",
                                                                 language="en-US"))


def test_bad_files_are_reported_by_name_and_skipped_and_nothing_else_is_lost(store, tmp_path):
    docs = tmp_path / "docs"
    (docs / "web").mkdir(parents=True)
    (docs / "security.pdf").write_bytes(pdf_bytes([("Security", [("Hosting", "Data is hosted in Belgium.")]),
                                                   ("", [("Certifications", "We are ISO 27001 certified.")])]))
    (docs / "sla.docx").write_bytes(docx_bytes("SLA", [("Availability", "Available 99.9 percent of the month.")]))
    (docs / "web" / "trust.html").write_bytes(WEB_PAGE)
    (docs / "pricing.md").write_text("# Pricing\n\nIt costs 49 dollars per user per month.\n")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage")
    (docs / "scan.pdf").write_bytes(scanned_pdf_bytes())
    (docs / "web" / "empty.html").write_bytes(b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (docs / "deck.pptx").write_bytes(b"PK\x03\x04")
    report = ingest(store, store.embedder, docs)
    assert sorted(report.added) == ["pricing.md", "security.pdf", "sla.docx", "web/trust.html"]
    assert sorted(report.skipped) == ["broken.pdf", "deck.pptx", "scan.pdf", "web/empty.html"]
    assert "no text layer" in report.skipped["scan.pdf"] and "unsupported type .pptx" in report.skipped["deck.pptx"]
    assert set(store.stored_sources()) == set(report.added)
    page_two = store.search(question="ISO 27001 certified", language="en-US", k=1)[0]
    assert (page_two.source, page_two.page) == ("security.pdf", 2)

    (docs / "sla.docx").write_bytes(b"PK\x03\x04 truncated by a bad upload")  # an indexed file goes bad
    again = ingest(store, store.embedder, docs)
    assert "sla.docx" in again.skipped and again.removed == [] and "sla.docx" in store.stored_sources()
    assert store.search(question="99.9 percent availability", language="en-US", k=1)[0].source == "sla.docx"


def test_the_knowledge_base_held_in_the_process_searches_as_firestore_does(demo, searched):
    """What the text-level conversations search (`InProcessKnowledge`) is the same search over the same
    chunks: for every question of the evaluation set, the same passages, in the same order."""
    from callbot.knowledge.in_process import InProcessKnowledge

    store, _ = demo
    held = InProcessKnowledge.from_folder(KNOWLEDGE_BASE, store.embedder, store.threshold)
    assert set(held.skipped) == {"eval.yaml"}
    differing = []
    for item in load_items(KNOWLEDGE_BASE / "eval.yaml"):
        ours = [(p.source, p.heading) for p in held.search(question=item.question, language=item.language)]
        theirs = [(p.source, p.heading) for p in searched.search(question=item.question, language=item.language)]
        if ours != theirs:
            differing.append((item.question, ours, theirs))
    assert not differing
