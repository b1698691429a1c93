"""scripts/point_twilio_number.py against a fake Twilio client that records calls (no network)."""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import pytest
from twilio.base.exceptions import TwilioRestException

from scripts import point_twilio_number as pointer

NUMBER = "+14155550100"
RELAY = "https://relay.example.com"


class FakeNumbers:
    """`client.incoming_phone_numbers`: `.list(...)` and `(sid).update(...)` / `(sid).fetch()`."""

    def __init__(self, numbers: list[SimpleNamespace], ignore_updates: bool = False, fail_with=None) -> None:
        self.numbers = {n.sid: n for n in numbers}
        self.calls: list[tuple] = []
        self.ignore_updates = ignore_updates
        self.fail_with = fail_with

    def list(self, phone_number=None):
        self.calls.append(("list", phone_number))
        if self.fail_with is not None:
            raise self.fail_with
        digits = phone_number.lstrip("+")
        return [n for n in self.numbers.values() if digits in n.phone_number]  # Twilio matches partially

    def __call__(self, sid):
        return FakeNumberContext(self, sid)


class FakeNumberContext:
    def __init__(self, numbers: FakeNumbers, sid: str) -> None:
        self.numbers, self.sid = numbers, sid

    def update(self, **fields):
        self.numbers.calls.append(("update", self.sid, fields))
        if not self.numbers.ignore_updates:
            for field, value in fields.items():
                setattr(self.numbers.numbers[self.sid], field, value or None)
        return self.numbers.numbers[self.sid]

    def fetch(self):
        self.numbers.calls.append(("fetch", self.sid))
        return SimpleNamespace(**vars(self.numbers.numbers[self.sid]))


def incoming_number(phone_number=NUMBER, sid="PN1", **fields) -> SimpleNamespace:
    defaults = {"voice_url": "https://demo.twilio.com/welcome/voice/", "voice_method": "POST",
                "status_callback": None, "status_callback_method": "POST", "voice_application_sid": None,
                "trunk_sid": None}
    return SimpleNamespace(sid=sid, phone_number=phone_number, **{**defaults, **fields})


def pointed_number(**fields) -> SimpleNamespace:
    return incoming_number(voice_url=f"{RELAY}/twilio/voice", status_callback=f"{RELAY}/twilio/status", **fields)


def fake_client(*numbers, **options) -> SimpleNamespace:
    return SimpleNamespace(incoming_phone_numbers=FakeNumbers(list(numbers), **options))


def run(client, *args):
    return pointer.main([NUMBER, *args], client=client, environ={})


def test_points_the_number_at_the_relay_and_verifies_it(capsys):
    client = fake_client(incoming_number(), incoming_number(phone_number="+141555501001", sid="PN2"))
    assert run(client, "--relay-url", RELAY + "/") == pointer.EXIT_OK
    calls = client.incoming_phone_numbers.calls
    assert calls[0] == ("list", NUMBER)
    assert calls[1] == ("update", "PN1", {"voice_url": f"{RELAY}/twilio/voice",
                                          "status_callback": f"{RELAY}/twilio/status"})
    assert calls[2] == ("fetch", "PN1")
    assert "updated and verified" in capsys.readouterr().out


def test_a_twiml_app_and_get_methods_are_replaced():
    number = incoming_number(voice_method="GET", status_callback_method="GET", voice_application_sid="AP1")
    client = fake_client(number)
    assert run(client, "--relay-url", RELAY) == pointer.EXIT_OK
    [update] = [c for c in client.incoming_phone_numbers.calls if c[0] == "update"]
    assert update[2]["voice_application_sid"] == "" and update[2]["voice_method"] == "POST"
    assert update[2]["status_callback_method"] == "POST"


def test_dry_run_prints_the_changes_and_changes_nothing(capsys):
    client = fake_client(incoming_number())
    assert run(client, "--relay-url", RELAY, "--dry-run") == pointer.EXIT_OK
    assert [c[0] for c in client.incoming_phone_numbers.calls] == ["list"]
    out = capsys.readouterr().out
    assert f"voice_url: 'https://demo.twilio.com/welcome/voice/' -> '{RELAY}/twilio/voice'" in out
    assert "nothing changed" in out


def test_check_mode_only_verifies():
    client = fake_client(incoming_number())
    assert run(client, "--relay-url", RELAY, "--check") == pointer.EXIT_MISMATCH
    assert [c[0] for c in client.incoming_phone_numbers.calls] == ["list"]
    assert run(fake_client(pointed_number()), "--relay-url", RELAY, "--check") == pointer.EXIT_OK


def test_nothing_is_updated_when_already_pointed():
    client = fake_client(pointed_number())
    assert run(client, "--relay-url", RELAY) == pointer.EXIT_OK
    assert [c[0] for c in client.incoming_phone_numbers.calls] == ["list"]


def test_an_update_that_does_not_read_back_fails():
    client = fake_client(incoming_number(), ignore_updates=True)
    assert run(client, "--relay-url", RELAY) == pointer.EXIT_MISMATCH


def test_unknown_number_trunk_and_api_errors_have_their_own_exit_codes():
    assert run(fake_client(incoming_number(phone_number="+14155550199")), "--relay-url", RELAY) \
        == pointer.EXIT_NOT_FOUND
    trunk = fake_client(incoming_number(trunk_sid="TK1"))
    assert run(trunk, "--relay-url", RELAY) == pointer.EXIT_TRUNK
    assert not [c for c in trunk.incoming_phone_numbers.calls if c[0] == "update"]
    failing = fake_client(fail_with=TwilioRestException(401, "https://api.twilio.com", "Authenticate"))
    assert run(failing, "--relay-url", RELAY) == pointer.EXIT_TWILIO


def test_usage_errors():
    assert run(fake_client(), "--relay-url", "http://relay.example.com") == pointer.EXIT_USAGE
    assert pointer.main([NUMBER, "--relay-url", RELAY], environ={}) == pointer.EXIT_USAGE  # no credentials
    with pytest.raises(SystemExit) as bad_number:
        pointer.main(["4155550100", "--relay-url", RELAY], client=fake_client(), environ={})
    assert bad_number.value.code == 2


def outputs(**values):
    return {name: {"sensitive": False, "type": "string", "value": value} for name, value in values.items()}


def test_urls_from_terraform_outputs():
    voice = pointer.urls_from_outputs(outputs(twilio_voice_webhook_url=f"{RELAY}/twilio/voice",
                                              relay_url="https://callbot-relay-1.us-central1.run.app"))
    assert voice == pointer.RelayUrls(f"{RELAY}/twilio/voice", f"{RELAY}/twilio/status")
    both = pointer.urls_from_outputs(outputs(twilio_voice_webhook_url=f"{RELAY}/twilio/voice",
                                             twilio_status_callback_url=f"{RELAY}/twilio/status?x=1"))
    assert both.status_callback == f"{RELAY}/twilio/status?x=1"
    assert pointer.urls_from_outputs(outputs(relay_public_url=RELAY)) == voice
    with pytest.raises(pointer.UsageError):
        pointer.urls_from_outputs(outputs(relay_url=RELAY))  # Cloud Run's own URL is not what Twilio calls
    with pytest.raises(pointer.UsageError):
        pointer.urls_from_outputs(outputs(twilio_voice_webhook_url=f"{RELAY}/voice"))


def test_from_terraform_runs_terraform_output_json(monkeypatch):
    seen = []

    def fake_run(command, **kwargs):
        seen.append(command)
        return subprocess.CompletedProcess(command, 0, json.dumps(outputs(relay_public_url=RELAY)), "")

    monkeypatch.setattr(pointer.subprocess, "run", fake_run)
    client = fake_client(incoming_number())
    assert run(client, "--from-terraform", "terraform", "--dry-run") == pointer.EXIT_OK
    assert seen == [["terraform", "-chdir=terraform", "output", "-json"]]
