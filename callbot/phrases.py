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
    },
}
DEFAULT_LANGUAGE = "en-US"


def phrase(name: str, language: str) -> str:
    """The phrase `name` in `language`, falling back to the default language."""
    return PHRASES.get(language, PHRASES[DEFAULT_LANGUAGE]).get(name) or PHRASES[DEFAULT_LANGUAGE][name]


def all_phrases(language: str) -> list[str]:
    return list(PHRASES.get(language, {}).values())
