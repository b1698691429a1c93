"""Smoke test of a deployed relay, as Twilio would see it.

    TWILIO_AUTH_TOKEN=... python scripts/smoke_test.py https://relay.example.com

RELAY_URL is the relay's public URL (`CALLBOT_PUBLIC_URL`, the base of the number's voice URL):
Twilio signs the URL it calls, and the relay checks signatures against that URL. The checks:

1. GET the health path answers 200 with `"status": "ok"`.
2. A voice webhook signed with the account's auth token is answered with TwiML that connects a
   media stream: `<Connect action=".../twilio/connect-action"><Stream url="wss://.../twilio/stream">`.
3. The same webhook unsigned, and signed with another token, are refused with 403.

The signed webhook creates a call document (CallSid `CAsmoke...`, from Twilio's test number) that
stays `ringing` and expires with the retention policy; no status callback is sent, so no post-call
work runs for it. The auth token comes from TWILIO_AUTH_TOKEN (or CALLBOT_TWILIO_AUTH_TOKEN); in
Cloud Build it is read from Secret Manager first.

Exit status: 0 when every check passes, 1 when one fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"
TEST_NUMBER = "+15005550006"  # Twilio's magic test number: never a real caller
TOKEN_VARIABLES = ("TWILIO_AUTH_TOKEN", "CALLBOT_TWILIO_AUTH_TOKEN")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, dict(params))


def voice_params(call_sid: str) -> dict[str, str]:
    """The form of an incoming-call webhook, as Twilio posts it."""
    return {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": TEST_NUMBER, "To": TEST_NUMBER,
            "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}


def stream_url(relay_url: str) -> str:
    scheme, rest = relay_url.rstrip("/").split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/twilio/stream"


def check_health(client: httpx.Client, path: str) -> Check:
    name = f"GET {path}"
    response = client.get(path)
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok":
        return Check(name, True, f"relay instance {body.get('relay_instance')}, {body.get('calls')} calls")
    detail = f"HTTP {response.status_code}: {response.text[:200]!r}"
    if response.status_code == 404 and body is None and path.endswith("z"):
        detail += (" (not the relay's answer: Cloud Run reserves some paths ending in 'z' at its front end; "
                   "pass --health-path with a path the relay serves)")
    return Check(name, False, detail)


def check_signed_voice(client: httpx.Client, relay_url: str, auth_token: str, call_sid: str) -> Check:
    name = "signed voice webhook connects a media stream"
    base = relay_url.rstrip("/")
    params = voice_params(call_sid)
    response = client.post("/twilio/voice", data=params,
                           headers={SIGNATURE_HEADER: sign(auth_token, f"{base}/twilio/voice", params)})
    if response.status_code != 200:
        hint = " (is RELAY_URL the relay's CALLBOT_PUBLIC_URL, and the token the relay's?)" \
            if response.status_code == 403 else ""
        return Check(name, False, f"HTTP {response.status_code}{hint}: {response.text[:200]!r}")
    try:
        root = ET.fromstring(response.text)
    except ET.ParseError as error:
        return Check(name, False, f"not XML ({error}): {response.text[:200]!r}")
    connect = root.find("Connect") if root.tag == "Response" else None
    stream = connect.find("Stream") if connect is not None else None
    if stream is None:
        return Check(name, False, f"no <Response><Connect><Stream> in {response.text[:300]!r}")
    problems = []
    if stream.get("url") != stream_url(relay_url):
        problems.append(f"Stream url {stream.get('url')!r}, expected {stream_url(relay_url)!r}")
    if connect.get("action") != f"{base}/twilio/connect-action":
        problems.append(f"Connect action {connect.get('action')!r}, expected {base}/twilio/connect-action")
    if problems:
        return Check(name, False, "; ".join(problems))
    return Check(name, True, f"{call_sid} -> {stream.get('url')}")


def check_refused(client: httpx.Client, relay_url: str, call_sid: str, signature: str | None, name: str) -> Check:
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    response = client.post("/twilio/voice", data=voice_params(call_sid), headers=headers)
    if response.status_code == 403:
        return Check(name, True, "HTTP 403")
    return Check(name, False, f"HTTP {response.status_code}, expected 403: {response.text[:200]!r}")


def run_checks(client: httpx.Client, relay_url: str, auth_token: str, health_path: str = "/health") -> list[Check]:
    """Every check against the relay behind `client` (whose base URL is the relay)."""
    call_sid = f"CAsmoke{uuid.uuid4().hex[:25]}"
    base = relay_url.rstrip("/")
    wrong_token = sign(f"not-{auth_token}", f"{base}/twilio/voice", voice_params(call_sid))
    return [
        check_health(client, health_path),
        check_signed_voice(client, relay_url, auth_token, call_sid),
        check_refused(client, relay_url, call_sid, None, "unsigned voice webhook is refused"),
        check_refused(client, relay_url, call_sid, wrong_token, "voice webhook signed with another token is refused"),
    ]


def report(checks: list[Check]) -> int:
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = sum(not check.ok for check in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke test a deployed relay with signed Twilio webhooks.")
    parser.add_argument("relay_url", metavar="RELAY_URL", help="the relay's public URL, e.g. https://relay.example.com")
    parser.add_argument("--health-path", default="/health")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    args = parser.parse_args(argv)
    if not args.relay_url.startswith(("https://", "http://")):
        parser.error("RELAY_URL must start with https:// (or http:// for a local relay)")
    auth_token = next((os.environ[v] for v in TOKEN_VARIABLES if os.environ.get(v)), "")
    if not auth_token:
        print(f"error: set {' or '.join(TOKEN_VARIABLES)} to the Twilio auth token", file=sys.stderr)
        return 2
    with httpx.Client(base_url=args.relay_url.rstrip("/"), timeout=args.timeout) as client:
        try:
            checks = run_checks(client, args.relay_url, auth_token, args.health_path)
        except httpx.HTTPError as error:
            print(f"FAIL  the relay could not be reached: {error!r}")
            return 1
    return report(checks)


if __name__ == "__main__":
    raise SystemExit(main())
