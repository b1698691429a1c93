"""Lines the callbot says often, per language. The relay synthesizes them ahead of time into the
audio cache; any bot sentence equal to one of them is played from the cache with no TTS delay."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "en-US": {
        "greeting": "Hello, and thanks for calling.",
        "greeting_question": "How can I help you today?",
        "filler": "One moment, let me check.",
        "reprompt": "Are you still there?",
        "goodbye": "Thanks for calling. Goodbye!",
        "silence_goodbye": "I can't hear you, so I'll end the call now. Goodbye!",
        "wrap_up": "I'm sorry, we have to wrap up now. Thanks for calling, goodbye!",
        "transfer": "Let me connect you with someone from our team. Please hold.",
        "apology": "Sorry, I'm having trouble right now.",
        "offer_help": "I can connect you with a colleague, or have someone call you back. Which would you prefer?",
        "not_caught": "Sorry, could you say that again?",
    },
    "fr-FR": {
        "greeting": "Bonjour, et merci de votre appel.",
        "greeting_question": "Comment puis-je vous aider ?",
        "filler": "Un instant, je vérifie.",
        "reprompt": "Vous êtes toujours là ?",
        "goodbye": "Merci de votre appel. Au revoir !",
        "silence_goodbye": "Je ne vous entends plus, je vais raccrocher. Au revoir !",
        "wrap_up": "Je suis désolé, nous devons nous arrêter là. Merci de votre appel, au revoir !",
        "transfer": "Je vous mets en relation avec un membre de notre équipe. Merci de patienter.",
        "apology": "Désolé, je rencontre un problème pour le moment.",
        "offer_help": "Je peux vous mettre en relation avec un collègue, ou vous faire rappeler. Que préférez-vous ?",
        "not_caught": "Pardon, pouvez-vous répéter ?",
    },
}
DEFAULT_LANGUAGE = "en-US"


def phrase(name: str, language: str) -> str:
    """The phrase `name` in `language`, falling back to the default language."""
    return PHRASES.get(language, PHRASES[DEFAULT_LANGUAGE]).get(name) or PHRASES[DEFAULT_LANGUAGE][name]


WELCOME_BACK = {"en-US": "Welcome back, {name}.", "fr-FR": "Ravi de vous entendre à nouveau, {name}."}


def welcome_back(name: str, language: str) -> str:
    return WELCOME_BACK.get(language, WELCOME_BACK[DEFAULT_LANGUAGE]).format(name=name)


def all_phrases(language: str) -> list[str]:
    return list(PHRASES.get(language, {}).values())
