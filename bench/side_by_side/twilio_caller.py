"""Fake Twilio Media Streams caller, for measuring a voice bot's voice-to-voice latency.

It plays the part of Twilio's side of a bidirectional Media Stream
(<Connect><Stream>), as documented at
https://www.twilio.com/docs/voice/media-streams/websocket-messages :

* sends ``connected`` then ``start`` (accountSid, streamSid, callSid, tracks,
  customParameters, mediaFormat audio/x-mulaw 8000 Hz mono);
* streams ``media`` messages of 160 mu-law bytes (20 ms) paced by the clock
  (absolute schedule, not as fast as possible), silence (0xFF) between
  utterances, with Twilio's sequenceNumber / chunk / timestamp fields;
* models the caller's playout buffer: every outbound ``media`` frame from the
  bot is queued for playback in real time; a ``mark`` from the bot is echoed
  back once the audio sent before it would have finished playing; ``clear``
  empties the playback queue and echoes the pending marks at once (as Twilio
  does);
* ends with ``stop`` and closes the socket.

Per utterance it records the end-of-speech time (the moment the last voiced
frame of the utterance was sent) and the arrival time of the first outbound
media frame after it that is not silence: latency = difference. The latency is
therefore measured at Twilio's edge of the WebSocket. It does not include
Twilio's own jitter buffer, the PSTN leg, or the phone's playout.

Before each next utterance it waits for the bot's reply to end: the voiced
outbound audio received so far has finished playing and nothing voiced has
been queued for more than ``--end-silence`` seconds (default 1.0).

Optionally it first POSTs Twilio's voice webhook (form-encoded, like a real
inbound call) and takes the <Stream url> and <Parameter>s from the TwiML it
gets back.

Command line (the runner uses the functions directly)::

    python peers/twilio_caller.py --url ws://127.0.0.1:8765/ws \
        --audio-dir peers/out/audio --calls 1 --out result.json
"""

import argparse
import asyncio
import base64
import collections
import json
import math
import os
import resource
import time
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field

import numpy as np
import websockets
from websockets.asyncio.client import connect

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law
FRAME_S = 0.020
SILENCE_FRAME = b"\xff" * FRAME_BYTES
SILENCE_B64 = base64.b64encode(SILENCE_FRAME).decode("ascii")

# G.711 mu-law -> linear 16-bit, as a lookup table.
def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def load_audio(audio_dir: str) -> list[bytes]:
    """The utterances written by `caller_audio.py`: utterances.json lists the files, in order."""
    with open(os.path.join(audio_dir, "utterances.json")) as f:
        meta = json.load(f)
    return [read_bytes(os.path.join(audio_dir, m["file"])) for m in meta]


def twilio_signature(auth_token: str, url: str, params: dict) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST key and value, keys sorted))."""
    import hashlib
    import hmac
    payload = url + "".join(k + str(params[k]) for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _ulaw_table() -> np.ndarray:
    out = np.zeros(256, dtype=np.int32)
    for i in range(256):
        b = ~i & 0xFF
        sign = b & 0x80
        exponent = (b >> 4) & 0x07
        mantissa = b & 0x0F
        sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
        out[i] = -sample if sign else sample
    return out


ULAW_TO_LINEAR = _ulaw_table()
# Mean absolute amplitude (16-bit scale) above which a frame counts as voiced:
# about -46 dBFS. Digital silence (0xFF / 0x7F) decodes to 0.
VOICED_MEAN_ABS = 160.0


def frame_is_voiced(payload: bytes) -> bool:
    if not payload:
        return False
    lin = ULAW_TO_LINEAR[np.frombuffer(payload, dtype=np.uint8)]
    return float(np.abs(lin).mean()) > VOICED_MEAN_ABS


def split_frames(audio: bytes) -> list[bytes]:
    frames = [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
    if frames and len(frames[-1]) < FRAME_BYTES:
        frames[-1] = frames[-1] + b"\xff" * (FRAME_BYTES - len(frames[-1]))
    return frames


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), q in 0..100."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    if len(vals) == 1:
        return vals[0]
    k = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)


@dataclass
class Turn:
    index: int
    utterance: int
    utterance_s: float
    t_speech_start: float | None = None  # first frame of the utterance sent
    t_eos: float | None = None  # last voiced frame of the utterance sent
    t_first_audio: float | None = None  # first voiced outbound frame received after t_eos
    t_reply_end: float | None = None  # reply judged finished (playout end of last voiced frame)
    latency_ms: float | None = None
    reply_voiced_s: float = 0.0  # voiced outbound audio received during this turn
    reply_frames: int = 0
    timed_out: bool = False


@dataclass
class CallResult:
    call_index: int
    url: str
    stream_sid: str
    call_sid: str
    custom_parameters: dict
    t_connect: float | None = None
    t_close: float | None = None
    duration_s: float | None = None
    turns: list = field(default_factory=list)
    media_in: int = 0  # media frames the caller sent (Twilio -> bot)
    media_out: int = 0  # media frames received from the bot
    media_out_voiced: int = 0
    bytes_out: int = 0
    marks_received: int = 0
    marks_echoed: int = 0
    clears: int = 0
    other_events: dict = field(default_factory=dict)
    send_lag_max_ms: float = 0.0
    send_lag_p99_ms: float | None = None
    late_frames: int = 0  # frames sent more than 10 ms behind schedule
    greeting_latency_ms: float | None = None
    webhook: dict | None = None
    error: str | None = None
    outbound_arrivals: list | None = None  # [t_rel_s, nbytes, voiced] per outbound media frame


class FakeTwilioCall:
    def __init__(
        self,
        url: str,
        utterances: list[bytes],
        *,
        call_index: int = 0,
        order: list[int] | None = None,
        custom_parameters: dict | None = None,
        lead_in_s: float = 1.0,
        end_silence_s: float = 1.0,
        reply_timeout_s: float = 12.0,
        expect_greeting: bool = False,
        keep_arrivals: bool = False,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str | None = None,
    ):
        self.url = url
        self.auth_token = auth_token
        self.utterances = utterances
        self.order = order or list(range(len(utterances)))
        self.lead_in_s = lead_in_s
        self.end_silence_s = end_silence_s
        self.reply_timeout_s = reply_timeout_s
        self.expect_greeting = expect_greeting
        self.keep_arrivals = keep_arrivals
        self.account_sid = account_sid
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.call_sid = "CA" + uuid.uuid4().hex
        self.custom_parameters = dict(custom_parameters or {})
        self.res = CallResult(
            call_index=call_index,
            url=url,
            stream_sid=self.stream_sid,
            call_sid=self.call_sid,
            custom_parameters=self.custom_parameters,
        )
        self._ws = None
        self._seq = 0
        self._chunk = 0
        self._send_lock = asyncio.Lock()
        # Outbound playback model (caller's ear).
        self._playout_end = 0.0  # when everything queued so far has played
        self._voiced_playout_end = 0.0  # when the last voiced frame queued has played
        self._first_voiced_any: float | None = None
        self._pending_marks: list[tuple[float, str]] = []
        self._mark_wakeup = asyncio.Event()
        # Inbound (caller -> bot) frame source.
        self._queue: collections.deque = collections.deque()  # (base64 payload, tag)
        self._eos_sent = asyncio.Event()
        self._stop_sending = False
        self._current: Turn | None = None
        self._lags: list[float] = []
        self._t_stream0: float | None = None
        self._closed = asyncio.Event()

    # ---------------------------------------------------------------- sending
    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    async def _send(self, msg: dict):
        async with self._send_lock:
            await self._ws.send(json.dumps(msg))

    async def _send_start(self):
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send(
            {
                "event": "start",
                "sequenceNumber": self._next_seq(),
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.custom_parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
                "streamSid": self.stream_sid,
            }
        )

    async def _sender(self):
        """Send one 20 ms media frame per tick on an absolute clock."""
        t0 = time.monotonic()
        self._t_stream0 = t0
        k = 0
        # The JSON is assembled from pre-encoded parts: same bytes as json.dumps of
        # Twilio's message, less CPU per frame (the caller shares the machine).
        head = '{"event": "media", "sequenceNumber": "'
        sid = json.dumps(self.stream_sid)
        while not self._stop_sending:
            if self._queue:
                b64, tag = self._queue.popleft()
            else:
                b64, tag = SILENCE_B64, None
            target = t0 + k * FRAME_S
            now = time.monotonic()
            if target > now:
                await asyncio.sleep(target - now)
            lag = time.monotonic() - target
            self._lags.append(lag)
            if lag > 0.010:
                self.res.late_frames += 1
            self._chunk += 1
            msg = (
                f'{head}{self._next_seq()}", "media": {{"track": "inbound", '
                f'"chunk": "{self._chunk}", "timestamp": "{k * 20}", "payload": "{b64}"}}, '
                f'"streamSid": {sid}}}'
            )
            try:
                async with self._send_lock:
                    await self._ws.send(msg)
            except websockets.ConnectionClosed:
                break
            self.res.media_in += 1
            if tag is not None:
                t_sent = time.monotonic()
                turn, what = tag
                if what == "first" and turn.t_speech_start is None:
                    turn.t_speech_start = t_sent
                elif what == "eos":
                    turn.t_eos = t_sent
                    self._eos_sent.set()
            k += 1

    # -------------------------------------------------------------- receiving
    async def _receiver(self):
        try:
            async for raw in self._ws:
                now = time.monotonic()
                try:
                    msg = json.loads(raw)
                except (ValueError, TypeError):
                    self.res.other_events["non_json"] = self.res.other_events.get("non_json", 0) + 1
                    continue
                ev = msg.get("event")
                if ev == "media":
                    payload = base64.b64decode(msg.get("media", {}).get("payload", ""))
                    self._on_media(now, payload)
                elif ev == "mark":
                    self.res.marks_received += 1
                    name = msg.get("mark", {}).get("name", "")
                    due = max(now, self._playout_end)
                    self._pending_marks.append((due, name))
                    self._mark_wakeup.set()
                elif ev == "clear":
                    self.res.clears += 1
                    self._playout_end = now
                    self._voiced_playout_end = min(self._voiced_playout_end, now)
                    # Twilio answers a clear by returning the marks still queued.
                    pending, self._pending_marks = self._pending_marks, []
                    for _, name in pending:
                        await self._echo_mark(name)
                else:
                    self.res.other_events[str(ev)] = self.res.other_events.get(str(ev), 0) + 1
        except websockets.ConnectionClosed:
            pass
        finally:
            self._closed.set()

    def _on_media(self, now: float, payload: bytes):
        n = len(payload)
        dur = n / 8000.0
        voiced = frame_is_voiced(payload)
        self.res.media_out += 1
        self.res.bytes_out += n
        start = max(now, self._playout_end)
        self._playout_end = start + dur
        if self.keep_arrivals:
            self.res.outbound_arrivals.append(
                [round(now - (self._t_stream0 or now), 4), n, int(voiced)]
            )
        if voiced:
            self.res.media_out_voiced += 1
            self._voiced_playout_end = self._playout_end
            if self._first_voiced_any is None:
                self._first_voiced_any = now
            t = self._current
            if t is not None:
                t.reply_voiced_s += dur
                t.reply_frames += 1
                if t.t_eos is not None and t.t_first_audio is None and now >= t.t_eos:
                    t.t_first_audio = now

    async def _echo_mark(self, name: str):
        try:
            await self._send(
                {
                    "event": "mark",
                    "sequenceNumber": self._next_seq(),
                    "streamSid": self.stream_sid,
                    "mark": {"name": name},
                }
            )
            self.res.marks_echoed += 1
        except websockets.ConnectionClosed:
            pass

    async def _mark_echoer(self):
        while True:
            if not self._pending_marks:
                self._mark_wakeup.clear()
                await self._mark_wakeup.wait()
                continue
            self._pending_marks.sort()
            due, name = self._pending_marks[0]
            now = time.monotonic()
            if due > now:
                self._mark_wakeup.clear()
                try:
                    await asyncio.wait_for(self._mark_wakeup.wait(), due - now)
                except TimeoutError:
                    pass
                continue
            self._pending_marks.pop(0)
            await self._echo_mark(name)

    # ----------------------------------------------------------------- script
    async def _wait_reply_done(self, since: float, first_audio_attr=None) -> tuple[float | None, bool]:
        """Wait for voiced outbound audio after `since`, then for it to finish playing.

        Returns (t_first_voiced, timed_out).
        """
        deadline = since + self.reply_timeout_s
        while True:
            now = time.monotonic()
            first = first_audio_attr() if first_audio_attr else self._first_voiced_any
            if first is not None and now > self._voiced_playout_end + self.end_silence_s:
                return first, False
            if first is None and now > deadline:
                return None, True
            if self._closed.is_set():
                return first, first is None
            await asyncio.sleep(0.05)

    async def _script(self):
        await asyncio.sleep(self.lead_in_s)
        if self.expect_greeting:
            t0 = time.monotonic()
            first, _ = await self._wait_reply_done(t0)
            if first is not None:
                self.res.greeting_latency_ms = round((first - t0) * 1000, 1)
        for i, u in enumerate(self.order):
            audio = self.utterances[u]
            frames = split_frames(audio)
            voiced_idx = [j for j, fr in enumerate(frames) if frame_is_voiced(fr)]
            last_voiced = voiced_idx[-1] if voiced_idx else len(frames) - 1
            turn = Turn(index=i, utterance=u, utterance_s=round(len(audio) / 8000, 3))
            self.res.turns.append(turn)
            self._current = turn
            items = []
            for j, fr in enumerate(frames):
                tag = None
                if j == 0:
                    tag = (turn, "first")
                if j == last_voiced:
                    tag = (turn, "eos")
                items.append((base64.b64encode(fr).decode("ascii"), tag))
            self._eos_sent.clear()
            self._queue.extend(items)
            while turn.t_eos is None:
                if self._closed.is_set():
                    return
                try:
                    await asyncio.wait_for(self._eos_sent.wait(), 0.5)
                except TimeoutError:
                    pass
            first, timed_out = await self._wait_reply_done(
                turn.t_eos, first_audio_attr=lambda t=turn: t.t_first_audio
            )
            turn.timed_out = timed_out
            if first is not None:
                turn.latency_ms = round((first - turn.t_eos) * 1000, 1)
                turn.t_reply_end = self._voiced_playout_end
            if self._closed.is_set():
                return

    async def _post_webhook(self, webhook_url: str) -> str | None:
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": "ringing",
            "Called": "+15005550006",
            "Caller": "+15005550001",
            "Direction": "inbound",
            "From": "+15005550001",
            "To": "+15005550006",
        }
        data = urllib.parse.urlencode(form).encode()

        def post():
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if self.auth_token:
                headers["X-Twilio-Signature"] = twilio_signature(self.auth_token, webhook_url, form)
            req = urllib.request.Request(webhook_url, data=data, headers=headers)
            t = time.monotonic()
            with urllib.request.urlopen(req, timeout=10) as r:
                body = r.read().decode()
            return body, time.monotonic() - t

        body, took = await asyncio.to_thread(post)
        info = {"url": webhook_url, "ms": round(took * 1000, 1), "twiml": body}
        stream_url = None
        try:
            root = ET.fromstring(body)
            for st in root.iter("Stream"):
                stream_url = st.get("url")
                for p in st.iter("Parameter"):
                    if p.get("name") is not None:
                        self.custom_parameters.setdefault(p.get("name"), p.get("value", ""))
                break
        except ET.ParseError as e:
            info["error"] = f"TwiML parse error: {e}"
        info["stream_url"] = stream_url
        self.res.webhook = info
        return stream_url

    async def run(self, webhook_url: str | None = None) -> CallResult:
        if self.keep_arrivals:
            self.res.outbound_arrivals = []
        try:
            if webhook_url:
                stream_url = await self._post_webhook(webhook_url)
                if stream_url:
                    self.url = self.res.url = stream_url
            extra = {"X-Twilio-Signature": twilio_signature(self.auth_token, self.url, {})} if self.auth_token else None
            async with connect(
                self.url, compression=None, ping_interval=None, max_size=None, open_timeout=20,
                additional_headers=extra,
            ) as ws:
                self._ws = ws
                self.res.t_connect = time.monotonic()
                await self._send_start()
                recv = asyncio.create_task(self._receiver())
                marks = asyncio.create_task(self._mark_echoer())
                send = asyncio.create_task(self._sender())
                try:
                    await self._script()
                finally:
                    self._stop_sending = True
                    await asyncio.gather(send, return_exceptions=True)
                    try:
                        await self._send(
                            {
                                "event": "stop",
                                "sequenceNumber": self._next_seq(),
                                "streamSid": self.stream_sid,
                                "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
                            }
                        )
                    except websockets.ConnectionClosed:
                        pass
                    await ws.close()
                    await asyncio.wait_for(self._closed.wait(), 5)
                    marks.cancel()
                    recv.cancel()
                    await asyncio.gather(recv, marks, return_exceptions=True)
        except Exception as e:  # noqa: BLE001 (recorded in the result: one failed call must not hide the others)
            self.res.error = f"{type(e).__name__}: {e}"
        finally:
            self.res.t_close = time.monotonic()
            if self.res.t_connect is not None:
                self.res.duration_s = round(self.res.t_close - self.res.t_connect, 3)
            if self._lags:
                lags = sorted(self._lags)
                self.res.send_lag_max_ms = round(lags[-1] * 1000, 2)
                self.res.send_lag_p99_ms = round(percentile(lags, 99) * 1000, 2)
        return self.res


def result_to_dict(r: CallResult) -> dict:
    d = asdict(r)
    d["turns"] = [asdict(t) if not isinstance(t, dict) else t for t in r.turns]
    return d


async def run_calls(
    url: str,
    utterances: list[bytes],
    n: int = 1,
    stagger_s: float = 0.25,
    webhook_url: str | None = None,
    custom_parameters: dict | None = None,
    keep_arrivals: bool = False,
    **kw,
) -> list[CallResult]:
    """Run n concurrent calls; call i starts i*stagger_s later and rotates the utterance order."""

    async def one(i):
        await asyncio.sleep(i * stagger_s)
        m = len(utterances)
        order = [(i + j) % m for j in range(m)]
        params = dict(custom_parameters or {})
        params.setdefault("call_index", str(i))
        call = FakeTwilioCall(
            url, utterances, call_index=i, order=order, custom_parameters=params,
            keep_arrivals=keep_arrivals, **kw,
        )
        return await call.run(webhook_url=webhook_url)

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def summarize(results: list[CallResult]) -> dict:
    lat = [t.latency_ms for r in results for t in r.turns if t.latency_ms is not None]
    turns = [t for r in results for t in r.turns]
    minutes = sum((r.duration_s or 0) for r in results) / 60.0
    return {
        "calls": len(results),
        "calls_failed": sum(1 for r in results if r.error),
        "errors": sorted({r.error for r in results if r.error}),
        "turns": len(turns),
        "turns_answered": len(lat),
        "turns_no_reply": sum(1 for t in turns if t.latency_ms is None),
        "latency_ms": {
            "p50": _r(percentile(lat, 50)),
            "p95": _r(percentile(lat, 95)),
            "min": _r(min(lat) if lat else None),
            "max": _r(max(lat) if lat else None),
            "mean": _r(sum(lat) / len(lat) if lat else None),
            "all": lat,
        },
        "call_minutes": round(minutes, 3),
        "media_in": sum(r.media_in for r in results),
        "media_out": sum(r.media_out for r in results),
        "media_out_voiced": sum(r.media_out_voiced for r in results),
        "marks_received": sum(r.marks_received for r in results),
        "marks_echoed": sum(r.marks_echoed for r in results),
        "clears": sum(r.clears for r in results),
        "caller_send_lag_max_ms": max((r.send_lag_max_ms for r in results), default=None),
        "caller_late_frames": sum(r.late_frames for r in results),
    }


def _r(x):
    return None if x is None else round(x, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="Media Stream WebSocket URL, e.g. ws://127.0.0.1:8765/ws")
    ap.add_argument("--webhook", help="optional: POST Twilio's voice webhook here first (off by default)")
    ap.add_argument("--audio-dir", default=os.path.join(os.path.dirname(__file__), "out", "audio"))
    ap.add_argument("--audio", nargs="*", help="explicit .ulaw files (8 kHz mu-law raw) instead of --audio-dir")
    ap.add_argument("--calls", type=int, default=1)
    ap.add_argument("--stagger", type=float, default=0.25, help="seconds between call starts")
    ap.add_argument("--lead-in", type=float, default=1.0, help="silence before the first utterance")
    ap.add_argument("--end-silence", type=float, default=1.0, help="reply is over after this much quiet")
    ap.add_argument("--reply-timeout", type=float, default=12.0)
    ap.add_argument("--expect-greeting", action="store_true", help="wait for a bot greeting first")
    ap.add_argument("--param", action="append", default=[], help="customParameters KEY=VALUE")
    ap.add_argument("--keep-arrivals", action="store_true", help="store every outbound frame's arrival")
    ap.add_argument("--auth-token", help="sign the webhook and the stream handshake (X-Twilio-Signature)")
    ap.add_argument("--out", help="write JSON here (default: stdout)")
    a = ap.parse_args()
    if not a.url and not a.webhook:
        ap.error("--url or --webhook is needed")

    if a.audio:
        utts = [read_bytes(p) for p in a.audio]
    else:
        utts = load_audio(a.audio_dir)
    params = dict(p.split("=", 1) for p in a.param)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    results = asyncio.run(
        run_calls(
            a.url or "", utts, n=a.calls, stagger_s=a.stagger, webhook_url=a.webhook,
            custom_parameters=params, keep_arrivals=a.keep_arrivals, lead_in_s=a.lead_in,
            end_silence_s=a.end_silence, reply_timeout_s=a.reply_timeout,
            expect_greeting=a.expect_greeting, auth_token=a.auth_token,
        )
    )
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    summary = summarize(results)
    summary["wall_s"] = round(time.monotonic() - t0, 3)
    summary["caller_cpu_s"] = round(
        (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime), 3
    )
    out = {"summary": summary, "calls": [result_to_dict(r) for r in results]}
    text = json.dumps(out, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
        s = summary
        print(
            f"calls={s['calls']} turns={s['turns']} answered={s['turns_answered']} "
            f"p50={s['latency_ms']['p50']} ms p95={s['latency_ms']['p95']} ms "
            f"media_in={s['media_in']} media_out={s['media_out']} marks={s['marks_received']} "
            f"clears={s['clears']} -> {a.out}"
        )
    else:
        print(text)


if __name__ == "__main__":
    main()
