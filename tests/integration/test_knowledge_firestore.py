"""The RAG knowledge base on the Firestore emulator: ingestion of `knowledge_base/`, search with the
language pre-filter, incremental re-ingestion, declining what the base does not say, and the
evaluation set's figures with the offline embedder. Each test uses its own collections."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from google.cloud import firestore

from callbot.knowledge.embeddings import OfflineEmbedder
from callbot.knowledge.evaluation import evaluate, load_items
from callbot.knowledge.firestore_vectors import FirestoreKnowledge, chunk_id
from callbot.knowledge.ingest import ingest

pytestmark = pytest.mark.integration

PROJECT = "callbot-it"
KNOWLEDGE_BASE = Path(__file__).resolve().parents[2] / "knowledge_base"


@pytest.fixture
def store(firestore_emulator: str, unique: str) -> FirestoreKnowledge:
    embedder = OfflineEmbedder(ignore=["Northwind Voice"])  # the company's name is in every passage
    return FirestoreKnowledge(firestore.Client(project=PROJECT), embedder, collection=f"kb-{unique}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_BASE, copy)
    return copy


def _chunks(store: FirestoreKnowledge) -> dict[str, tuple[str, object]]:
    return {s.id: (s.get("text"), s.update_time) for s in store.chunks.stream()}


def _vectors(store: FirestoreKnowledge) -> dict[str, list[float]]:
    return {s.id: list(s.get("embedding")) for s in store.chunks.stream()}


def test_ingests_the_knowledge_base_and_searches_in_the_callers_language(store):
    report = ingest(store, store.embedder, KNOWLEDGE_BASE)
    assert len(report.added) >= 8 and report.chunks == len(_chunks(store))
    assert "eval.yaml" not in store.stored_sources()
    english = store.search(question="How much does it cost?", language="en-US", k=3)
    assert english and english[0].source == "pricing.md" and "49" in english[0].text
    assert english[0].title == "Pricing" and 0 < english[0].score <= 1
    assert [p.score for p in english] == sorted((p.score for p in english), reverse=True)
    french = store.search(question="Combien ça coûte par utilisateur ?", language="fr-FR", k=3)
    assert french and {p.source for p in french} <= {"tarifs.fr-FR.md", "integrations.fr-FR.md"}
    assert french[0].source == "tarifs.fr-FR.md"
    assert all(p.source.endswith(".fr-FR.md") for p in store.search(question="Salesforce", language="fr-CA"))
    assert store.search(question="How much does it cost?", language="de-DE") == []


def test_reingesting_unchanged_documents_writes_nothing(store):
    ingest(store, store.embedder, KNOWLEDGE_BASE)
    before = _chunks(store)
    report = ingest(store, store.embedder, KNOWLEDGE_BASE)
    assert (report.added, report.updated, report.removed, report.writes) == ([], [], [], 0)
    assert len(report.unchanged) == len(store.stored_sources())
    assert _chunks(store) == before  # same ids, same texts, same update times


def test_documents_embedded_by_another_model_are_embedded_again(store, folder):
    """A new embeddings model (text-embedding-005 to text-multilingual-embedding-002) makes vectors
    that do not compare with the old ones: unchanged documents are embedded again, once."""
    first = OfflineEmbedder(dimensions=768)  # another version than the store's (it ignores no word)
    ingest(store, first, folder)
    assert {s.embedder for s in store.stored_sources().values()} == {first.version}
    before = _vectors(store)
    report = ingest(store, store.embedder, folder)
    assert (report.unchanged, report.added, report.removed) == ([], [], [])
    assert sorted(report.updated) == sorted(store.stored_sources())
    assert report.writes == len(before) + len(report.updated)  # every chunk and every record rewritten
    assert {s.embedder for s in store.stored_sources().values()} == {store.embedder.version}
    after = _vectors(store)
    assert after.keys() == before.keys() and after != before  # the company's name no longer counts
    again = ingest(store, store.embedder, folder)
    assert (again.updated, again.writes) == ([], 0)


def test_a_changed_document_replaces_its_chunks(store, folder):
    ingest(store, store.embedder, folder)
    before = _chunks(store)
    old_ids = {i for i in before if i.startswith(chunk_id("pricing.md", 0).split("#")[0])}
    assert len(old_ids) == 3
    (folder / "pricing.md").write_text("# Pricing\n\n## Price\n\nNorthwind Voice costs 59 US dollars per user "
                                       "per month on the Team plan.\n")
    report = ingest(store, store.embedder, folder)
    assert (report.updated, report.added, report.removed) == (["pricing.md"], [], [])
    after = _chunks(store)
    assert chunk_id("pricing.md", 0) in after and not (old_ids - {chunk_id("pricing.md", 0)}) & set(after)
    assert "59 US dollars" in after[chunk_id("pricing.md", 0)][0]
    assert {i: v for i, v in after.items() if i not in old_ids} == {i: v for i, v in before.items()
                                                                    if i not in old_ids}
    best = store.search(question="How much does it cost per user?", language="en-US", k=1)
    assert best[0].source == "pricing.md" and "59" in best[0].text


def test_a_removed_document_disappears(store, folder):
    ingest(store, store.embedder, folder)
    (folder / "free-trial.md").unlink()
    report = ingest(store, store.embedder, folder)
    assert report.removed == ["free-trial.md"] and report.writes == 2 + 1  # two chunks and the record
    assert "free-trial.md" not in store.stored_sources()
    assert not [i for i in _chunks(store) if i.startswith(chunk_id("free-trial.md", 0).split("#")[0])]
    assert all(p.source != "free-trial.md" for p in store.search(question="Is there a free trial?",
                                                                 language="en-US"))


@pytest.mark.parametrize("question", ["Do you have an on-premise version?", "Is there a mobile app?",
                                      "Can I install it on premise on our own servers?",
                                      "Does Northwind Voice have a mobile app for Android?"])
def test_what_the_base_does_not_say_returns_nothing(store, question):
    ingest(store, store.embedder, KNOWLEDGE_BASE)
    assert store.search(question=question, language="en-US", k=3) == []


def test_the_evaluation_set_reaches_its_targets(store):
    ingest(store, store.embedder, KNOWLEDGE_BASE)
    items = load_items(KNOWLEDGE_BASE / "eval.yaml")
    assert sum(i.source is None for i in items) >= 8 and sum(i.source is not None for i in items) >= 30
    report = evaluate(store, items, k=3)
    print(f"\nrecall@3={report.recall_at_k:.3f} declined_share={report.declined_share:.3f} "
          f"failures={[r.item.question for r in report.failures()]}")
    assert report.recall_at_k >= 0.9
    assert report.declined_share >= 0.75
