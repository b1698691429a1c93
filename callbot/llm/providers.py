"""The chat model, chosen by settings: Vertex AI Gemini (production), OpenAI, Anthropic, or the
offline dialogue engine. Provider SDKs are imported only when chosen (the Vertex SDK alone costs
about 3.5 s of cold import)."""

from __future__ import annotations

from typing import Any

from callbot.settings import AgentTurnSettings


class UnknownProvider(ValueError):
    pass


def chat_model(settings: AgentTurnSettings) -> Any:
    """A LangChain chat model with streaming, tool calling and the configured timeout."""
    match settings.llm_provider:
        case "vertexai":
            from langchain_google_vertexai import ChatVertexAI

            return ChatVertexAI(model=settings.llm_model, project=settings.project_id, location=settings.llm_location,
                                temperature=settings.llm_temperature, timeout=settings.llm_timeout_s, max_retries=1,
                                streaming=True)
        case "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(model=settings.llm_model, temperature=settings.llm_temperature,
                              timeout=settings.llm_timeout_s, max_retries=1, streaming=True)
        case "anthropic":
            from langchain_anthropic import ChatAnthropic

            return ChatAnthropic(model=settings.llm_model, temperature=settings.llm_temperature,
                                 timeout=settings.llm_timeout_s, max_retries=1, streaming=True)
        case "offline":
            from callbot.llm.offline import OfflineDialogueModel

            return OfflineDialogueModel(chunk_delay_s=settings.offline_chunk_delay_s)
        case other:
            raise UnknownProvider(f"unknown LLM provider {other!r}: use vertexai, openai, anthropic or offline")


def credentials_present(provider: str) -> bool:
    """Whether a real provider can be called from here (used to skip evaluations without them)."""
    import os

    match provider:
        case "openai":
            return bool(os.environ.get("OPENAI_API_KEY"))
        case "anthropic":
            return bool(os.environ.get("ANTHROPIC_API_KEY"))
        case "vertexai":
            try:
                import google.auth

                google.auth.default()
            except Exception:  # noqa: BLE001 - any failure means "no usable credentials here"
                return False
            return True
        case _:
            return provider == "offline"
