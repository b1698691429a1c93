"""The chat model is chosen by settings; provider SDKs are imported only when chosen."""

import subprocess
import sys
import warnings

import pytest
from langchain_core._api import LangChainDeprecationWarning

from callbot.llm.providers import UnknownProvider, chat_model
from callbot.settings import AgentTurnSettings


def test_dev_defaults_to_the_offline_engine_and_production_to_vertex_ai(monkeypatch):
    assert AgentTurnSettings().llm_provider == "offline"
    monkeypatch.setenv("CALLBOT_ENVIRONMENT", "prod")
    prod = AgentTurnSettings()
    assert (prod.llm_provider, prod.llm_model) == ("vertexai", "gemini-2.5-flash")
    monkeypatch.setenv("CALLBOT_LLM_PROVIDER", "anthropic")
    assert AgentTurnSettings().llm_model == "claude-sonnet-4-5"


def test_the_offline_engine_is_built_without_any_provider_sdk():
    code = ("import sys; from callbot.llm.providers import chat_model; from callbot.settings import AgentTurnSettings;"
            "m = chat_model(AgentTurnSettings(llm_provider='offline'));"
            "print(type(m).__name__, [n for n in ('langchain_google_vertexai', 'langchain_google_genai',"
            " 'langchain_openai', 'langchain_anthropic', 'vertexai', 'google.genai') if n in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split(" ", 1) == ["OfflineDialogueModel", "[]\n"]


@pytest.mark.parametrize("provider, cls", [("vertexai", "ChatGoogleGenerativeAI"), ("openai", "ChatOpenAI"),
                                           ("anthropic", "ChatAnthropic")])
def test_each_provider_builds_its_langchain_model_without_a_deprecated_class(provider, cls, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LangChainDeprecationWarning)
        model = chat_model(AgentTurnSettings(llm_provider=provider, llm_timeout_s=3))
    assert type(model).__name__ == cls


def test_gemini_is_called_on_vertex_ai_in_the_project_and_region_with_the_timeout():
    settings = AgentTurnSettings(llm_provider="vertexai", project_id="callbot-prod", llm_location="europe-west1",
                                 llm_timeout_s=3)
    model = chat_model(settings)  # no credentials are needed to build it: nothing is called
    api = model.client._api_client
    assert (api.vertexai, api.project, api.location) == (True, "callbot-prod", "europe-west1")
    assert (model.model, model.timeout, model.max_retries, model.streaming) == ("gemini-2.5-flash", 3, 1, True)


def test_an_unknown_provider_is_refused_with_the_choices():
    settings = AgentTurnSettings().model_copy(update={"llm_provider": "llama"})
    with pytest.raises(UnknownProvider, match="vertexai, openai, anthropic or offline"):
        chat_model(settings)
