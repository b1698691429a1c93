"""Phrase hints for the caller's next utterance: the company's vocabulary (every utterance) and the
phrases an answer to what the bot just asked is likely to contain (`BotSpeech.listen_for`: an email
address is said with "at" and "dot", a team size with a number, a consent with "yes" or "no", a
meeting time with a weekday or "the first one").

Every answer may also be about what sales calls are about (`SALES_TALK`: "demo", "pricing",
"onboarding"...), so those words are hinted whatever was asked, and before anything was.

Pure data and one function; each engine renders the hints its own way (Google: boosted phrase
sets; Whisper: its prompt and hotwords; scripted: recorded for tests). A slot this table does not
know gets no phrases of its own, except a confirmation (`*_confirmed`), which gets the yes-or-no ones.

Choices are the phrases that pick one of several alternatives. Whisper is not given them: with
"the first one, the second one, the third one" as hotwords, tiny.en heard espeak-ng's "The first
option." as "The third option." (and "Yes, that's right." as "Yes, nope, that's right." with the
yes-or-no list); weekdays, which it heard right more often with them ("next Tuesday at 10 AM"
instead of "next to the next AM"), are not choices here.
"""

from __future__ import annotations

from stream_relay.speech.stt import SpeechHints

MAX_QUESTION_CHARS = 300  # the bot's last words, as Whisper's prompt: a prompt stays short
CONFIRMED_SUFFIX = "_confirmed"

_EN_YES_NO = ("yes", "no", "yeah", "nope", "that's right", "that's correct", "correct", "exactly",
              "that's wrong", "not quite")
_EN_CONSENT = ("yes", "no", "sure", "of course", "that's fine", "go ahead", "you can", "I agree", "no thanks",
               "please don't")
_EN_ORDINALS = ("the first one", "the second one", "the third one", "the last one", "the first option",
                "the second option", "the third option", "the earlier one", "the later one")
_EN_NAME = ("my name is", "my first name is", "my last name is", "this is", "it's spelled", "spelled",
            "with an h")
_FR_YES_NO = ("oui", "non", "c'est ça", "c'est exact", "exactement", "ce n'est pas ça", "pas tout à fait")
_FR_CONSENT = ("oui", "non", "bien sûr", "d'accord", "pas de problème", "allez-y", "vous pouvez", "non merci")
_FR_ORDINALS = ("le premier", "le deuxième", "le troisième", "le dernier", "la première", "la deuxième",
                "la troisième", "la dernière")
_FR_NAME = ("je m'appelle", "mon prénom est", "mon nom est", "ça s'écrit", "avec un h")

SALES_TALK: dict[str, tuple[str, ...]] = {
    "en": ("demo", "pricing", "onboarding", "integration", "CRM"),
    "fr": ("démo", "tarifs", "intégration", "CRM"),
}
ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "first_name": _EN_NAME,
        "last_name": _EN_NAME,
        "company": ("I work at", "I work for", "my company is", "we are", "Inc", "LLC", "Ltd", "Corp", "Group",
                    "Logistics", "Solutions", "Technologies"),
        "role": ("I'm the", "I am the", "manager", "director", "head of", "VP of Sales", "vice president",
                 "founder", "co-founder", "CEO", "owner", "operations", "sales"),
        "need": ("demo", "pricing", "integration", "onboarding", "CRM", "inbound calls", "answer every call",
                 "qualify leads", "book meetings", "automate"),
        "team_size": ("people", "users", "seats", "sales reps", "agents", "employees", "drivers", "about",
                      "around", "five", "ten", "fifteen", "twenty", "thirty", "forty", "fifty", "a hundred",
                      "a dozen", "just me"),
        "timeline": ("this week", "next week", "this month", "next month", "this quarter", "next quarter",
                     "in two weeks", "as soon as possible", "ASAP", "no rush", "later this year", "next year"),
        "email": ("at", "dot", "dash", "hyphen", "underscore", "plus", "dot com", "dot net", "dot org", "dot io",
                  "dot co", "gmail dot com", "outlook dot com", "hotmail dot com", "yahoo dot com",
                  "icloud dot com", "my email is", "all one word", "spelled"),
        # a caller who says no to the read-back often says or spells the address again at once
        "email_confirmed": _EN_YES_NO + ("let me spell it", "at", "dot", "dash", "underscore", "dot com"),
        "consent": _EN_CONSENT,
        "slot_choice": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", *_EN_ORDINALS, "in the morning",
                        "in the afternoon", "o'clock", "noon", "half past", "tomorrow", "next week",
                        "none of those", "another day", "does not work"),
        "confirmation": _EN_YES_NO,
    },
    "fr": {
        "first_name": _FR_NAME,
        "last_name": _FR_NAME,
        "company": ("je travaille chez", "ma société", "mon entreprise", "nous sommes", "SAS", "SARL", "groupe"),
        "role": ("je suis", "directeur", "directrice", "responsable", "chef", "gérant", "gérante", "fondateur",
                 "fondatrice", "commercial", "ventes"),
        "need": ("démo", "tarifs", "prix", "intégration", "CRM", "appels entrants", "prendre des rendez-vous"),
        "team_size": ("personnes", "utilisateurs", "commerciaux", "salariés", "environ", "à peu près", "cinq",
                      "dix", "quinze", "vingt", "trente", "quarante", "cinquante", "cent", "une dizaine"),
        "timeline": ("cette semaine", "la semaine prochaine", "ce mois-ci", "le mois prochain", "ce trimestre",
                     "le trimestre prochain", "dès que possible", "rien ne presse", "l'année prochaine"),
        "email": ("arobase", "point", "tiret", "tiret du bas", "underscore", "plus", "point com", "point fr",
                  "point net", "gmail point com", "hotmail point fr", "orange point fr", "outlook point fr",
                  "mon adresse est", "en un seul mot"),
        "email_confirmed": _FR_YES_NO + ("je l'épelle", "arobase", "point", "tiret", "point com", "point fr"),
        "consent": _FR_CONSENT,
        "slot_choice": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", *_FR_ORDINALS, "le matin",
                        "l'après-midi", "heures", "midi", "demain", "la semaine prochaine", "aucun",
                        "un autre jour"),
        "confirmation": _FR_YES_NO,
    },
}
CHOICES: dict[str, frozenset[str]] = {
    "en": frozenset(_EN_YES_NO + _EN_CONSENT + _EN_ORDINALS),
    "fr": frozenset(_FR_YES_NO + _FR_CONSENT + _FR_ORDINALS),
}


def _language(language: str) -> str:
    return language.split("-")[0].lower()  # 'en-US' -> 'en'


def answer_phrases(slot: str | None, language: str) -> tuple[str, ...]:
    """The phrases an answer to `slot` (None: to nothing in particular) is likely to contain, in the
    call's language: the slot's own, then the sales talk."""
    table = ANSWERS.get(_language(language), {})
    own: tuple[str, ...] = ()
    if slot in table:
        own = table[slot]
    elif slot and slot.endswith(CONFIRMED_SUFFIX):
        own = table.get("confirmation", ())
    return tuple(dict.fromkeys(own + SALES_TALK.get(_language(language), ())))


def speech_hints(vocabulary: tuple[str, ...], language: str, slot: str | None = None,
                 question: str = "") -> SpeechHints:
    """The hints for the caller's next utterances after the bot said `question` asking for `slot`;
    with neither, the hints of a call's start."""
    question = " ".join(question.split())
    if len(question) > MAX_QUESTION_CHARS:  # keep the end: the question is what the caller answers
        question = question[-MAX_QUESTION_CHARS:].split(" ", 1)[-1]
    answer = answer_phrases(slot, language)
    choices = CHOICES.get(_language(language), frozenset())
    return SpeechHints(vocabulary=tuple(vocabulary), slot=slot or None, answer=answer, question=question,
                       choices=tuple(p for p in answer if p in choices))
