"""Pipecat voice bot on a Twilio Media Stream, with fake STT / LLM / TTS of fixed latency.

Served the way Pipecat's own Twilio examples serve a bot: a FastAPI app whose
POST / answers Twilio's voice webhook with <Connect><Stream> TwiML and whose
/ws WebSocket takes the Media Stream, reads the `connected`/`start` messages
with ``pipecat.runner.utils.parse_telephony_websocket``, and runs a pipeline on
``FastAPIWebsocketTransport`` + ``TwilioFrameSerializer``.

Pipeline (the shape of Pipecat's cascade template, `pipecat init`):

    transport.input() -> stt -> user_aggregator -> llm -> tts
        -> transport.output() -> assistant_aggregator

Real Pipecat parts: transport, Twilio serializer (auto_hang_up=False, so no
Twilio REST call), Silero VAD (bundled ONNX model) in the user aggregator,
Pipecat's default user-turn strategies (start: VAD + transcription; stop:
TurnAnalyzerUserTurnStopStrategy with the bundled LocalSmartTurnAnalyzerV3),
the context aggregators, the TTS base class's sentence aggregation, audio
contexts and the output transport's pacing, and interruption handling.

Fake parts (Pipecat services, subclassing STTService / LLMService / TTSService,
so Pipecat's normal frame flow runs around them):

* FakeSTT: swallows audio; 150 ms (BENCH_STT_DELAY_S) after each
  VADUserStoppedSpeakingFrame pushes a finalized TranscriptionFrame with a fixed
  text (finalized the way Deepgram's finalize does it). Advertises
  ttfs_p99_latency = 0.35 s (= VAD stop_secs 0.2 + 0.15), Deepgram's value.
* FakeLLM: on each LLMContextFrame streams a fixed 2-sentence reply, first
  token after 350 ms (BENCH_LLM_TTFT_S), then 40 tokens/s (BENCH_LLM_TPS).
* FakeTTS: first audio 150 ms (BENCH_TTS_TTFB_S) after run_tts gets text;
  a 440 Hz tone at the pipeline's output rate whose length is the text's
  speaking time at 15 chars/s; the rest of the sentence's audio follows at once
  (faster than real time, like a streaming TTS).

Each call writes a small timeline (monotonic clock, comparable with the
caller's) to $BENCH_TRACE_DIR/<callSid>.json when that variable is set.

Run:  uvicorn pipecat_bot:app --app-dir peers --host 127.0.0.1 --port 8765
"""

import asyncio
import importlib.metadata
import json
import os
import sys
import time
from dataclasses import fields

import numpy as np
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from loguru import logger
from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMRunFrame,
    MetricsFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.metrics.metrics import TurnMetricsData
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings, STTSettings, TTSSettings
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601
from pipecat.workers.runner import WorkerRunner


def _env_f(name: str, default: float) -> float:
    return float(os.getenv(name, default))


STT_DELAY_S = _env_f("BENCH_STT_DELAY_S", 0.150)
STT_TTFS_P99_S = _env_f("BENCH_STT_TTFS_P99_S", 0.35)
LLM_TTFT_S = _env_f("BENCH_LLM_TTFT_S", 0.350)
LLM_TPS = _env_f("BENCH_LLM_TPS", 40.0)
TTS_TTFB_S = _env_f("BENCH_TTS_TTFB_S", 0.150)
TTS_CHARS_PER_S = _env_f("BENCH_TTS_CHARS_PER_S", 15.0)
TTS_TONE_HZ = _env_f("BENCH_TTS_TONE_HZ", 440.0)
GREETING = os.getenv("BENCH_GREETING", "0") == "1"
TRACE_DIR = os.getenv("BENCH_TRACE_DIR")
LOG_LEVEL = os.getenv("BENCH_LOG_LEVEL", "INFO")
# "default": Pipecat's defaults (UserTurnStrategies() -> smart-turn v3 stop strategy).
# "speech_timeout": variant, SpeechTimeoutUserTurnStopStrategy (VAD silence + 0.6 s), no ML turn model.
TURN_STOP = os.getenv("BENCH_TURN_STOP", "default")

TRANSCRIPTS = [
    "Hi there I would like to check the status of my order.",
    "It was placed last Tuesday under the name Smith.",
    "Perfect thanks a lot for the help.",
]
REPLY = "Sure, let me check that for you. It should only take a moment, thanks for waiting."

logger.remove()
logger.add(sys.stderr, level=LOG_LEVEL)


def _settings(cls, **given):
    """A store-mode settings object with every field set (None where unused)."""
    kw = {f.name: None for f in fields(cls) if f.name != "extra" and not f.name.startswith("_")}
    kw.update(given)
    return cls(**kw)


def tokenize(text: str) -> list[str]:
    """Word-sized tokens with their leading space, like an LLM's stream."""
    words = text.split(" ")
    return [words[0]] + [" " + w for w in words[1:]]


class CallTrace:
    """Per-call timeline of the moments the fakes see (time.monotonic())."""

    def __init__(self, call_sid: str):
        self.call_sid = call_sid
        self.events: list[tuple[str, float, dict]] = []

    def add(self, name: str, **extra):
        self.events.append((name, time.monotonic(), extra))

    def dump(self):
        if not TRACE_DIR:
            return
        os.makedirs(TRACE_DIR, exist_ok=True)
        with open(os.path.join(TRACE_DIR, f"{self.call_sid}.json"), "w") as f:
            json.dump(
                [{"event": n, "t": t, **x} for n, t, x in self.events], f, indent=0
            )


class FakeSTTService(STTService):
    """STT that emits a fixed final transcript STT_DELAY_S after VAD says the user stopped."""

    def __init__(self, *, trace: CallTrace, delay_s: float = STT_DELAY_S, **kwargs):
        super().__init__(
            ttfs_p99_latency=STT_TTFS_P99_S,
            settings=_settings(STTSettings, model="fake-stt"),
            **kwargs,
        )
        self._trace = trace
        self._delay_s = delay_s
        self._n = 0

    def can_generate_metrics(self) -> bool:
        return True

    async def run_stt(self, audio: bytes):
        # A streaming STT would forward the audio to its server here.
        return
        yield  # unreachable: makes this an async generator

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._trace.add("vad_started")
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._trace.add("vad_stopped", stop_secs=frame.stop_secs)
            # Like DeepgramSTTService: ask the server to finalize on VAD stop.
            self.request_finalize()
            self.create_task(self._emit_final(), name="fake_stt_final")

    async def _emit_final(self):
        await asyncio.sleep(self._delay_s)
        text = TRANSCRIPTS[self._n % len(TRANSCRIPTS)]
        self._n += 1
        self.confirm_finalize()
        self._trace.add("transcript")
        await self.push_frame(
            TranscriptionFrame(text=text, user_id="caller", timestamp=time_now_iso8601())
        )


class FakeLLMService(LLMService):
    """LLM that streams REPLY: first token after LLM_TTFT_S, then LLM_TPS tokens/s."""

    def __init__(self, *, trace: CallTrace, **kwargs):
        super().__init__(settings=_settings(LLMSettings, model="fake-llm"), **kwargs)
        self._trace = trace

    def can_generate_metrics(self) -> bool:
        return True

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            t0 = time.monotonic()
            self._trace.add("llm_context")
            await self.push_frame(LLMFullResponseStartFrame())
            await self.start_processing_metrics()
            await self.start_ttfb_metrics()
            try:
                for i, tok in enumerate(tokenize(REPLY)):
                    due = t0 + LLM_TTFT_S + i / LLM_TPS
                    wait = due - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    if i == 0:
                        await self.stop_ttfb_metrics()
                        self._trace.add("llm_first_token")
                    await self._push_llm_text(tok)
                self._trace.add("llm_last_token")
            finally:
                await self.stop_processing_metrics()
                await self.push_frame(LLMFullResponseEndFrame())
        else:
            if isinstance(frame, UserStoppedSpeakingFrame):
                self._trace.add("user_turn_stopped")
            elif isinstance(frame, UserStartedSpeakingFrame):
                self._trace.add("user_turn_started")
            elif isinstance(frame, InterruptionFrame):
                self._trace.add("interruption")
            elif isinstance(frame, MetricsFrame):
                for d in frame.data:
                    if isinstance(d, TurnMetricsData):
                        self._trace.add(
                            "smart_turn",
                            complete=d.is_complete,
                            probability=round(float(d.probability), 4),
                            inference_ms=round(float(d.e2e_processing_time_ms), 1),
                        )
            await self.push_frame(frame, direction)


class FakeTTSService(TTSService):
    """TTS that returns a tone of the text's speaking length, first audio after TTS_TTFB_S."""

    def __init__(self, *, trace: CallTrace, **kwargs):
        super().__init__(
            push_start_frame=True,
            push_stop_frames=True,
            settings=_settings(TTSSettings, model="fake-tts"),
            **kwargs,
        )
        self._trace = trace
        self._phase = 0.0

    def can_generate_metrics(self) -> bool:
        return True

    def _tone(self, seconds: float) -> bytes:
        sr = self.sample_rate
        n = int(seconds * sr)
        t = np.arange(n) / sr
        x = 0.3 * np.sin(2 * np.pi * TTS_TONE_HZ * t)
        ramp = min(n // 2, int(0.01 * sr))  # 10 ms fades, no clicks
        if ramp:
            x[:ramp] *= np.linspace(0, 1, ramp)
            x[-ramp:] *= np.linspace(1, 0, ramp)
        return (x * 32767).astype(np.int16).tobytes()

    async def run_tts(self, text: str, context_id: str):
        self._trace.add("tts_request", chars=len(text))
        await asyncio.sleep(TTS_TTFB_S)
        await self.start_tts_usage_metrics(text)
        audio = self._tone(max(0.3, len(text) / TTS_CHARS_PER_S))
        chunk = int(self.sample_rate * 0.1) * 2  # 100 ms chunks
        first = True
        for i in range(0, len(audio), chunk):
            if first:
                await self.stop_ttfb_metrics()
                self._trace.add("tts_first_audio")
                first = False
            yield TTSAudioRawFrame(audio[i : i + chunk], self.sample_rate, 1, context_id=context_id)


def turn_strategies() -> UserTurnStrategies | None:
    if TURN_STOP == "default":
        return None  # the aggregator then uses UserTurnStrategies(), Pipecat's default
    if TURN_STOP == "speech_timeout":
        return UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy()])
    raise ValueError(f"BENCH_TURN_STOP={TURN_STOP!r}")


def effective_defaults() -> dict:
    """What this bot runs with, as Pipecat reports it (recorded with every result)."""
    strategies = turn_strategies() or UserTurnStrategies()
    return {
        "pipecat_version": importlib.metadata.version("pipecat-ai"),
        "python": sys.version.split()[0],
        "vad": {"analyzer": "SileroVADAnalyzer (bundled silero_vad.onnx)", **VADParams().model_dump()},
        "user_turn_start_strategies": [type(s).__name__ for s in strategies.start],
        "turn_stop_mode": TURN_STOP,
        "user_turn_stop_strategies": [
            f"{type(s).__name__}({type(getattr(s, '_turn_analyzer', None)).__name__})"
            if hasattr(s, "_turn_analyzer")
            else f"{type(s).__name__}(user_speech_timeout={getattr(s, '_user_speech_timeout', None)})"
            for s in strategies.stop
        ],
        "smart_turn": {"model": "smart-turn-v3.2-cpu.onnx (bundled)", **SmartTurnParams().model_dump()},
        "user_turn_stop_timeout_s": LLMUserAggregatorParams().user_turn_stop_timeout,
        "tts_text_aggregation": "SENTENCE (TTSService default)",
        "pipeline_audio_in_out_hz": [8000, 8000],
        "output_transport": "FastAPIWebsocketTransport, 40 ms chunks (audio_out_10ms_chunks=4)",
        "serializer": "TwilioFrameSerializer(auto_hang_up=False)",
        "fakes": {
            "stt_delay_after_vad_stop_s": STT_DELAY_S,
            "stt_ttfs_p99_latency_s": STT_TTFS_P99_S,
            "llm_first_token_s": LLM_TTFT_S,
            "llm_tokens_per_s": LLM_TPS,
            "llm_reply": REPLY,
            "llm_reply_tokens": len(tokenize(REPLY)),
            "tts_first_audio_s": TTS_TTFB_S,
            "tts_chars_per_s": TTS_CHARS_PER_S,
        },
        "greeting": GREETING,
        "log_level": LOG_LEVEL,
    }


async def run_bot(websocket: WebSocket):
    transport_type, call_data = await parse_telephony_websocket(websocket)
    if transport_type != "twilio":
        raise ValueError(f"expected a Twilio Media Stream, got {transport_type!r}")
    call_sid = call_data["call_id"]
    trace = CallTrace(call_sid)
    trace.add("ws_start")

    serializer = TwilioFrameSerializer(
        stream_sid=call_data["stream_id"],
        call_sid=call_sid,
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=websocket,
        params=FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
        ),
    )

    stt = FakeSTTService(trace=trace)
    llm = FakeLLMService(trace=trace)
    tts = FakeTTSService(trace=trace)

    context = LLMContext(
        [{"role": "system", "content": "You are a helpful phone agent. Keep answers short."}]
    )
    # As the `pipecat init` cascade template does: Silero VAD with default
    # params, default user turn strategies (None -> UserTurnStrategies()).
    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            vad_analyzer=SileroVADAnalyzer(), user_turn_strategies=turn_strategies()
        ),
    )

    pipeline = Pipeline(
        [
            transport.input(),
            stt,
            user_aggregator,
            llm,
            tts,
            transport.output(),
            assistant_aggregator,
        ]
    )

    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=8000,
            audio_out_sample_rate=8000,
            enable_metrics=True,
            enable_usage_metrics=True,
        ),
    )
    runner = WorkerRunner(handle_sigint=False)

    @transport.event_handler("on_client_connected")
    async def on_client_connected(transport, client):
        if GREETING:
            context.add_message({"role": "developer", "content": "Start by introducing yourself."})
            await worker.queue_frames([LLMRunFrame()])

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        trace.add("ws_closed")
        await runner.cancel()

    await runner.add_workers(worker)
    try:
        await runner.run()
    finally:
        trace.dump()


app = FastAPI()


@app.post("/")
async def twilio_webhook(request: Request):
    """Twilio voice webhook: answer with TwiML that connects a Media Stream to /ws."""
    host = request.headers.get("host", "127.0.0.1")
    twiml = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        f'<Stream url="ws://{host}/ws"><Parameter name="source" value="webhook"/></Stream>'
        '</Connect><Pause length="40"/></Response>'
    )
    return HTMLResponse(content=twiml, media_type="application/xml")


@app.get("/health")
async def health():
    return {"ok": True}


@app.get("/info")
async def info():
    return JSONResponse(effective_defaults())


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket):
    await websocket.accept()
    try:
        await run_bot(websocket)
    except Exception as e:  # noqa: BLE001 (logged with its traceback; the socket closes either way)
        logger.exception(f"bot failed: {e}")


if __name__ == "__main__":
    import argparse

    import uvicorn

    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    a = ap.parse_args()
    uvicorn.run(app, host=a.host, port=a.port, log_level="warning")
