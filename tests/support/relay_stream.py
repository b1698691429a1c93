"""Driving the relay's webhooks and media stream in-process (FastAPI's TestClient, fake services):
signed requests, a call started on the socket, speech sent as real-time frames."""

from __future__ import annotations

import json
import time

from twilio.request_validator import RequestValidator

from callbot.messages import CallStarted
from stream_relay import mulaw, twilio_wire
from stream_relay.speech.synthetic_voice import synthesize_mulaw

BASE = "https://relay.example.com"
STREAM = "wss://relay.example.com/twilio/stream"


def sign(services, url, params):
    return RequestValidator(services.settings.twilio_auth_token.get_secret_value()).compute_signature(url, params)


def open_stream(client, services):
    return client.websocket_connect("/twilio/stream",
                                    headers={"X-Twilio-Signature": sign(services, STREAM, {})})


def wait_published(services, kind):
    deadline = time.monotonic() + 5
    while not services.publisher.of_type(kind):
        assert time.monotonic() < deadline, f"the relay did not publish {kind.__name__}"
        time.sleep(0.01)


def start(ws, services, script):
    """Open the call and wait until the relay holds it."""
    ws.send_text(twilio_wire.connected_message())
    ws.send_text(twilio_wire.start_message("MZ1", "CA200", "AC1", {"from": "+14155550123",
                                                                  "stt_script": json.dumps(script)}))
    wait_published(services, CallStarted)


def speak(ws, text, silence_ms=600):
    audio = synthesize_mulaw(text) + mulaw.silence(silence_ms)
    for i, frame in enumerate(mulaw.frames(audio)):
        ws.send_text(twilio_wire.media_in_message("MZ1", frame, i, i * 20, i))
