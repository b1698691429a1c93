"""The call console's pages over fakes (`MemoryCallReader`, a recording publisher, a fake IAP
verifier): what each page shows, what it refuses, and who may see what."""

from __future__ import annotations

import io
import json
import wave
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from callbot.blobs.local import LocalBlobStore
from callbot.bus.memory import RecordingPublisher
from callbot.messages import RerunPostCall
from callbot.store.reader import MemoryCallReader
from console.access import Access, AccessDenied, Role, Viewer
from console.app import ConsoleServices, create_app
from console.settings import ConsoleSettings

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
T0 = int((NOW - timedelta(minutes=30)).timestamp() * 1000)  # the booked call's stream start
BOOKED, FAILED = "CA" + "b" * 32, "CA" + "f" * 32
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


class FakeVerifier:
    """Stands for IAP's key check: a token "valid:<email>" verifies, anything else does not."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def verify(self, assertion: str) -> str:
        self.checked.append(assertion)
        if not assertion.startswith("valid:"):
            raise AccessDenied(401, "signature does not verify")
        return assertion.removeprefix("valid:")


class RecordingAudit:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, str]] = []

    def record(self, viewer: Viewer, action: str, call_id: str) -> None:
        self.records.append((viewer.email, action, call_id))


def booked_call() -> dict:
    return {"from": "+14155550150", "to": "+14155550100", "language": "en-US", "status": "processed",
            "created_at": NOW - timedelta(minutes=30), "stream_started_at_ms": T0, "ended_at_ms": T0 + 62_000,
            "ended_by": "bot", "lead_id": "00Q1", "recording_uri": f"file:///recordings/{BOOKED}.wav",
            "meeting": {"id": "m1", "start": "2026-12-09T15:00:00+00:00", "timezone": "America/New_York",
                        "rep": "Alex Kim", "status": "booked"},
            "agent": {"qualification": {"first_name": "Jordan", "company": "Ellis Freight",
                                        "email": "jordan@ellis.example"}},
            "summary": {"summary": "Jordan booked a demo.", "lead_score": 82, "score_reasons": ["meeting booked"],
                        "sentiment": "positive", "next_step": "Meeting with Alex Kim", "engine": "rules-v1"},
            "post_call": {"status": "processed", "run": {"number": 1, "state": "started"}, "finished_at_ms": T0 + 70_000,
                          "steps": {"sync_crm": {"record_id": "00Q1", "record_kind": "Lead", "task_id": "00T1"},
                                    "send_confirmation": {"sent": True, "status": "queued"}}}}


def booked_events() -> list[dict]:
    return [
        {"id": "sys-greeting-0000", "speaker": "bot", "text": "Hello, and thanks for calling.", "heard": "Hello, and thanks for calling.",
         "system": "greeting", "turn_seq": 0, "at_ms": T0 + 300},
        {"id": "caller-0001", "speaker": "caller", "text": "My email is jordan@ellis.example", "turn_seq": 1,
         "at_ms": T0 + 3_000, "ended_at_ms": T0 + 5_000},
        {"id": "agent-UserUtterance-0001", "kind": "agent_run", "turn_seq": 1, "run_ms": 300, "received_at_ms": T0 + 5_700,
         "llm_before_first_ms": 120, "at_ms": T0 + 6_000},
        {"id": "action-r1", "kind": "action", "turn_seq": 1, "port": "crm", "action": "create_lead", "ok": True,
         "action_ms": 80, "round_trip_ms": 140, "at_ms": T0 + 6_100,
         "request": '{"email": "jordan@ellis.example", "first_name": "Jordan"}', "result": '{"lead_id": "00Q1"}'},
        {"id": "bot-0001-00", "speaker": "bot", "text": "Thanks, Jordan. Shall I book you a demo on Tuesday?",
         "heard": "Thanks, Jordan.", "interrupted": True, "turn_seq": 1, "at_ms": T0 + 6_500},
        {"id": "latency-0001", "kind": "turn_latency", "turn_seq": 1, "at_ms": T0 + 6_500, "endpointing_ms": 450,
         "stt_ms": 100, "publish_ms": 50, "bus_and_agent_ms": 700, "reply_bus_ms": 60, "tts_and_playback_ms": 140,
         "tts_ms": 100, "playback_ms": 40, "total_ms": 1500, "trace_id": TRACE},
        {"id": "dtmf-0002", "speaker": "caller", "dtmf": "0", "turn_seq": 2, "at_ms": T0 + 9_000},
        {"id": "latency-0002", "kind": "turn_latency", "turn_seq": 2, "at_ms": T0 + 9_900, "endpointing_ms": 0,
         "stt_ms": 0, "publish_ms": 40, "bus_and_agent_ms": 600, "reply_bus_ms": 50, "tts_and_playback_ms": 210,
         "tts_ms": None, "playback_ms": None, "total_ms": 900},
    ]


def failed_call() -> dict:
    return {"from": "+33155550177", "language": "fr-FR", "status": "post_call_failed", "ended_by": "error",
            "created_at": NOW - timedelta(days=2), "post_call": {"status": "post_call_failed", "failed_step": "sync_crm",
                                                                  "error": "Salesforce said 500"}}


def plain_calls(n: int) -> dict:
    """Callers who hung up having given nothing (the post-call sync still logged each in the CRM)."""
    return {f"CA{i:032d}": {"from": "+14155550111", "language": "en-US", "status": "completed", "ended_by": "caller",
                            "crm_record_id": f"00Q{i}", "created_at": NOW - timedelta(hours=3, minutes=i)}
            for i in range(n)}


def wav_bytes(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0\0\0" * int(8000 * seconds))
    return out.getvalue()


class Console:
    def __init__(self, tmp_path, auth: str = "dev_admin", **settings) -> None:
        self.reader = MemoryCallReader({BOOKED: booked_call(), FAILED: failed_call(), **plain_calls(30)},
                                       {BOOKED: booked_events()})
        self.publisher = RecordingPublisher()
        self.audit = RecordingAudit()
        self.verifier = FakeVerifier()
        recordings = LocalBlobStore(tmp_path / "recordings")
        recordings.put(f"{BOOKED}.wav", wav_bytes(62), "audio/wav")
        extra = {"console_iap_audience": "/projects/1/locations/us-central1/services/callbot-console"} if auth == "iap" else {}
        self.settings = ConsoleSettings(console_auth=auth, recordings_uri=str(tmp_path / "recordings"), **extra,
                                        **settings)
        self.services = ConsoleServices(settings=self.settings, reader=self.reader, recordings=recordings,
                                        publisher=self.publisher, access=Access(self.settings, self.verifier),
                                        audit=self.audit, clock=NOW.timestamp)
        self.client = TestClient(create_app(self.services), raise_server_exceptions=False)


@pytest.fixture
def console(tmp_path):
    return Console(tmp_path)


def test_the_list_is_newest_first_paginated_and_masks_the_caller(console):
    first = console.client.get("/calls")
    assert first.status_code == 200
    html = first.text
    assert html.index(BOOKED) < html.index(f"CA{0:032d}") < html.index(f"CA{23:032d}")
    assert f"CA{24:032d}" not in html
    assert "+14155550150" not in html and "***50" in html
    assert FAILED not in html  # 32 calls, 25 a page: the oldest ones are on page 2
    second = console.client.get("/calls?page=2")
    assert FAILED in second.text and BOOKED not in second.text and "page 2 of 2" in second.text


@pytest.mark.parametrize("query, shown, hidden", [
    ("outcome=booked", BOOKED, FAILED), ("outcome=failed", FAILED, BOOKED), ("score_min=80", BOOKED, "CA000"),
    ("language=fr-FR", FAILED, BOOKED), ("post_call=post_call_failed", FAILED, BOOKED),
    ("outcome=abandoned", "CA000", BOOKED), ("outcome=lead", "No call matches", "CA000"),
])
def test_the_filters_choose_the_calls(console, query, shown, hidden):
    page = console.client.get(f"/calls?{query}")
    assert page.status_code == 200 and shown in page.text and hidden not in page.text


def test_the_date_filter_reads_only_that_period(console):
    page = console.client.get("/calls?from=2026-12-04&to=2026-12-04")
    assert FAILED in page.text and BOOKED not in page.text
    [read] = [args for name, args in console.reader.reads if name == "recent_calls"]
    assert read[:2] == (datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC))


@pytest.mark.parametrize("query, problem", [
    ("outcome=won", "outcome"), ("score_min=abc", "score_min"), ("from=yesterday", "from"),
    ("from=2026-12-05&to=2026-12-01", "the first day (from) is after the last (to)"), ("page=0", "page"),
    ("page=99999999999999999999999", "page"), ("colour=red", "colour is not a filter"),
    ("language=<script>", "language"),
])
def test_a_malformed_filter_is_a_400_page_saying_what_is_wrong(console, query, problem):
    page = console.client.get(f"/calls?{query}")
    assert page.status_code == 400 and "text/html" in page.headers["content-type"]
    assert problem in page.text and "Traceback" not in page.text and "<script>" not in page.text


def test_a_page_past_the_last_is_a_404_page(console):
    page = console.client.get("/calls?page=500")
    assert page.status_code == 404 and "past the last page" in page.text


@pytest.mark.parametrize("path", ["/calls/CAunknown", "/calls/CAunknown/recording.wav", "/calls/..%2Fetc",
                                  "/calls/" + "x" * 300, "/nothing-here"])
def test_an_unknown_call_or_path_is_a_404_page(console, path):
    page = console.client.get(path)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "Traceback" not in page.text


def test_the_call_page_shows_the_transcript_with_times_and_what_was_heard(console):
    page = console.client.get(f"/calls/{BOOKED}")
    assert page.status_code == 200
    html = page.text
    assert 'data-t="3.00"' in html and "My email is j***@ellis.example" in html  # masked for everyone by default
    assert "jordan@ellis.example" not in html and "+14155550150" not in html
    assert "interrupted: the caller heard “Thanks, Jordan.”" in html
    assert '<s class="unheard"> Shall I book you a demo on Tuesday?</s>' in html
    assert "pressed <kbd>0</kbd>" in html
    assert f'src="/calls/{BOOKED}/recording.wav"' in html


def test_the_waterfall_has_a_row_per_measured_turn_with_bus_and_agent_apart(console):
    html = console.client.get(f"/calls/{BOOKED}").text
    assert html.count('<tr class="turn"') == 2
    # turn 1: speech ended at T0+5000, published 600 ms later, agent_turn received it at T0+5700
    assert "bus 100" in html and "agent 600" in html and "LLM to its first sentence: 120 ms" in html
    assert "TTS 100" in html and "playback 40" in html
    assert "bus + agent 600" in html and "TTS + playback 210" in html  # turn 2 has no agent record


def test_the_call_page_lists_actions_outcome_and_post_call_result(console):
    html = console.client.get(f"/calls/{BOOKED}").text
    assert "create_lead" in html and "80 ms" in html and "140 ms" in html
    assert "&#34;email&#34;: &#34;j***@ellis.example&#34;" in html and "&#34;lead_id&#34;: &#34;00Q1&#34;" in html
    assert "booked: 2026-12-09T15:00:00+00:00" in html and "Alex Kim" in html
    assert "Jordan booked a demo." in html and "82 (meeting booked)" in html and "Lead 00Q1, task 00T1" in html
    assert "run 1: processed" in html


def test_the_recording_is_served_whole_and_by_range(console):
    whole = console.client.get(f"/calls/{BOOKED}/recording.wav")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    part = console.client.get(f"/calls/{BOOKED}/recording.wav", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    tail = console.client.get(f"/calls/{BOOKED}/recording.wav", headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    beyond = console.client.get(f"/calls/{BOOKED}/recording.wav", headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert console.client.get(f"/calls/{FAILED}/recording.wav").status_code == 404


def test_run_post_call_again_publishes_a_rerun_and_writes_nothing(console):
    response = console.client.post(f"/calls/{BOOKED}/post-call", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(f"/calls/{BOOKED}?rerun=")
    [message] = console.publisher.published
    assert isinstance(message, RerunPostCall) and message.call_id == BOOKED
    assert message.requested_by == "local developer" and message.sent_at_ms == int(NOW.timestamp() * 1000)
    page = console.client.get(response.headers["location"])
    assert "A new post-call run was asked for" in page.text and 'data-awaiting="1"' in page.text
    assert console.client.post("/calls/CAunknown/post-call").status_code == 404
    assert len(console.publisher.published) == 1


def test_a_post_from_another_site_is_refused(console):
    response = console.client.post(f"/calls/{BOOKED}/post-call", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and console.publisher.published == []


def test_the_overview_counts_days_bookings_scores_latency_and_lists_errors(console):
    page = console.client.get("/overview?days=7")
    assert page.status_code == 200
    html = page.text
    assert "32 calls, 1 booked (3%)" in html
    assert f'href="/calls/{FAILED}"' in html and f'href="/calls/{BOOKED}"' not in html
    # both turns of the booked call were that day: p50 900, p95 1500
    assert "900 ms" in html and "1500 ms" in html
    assert console.client.get("/overview?days=1000").status_code == 400
    assert console.client.get("/overview?days=x").status_code == 400


# -- access -------------------------------------------------------------------------------------


@pytest.fixture
def guarded(tmp_path):
    return Console(tmp_path, auth="iap", console_admins=("ada@northwind.example",),
                   console_reviewers=("@northwind.example",))


@pytest.mark.parametrize("path", ["/calls", f"/calls/{BOOKED}", f"/calls/{BOOKED}/recording.wav", "/overview",
                                  "/static/console.js", f"/calls/{BOOKED}/post-call"])
def test_no_page_is_reachable_without_a_verified_identity_with_a_role(guarded, path):
    assert guarded.client.get(path).status_code == 401  # no IAP header at all
    forged = {"X-Goog-Authenticated-User-Email": "accounts.google.com:ada@northwind.example"}
    assert guarded.client.get(path, headers=forged).status_code == 401  # the unsigned header alone
    bad = {"X-Goog-IAP-JWT-Assertion": "forged"}
    assert guarded.client.get(path, headers=bad).status_code == 401
    stranger = {"X-Goog-IAP-JWT-Assertion": "valid:eve@elsewhere.example"}
    refused = guarded.client.get(path, headers=stranger)
    assert refused.status_code == 403 and "has no role" in refused.text
    assert guarded.client.post(f"/calls/{BOOKED}/post-call", headers=stranger).status_code == 403
    assert guarded.publisher.published == [] and guarded.reader.reads == []


def test_the_health_check_needs_no_role_and_shows_no_data(guarded):
    assert guarded.client.get("/healthz").json() == {"status": "ok"}


def test_a_reviewer_sees_masked_data_and_may_not_reveal(guarded):
    reviewer = {"X-Goog-IAP-JWT-Assertion": "valid:rep@northwind.example",
                "X-Goog-Authenticated-User-Email": "accounts.google.com:rep@northwind.example"}
    page = guarded.client.get(f"/calls/{BOOKED}", headers=reviewer)
    assert page.status_code == 200 and "rep@northwind.example · reviewer" in page.text
    assert "Reveal numbers" not in page.text and "+14155550150" not in page.text
    refused = guarded.client.post(f"/calls/{BOOKED}/reveal", headers=reviewer)
    assert refused.status_code == 403 and "+14155550150" not in refused.text and guarded.audit.records == []


def test_the_headers_must_name_the_same_user(guarded):
    mixed = {"X-Goog-IAP-JWT-Assertion": "valid:rep@northwind.example",
             "X-Goog-Authenticated-User-Email": "accounts.google.com:ada@northwind.example"}
    assert guarded.client.get("/calls", headers=mixed).status_code == 401


def test_an_admin_reveal_shows_numbers_and_emails_and_is_audited(guarded):
    admin = {"X-Goog-IAP-JWT-Assertion": "valid:ada@northwind.example"}
    page = guarded.client.get(f"/calls/{BOOKED}", headers=admin)
    assert "Reveal numbers and emails" in page.text and "+14155550150" not in page.text
    assert guarded.audit.records == []
    revealed = guarded.client.post(f"/calls/{BOOKED}/reveal", headers=admin)
    assert revealed.status_code == 200 and revealed.headers["cache-control"] == "no-store"
    assert "+14155550150" in revealed.text and "My email is jordan@ellis.example" in revealed.text
    assert "&#34;email&#34;: &#34;jordan@ellis.example&#34;" in revealed.text  # what the CRM was asked
    assert guarded.audit.records == [("ada@northwind.example", "reveal", BOOKED)]


def test_dev_admin_is_refused_outside_dev_and_iap_needs_its_audience():
    with pytest.raises(ValueError, match="local stack only"):
        ConsoleSettings(environment="prod", console_auth="dev_admin")
    with pytest.raises(ValueError, match="CALLBOT_CONSOLE_IAP_AUDIENCE"):
        ConsoleSettings(environment="prod", console_auth="iap")


def test_a_viewer_role_comes_from_the_lists():
    settings = ConsoleSettings(console_auth="iap", console_iap_audience="/projects/1/x",
                               console_admins=("Ada@Northwind.example",), console_reviewers=("@sales.example",))
    access = Access(settings, FakeVerifier())
    assert access.viewer({"x-goog-iap-jwt-assertion": "valid:ada@northwind.example"}).role is Role.ADMIN
    assert access.viewer({"x-goog-iap-jwt-assertion": "valid:bo@sales.example"}).role is Role.REVIEWER
    with pytest.raises(AccessDenied):
        access.viewer({"x-goog-iap-jwt-assertion": "valid:bo@sales.example.evil"})


# -- IAP's signed header, verified with google-auth ------------------------------------------------

AUDIENCE = "/projects/123456789/locations/us-central1/services/callbot-console"


class IapKeys:
    """google-auth's transport, answering IAP's public-key URL with the keys of this test."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private = ec.generate_private_key(ec.SECP256R1())
        public = self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)
        self.keys = {"iap-key-1": public.decode()}
        self.fetched: list[str] = []

    def __call__(self, url, method="GET", **kwargs):
        import json
        from types import SimpleNamespace

        self.fetched.append(url)
        return SimpleNamespace(status=200, data=json.dumps(self.keys).encode(), headers={})

    def token(self, **claims) -> str:
        import time

        from cryptography.hazmat.primitives import serialization
        from google.auth import crypt, jwt

        pem = self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        signer = crypt.ES256Signer.from_string(pem, key_id="iap-key-1")
        now = int(time.time())
        payload = {"iss": "https://cloud.google.com/iap", "aud": AUDIENCE, "iat": now, "exp": now + 600,
                   "email": "ada@northwind.example", "sub": "accounts.google.com:1", **claims}
        return jwt.encode(signer, payload).decode()


def test_a_signed_iap_header_verifies_and_names_the_user():
    from console.access import IAP_CERTS_URL, IapJwtVerifier

    keys = IapKeys()
    verifier = IapJwtVerifier(AUDIENCE, request=keys)
    assert verifier.verify(keys.token()) == "ada@northwind.example"
    assert keys.fetched == [IAP_CERTS_URL]


@pytest.mark.parametrize("claims", [{"aud": "/projects/123456789/locations/us-central1/services/other"},
                                    {"exp": 1_000_000_000, "iat": 999_999_000},
                                    {"iss": "https://accounts.google.com"}, {"email": ""}])
def test_an_iap_header_for_another_service_expired_or_not_from_iap_is_refused(claims):
    from console.access import IapJwtVerifier

    keys = IapKeys()
    with pytest.raises(AccessDenied) as refused:
        IapJwtVerifier(AUDIENCE, request=keys).verify(keys.token(**claims))
    assert refused.value.status == 401


def test_an_iap_header_signed_with_another_key_is_refused():
    from console.access import IapJwtVerifier

    keys, forger = IapKeys(), IapKeys()
    with pytest.raises(AccessDenied):
        IapJwtVerifier(AUDIENCE, request=keys).verify(forger.token())


# -- traces ---------------------------------------------------------------------------------------


def test_a_turn_links_to_its_trace_which_the_local_trace_page_shows(tmp_path):
    traces = tmp_path / "traces"
    traces.mkdir()
    spans = [("relay", "caller turn", None, "a1", 0, 1500), ("agent_turn", "handle UserUtterance", "a1", "b2", 650, 1300),
             ("knowledge_action", "handle ActionRequested", "b2", "c3", 800, 900)]
    (traces / "all.jsonl").write_text("".join(json.dumps(
        {"trace_id": TRACE, "span_id": span_id, "parent_id": parent, "name": name, "service": service,
         "start_ns": 10**18 + start * 10**6, "end_ns": 10**18 + end * 10**6, "attributes": {}}) + "\n"
        for service, name, parent, span_id, start, end in spans))
    console = Console(tmp_path, trace_exporter="file", trace_dir=str(traces))
    html = console.client.get(f"/calls/{BOOKED}").text
    assert html.count('class="trace"') == 1 and f'href="/traces/{TRACE}"' in html  # turn 2 has no trace
    page = console.client.get(f"/traces/{TRACE}")
    assert page.status_code == 200 and page.text.count('<tr class="span"') == 3
    assert "handle ActionRequested" in page.text and "+800 ms" in page.text and "100 ms" in page.text
    assert console.client.get("/traces/" + "0" * 32).status_code == 404
    assert console.client.get("/traces/not-a-trace").status_code == 404


def test_in_production_a_turn_links_to_cloud_trace(tmp_path):
    console = Console(tmp_path, trace_exporter="cloud", project_id="callbot-prod")
    html = console.client.get(f"/calls/{BOOKED}").text
    assert f"https://console.cloud.google.com/traces/list?project=callbot-prod&amp;tid={TRACE}" in html
    assert Console(tmp_path / "none").client.get(f"/calls/{BOOKED}").text.count('class="trace"') == 0
