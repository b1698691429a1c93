"""Settings of every deployable, read from the environment (prefix `CALLBOT_`) with typed defaults.

Business code receives a settings object; nothing else reads `os.environ`. Secrets come from Secret
Manager mounted as environment variables or files in staging and prod; the `dev` environment has
local placeholder values so that the stack runs with no credentials at all.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from enum import StrEnum
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_TWILIO_AUTH_TOKEN = "dev-twilio-auth-token-not-a-secret"


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class CommonSettings(BaseSettings):
    """What every process needs."""

    model_config = SettingsConfigDict(env_prefix="CALLBOT_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEV
    project_id: str = "callbot-local"
    log_level: str = "INFO"
    call_retention_days: int = Field(default=30, ge=1)
    company_name: str = "Northwind Voice"
    company_timezone: str = Field(default="America/New_York", description="IANA zone times are spoken in")
    trace_exporter: Literal["none", "cloud", "file"] = Field(
        default="none", description="where each turn's trace goes: nowhere, Cloud Trace, or JSON lines in trace_dir")
    trace_dir: str = Field(default="", description="the folder of the file trace exporter (the local stack)")


def _default_instance() -> str:
    host = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-")[:20] or "relay"
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class RelaySettings(CommonSettings):
    """The stream relay (Cloud Run)."""

    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="the URL Twilio calls; signatures are computed over it, never over the Host header",
    )
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_account_sid: str = ""
    relay_instance: str = Field(default_factory=_default_instance, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    languages: tuple[str, ...] = ("en-US", "fr-FR")
    default_language: str = "en-US"
    number_languages: dict[str, str] = Field(
        default_factory=dict, description="language per called number (E.164), e.g. a French sales line")

    # speech engines
    stt_engine: Literal["scripted", "whisper", "google"] = "scripted"
    tts_engine: Literal["tone", "espeak", "hibari", "google"] = Field(
        default="tone", description="tone: a placeholder; espeak: espeak-ng; hibari: a local neural English voice, "
        "other languages spoken by espeak-ng; google: Text-to-Speech")
    stt_vocabulary: tuple[str, ...] = Field(
        default=(), description="the company's words callers say (its name, its products, its reps' names), "
        "hinted to the STT on every utterance (Google: a boosted phrase set; Whisper: its prompt); empty: the "
        "company name")
    stt_answer_hints: bool = Field(
        default=True, description="also hint the answer to what the bot just asked (an email address, a number, "
        "a yes or no, a meeting time: `BotSpeech.listen_for`). Google takes hints only when a stream opens, so "
        "its stream is switched, between utterances, whenever the expected answer changes")
    google_stt_vocabulary_boost: float = Field(
        default=10.0, gt=0, le=20, description="Google speech adaptation boost of the vocabulary (0-20: higher "
        "finds the words more often, and hears them where they were not said more often too)")
    google_stt_answer_boost: float = Field(
        default=5.0, gt=0, le=20, description="Google speech adaptation boost of the expected answer's phrases "
        "(common words such as 'at', 'dot', 'yes': kept lower than the vocabulary's)")
    google_stt_api: Literal["v1", "v2"] = "v1"
    google_stt_model: str = Field(default="telephony", description="v1: telephony; v2: chirp_3, telephony")
    google_stt_location: str = "global"
    stt_stream_restart_s: float = Field(default=270.0, gt=0, description="restart before Google's ~5 min limit")
    stt_max_stream_s: float = Field(default=290.0, gt=0, description="restart even mid-utterance at this age")
    google_stt_endpoint: str = Field(
        default="", description="host:port of a local fake Speech service (insecure, no credentials); tests only")
    whisper_model_dir: str = Field(default="", description="CTranslate2 Whisper model; empty: the bundled tiny.en")
    whisper_multilingual_model_dir: str = Field(
        default="", description="CTranslate2 multilingual Whisper model that transcribes calls not in English (a "
        "French line); empty: those calls go to whisper_model_dir's model, which hears English only")
    whisper_threads: int = Field(default=1, ge=1)
    google_tts_voices: dict[str, str] = {"en-US": "en-US-Neural2-F", "fr-FR": "fr-FR-Neural2-A"}
    espeak_voices: dict[str, str] = {"en-US": "en-us", "fr-FR": "fr-fr"}
    tts_speaking_rate: float = Field(default=1.0, gt=0.25, le=4.0, description="how fast every voice speaks, the "
                                     "tone voice too (the end-to-end suite's stack speaks at 3: see tests/e2e/conftest.py)")
    scripted_stt_final_ms: int = Field(
        default=0, ge=0, description="scripted STT: its final result is ready this long after the caller's last "
        "loud frame, as a streaming engine's would be; 0: at once (the latency benchmark sets it: see "
        "bench/README.md, bench.voice_latency)")
    tone_tts_latency_ms: int = Field(
        default=0, ge=0, description="tone TTS: wait this long before the audio, as an engine's time to first "
        "audio (the latency benchmark sets it: see bench/README.md, bench.voice_latency)")

    # turn-taking
    vad_engine: Literal["webrtc", "energy"] = "webrtc"
    vad_aggressiveness: int = Field(default=2, ge=0, le=3, description="webrtcvad mode")
    vad_energy_dbfs: float = Field(default=-45.0, description="energy VAD: frames louder than this are speech")
    vad_min_speech_ms: int = Field(default=60, ge=20, description="speech this long opens an utterance")
    endpoint_silence_ms: int = Field(
        default=450, ge=100, description="silence this long closes it: shorter pauses stay inside the turn, and "
        "without an STT final the reply waits this long (see bench/README.md, bench.endpointing)")
    endpoint_silence_after_final_ms: int = Field(
        default=200, ge=40, description="shorter silence that closes it once the STT has a final result: a quicker "
        "reply, as safe as the STT's finals are ends of turn (see bench/README.md, bench.endpointing)")
    preemptive_turns: bool = Field(
        default=True, description="start the agent's turn on the STT's final, before the silence that closes the "
        "turn: its reply is held and its writes wait until the turn closes, and it is withdrawn if the caller "
        "goes on speaking (engines with no final before the turn closes, such as Whisper, never start one)")
    barge_in_min_speech_ms: int = Field(default=200, ge=20, description="caller speech that may cut the bot off")
    backchannel_max_ms: int = Field(
        default=700, ge=100, description="speech longer than this interrupts even without a transcript")
    backchannel_phrases: tuple[str, ...] = (
        "mm-hm", "mhm", "mm", "uh-huh", "yeah", "yes", "yep", "okay", "ok", "right", "sure", "i see",
        "oui", "d'accord", "ok d'accord", "hum")
    playback_lead_ms: int = Field(default=100, ge=0, description="audio sent ahead of real time")
    playback_message_ms: int = Field(
        default=40, ge=20, le=100, multiple_of=20, description="bot audio in one outbound media message: "
        "Twilio buffers what it is sent, and each message is a WebSocket write and a wake-up of the relay "
        "(Pipecat's Twilio transport also sends 40 ms)")
    loop_round_ms: int = Field(
        default=10, ge=0, le=20, description="the event loop looks at its sockets and timers at most this often, "
        "and handles what came in meanwhile together: wake-ups that no longer grow with the calls, for up to "
        "this much delay (stream_relay/loop_rounds.py); 0: at once")
    loop_round_from_calls: int = Field(
        default=4, ge=0, description="rounds only while the relay holds at least this many calls: with fewer, "
        "its wake-ups cost little and a round's wait would only add to every turn's latency; 0: always")

    # call timers and control
    silence_reprompt_s: float = Field(default=8.0, gt=0, description="caller silence before a reprompt")
    silence_hangup_s: float = Field(default=8.0, gt=0, description="further silence before goodbye")
    max_call_s: float = Field(default=1800.0, gt=0, description="calls are wrapped up politely after this")
    human_dtmf_digit: str = Field(default="0", pattern=r"^[0-9*#]$")
    transfer_number: str = Field(default="", description="E.164 number of the sales desk for handovers")

    # stores
    audio_cache_uri: str = Field(default="", description="gs://bucket/prefix or a folder; empty: none")
    recordings_uri: str = Field(default="", description="gs://bucket/prefix or a folder; empty: not kept")
    memory_report_dir: str = Field(default="", description="development only: write a memory report here on "
                                   "SIGUSR1 (stream_relay/memory_report.py); empty: off")
    memory_report_trace: bool = Field(default=False, description="development only: the memory reports also "
                                      "trace Python allocations (tracemalloc: slower)")

    @model_validator(mode="after")
    def _vocabulary_defaults_to_the_company(self) -> RelaySettings:
        words = tuple(dict.fromkeys(w.strip() for w in self.stt_vocabulary if w.strip()))
        object.__setattr__(self, "stt_vocabulary", words or (self.company_name,))
        return self

    @model_validator(mode="after")
    def _secrets_present(self) -> RelaySettings:
        if not self.twilio_auth_token.get_secret_value():
            if self.environment is not Environment.DEV:
                raise ValueError("CALLBOT_TWILIO_AUTH_TOKEN is required outside dev")
            object.__setattr__(self, "twilio_auth_token", SecretStr(DEV_TWILIO_AUTH_TOKEN))
        return self

    @property
    def stream_url(self) -> str:
        """The media stream's WebSocket URL derived from the public URL."""
        base = self.public_url.rstrip("/")
        scheme, rest = base.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/twilio/stream"


LlmProvider = Literal["vertexai", "openai", "anthropic", "openai_compatible", "offline"]
DEFAULT_MODELS: dict[str, str] = {"vertexai": "gemini-2.5-flash", "openai": "gpt-4.1-mini",
                                  "anthropic": "claude-sonnet-4-5", "openai_compatible": "default",
                                  "offline": "rules-v1"}


class LlmSettings(CommonSettings):
    """The LLM of a process that uses one (agent_turn, summarize_call)."""

    llm_provider: LlmProvider | None = Field(
        default=None, description="vertexai (production default), openai, anthropic, openai_compatible (a server "
        "speaking OpenAI's chat completions API at llm_base_url: Ollama, vLLM, llama.cpp's llama-server), or "
        "offline: a deterministic rule-based stand-in for an LLM, with no network and no weights (the default in dev)")
    llm_model: str = Field(default="", description="empty: the provider's default in DEFAULT_MODELS (for "
                           "openai_compatible, the name the server knows the model by; llama-server ignores it)")
    llm_base_url: str = Field(
        default="", pattern=r"^(https?://\S+)?$", description="openai_compatible: the server's API root, "
        "e.g. http://127.0.0.1:8080/v1 (llama-server, vLLM) or http://127.0.0.1:11434/v1 (Ollama); required there")
    llm_api_key: SecretStr = Field(
        default=SecretStr(""), description="openai_compatible: the server's API key, when it asks for one; empty: "
        "a placeholder is sent (local servers take any)")
    llm_location: str = Field(default="us-central1", description="Vertex AI region")
    llm_temperature: float = Field(default=0.2, ge=0, le=2)
    llm_timeout_s: float = Field(default=8.0, gt=0, description="a reply not finished by then becomes an apology")
    offline_chunk_delay_s: float = Field(default=0.0, ge=0, description="offline engine: pause between words")
    offline_first_token_s: float = Field(
        default=0.0, ge=0, description="offline engine: wait before the first word, as an LLM's time to first "
        "token (benchmarks and fault tests)")

    @model_validator(mode="after")
    def _provider_for_environment(self) -> LlmSettings:
        if self.llm_provider is None:
            provider = "offline" if self.environment is Environment.DEV else "vertexai"
            object.__setattr__(self, "llm_provider", provider)
        if not self.llm_model:
            object.__setattr__(self, "llm_model", DEFAULT_MODELS[self.llm_provider])
        return self


class AgentTurnSettings(LlmSettings):
    """The agent_turn function: the conversation graph and its LLM."""

    max_message_age_s: int = Field(default=600, ge=1, description="older messages are dropped, not retried")
    human_dtmf_digit: str = Field(default="0", pattern=r"^[0-9*#]$", description="the key that asks for a person")
    first_sentence_timeout_s: float = Field(
        default=1.5, gt=0, description="no first sentence by then: the filler line is spoken meanwhile")
    max_agent_steps: int = Field(default=6, ge=1, description="LLM steps per reply; stops tool-call loops")
    prompt_style: Literal["full", "compact"] = Field(
        default="full", description="the agents' system prompts: full (the production prompts), or compact (short "
        "rules and a call state with only what is known and the one thing to do next, for small local models; "
        "languages without compact files use the full ones)")
    action_timeout_s: float = Field(
        default=15.0, gt=0, description="an action without a result by then is given up when the caller speaks "
        "again: the agent is told it failed and answers them")
    recursion_limit: int = Field(default=40, ge=10, description="LangGraph steps per run, a backstop")
    max_caller_text_chars: int = Field(
        default=2000, ge=200, description="caller text longer than this (about two minutes of speech) is cut, at a "
        "word, before it reaches the prompt and the checkpoint")
