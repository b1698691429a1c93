"""The keyword half of hybrid retrieval: BM25 over the chunks' text, one index per language.

Words are lowercased and stripped of accents (a caller's "securite" finds "sécurité"), stop words of
the language dropped (the lists of `bm25s.stopwords`), and stemmed with the language's Snowball
stemmer (`PyStemmer`: "intégrations" and "intégrer" meet). A few stems that name the same thing
on a sales page are then made one (`_SAME`: a "seat" is a "user", "kept" is "keep", a "reduction"
is a "saving"), so that a caller's word finds the page's. Scoring is BM25 (Lucene's
variant, k1 = 1.5, b = 0.75) by `bm25s`. Rare words weigh most: a product name, a code or a number
that a question shares with one chunk puts that chunk first, which is what the vector side misses.

BM25 scores grow with the corpus, so they say little about whether a chunk answers. A hit also
carries its `coverage`, which does not: the share of the question's terms the chunk holds, each
weighted by its inverse document frequency, a term found in no chunk of the language weighing as
much as the rarest. "Does it integrate with SAP?" covers little of any chunk when no document
names SAP, however well "integrate" matches.

The index lives in memory: `firestore_vectors.py` builds it from the chunk texts stored in Firestore
(once per function instance, again when an ingestion has changed them).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from babel import Locale

from callbot.spoken import fold

_WORD = re.compile(r"[^\W_]+(?:[.,][0-9]+)*", re.UNICODE)
_STEMMERS = {"en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese",
             "nl": "dutch", "sv": "swedish", "ru": "russian"}
_STOP_WORDS = {"en": "STOPWORDS_EN_PLUS", "fr": "STOPWORDS_FRENCH", "de": "STOPWORDS_GERMAN", "es": "STOPWORDS_SPANISH",
               "it": "STOPWORDS_ITALIAN", "pt": "STOPWORDS_PORTUGUESE", "nl": "STOPWORDS_DUTCH",
               "sv": "STOPWORDS_SWEDISH", "ru": "STOPWORDS_RUSSIAN"}


@dataclass(frozen=True)
class KeywordHit:
    key: str  # the chunk's id
    score: float  # BM25, > 0
    coverage: float  # the share of the question's terms found in the chunk, each weighted by its IDF


@functools.cache
def _stemmer(language: str):
    import Stemmer

    name = _STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


@functools.cache
def _stop_words(language: str) -> frozenset[str]:
    from bm25s import stopwords

    words = getattr(stopwords, _STOP_WORDS[language]) if language in _STOP_WORDS else ()
    return frozenset(fold(w) for w in words)


# places said several ways, as one word before anything else ("the States", "U.S.", "US" in capitals: "USA";
# "EU", "European Union": "Europe"; "the United Kingdom", "Britain", "U.K.": "UK"), so that "us" the pronoun stays a stop word and the region is found
_PLACES = ((re.compile(r"\b(?:(?i:the )?United States(?: of America)?|the States|U\.S\.(?:A\.)?|USA|US)(?![\w.])"), "USA"),
           (re.compile(r"\b(?:EU|(?i:european union)|(?i:l'union européenne))\b"), "Europe"),
           (re.compile(r"\b(?:(?i:the )?United Kingdom|U\.K\.|UK|(?i:great )?Britain|(?i:le )?Royaume-Uni)(?![\w.])"), "UK"))


def _places(text: str) -> str:
    for pattern, said in _PLACES:
        text = pattern.sub(said, text)
    return text


def keyword_terms(text: str, language: str) -> list[str]:
    """The terms BM25 counts in `text` written in `language` (a primary subtag: "en", "fr")."""
    stop = _stop_words(language)
    words = [w for w in _WORD.findall(fold(_places(text)).replace("'", " ").replace("’", " ")) if w not in stop]
    stemmer = _stemmer(language)
    same = _SAME.get(language, {})
    return [same.get(w, w) for w in (stemmer.stemWords(words) if stemmer else words) if len(w) > 1 or w.isdigit()]


# Stems that name one thing in a sales knowledge base: a caller's word for it finds the page's.
# Kept short and general on purpose, each entry measured (bench/README.md, knowledge base): merging
# "cost" into "price" made every chunk of a pricing page match (its title says "Pricing") and lost
# the chunk that gives the cost; "cheaper" as "discount" answered "the cheaper plan" with the
# annual discount. Neither is kept, nor "year" as "annual" ("yearly" stems to "year", and so do the
# "years" of "how many years have you been around?"), which changed no figure.
_SAME = {"en": {"seat": "user", "licens": "user", "licenc": "user",
                "kept": "keep", "retain": "keep", "retent": "keep", "paid": "pay", "save": "discount",
                "reduct": "discount", "uptim": "avail", "guarante": "commit", "sla": "commit", "pen": "penetr",
                "pentest": "penetr"}}


# a word written as a name: capitals inside it ("FedRAMP", "ServiceTitan", "SOC"), or a capital that does
# not start the sentence ("integrate with Pipedrive")
NAME_LIKE = re.compile(r"\b[A-Za-z]+[A-Z][\w-]*|(?<=[^\s.!?¿¡:;\"'(]\s)[A-Z][\w-]+")
CAPITALS_INSIDE = re.compile(r"\b[A-Za-z]+[A-Z][\w-]*")
NOUNS_CAPITALISED = frozenset({"de", "lb"})  # languages that write every noun with a capital
# a question whether the company has a thing, and the thing ("a mobile app" up to "so I can ..."): English and French
THING_ASKED = re.compile(
    r"\b(?:is there|are there|do you (?:guys |folks )?(?:have|offer|sell|make)|does (?:it|northwind(?: voice)?) "
    r"(?:have|come with|offer)|have you got|y a-t-il|il y a|avez-vous|vous avez|proposez-vous|vous proposez)\s+"
    r"(?:(?:a|an|any|some|un|une|des|du|de la)\s+)(?P<thing>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*){0,2}?)"
    r"(?=\s*(?:[,.;!?]|$|\s(?:so|for|that|which|where|to|with|on|in|or|and|pour|qui|que|avec|sur|afin|ou|et)\b))",
    re.IGNORECASE)
RARE_NAME_SHARE = 0.1  # a name held by at most this share of a language's chunks is rare


# capitalised words that name no product: months, days and languages, in English and French (from `babel`;
# "Does it speak Italian?" is answered by the page of the languages it speaks, whether or not it names Italian)
NOT_NAMES = frozenset(name.lower() for locale in map(Locale, ("en", "fr"))
                      for name in (*locale.months["format"]["wide"].values(), *locale.days["format"]["wide"].values(),
                                   *locale.languages.values()) if " " not in name)


class KeywordIndex:
    """BM25 indexes of chunks by language, built once from (key, language, text)."""

    def __init__(self, chunks: Iterable[tuple[str, str, str] | tuple[str, str, str, str]]) -> None:
        """`chunks`: (key, language, text), or (key, language, text, headings): the chunk's title and
        headings, whose initials are known acronyms ("Service level agreement": "SLA")."""
        import bm25s

        by_language: dict[str, list[tuple[str, list[str]]]] = {}
        self._acronyms: dict[str, set[str]] = {}
        for key, language, text, *headings in chunks:
            by_language.setdefault(language, []).append((key, keyword_terms(text, language)))
            self._acronyms.setdefault(language, set()).update(*(_initials(h) for h in headings))
        self._keys: dict[str, list[str]] = {}
        self._terms: dict[str, list[frozenset[str]]] = {}
        self._terms_of: dict[str, dict[str, frozenset[str]]] = {}  # by language, each chunk's terms by its key
        self._idf: dict[str, dict[str, float]] = {}
        self._indexes: dict[str, bm25s.BM25] = {}
        for language, entries in by_language.items():
            index = bm25s.BM25()
            index.index([terms for _, terms in entries], show_progress=False)
            self._indexes[language] = index
            self._keys[language] = [key for key, _ in entries]
            self._terms[language] = [frozenset(terms) for _, terms in entries]
            self._terms_of[language] = dict(zip(self._keys[language], self._terms[language], strict=True))
            frequencies: dict[str, int] = {}
            for terms in self._terms[language]:
                for term in terms:
                    frequencies[term] = frequencies.get(term, 0) + 1
            self._idf[language] = {term: _idf(len(entries), n) for term, n in frequencies.items()}

    def unknown_names(self, question: str, language: str, asked_in: str | None = None) -> list[str]:
        """The names in `question`, asked in `asked_in` (default: `language`): a product, a standard, a
        company, written with a capital inside a sentence, or with capitals inside the word (only these
        in German, which capitalises every noun); those that no chunk of `language` holds, neither as a
        word nor, for letters in capitals, as the initials of words said together ("SLA": "service level
        agreement")."""
        known = self._idf.get(language, {})
        acronyms = self._acronyms.get(language, set())
        names = CAPITALS_INSIDE if (asked_in or language) in NOUNS_CAPITALISED else NAME_LIKE
        return [word for word in names.findall(_places(question))
                if word.lower() not in NOT_NAMES and not (word.isupper() and word.lower() in acronyms)
                and (terms := keyword_terms(word, language)) and not any(term in known for term in terms)]

    def unknown_things(self, question: str, language: str) -> list[str]:
        """The things `question` asks whether the company has ("is there a mobile app?", "do you offer a
        white-label version?", "y a-t-il une application mobile ?") of which no chunk of `language`
        holds a single word: the base says nothing of them, however well the rest of the question
        matches a page ("so I can check the calls from my phone" matches the recording page)."""
        idf = self._idf.get(language, {})
        unknown = []
        for match in THING_ASKED.finditer(question):
            terms = keyword_terms(match.group("thing"), language)
            if terms and not any(term in idf for term in terms):
                unknown.append(match.group("thing"))
        return unknown

    def rare_names(self, question: str, language: str) -> set[str]:
        """The terms of the names in `question` that few chunks of `language` hold (at most one in
        `RARE_NAME_SHARE`): a product or a partner named ("HubSpot", "Geotab"), whose chunks answer a
        question about it however the rest of it is worded. The company's own name, said everywhere, is none."""
        keys = self._keys.get(language) or []
        rare = _idf(len(keys), max(1, int(len(keys) * RARE_NAME_SHARE)))
        idf = self._idf.get(language, {})
        return {term for word in NAME_LIKE.findall(_places(question)) if word.lower() not in NOT_NAMES
                for term in keyword_terms(word, language) if idf.get(term, 0.0) >= rare}

    def unseen_terms(self, question: str, language: str) -> list[str]:
        """The terms of `question` that no chunk of `language` holds."""
        idf = self._idf.get(language, {})
        return [term for term in keyword_terms(question, language) if term not in idf]

    def holds(self, key: str, language: str, terms: set[str]) -> bool:
        """Whether the chunk `key` of `language` holds every one of `terms`."""
        held = self._terms_of.get(language, {}).get(key)
        return held is not None and terms <= held

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._keys.values())

    def search(self, question: str, language: str, limit: int) -> list[KeywordHit]:
        """The chunks of `language` that share terms with `question`, best first, at most `limit`."""
        index = self._indexes.get(language)
        wanted = keyword_terms(question, language)
        if index is None or not wanted or limit <= 0:
            return []
        unseen = _idf(len(self._keys[language]), 0)
        weights = {term: self._idf[language].get(term, unseen) for term in wanted}
        total = sum(weights.values())
        scores = index.get_scores(wanted)
        ranked = sorted((i for i, score in enumerate(scores) if score > 0), key=lambda i: -scores[i])[:limit]
        return [KeywordHit(self._keys[language][i], float(scores[i]),
                           round(sum(w for t, w in weights.items() if t in self._terms[language][i]) / total, 3))
                for i in ranked]


def _initials(text: str) -> set[str]:
    """The initials of every two to five words said in a row ("service level agreement": "sla", "la",
    "sl"...), lowercase."""
    words = re.findall(r"[^\W\d_]+", text)
    return {"".join(w[0] for w in words[i:i + n]).lower() for n in range(2, 6) for i in range(len(words) - n + 1)}


def _idf(documents: int, containing: int) -> float:
    """BM25's inverse document frequency of a term found in `containing` of `documents` chunks."""
    return math.log(1 + (documents - containing + 0.5) / (containing + 0.5))
