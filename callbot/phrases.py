"""Everything the bot says in its own words, per language, in one table: the agents' greeting,
filler and apologies, the relay's reprompts and goodbyes, and the offline dialogue engine's lines.

A phrase is named by a `Phrase` member, so a misspelt name fails at import, in a type checker or in
`tests/unit/test_phrases.py`, not during a call; `phrase(key, language, **values)` is the one lookup.
Every entry gives a text for each of `LANGUAGES`; `None` marks a line not translated yet, which is
said in English (as is every line in a language the table does not speak). Texts may hold
`{placeholders}`, filled from `values`.

Entries marked `cached=True` are synthesized ahead of time into the relay's audio cache
(`stream_relay/audio_cache.py` builds `cached_texts()`): a bot sentence equal to one of them plays
with no TTS round trip. They are said often, and whole: no placeholder, a text in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum, auto

EN, FR = "en-US", "fr-FR"
LANGUAGES = (EN, FR)
DEFAULT_LANGUAGE = EN


class Phrase(StrEnum):
    """The name of a phrase. Its value is the lower-case name, which the relay records for the lines
    it says itself (a `sys-reprompt-...` event)."""

    GREETING = auto()
    GREETING_QUESTION = auto()
    FILLER = auto()
    REPROMPT = auto()
    GOODBYE = auto()
    SILENCE_GOODBYE = auto()
    WRAP_UP = auto()
    TRANSFER = auto()
    APOLOGY = auto()
    OFFER_HELP = auto()
    NOT_CAUGHT = auto()
    WELCOME_BACK = auto()
    REFUSAL = auto()
    DIDNT_CATCH_REPEAT = auto()
    DIDNT_CATCH = auto()
    TAKE_YOUR_TIME = auto()
    THANKS = auto()
    THANKS_NAME = auto()
    GOT_IT = auto()
    GOT_IT_NAME = auto()
    GREAT = auto()
    GREAT_NAME = auto()
    HAPPY_TO_BOOK = auto()
    TIME_NOTED = auto()
    ASK_FIRST_NAME = auto()
    ASK_LAST_NAME = auto()
    ASK_COMPANY = auto()
    ASK_ROLE = auto()
    ASK_NEED = auto()
    ASK_TEAM_SIZE = auto()
    ASK_TIMELINE = auto()
    ASK_EMAIL = auto()
    ASK_EMAIL_CONFIRMED = auto()
    ASK_CONSENT = auto()
    ASK_CONSENT_TEXT = auto()
    ASK_PHONE = auto()
    SPELL_EMAIL = auto()
    CONFIRM_NAME = auto()
    WHAT_TO_CORRECT = auto()
    NO_PROBLEM_SHORT = auto()
    SMALL_TALK_REPLY = auto()
    ABOUT_ME = auto()
    WHY_DETAILS = auto()
    ASK_PREFERRED_TIME = auto()
    EXACT_FREE = auto()
    RESUME_SLOTS = auto()
    MEETING_IS = auto()
    ALL_SET_SHORT = auto()
    ALL_SET_SHORT_NAME = auto()
    OFFER_MEETING_SLOTS = auto()
    WHICH_TIME = auto()
    ALL_SET = auto()
    ALL_SET_ANON = auto()
    OFFER_MEETING = auto()
    NO_PROBLEM = auto()
    ANYTHING_ELSE = auto()
    WHAT_ELSE = auto()
    OFFER_SLOTS = auto()
    OR = auto()
    SLOT_TAKEN = auto()
    NO_SLOTS = auto()
    BOOKED = auto()
    RESCHEDULED = auto()
    BOOKED_BY_TEXT = auto()
    RESCHEDULED_BY_TEXT = auto()
    WITH_REP = auto()
    CANCELLED = auto()
    NO_MEETING = auto()
    KB_SOURCE = auto()
    KB_OTHER_LANGUAGE = auto()
    KB_MORE = auto()
    DONT_KNOW = auto()
    DONT_KNOW_MORE = auto()
    ACTION_FAILED = auto()
    CALL_BACK = auto()
    NOTED_FOLLOW_UP = auto()


@dataclass(frozen=True)
class Wording:
    """One phrase: its text by language (`None`: said in English), and whether the relay's audio
    cache holds it."""

    texts: Mapping[str, str | None]
    cached: bool = False


PHRASES: dict[Phrase, Wording] = {
    # synthesized ahead of time into the relay's audio cache
    Phrase.GREETING: Wording({EN: "Hello, and thanks for calling.",
                              FR: "Bonjour, et merci de votre appel."}, cached=True),
    Phrase.GREETING_QUESTION: Wording({EN: "How can I help you today?",
                                       FR: "Comment puis-je vous aider ?"}, cached=True),
    Phrase.FILLER: Wording({EN: "One moment, let me check.", FR: "Un instant, je vérifie."}, cached=True),
    Phrase.REPROMPT: Wording({EN: "Are you still there?", FR: "Vous êtes toujours là ?"}, cached=True),
    Phrase.GOODBYE: Wording({EN: "Thanks for calling. Goodbye!", FR: "Merci de votre appel. Au revoir !"},
                            cached=True),
    Phrase.SILENCE_GOODBYE: Wording(
        {EN: "I can't hear you, so I'll end the call now. Goodbye!",
         FR: "Je ne vous entends plus, je vais raccrocher. Au revoir !"}, cached=True),
    Phrase.WRAP_UP: Wording(
        {EN: "I'm sorry, we have to wrap up now. Thanks for calling, goodbye!",
         FR: "Je suis désolé, nous devons nous arrêter là. Merci de votre appel, au revoir !"}, cached=True),
    Phrase.TRANSFER: Wording(
        {EN: "Let me connect you with someone from our team. Please hold.",
         FR: "Je vous mets en relation avec un membre de notre équipe. Merci de patienter."}, cached=True),
    Phrase.APOLOGY: Wording({EN: "Sorry, I'm having trouble right now.",
                             FR: "Désolé, je rencontre un problème pour le moment."}, cached=True),
    Phrase.OFFER_HELP: Wording(
        {EN: "I can connect you with a colleague, or have someone call you back. Which would you prefer?",
         FR: "Je peux vous mettre en relation avec un collègue, ou vous faire rappeler. Que préférez-vous ?"},
        cached=True),
    Phrase.NOT_CAUGHT: Wording({EN: "Sorry, could you say that again?", FR: "Pardon, pouvez-vous répéter ?"},
                               cached=True),
    # synthesized during the call
    Phrase.WELCOME_BACK: Wording({EN: "Welcome back, {name}.", FR: "Ravi de vous entendre à nouveau, {name}."}),
    Phrase.REFUSAL: Wording(
        {EN: "I can't help with that. I'm here to answer questions about {company} and to set up a meeting "
             "with our sales team.",
         FR: "Je ne peux pas vous aider sur ce point. Je suis là pour répondre à vos questions sur {company} "
             "et organiser un rendez-vous avec notre équipe commerciale."}),
    Phrase.DIDNT_CATCH_REPEAT: Wording({EN: "Sorry, I didn't catch that. Could you say it again?",
                                        FR: "Désolé, je n'ai pas bien compris. Pouvez-vous répéter ?"}),
    Phrase.DIDNT_CATCH: Wording({EN: "Sorry, I didn't catch that.", FR: "Désolé, je n'ai pas bien compris."}),
    Phrase.TAKE_YOUR_TIME: Wording({EN: "Sure, take your time.", FR: "Bien sûr, prenez votre temps."}),
    Phrase.THANKS: Wording({EN: "Thanks.", FR: "Merci."}),
    Phrase.THANKS_NAME: Wording({EN: "Thanks, {name}.", FR: "Merci, {name}."}),
    Phrase.GOT_IT: Wording({EN: "Got it.", FR: "C'est noté."}),
    Phrase.GOT_IT_NAME: Wording({EN: "Got it, {name}.", FR: "C'est noté, {name}."}),
    Phrase.GREAT: Wording({EN: "Great.", FR: "Parfait."}),
    Phrase.GREAT_NAME: Wording({EN: "Great, {name}.", FR: "Parfait, {name}."}),
    Phrase.HAPPY_TO_BOOK: Wording({EN: "Happy to set that up.", FR: "Avec plaisir."}),
    Phrase.TIME_NOTED: Wording({EN: "I'll check that time in a moment.", FR: "Je regarde cet horaire dans un instant."}),
    Phrase.ASK_FIRST_NAME: Wording({EN: "May I have your first and last name?",
                                    FR: "Puis-je avoir votre prénom et votre nom ?"}),
    Phrase.ASK_LAST_NAME: Wording({EN: "And your last name?", FR: "Et votre nom de famille ?"}),
    Phrase.ASK_COMPANY: Wording({EN: "What company are you with?", FR: "Pour quelle entreprise travaillez-vous ?"}),
    Phrase.ASK_ROLE: Wording({EN: "What's your role there?", FR: "Quel est votre poste ?"}),
    Phrase.ASK_NEED: Wording({EN: "What would you like {company} to help with?",
                              FR: "En quoi {company} peut-il vous aider ?"}),
    Phrase.ASK_TEAM_SIZE: Wording({EN: "How many people would use it?", FR: "Combien de personnes l'utiliseraient ?"}),
    Phrase.ASK_TIMELINE: Wording({EN: "When are you hoping to get started?", FR: "Quand souhaitez-vous démarrer ?"}),
    Phrase.ASK_EMAIL: Wording({EN: "What's the best email address to reach you?",
                               FR: "Quelle est la meilleure adresse e-mail pour vous joindre ?"}),
    Phrase.ASK_EMAIL_CONFIRMED: Wording({EN: "Let me read that back: {spoken}. Is that right?",
                                         FR: "Je relis : {spoken}. Est-ce correct ?"}),
    Phrase.ASK_CONSENT: Wording({EN: "May our team contact you by email and text message about this?",
                                 FR: "Notre équipe peut-elle vous contacter par e-mail et SMS à ce sujet ?"}),
    Phrase.ASK_CONSENT_TEXT: Wording({EN: "May our team text you about this, and text you the meeting's confirmation?",
                                      FR: "Notre équipe peut-elle vous écrire par SMS à ce sujet, et vous envoyer la "
                                          "confirmation du rendez-vous par SMS ?"}),
    Phrase.ASK_PHONE: Wording({EN: "What's the best number to text you at?",
                               FR: "À quel numéro puis-je vous envoyer un SMS ?"}),
    Phrase.SPELL_EMAIL: Wording({EN: "Sorry about that. Could you spell your email address for me?",
                                 FR: "Désolé. Pouvez-vous m'épeler votre adresse e-mail ?"}),
    Phrase.CONFIRM_NAME: Wording({EN: "Did I get your name right: {name}?", FR: "Ai-je bien noté votre nom : {name} ?"}),
    Phrase.WHAT_TO_CORRECT: Wording({EN: "Sorry about that. What should I correct?",
                                     FR: "Désolé. Que dois-je corriger ?"}),
    Phrase.NO_PROBLEM_SHORT: Wording({EN: "No problem.", FR: "Pas de problème."}),
    Phrase.SMALL_TALK_REPLY: Wording({EN: "I'm doing well, thanks for asking.", FR: "Très bien, merci."}),
    Phrase.ABOUT_ME: Wording({EN: "I'm {company}'s virtual assistant, and I can set you up with our sales team.",
                              FR: "Je suis l'assistant virtuel de {company}, et je peux vous mettre en relation avec "
                                  "notre équipe commerciale."}),
    Phrase.WHY_DETAILS: Wording({EN: "Just a few details, so our sales team knows who you are and can follow up "
                                     "with you.",
                                 FR: "Juste quelques informations, pour que notre équipe commerciale sache qui vous "
                                     "êtes et puisse vous recontacter."}),
    Phrase.ASK_PREFERRED_TIME: Wording({EN: "What day and time would work better for you?",
                                        FR: "Quel jour et quelle heure vous conviendraient mieux ?"}),
    Phrase.EXACT_FREE: Wording({EN: "{label} is free{with_rep}. Shall I book it?",
                                FR: "{label} est libre{with_rep}. Je le réserve ?"}),
    Phrase.ALL_SET_SHORT: Wording({EN: "Thanks, you're all set.", FR: "Merci, c'est noté."}),
    Phrase.ALL_SET_SHORT_NAME: Wording({EN: "Thanks, {name}, you're all set.", FR: "Merci, {name}, c'est noté."}),
    Phrase.OFFER_MEETING_SLOTS: Wording(
        {EN: "Would you like to meet one of our sales reps? I can offer {options}.",
         FR: "Souhaitez-vous rencontrer un de nos commerciaux ? Je peux vous proposer {options}."}),
    Phrase.WHICH_TIME: Wording({EN: "Great. Which of those times works best for you?",
                                FR: "Parfait. Quel créneau vous convient le mieux ?"}),
    Phrase.MEETING_IS: Wording({EN: "Your meeting is on {label}{with_rep}.", FR: "Votre rendez-vous est le {label}{with_rep}."}),
    Phrase.RESUME_SLOTS: Wording({EN: "Would one of those times work for you: {options}?",
                                  FR: "L'un de ces créneaux vous convient-il : {options} ?"}),
    Phrase.ALL_SET: Wording(
        {EN: "Thanks, {name}, you're all set. Would you like to book a meeting with one of our sales reps?",
         FR: "Merci, {name}, c'est noté. Souhaitez-vous prendre rendez-vous avec un de nos commerciaux ?"}),
    Phrase.ALL_SET_ANON: Wording(
        {EN: "Thanks, you're all set. Would you like to book a meeting with one of our sales reps?",
         FR: "Merci, c'est noté. Souhaitez-vous prendre rendez-vous avec un de nos commerciaux ?"}),
    Phrase.OFFER_MEETING: Wording({EN: "Would you like to book a meeting with one of our sales reps?",
                                   FR: "Souhaitez-vous prendre rendez-vous avec un de nos commerciaux ?"}),
    Phrase.NO_PROBLEM: Wording({EN: "No problem. Is there anything else I can help with?",
                                FR: "Pas de problème. Puis-je vous aider pour autre chose ?"}),
    Phrase.ANYTHING_ELSE: Wording({EN: "Is there anything else I can help with?",
                                   FR: "Puis-je vous aider pour autre chose ?"}),
    Phrase.WHAT_ELSE: Wording({EN: "Sure, what else can I help with?",
                               FR: "Bien sûr, que puis-je faire d'autre pour vous ?"}),
    Phrase.OFFER_SLOTS: Wording({EN: "I can offer {options}. Which works best?",
                                 FR: "Je peux vous proposer {options}. Qu'est-ce qui vous convient le mieux ?"}),
    Phrase.OR: Wording({EN: "or", FR: "ou"}),
    Phrase.SLOT_TAKEN: Wording({EN: "That slot was just taken.", FR: "Ce créneau vient d'être pris."}),
    Phrase.NO_SLOTS: Wording(
        {EN: "I couldn't find a free slot then. Would another day or time work?",
         FR: "Je n'ai pas trouvé de créneau libre à ce moment-là. Un autre jour ou une autre heure vous "
             "conviendrait ?"}),
    Phrase.BOOKED: Wording(
        {EN: "You're booked for {label}{with_rep}. You'll get an invitation by email.",
         FR: "C'est réservé pour le {label}{with_rep}. Vous recevrez une invitation par e-mail."}),
    Phrase.RESCHEDULED: Wording(
        {EN: "Done: your meeting is moved to {label}{with_rep}. You'll get an updated invitation by email.",
         FR: "C'est fait : votre rendez-vous est déplacé au {label}{with_rep}. Vous recevrez une invitation mise à "
             "jour par e-mail."}),
    Phrase.BOOKED_BY_TEXT: Wording(
        {EN: "You're booked for {label}{with_rep}. We'll text you the confirmation.",
         FR: "C'est réservé pour le {label}{with_rep}. Nous vous enverrons la confirmation par SMS."}),
    Phrase.RESCHEDULED_BY_TEXT: Wording(
        {EN: "Done: your meeting is moved to {label}{with_rep}. We'll text you the new time.",
         FR: "C'est fait : votre rendez-vous est déplacé au {label}{with_rep}. Nous vous enverrons le nouvel "
             "horaire par SMS."}),
    Phrase.WITH_REP: Wording({EN: " with {rep}", FR: " avec {rep}"}),
    Phrase.CANCELLED: Wording(
        {EN: "Your meeting on {label} is cancelled. Is there anything else I can help with?",
         FR: "Votre rendez-vous du {label} est annulé. Puis-je vous aider pour autre chose ?"}),
    Phrase.NO_MEETING: Wording({EN: "I don't see a meeting booked for you. Would you like to book one?",
                                FR: "Je ne vois pas de rendez-vous à votre nom. Souhaitez-vous en prendre un ?"}),
    Phrase.KB_SOURCE: Wording({EN: "That's from our {title} page.", FR: "Cela vient de notre page {title}."}),
    Phrase.KB_OTHER_LANGUAGE: Wording(
        {EN: "Our {title} page has it, in English only: {answer}",
         FR: "Notre page {title} en parle, mais seulement en anglais : {answer}"}),
    Phrase.KB_MORE: Wording({EN: "Anything else I can help with?", FR: "Puis-je vous aider pour autre chose ?"}),
    Phrase.DONT_KNOW: Wording(
        {EN: "I don't know that, and I don't want to guess. A specialist will follow up with you on it.",
         FR: "Je ne le sais pas, et je préfère ne pas deviner. Un spécialiste reviendra vers vous à ce sujet."}),
    Phrase.DONT_KNOW_MORE: Wording({EN: "Anything else?", FR: "Autre chose ?"}),
    Phrase.ACTION_FAILED: Wording(
        {EN: "Sorry, I couldn't do that just now. I can connect you with a colleague, or have someone "
             "call you back. Which would you prefer?",
         FR: "Désolé, je n'ai pas pu le faire pour le moment. Je peux vous mettre en relation avec un "
             "collègue, ou vous faire rappeler. Que préférez-vous ?"}),
    Phrase.CALL_BACK: Wording(
        {EN: "Okay, someone from our team will call you back soon. Is there anything else I can help with?",
         FR: None}),
    Phrase.NOTED_FOLLOW_UP: Wording(
        {EN: "I've noted your details, and our team will follow up with you. Is there anything else "
             "I can help with?",
         FR: "J'ai noté vos coordonnées, et notre équipe reviendra vers vous. Puis-je vous aider "
             "pour autre chose ?"}),
}


def phrase(key: Phrase, language: str, /, **values: object) -> str:
    """`key` in `language` (in English when it has no text there), with `values` filled in."""
    texts = PHRASES[key].texts
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    assert template is not None, f"{key} has no English text"
    return template.format(**values)


def cached_texts() -> dict[str, list[str]]:
    """What the relay's audio cache holds: the text of every cached phrase, by language."""
    return {language: list(dict.fromkeys(phrase(key, language) for key, wording in PHRASES.items()
                                         if wording.cached))
            for language in LANGUAGES}
