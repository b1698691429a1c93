"""An in-memory `KnowledgePort` with keyword scoring: the unit tests' fake, and the local stack's
knowledge base (the demo company's documents) until the RAG adapter lands.

Documents are split into passages at blank lines. A passage's score is the share of the question's
keywords (words other than stop words, plurals reduced) it contains, its document's title included. Words said everywhere, like
the company's name, are passed as `ignore` so that they match nothing. Only passages of the
question's language that reach the threshold are returned: an empty list means "the knowledge base
does not say".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from callbot.knowledge import Passage

DEFAULT_THRESHOLD = 0.34
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_WORDS_TEXT = """
a about an and any are as at be but by can could do does for from has have how i if in is it its
long me much my of on or our so tell that the their there this to us we what when where which who why will
with would you your yes no not please
hi hello hey just quick question questions before anything else go further really usually also get someone
help know want like product thing things use using plug into able offer does run system one first
difference between whole team lives live actually ok okay back hand guys kind front folks ask compliance
yours take everything running signed sign honestly total two three four five six seven eight nine ten
au aux avec ce ces combien de des du en est et il je la le les leur mais me mon nos notre nous ou par
pas pour que quel quelle qui sa se son sur un une vos votre vous y ça fait avant aller plus loin solution
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class Document:
    source: str  # e.g. "pricing.md"
    title: str  # a name a person can say, e.g. "Pricing"
    language: str  # BCP 47, e.g. "en-US"
    text: str


@dataclass(frozen=True)
class _Indexed:
    passage: Passage
    language: str
    keywords: frozenset[str]


def keywords(text: str, ignore: frozenset[str] = frozenset()) -> frozenset[str]:
    """Lowercase words of `text` without stop words, plurals reduced to the singular."""
    text = re.sub(r"\b(?:get |getting )?set(?:ting)? up\b", "setup", text.lower())  # one word, as in the documents
    words = (_singular(w) for w in _WORD.findall(text) if w not in STOP_WORDS and len(w) > 1)
    return frozenset(w for w in words if w not in ignore)


class MemoryKnowledge:
    """Passages indexed once at construction; searches only read, under a lock for the call record."""

    def __init__(self, documents: Iterable[Document | tuple[str, str, str, str]],
                 threshold: float = DEFAULT_THRESHOLD, ignore: Iterable[str] = ()) -> None:
        if not 0 <= threshold <= 1:
            raise ValueError("threshold must be in [0, 1]")
        self._threshold = threshold
        self._ignore = keywords(" ".join(ignore))
        documents = [d if isinstance(d, Document) else Document(*d) for d in documents]
        self._passages = [
            _Indexed(Passage(text=paragraph, source=doc.source, title=doc.title, score=0.0),
                     _primary(doc.language), keywords(f"{doc.title} {paragraph}", self._ignore))
            for doc in documents for paragraph in _paragraphs(doc.text)]
        self._lock = threading.Lock()
        self.calls: list[tuple[str, dict]] = []

    def warm(self) -> None:
        """Nothing to load: the passages were indexed at construction."""

    def search(self, *, question: str, language: str, k: int = 3) -> list[Passage]:
        with self._lock:
            self.calls.append(("search", {"question": question, "language": language, "k": k}))
        wanted = keywords(question, self._ignore)
        if not wanted:
            return []
        scored = []
        for indexed in self._passages:
            if indexed.language != _primary(language):
                continue
            score = round(len(wanted & indexed.keywords) / len(wanted), 3)
            if score >= self._threshold:
                on_topic = len(wanted & keywords(indexed.passage.title or "", self._ignore))
                scored.append((score, on_topic, indexed.passage.model_copy(update={"score": score})))
        scored.sort(key=lambda s: (-s[0], -s[1]))  # ties: the page whose title the question names first
        return [passage for _, _, passage in scored[:max(k, 0)]]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _primary(language: str) -> str:
    """"en-US" and "en-GB" are both English."""
    return language.split("-", 1)[0].lower()


SYNONYMS = {"yearly": "annual", "annually": "annual", "discount": "save", "discounts": "save", "price": "pricing",
            "prices": "pricing", "priced": "pricing", "expensive": "pricing", "integrate": "integration",
            "connect": "integration", "plugs": "integration", "stored": "data", "store": "data", "hosted": "data",
            "retain": "retention", "retained": "retention", "kept": "retention", "keep": "retention", "trial": "trial",
            "onboard": "onboarding", "setup": "onboarding", "year": "annual", "pay": "billing", "paid": "billing",
            "written": "write", "writes": "write", "logged": "write", "hook": "integration", "hooks": "integration",
            "hang": "retention", "break": "save", "cheaper": "save"}


def _singular(word: str) -> str:
    return SYNONYMS.get(_plural_dropped(word), _plural_dropped(word))


def _plural_dropped(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
