"""The chat model is chosen by settings; provider SDKs are imported only when chosen."""

import functools
import json
import operator
import subprocess
import sys
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from langchain_core._api import LangChainDeprecationWarning
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.messages.utils import message_chunk_to_message
from langchain_core.tools import tool
from pydantic import SecretStr, ValidationError

from callbot.llm.providers import PLACEHOLDER_API_KEY, ProviderNotConfigured, UnknownProvider, chat_model
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
                                           ("anthropic", "ChatAnthropic"), ("openai_compatible", "ChatOpenAI")])
def test_each_provider_builds_its_langchain_model_without_a_deprecated_class(provider, cls, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LangChainDeprecationWarning)
        model = chat_model(AgentTurnSettings(llm_provider=provider, llm_timeout_s=3,
                                             llm_base_url="http://127.0.0.1:8080/v1"))
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
    with pytest.raises(UnknownProvider, match="vertexai, openai, anthropic, openai_compatible or offline"):
        chat_model(settings)


def test_the_openai_compatible_provider_calls_the_server_at_the_base_url_with_a_placeholder_key():
    settings = AgentTurnSettings(llm_provider="openai_compatible", llm_base_url="http://127.0.0.1:8080/v1",
                                 llm_model="qwen2.5-coder-1.5b", llm_timeout_s=120)
    model = chat_model(settings)
    assert type(model).__name__ == "ChatOpenAI"
    assert (model.openai_api_base, model.model_name, model.request_timeout, model.streaming) == (
        "http://127.0.0.1:8080/v1", "qwen2.5-coder-1.5b", 120, True)
    assert model.openai_api_key.get_secret_value() == PLACEHOLDER_API_KEY
    keyed = chat_model(settings.model_copy(update={"llm_api_key": SecretStr("vllm-key")}))
    assert keyed.openai_api_key.get_secret_value() == "vllm-key"


def test_the_openai_compatible_provider_has_a_default_model_and_needs_a_base_url(monkeypatch):
    monkeypatch.setenv("CALLBOT_LLM_PROVIDER", "openai_compatible")
    assert AgentTurnSettings().llm_model == "default"
    with pytest.raises(ProviderNotConfigured, match="CALLBOT_LLM_BASE_URL"):
        chat_model(AgentTurnSettings())
    with pytest.raises(ValidationError):
        AgentTurnSettings(llm_base_url="127.0.0.1:8080")  # no scheme


class _FakeOpenAIServer(ThreadingHTTPServer):
    """An OpenAI-compatible chat completions endpoint that streams the chunks it is given (as
    llama-server, vLLM and Ollama do, Server-Sent Events ending with [DONE]) and keeps the requests."""

    def __init__(self, chunks: list[dict]) -> None:
        self.chunks, self.requests = chunks, []
        super().__init__(("127.0.0.1", 0), _FakeOpenAIHandler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _FakeOpenAIHandler(BaseHTTPRequestHandler):
    server: _FakeOpenAIServer

    def do_POST(self) -> None:  # http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                     "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in self.server.chunks:
            event = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "local", **chunk}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_openai_server():
    servers = []

    def start(chunks: list[dict]) -> _FakeOpenAIServer:
        server = _FakeOpenAIServer(chunks)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _delta(delta: dict, finish: str | None = None) -> dict:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def test_a_tool_call_streamed_by_an_openai_compatible_server_arrives_as_a_real_tool_call(fake_openai_server):
    """What the agent node does (agent_node.py): bind_tools, then stream; the arguments come in pieces."""
    server = fake_openai_server([
        _delta({"role": "assistant", "content": None}),
        _delta({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                "function": {"name": "record_lead", "arguments": ""}}]}),
        _delta({"tool_calls": [{"index": 0, "function": {"arguments": '{"first_name": "Hannah", '}}]}),
        _delta({"tool_calls": [{"index": 0, "function": {"arguments": '"team_size": 40}'}}]}),
        _delta({}, finish="tool_calls"),
    ])

    @tool
    def record_lead(first_name: str, team_size: int) -> str:
        """Record what the caller said about themselves."""
        return "recorded"

    settings = AgentTurnSettings(llm_provider="openai_compatible", llm_base_url=server.base_url, llm_timeout_s=10)
    bound = chat_model(settings).bind_tools([record_lead])
    chunks = list(bound.stream([SystemMessage("You qualify leads."), HumanMessage("Hannah, forty drivers")]))

    message = message_chunk_to_message(functools.reduce(operator.add, chunks))
    assert len(chunks) > 2  # streamed, not one whole reply
    assert message.tool_calls == [{"name": "record_lead", "args": {"first_name": "Hannah", "team_size": 40},
                                   "id": "call_1", "type": "tool_call"}]
    assert message.text == ""
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"
    assert request["body"]["stream"] is True
    assert [t["function"]["name"] for t in request["body"]["tools"]] == ["record_lead"]
    assert request["body"]["messages"][0] == {"role": "system", "content": "You qualify leads."}


def test_text_streamed_by_an_openai_compatible_server_arrives_word_by_word(fake_openai_server):
    words = ["Thanks", " Hannah.", " What", " is", " your", " email?"]
    server = fake_openai_server([_delta({"role": "assistant", "content": ""}),
                                 *[_delta({"content": word}) for word in words], _delta({}, finish="stop")])
    settings = AgentTurnSettings(llm_provider="openai_compatible", llm_base_url=server.base_url, llm_timeout_s=10)
    chunks = list(chat_model(settings).bind_tools([]).stream([HumanMessage("Hannah")]))
    assert [c.text for c in chunks if c.text] == words
    assert not functools.reduce(operator.add, chunks).tool_call_chunks
