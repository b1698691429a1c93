"""A fake Google Speech-to-Text streaming service (v1 and v2 StreamingRecognize) for end-to-end tests.

    python -m devtools.fake_speech --port N --script-file lines.json [--max-stream-s 12]
                                   [--stats-file stats.json]

The relay reaches it with `CALLBOT_GOOGLE_STT_ENDPOINT=127.0.0.1:N`, so a simulated call runs the
real Google adapter: its gRPC client, stream restarts and retries.

Recognition is by energy, not by words. A burst of caller speech that follows at least 300 ms of
silence heard on the same stream is one utterance, and it "says" the next line of the script (a JSON
list of strings). 200 ms into the burst comes an interim result with the first half of the line's
words; 300 ms of silence after the burst, the final result with the whole line. When the client
half-closes a stream mid-utterance, the final comes at once, as Google finalizes what it already has.
Speech at the very start of a stream (the tail the adapter replays after a restart, or the rest of an
utterance that a restart cut) starts no utterance, so no line is skipped. An utterance whose stream
ends without a final (an abort, a cancel) is lost, and the stats say so. The script cursor is shared
by all streams: the service serves one call at a time, whose streams follow one another.

The stream limit is enforced on wall time: a stream older than `--max-stream-s` is aborted with
OUT_OF_RANGE (v1) or ABORTED (v2), as Google does after about five minutes.

Stats: the `--stats-file` JSON is rewritten whenever a stream opens or ends and on every final
result: per stream its API, age, audio bytes received, utterances and how it ended (`open`,
`half_closed` by the client, `aborted` by the limit, `cancelled` by the client). Each event is also
logged as a JSON line on stdout.

The gRPC plumbing (`SERVICES`, `recognition_response`, `start_server`) is shared with the adapter's
unit tests, which run their own scripted fake in process.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.cloud import speech_v1, speech_v2

from callbot import logs
from stream_relay import mulaw

log = logging.getLogger("devtools.fake_speech")

SERVICES = {"v1": ("google.cloud.speech.v1.Speech", speech_v1),
            "v2": ("google.cloud.speech.v2.Speech", speech_v2)}
LIMIT_STATUS = {"v1": grpc.StatusCode.OUT_OF_RANGE, "v2": grpc.StatusCode.ABORTED}
FRAME_MS = mulaw.FRAME_MS
SPEECH_DBFS = -40.0  # a 20 ms frame louder than this is speech; the caller's silence is digital zero
GAP_MS = 300  # silence before speech that makes it a new utterance, and after it that ends one
INTERIM_AFTER_MS = 200


def recognition_response(api: str, text: str, is_final: bool) -> Any:
    """A StreamingRecognizeResponse with one result; confidence on final results only, as Google does."""
    types = SERVICES[api][1]
    alternative = types.SpeechRecognitionAlternative(transcript=text, confidence=0.9 if is_final else 0.0)
    result = types.StreamingRecognitionResult(alternatives=[alternative], is_final=is_final)
    return types.StreamingRecognizeResponse(results=[result])


def start_server(recognize: Callable[[str], Callable[[Iterator[Any], grpc.ServicerContext], Iterator[Any]]],
                 apis: tuple[str, ...] = ("v1", "v2"), port: int = 0, workers: int = 8) -> tuple[grpc.Server, int]:
    """A started insecure gRPC server on 127.0.0.1 whose StreamingRecognize for each API in `apis` is
    `recognize(api)`; returns the server and its port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    for api in apis:
        service, types = SERVICES[api]
        handler = grpc.stream_stream_rpc_method_handler(
            recognize(api),
            request_deserializer=types.StreamingRecognizeRequest.deserialize,
            response_serializer=types.StreamingRecognizeResponse.serialize,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(service, {"StreamingRecognize": handler}),))
    port = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, port


@dataclass
class Utterance:
    text: str
    start_s: float  # stream age when the burst began
    interim: bool = False
    final: bool = False


@dataclass
class StreamRecord:
    number: int
    api: str
    started_at: float  # wall clock
    age_s: float = 0.0
    audio_bytes: int = 0
    end: str = "open"
    utterances: list[Utterance] = field(default_factory=list)


class Script:
    """The lines utterances are recognised as, in order, shared by all streams."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = list(lines)
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> str:
        with self._lock:
            self._next += 1
            index = self._next - 1
            return self._lines[index] if index < len(self._lines) else f"unscripted utterance {index + 1}"


class EnergyRecognizer:
    """Utterances of one stream from the energy of its 20 ms frames; results as (text, is_final)."""

    def __init__(self, script: Script, record: StreamRecord) -> None:
        self._script = script
        self._record = record
        self._pending = b""
        self._silence_ms = 0  # no silence heard yet: speech at the start of a stream is a continuation
        self._speech_ms = 0
        self._utterance: Utterance | None = None

    def feed(self, audio: bytes) -> list[tuple[str, bool]]:
        results: list[tuple[str, bool]] = []
        self._pending += audio
        while len(self._pending) >= mulaw.FRAME_BYTES:
            frame, self._pending = self._pending[:mulaw.FRAME_BYTES], self._pending[mulaw.FRAME_BYTES:]
            results += self._frame(mulaw.rms_dbfs(mulaw.decode(frame)) > SPEECH_DBFS)
        return results

    def finish(self) -> list[tuple[str, bool]]:
        """The client half-closed the stream: finalize the utterance in progress."""
        return self._final() if self._utterance is not None else []

    def _frame(self, speech: bool) -> list[tuple[str, bool]]:
        if not speech:
            self._silence_ms += FRAME_MS
            if self._utterance is not None and self._silence_ms >= GAP_MS:
                return self._final()
            return []
        if self._utterance is None and self._silence_ms >= GAP_MS:
            stream_ms = self._record.audio_bytes * 1000 // mulaw.SAMPLE_RATE
            self._utterance = Utterance(self._script.take(), start_s=stream_ms / 1000)
            self._record.utterances.append(self._utterance)
            self._speech_ms = 0
        self._silence_ms = 0
        if self._utterance is None:
            return []
        self._speech_ms += FRAME_MS
        if self._speech_ms == INTERIM_AFTER_MS:
            self._utterance.interim = True
            words = self._utterance.text.split()
            return [(" ".join(words[:max(1, len(words) // 2)]), False)]
        return []

    def _final(self) -> list[tuple[str, bool]]:
        utterance, self._utterance = self._utterance, None
        utterance.final = True
        return [(utterance.text, True)]


class FakeSpeechService:
    """StreamingRecognize by energy against a script, with a stream age limit and stats."""

    def __init__(self, script: Script, max_stream_s: float, stats_path: Path | None = None) -> None:
        self.script = script
        self.max_stream_s = max_stream_s
        self.stats_path = stats_path
        self.streams: list[StreamRecord] = []
        self._lock = threading.Lock()  # guards `streams`
        self._write_lock = threading.Lock()

    def recognize(self, api: str):
        def streaming_recognize(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
            yield from self._stream(api, requests, context)

        return streaming_recognize

    def _stream(self, api: str, requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        opened = time.monotonic()
        with self._lock:
            record = StreamRecord(number=len(self.streams), api=api, started_at=time.time())
            self.streams.append(record)
        self._event("speech stream opened", record)
        recognizer = EnergyRecognizer(self.script, record)
        try:
            for request in requests:
                record.age_s = round(time.monotonic() - opened, 3)
                if record.age_s > self.max_stream_s:
                    record.end = "aborted"
                    self._event("speech stream aborted: too old", record, logging.WARNING)
                    context.abort(LIMIT_STATUS[api], f"Exceeded maximum allowed stream duration of "
                                                     f"{self.max_stream_s:g} seconds.")
                if "streaming_config" in request:
                    continue
                audio = request.audio_content if api == "v1" else request.audio
                results = recognizer.feed(audio)
                record.audio_bytes += len(audio)
                yield from self._respond(api, record, results)
            record.end = "half_closed"
            yield from self._respond(api, record, recognizer.finish())
        except grpc.RpcError:  # the request iterator fails once the client has cancelled
            if context.is_active():
                raise
        finally:
            record.age_s = round(time.monotonic() - opened, 3)
            if record.end == "open":
                record.end = "cancelled"
            self._event("speech stream ended", record)

    def _respond(self, api: str, record: StreamRecord, results: list[tuple[str, bool]]) -> Iterator[Any]:
        for text, is_final in results:
            if is_final:
                self._event("final result", record, text=text)
            yield recognition_response(api, text, is_final)

    def _event(self, message: str, record: StreamRecord, level: int = logging.INFO, **extra: Any) -> None:
        log.log(level, message, extra={"stream": record.number, "api": record.api, "age_s": record.age_s,
                                       "audio_bytes": record.audio_bytes, "end": record.end, **extra})
        self.write_stats()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"max_stream_s": self.max_stream_s, "streams": [asdict(s) for s in self.streams]}

    def write_stats(self) -> None:
        """Replace the stats file in one step, so a reader never sees half of it."""
        if self.stats_path is None:
            return
        with self._write_lock:
            temporary = self.stats_path.with_name(self.stats_path.name + ".tmp")
            temporary.write_text(json.dumps(self.stats(), indent=1))
            os.replace(temporary, self.stats_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.fake_speech", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--script-file", type=Path, required=True, help="JSON list of the lines callers say")
    parser.add_argument("--max-stream-s", type=float, default=305.0, help="streams older than this are aborted")
    parser.add_argument("--stats-file", type=Path, help="JSON stats of every stream, rewritten as they change")
    args = parser.parse_args(argv)
    lines = json.loads(args.script_file.read_text())
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        parser.error("--script-file must hold a JSON list of strings")
    logs.configure("INFO")
    service = FakeSpeechService(Script(lines), args.max_stream_s, args.stats_file)
    server, port = start_server(service.recognize, port=args.port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    service.write_stats()
    log.info("fake speech service listening", extra={"port": port, "max_stream_s": args.max_stream_s,
                                                     "script_lines": len(lines)})
    while not stop.wait(0.5):
        pass
    server.stop(grace=1.0).wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
