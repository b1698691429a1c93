"""scripts/smoke_test.py against the real relay application, in-process, with fake services."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from scripts import smoke_test
from stream_relay.app import create_app
from tests.fakes.relay import fake_services

RELAY = "https://relay.example.com"  # the fake services' public URL


@pytest.fixture
def services():
    return fake_services()


@pytest.fixture
def client(services):
    with TestClient(create_app(services), base_url=RELAY) as test_client:
        yield test_client


def token(services) -> str:
    return services.settings.twilio_auth_token.get_secret_value()


def test_every_check_passes_against_the_relay(client, services, capsys):
    checks = smoke_test.run_checks(client, RELAY, token(services))
    assert [c.ok for c in checks] == [True] * 4, checks
    assert smoke_test.report(checks) == 0
    [call_sid] = [sid for sid in services.calls.calls if sid.startswith("CAsmoke")]
    assert services.calls.document(call_sid).status == "ringing"  # only the signed webhook reached the store
    assert "4 passed, 0 failed" in capsys.readouterr().out


def test_the_signed_webhook_yields_a_secure_media_stream(client, services):
    check = smoke_test.check_signed_voice(client, RELAY, token(services), "CAsmoke1")
    assert check.ok, check.detail
    assert "wss://relay.example.com/twilio/stream" in check.detail


def test_unsigned_and_wrongly_signed_webhooks_are_refused(client, services):
    unsigned = smoke_test.check_refused(client, RELAY, "CAsmoke2", None, "unsigned")
    forged = smoke_test.check_refused(
        client, RELAY, "CAsmoke2",
        smoke_test.sign("another-token", f"{RELAY}/twilio/voice", smoke_test.voice_params("CAsmoke2")), "forged")
    assert unsigned.ok and forged.ok
    assert "CAsmoke2" not in services.calls.calls


def test_a_wrong_token_or_public_url_fails_the_smoke_test(client, services):
    wrong_token = smoke_test.check_signed_voice(client, RELAY, "not-the-relay-token", "CAsmoke3")
    assert not wrong_token.ok and "HTTP 403" in wrong_token.detail
    wrong_url = smoke_test.check_signed_voice(client, "https://other.example.com", token(services), "CAsmoke4")
    assert not wrong_url.ok
    assert smoke_test.report([wrong_token]) == 1


def test_a_health_path_the_relay_does_not_serve_fails(client):
    check = smoke_test.check_health(client, "/nothing-here")
    assert not check.ok and "HTTP 404" in check.detail


def test_main_needs_the_auth_token(monkeypatch, capsys):
    for variable in smoke_test.TOKEN_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    assert smoke_test.main([RELAY]) == 2
    assert "TWILIO_AUTH_TOKEN" in capsys.readouterr().err


def test_main_exits_0_when_the_relay_passes_and_1_when_it_does_not(monkeypatch, services, capsys):
    app = create_app(services)
    monkeypatch.setattr(smoke_test.httpx, "Client", lambda base_url, timeout: TestClient(app, base_url=base_url))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", token(services))
    assert smoke_test.main([RELAY]) == 0
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "not-the-relay-token")
    assert smoke_test.main([RELAY]) == 1
    assert "FAIL  signed voice webhook connects a media stream: HTTP 403" in capsys.readouterr().out
