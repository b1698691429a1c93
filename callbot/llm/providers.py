"""The chat model, chosen by settings: Gemini on Vertex AI (production, through
langchain-google-genai), OpenAI, Anthropic, any server that speaks OpenAI's chat completions API
(Ollama, vLLM, llama.cpp's llama-server: `openai_compatible`, at `llm_base_url`), or the offline
dialogue engine. Provider SDKs are imported only when chosen (each costs seconds of cold import)."""

from __future__ import annotations

from typing import Any

from callbot.settings import LlmSettings


class UnknownProvider(ValueError):
    pass


class ProviderNotConfigured(ValueError):
    pass


PLACEHOLDER_API_KEY = "not-needed"  # what a local server that asks for no key is sent


def chat_model(settings: LlmSettings) -> Any:
    """A LangChain chat model with streaming, tool calling and the configured timeout."""
    match settings.llm_provider:
        case "vertexai":  # ChatVertexAI is deprecated: Gemini through google-genai, on Vertex AI
            from langchain_google_genai import ChatGoogleGenerativeAI

            return ChatGoogleGenerativeAI(model=settings.llm_model, vertexai=True, project=settings.project_id,
                                          location=settings.llm_location, temperature=settings.llm_temperature,
                                          timeout=settings.llm_timeout_s, max_retries=1, streaming=True)
        case "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(model=settings.llm_model, temperature=settings.llm_temperature,
                              timeout=settings.llm_timeout_s, max_retries=1, streaming=True)
        case "openai_compatible":
            from langchain_openai import ChatOpenAI

            if not settings.llm_base_url:
                raise ProviderNotConfigured("the openai_compatible provider needs CALLBOT_LLM_BASE_URL, the "
                                            "server's API root, e.g. http://127.0.0.1:8080/v1")
            key = settings.llm_api_key.get_secret_value() or PLACEHOLDER_API_KEY
            return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
                              temperature=settings.llm_temperature, timeout=settings.llm_timeout_s, max_retries=1,
                              streaming=True)
        case "anthropic":
            from langchain_anthropic import ChatAnthropic

            return ChatAnthropic(model=settings.llm_model, temperature=settings.llm_temperature,
                                 timeout=settings.llm_timeout_s, max_retries=1, streaming=True)
        case "offline":
            from callbot.llm.offline import OfflineDialogueModel

            return OfflineDialogueModel(company_name=settings.company_name,
                                        chunk_delay_s=settings.offline_chunk_delay_s,
                                        first_token_s=settings.offline_first_token_s)
        case other:
            raise UnknownProvider(f"unknown LLM provider {other!r}: use vertexai, openai, anthropic, "
                                  "openai_compatible or offline")

