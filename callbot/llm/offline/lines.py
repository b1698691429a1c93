"""What the offline engine says, per language: American English in full, French for most lines.

A line missing in the caller's language falls back to English. Lines the relay caches (greeting,
goodbye, transfer) come from `callbot.phrases` so they stay byte-identical to the cached audio.
"""

from __future__ import annotations

from callbot.phrases import phrase

EN = "en-US"

LINES: dict[str, dict[str, str]] = {
    EN: {
        "refusal": "I can't help with that. I'm here to answer questions about {company} and to set up a "
                   "meeting with our sales team.",
        "not_caught": "Sorry, I didn't catch that. Could you say it again?",
        "sorry": "Sorry, I didn't catch that.",
        "thanks": "Thanks.",
        "thanks_name": "Thanks, {name}.",
        "got_it": "Got it.",
        "got_it_name": "Got it, {name}.",
        "great": "Great.",
        "great_name": "Great, {name}.",
        "happy_to_book": "Happy to set that up.",
        "ask_first_name": "May I have your first and last name?",
        "ask_last_name": "And your last name?",
        "ask_company": "What company are you with?",
        "ask_role": "What's your role there?",
        "ask_need": "What would you like {company} to help with?",
        "ask_team_size": "How many people would use it?",
        "ask_timeline": "When are you hoping to get started?",
        "ask_email": "What's the best email address to reach you?",
        "ask_email_confirmed": "Let me read that back: {spoken}. Is that right?",
        "ask_consent": "May our team contact you by email and text message about this?",
        "spell_email": "Sorry about that. Could you spell your email address for me?",
        "all_set": "Thanks, {name}, you're all set. Would you like to book a meeting with one of our sales reps?",
        "all_set_anon": "Thanks, you're all set. Would you like to book a meeting with one of our sales reps?",
        "offer_meeting": "Would you like to book a meeting with one of our sales reps?",
        "no_problem": "No problem. Is there anything else I can help with?",
        "anything_else": "Is there anything else I can help with?",
        "what_else": "Sure, what else can I help with?",
        "offer_slots": "I can offer {options}. Which works best?",
        "or": "or",
        "slot_taken": "That slot was just taken.",
        "no_slots": "I couldn't find a free slot then. Would another day or time work?",
        "booked": "You're booked for {label}{with_rep}. You'll get an invitation by email. "
                  "Is there anything else I can help with?",
        "rescheduled": "Done: your meeting is moved to {label}{with_rep}. You'll get an updated invitation by "
                       "email. Is there anything else I can help with?",
        "with_rep": " with {rep}",
        "cancelled": "Your meeting on {label} is cancelled. Is there anything else I can help with?",
        "no_meeting": "I don't see a meeting booked for you. Would you like to book one?",
        "kb_source": "That's from our {title} page.",
        "kb_more": "Anything else I can help with?",
        "dont_know": "I don't know that, and I don't want to guess. A specialist will follow up with you on it.",
        "dont_know_more": "Anything else?",
        "error": "Sorry, I couldn't do that just now. I can connect you with a colleague, or have someone "
                 "call you back. Which would you prefer?",
        "call_back": "Okay, someone from our team will call you back soon. Is there anything else I can help with?",
        "noted_follow_up": "I've noted your details, and our team will follow up with you. Is there anything else "
                           "I can help with?",
    },
    "fr-FR": {
        "refusal": "Je ne peux pas vous aider sur ce point. Je suis là pour répondre à vos questions sur "
                   "{company} et organiser un rendez-vous avec notre équipe commerciale.",
        "not_caught": "Désolé, je n'ai pas bien compris. Pouvez-vous répéter ?",
        "sorry": "Désolé, je n'ai pas bien compris.",
        "thanks": "Merci.",
        "thanks_name": "Merci, {name}.",
        "got_it": "C'est noté.",
        "got_it_name": "C'est noté, {name}.",
        "great": "Parfait.",
        "great_name": "Parfait, {name}.",
        "happy_to_book": "Avec plaisir.",
        "ask_first_name": "Puis-je avoir votre prénom et votre nom ?",
        "ask_last_name": "Et votre nom de famille ?",
        "ask_company": "Pour quelle entreprise travaillez-vous ?",
        "ask_role": "Quel est votre poste ?",
        "ask_need": "En quoi {company} peut-il vous aider ?",
        "ask_team_size": "Combien de personnes l'utiliseraient ?",
        "ask_timeline": "Quand souhaitez-vous démarrer ?",
        "ask_email": "Quelle est la meilleure adresse e-mail pour vous joindre ?",
        "ask_email_confirmed": "Je relis : {spoken}. Est-ce correct ?",
        "ask_consent": "Notre équipe peut-elle vous contacter par e-mail et SMS à ce sujet ?",
        "spell_email": "Désolé. Pouvez-vous m'épeler votre adresse e-mail ?",
        "all_set": "Merci, {name}, c'est noté. Souhaitez-vous prendre rendez-vous avec un de nos commerciaux ?",
        "all_set_anon": "Merci, c'est noté. Souhaitez-vous prendre rendez-vous avec un de nos commerciaux ?",
        "offer_meeting": "Souhaitez-vous prendre rendez-vous avec un de nos commerciaux ?",
        "no_problem": "Pas de problème. Puis-je vous aider pour autre chose ?",
        "anything_else": "Puis-je vous aider pour autre chose ?",
        "what_else": "Bien sûr, que puis-je faire d'autre pour vous ?",
        "offer_slots": "Je peux vous proposer {options}. Qu'est-ce qui vous convient le mieux ?",
        "or": "ou",
        "slot_taken": "Ce créneau vient d'être pris.",
        "no_slots": "Je n'ai pas trouvé de créneau libre à ce moment-là. Un autre jour ou une autre heure "
                    "vous conviendrait ?",
        "with_rep": " avec {rep}",
        "cancelled": "Votre rendez-vous du {label} est annulé. Puis-je vous aider pour autre chose ?",
        "kb_source": "Cela vient de notre page {title}.",
        "kb_more": "Puis-je vous aider pour autre chose ?",
        "dont_know": "Je ne le sais pas, et je préfère ne pas deviner. Un spécialiste reviendra vers vous "
                     "à ce sujet.",
        "dont_know_more": "Autre chose ?",
        "error": "Désolé, je n'ai pas pu le faire pour le moment. Je peux vous mettre en relation avec un "
                 "collègue, ou vous faire rappeler. Que préférez-vous ?",
        "noted_follow_up": "J'ai noté vos coordonnées, et notre équipe reviendra vers vous. Puis-je vous aider "
                           "pour autre chose ?",
    },
}


def line(key: str, language: str, /, **values: object) -> str:
    """The line `key` in `language` (English when it has none), with `values` filled in."""
    template = LINES.get(language, {}).get(key) or LINES[EN][key]
    return template.format(**values)


def cached(name: str, language: str) -> str:
    """A line the relay has in its audio cache (`callbot.phrases`)."""
    return phrase(name, language)


def join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def either(options: list[str], language: str) -> str:
    """'A, or B' / 'A, B, or C', as the lines offer choices."""
    if len(options) < 2:
        return "".join(options)
    return ", ".join(options[:-1]) + f", {line('or', language)} " + options[-1]
