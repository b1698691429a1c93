"""A fake Twilio placing one call against the relay: signed voice webhook, TwiML followed, signed
media-stream WebSocket, the scenario played in real time, both directions recorded, and the
outcome read back from Firestore."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httpx
import websockets
from twilio.request_validator import RequestValidator

from callbot.call_document import CallDocument
from callbot.store import CallStore
from devtools.simcall import scenario as sc
from devtools.simcall.phone import PhoneLine
from devtools.simcall.report import CallReport, build_report
from devtools.simcall.voices import CallerVoice, tone_voice
from stream_relay import twilio_wire
from stream_relay.speech.scripted_stt import SCRIPT_PARAMETER

Cue = Callable[[str], Awaitable[None]]  # given the call sid


@dataclass
class CallTarget:
    """Where the relay is and the secret Twilio signs with. `callback_url`, when set, receives the
    callbacks after the stream (`<Connect action>`, status) instead of the relay that took the
    call, as a load balancer would route them to a surviving instance when that one is gone."""

    public_url: str
    auth_token: str
    callback_url: str = ""


@dataclass
class _Timeline:
    said: list[dict] = field(default_factory=list)  # {text, start, end, seq, kind}
    errors: list[str] = field(default_factory=list)
    ended_by: str = "caller"


class SimulatedCall:
    def __init__(self, target: CallTarget, scenario: sc.Scenario, calls: CallStore,
                 voice: CallerVoice = tone_voice, cues: Mapping[str, Cue] | None = None) -> None:
        self.target = target
        self.scenario = scenario
        self.calls = calls
        self.voice = voice
        self.cues = dict(cues or {})
        self._sequence = 0
        self.phone: PhoneLine | None = None  # the line as the caller heard it, once the call is over
        self.call_sid = "CA" + secrets.token_hex(16)
        self.account_sid = "AC" + secrets.token_hex(16)
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self._validator = RequestValidator(target.auth_token)
        self._seq = 0
        self._timeline = _Timeline()

    def _sign(self, url: str, params: dict[str, str]) -> str:
        return self._validator.compute_signature(url, params)

    async def _post(self, client: httpx.AsyncClient, url: str, params: dict[str, str]) -> httpx.Response:
        response = await client.post(url, data=params, headers={"X-Twilio-Signature": self._sign(url, params)})
        response.raise_for_status()
        return response

    async def run(self) -> CallReport:
        base = self.target.public_url.rstrip("/")
        params = {"CallSid": self.call_sid, "AccountSid": self.account_sid, "From": self.scenario.caller_number,
                  "To": self.scenario.called_number, "CallStatus": "ringing", "Direction": "inbound",
                  "ApiVersion": "2010-04-01"}
        callbacks = self.target.callback_url.rstrip("/") or base
        started_wall = time.time()
        async with httpx.AsyncClient(timeout=10) as client:
            twiml = (await self._post(client, f"{base}/twilio/voice", params)).text
            stream_url, stream_params, action_url = _parse_twiml(twiml)
            phone = self.phone = await self._stream(stream_url, stream_params)
            if action_url:
                action_url = callbacks + action_url[len(base):] if action_url.startswith(base) else action_url
                await self._post(client, action_url, {**params, "CallStatus": "in-progress"})
            await self._post(client, f"{callbacks}/twilio/status", {
                **params, "CallStatus": "completed", "CallDuration": str(int(time.time() - started_wall))})
        await asyncio.sleep(0.3)  # let the relay finish writing the call's last events
        call = await self.calls.get_call(self.call_sid) or CallDocument()
        events = await self.calls.list_events(self.call_sid)
        return build_report(self.call_sid, phone, self._timeline.said, events, call, started_wall,
                            self._timeline.ended_by, self._timeline.errors)

    async def _stream(self, url: str, params: dict[str, str]) -> PhoneLine:
        headers = {"X-Twilio-Signature": self._sign(url, {})}
        custom = {**params, SCRIPT_PARAMETER: json.dumps(self.scenario.spoken)}
        async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
            async def echo(name: str) -> None:
                await ws.send(twilio_wire.mark_echo_message(self.stream_sid, name, self._next_seq()))

            chunk = 0

            def media_frame(audio: bytes) -> str:
                nonlocal chunk
                chunk += 1
                return twilio_wire.media_in_message(self.stream_sid, audio, chunk, phone.ms(time.monotonic()),
                                                    self._next_seq())

            phone = PhoneLine(send=ws.send, echo_mark=echo)
            await ws.send(twilio_wire.connected_message())
            await ws.send(twilio_wire.start_message(self.stream_sid, self.call_sid, self.account_sid, custom,
                                                    self._next_seq()))
            uplink = asyncio.create_task(phone.run_uplink(media_frame))
            downlink = asyncio.create_task(self._downlink(ws, phone))
            try:
                await self._play(ws, phone, downlink)
            finally:
                uplink.cancel()
                downlink.cancel()
                await asyncio.gather(uplink, downlink, return_exceptions=True)
        return phone

    async def _downlink(self, ws, phone: PhoneLine) -> None:
        async for text in ws:
            frame = twilio_wire.parse_outbound(text)
            match frame:
                case twilio_wire.PlayMedia():
                    phone.on_media(frame.audio)
                case twilio_wire.PlayMark():
                    phone.on_mark(frame.name)
                case twilio_wire.Clear():
                    await phone.on_clear()

    async def _play(self, ws, phone: PhoneLine, downlink: asyncio.Task) -> None:
        last_input_at = phone.clock()
        for step in self.scenario.steps:
            if downlink.done():
                self._timeline.ended_by = "bot"
                return
            match step:
                case sc.Say(text=text):
                    last_input_at = await self._say(phone, text, "say")
                case sc.WaitBot(timeout_s=timeout):
                    # the timeout bounds the waits for audio, not how long the reply takes to play
                    if not await _until(lambda since=last_input_at: phone.reply_finished(self._seq, since), phone, timeout,
                                        downlink, extend_while=lambda: phone.bot_playing):
                        return self._fail(f"no complete reply to turn {self._seq} within {timeout}s",
                                          downlink)
                case sc.Pause(ms=ms):
                    await asyncio.sleep(ms / 1000)
                case sc.BargeIn(after_ms=after_ms, text=text, timeout_s=timeout) | sc.Backchannel(
                        after_ms=after_ms, text=text, timeout_s=timeout):
                    if not await _until(lambda since=last_input_at: phone.reply_started(since), phone, timeout,
                                        downlink):
                        return self._fail(f"no reply to speak over within {timeout}s", downlink)
                    await asyncio.sleep(after_ms / 1000)
                    if isinstance(step, sc.BargeIn):
                        last_input_at = await self._say(phone, text, "barge_in")
                    else:
                        await self._say(phone, text, "backchannel", turn=False)
                case sc.Dtmf(digits=digits):
                    for digit in digits:
                        self._seq += 1
                        now = phone.clock()
                        await ws.send(twilio_wire.dtmf_message(self.stream_sid, digit, self._next_seq()))
                        self._timeline.said.append({"text": f"[DTMF {digit}]", "start": now, "end": now,
                                                    "seq": self._seq, "kind": "dtmf"})
                        last_input_at = now
                case sc.WaitHangup(timeout_s=timeout):
                    if not await _until(downlink.done, phone, timeout, downlink):
                        return self._fail(f"the bot did not end the call within {timeout}s", downlink)
                    self._timeline.ended_by = "bot"
                    return
                case sc.Hangup():
                    await ws.send(twilio_wire.stop_message(self.stream_sid, self.call_sid, self.account_sid,
                                                           self._next_seq()))
                    self._timeline.ended_by = "caller"
                    return
                case sc.Drop():
                    ws.transport.abort()  # no close handshake, no `stop`: the connection is just gone
                    self._timeline.ended_by = "caller"
                    return
                case sc.Cue(name=name):
                    if name not in self.cues:
                        return self._fail(f"the scenario cues {name!r}, which the call was not given", downlink)
                    await self.cues[name](self.call_sid)
        if downlink.done():
            self._timeline.ended_by = "bot"

    async def _say(self, phone: PhoneLine, text: str, kind: str, turn: bool = True) -> float:
        if turn:
            self._seq += 1
        start, end = await phone.speak(await self.voice(text))
        self._timeline.said.append({"text": text, "start": start, "end": end, "seq": self._seq, "kind": kind})
        return end

    def _fail(self, error: str, downlink: asyncio.Task) -> None:
        self._timeline.errors.append(error)
        self._timeline.ended_by = "bot" if downlink.done() else "timeout"

    def _next_seq(self) -> int:
        self._sequence += 1
        return self._sequence


async def _until(predicate, phone: PhoneLine, timeout_s: float, downlink: asyncio.Task,
                 extend_while=lambda: False) -> bool:
    """Wait until `predicate()` holds, for `timeout_s`; a deadline that passes while `extend_while()`
    holds (the bot is audibly speaking) moves `timeout_s` on from then."""
    deadline = phone.clock() + timeout_s
    while not predicate():
        if phone.clock() >= deadline and extend_while():
            deadline = phone.clock() + timeout_s
        if downlink.done() or phone.clock() >= deadline:
            return predicate()
        phone.changed.clear()
        try:
            await asyncio.wait_for(phone.changed.wait(), timeout=min(0.05, max(0.0, deadline - phone.clock())))
        except TimeoutError:
            pass
    return True


def _parse_twiml(twiml: str) -> tuple[str, dict[str, str], str | None]:
    """The stream URL, its parameters and the Connect action URL from `<Connect><Stream>` TwiML."""
    root = ET.fromstring(twiml)
    connect = root.find("Connect")
    stream = connect.find("Stream") if connect is not None else None
    if stream is None or not stream.get("url"):
        raise RuntimeError(f"TwiML without <Connect><Stream url>: {twiml}")
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return stream.get("url", ""), params, connect.get("action")
