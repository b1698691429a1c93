"""The offline dialogue engine: a deterministic, rule-based LangChain chat model that drives the
callbot's graph through the same tools Gemini would call, for the local stack, the demo and the
end-to-end tests. It understands plain phrasings; it is not a language model.

Modules: `model` (the chat model), `turn` (what it decides from), `policy` (shared intents and
dispatch), `lead_agent`, `calendar_agent`, `knowledge_agent` (each specialist's rules), `intents`,
`extract`, `dates` (reading what the caller said) and `spoken` (spoken forms, heard and said). What
it says is in `callbot.phrases`, the bot's one table of phrases.
"""

from callbot.llm.offline.model import OfflineDialogueModel

__all__ = ["OfflineDialogueModel"]
