"""crm_action, calendar_action and knowledge_action in-process (functions-framework's test client),
on the demo company's in-memory ports and a recording publisher; and `ActionHandler` on its own."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from functions_framework import create_app

from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.errors import RetryableError
from callbot.messages import ActionCompleted, ActionPort, ActionRequested, DeadLettered, Topic, encode
from functions.calendar_action import bootstrap as calendar_bootstrap
from functions.crm_action import bootstrap as crm_bootstrap
from functions.knowledge_action import bootstrap as knowledge_bootstrap

DEMO_NOW = "2026-11-27T17:00:00+00:00"  # Friday noon in New York: the seed meeting is on Monday 10:00
BOOTSTRAPS = {"crm_action": crm_bootstrap, "calendar_action": calendar_bootstrap,
              "knowledge_action": knowledge_bootstrap}


def request(port: ActionPort, action: str, args: dict | None = None, **fields) -> ActionRequested:
    defaults = {"call_id": "CA1", "turn_seq": 4, "relay_instance": "r1", "request_id": "r-7",
                "caller_number": "+14155550199"}
    return ActionRequested(port=port, action=action, args=args or {}, **{**defaults, **fields})


def push_body(payload: bytes, attributes: dict[str, str], published_at: datetime | None = None) -> dict:
    return {"message": {"data": base64.b64encode(payload).decode(), "attributes": attributes, "messageId": "1",
                        "publishTime": (published_at or datetime.now(UTC)).isoformat()},
            "subscription": "projects/p/subscriptions/callbot-actions"}


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def function(monkeypatch, publisher):
    """A test client for one action function, its bootstrap built anew on the demo company."""
    monkeypatch.setenv("CALLBOT_DEMO_CLOCK", DEMO_NOW)
    used = []

    def make(name: str, **ports):
        bootstrap = BOOTSTRAPS[name]
        bootstrap.action_handler.cache_clear()
        used.append(bootstrap)
        monkeypatch.setattr(bootstrap, "PubSubPublisher", lambda project_id: publisher)
        for factory, port in ports.items():
            monkeypatch.setattr(bootstrap, factory, lambda settings, port=port: port)
        client = create_app(target=name, source=f"functions/{name}/main.py", signature_type="cloudevent").test_client()

        def post(message: ActionRequested | dict, published_at: datetime | None = None):
            body = message if isinstance(message, dict) else push_body(*encode(message), published_at)
            return client.post("/", json=body)

        return post

    yield make
    for bootstrap in used:
        bootstrap.action_handler.cache_clear()


def completed(publisher) -> ActionCompleted:
    [done] = publisher.of_type(ActionCompleted)
    assert done.topic is Topic.TURNS and done.ordering_key == done.call_id
    return done


# -- crm_action

def test_find_caller_returns_the_known_contact_with_their_meeting(function, publisher):
    post = function("crm_action")
    assert post(request(ActionPort.CRM, "find_caller", {"phone": ""})).status_code == 200
    done = completed(publisher)
    assert (done.request_id, done.turn_seq, done.relay_instance, done.port, done.action, done.ok) == (
        "r-7", 4, "r1", ActionPort.CRM, "find_caller", True)
    caller = done.result["caller"]
    assert (caller["first_name"], caller["company"], caller["kind"]) == ("Sam", "Blue Harbor Freight", "contact")
    assert [m["start"] for m in caller["meetings"]] == ["2026-11-30T10:00:00-05:00"]


def test_an_unknown_caller_is_none(function, publisher):
    post = function("crm_action")
    assert post(request(ActionPort.CRM, "find_caller", {"phone": "+14155550111"})).status_code == 200
    assert completed(publisher).result == {"caller": None}


def test_save_lead_stores_the_fields_verbatim_with_the_caller_number(function, publisher):
    from callbot.crm.memory import MemoryCrm

    crm = MemoryCrm()
    post = function("crm_action", make_crm=crm)
    lead = {"first_name": "Dana", "last_name": "O'Brien", "company": "Acme Logistics", "role": "VP Sales",
            "need": "qualify inbound calls", "team_size": 40, "timeline": "this quarter",
            "email": "dana+calls@acme-logistics.com", "consent": True, "email_confirmed": True}
    message = request(ActionPort.CRM, "save_lead", {"lead": lead}, caller_number="+14155550123")
    assert post(message).status_code == 200
    assert post(message).status_code == 200  # redelivered: the same record, no duplicate
    first, second = publisher.of_type(ActionCompleted)
    assert first.result == second.result
    saved = first.result["lead"]
    assert (saved["id"][:3], saved["last_name"], saved["email"], saved["phone"]) == (
        "00Q", "O'Brien", "dana+calls@acme-logistics.com", "+14155550123")
    assert crm.calls[0][1]["request_id"] == "CA1/r-7"
    assert crm.details[saved["id"]]["team_size"] == 40


def test_bad_arguments_are_reported_not_retried(function, publisher):
    post = function("crm_action")
    assert post(request(ActionPort.CRM, "save_lead", {"lead": {"team_size": "about forty"}})).status_code == 200
    done = completed(publisher)
    assert not done.ok and done.error == "invalid arguments: lead.team_size" and done.result == {}


def test_an_unknown_action_is_reported(function, publisher):
    post = function("crm_action")
    assert post(request(ActionPort.CRM, "delete_everything")).status_code == 200
    done = completed(publisher)
    assert not done.ok and "unknown action" in done.error


class UnavailableCrm:
    def find_caller(self, *, phone):
        raise RetryableError("Salesforce answered 503")

    def upsert_lead(self, *, request_id, fields):
        raise TimeoutError("Salesforce timed out")


@pytest.mark.parametrize("action", ["find_caller", "save_lead"])
def test_a_retryable_failure_fails_the_delivery_so_pubsub_redelivers(function, publisher, action):
    post = function("crm_action", make_crm=UnavailableCrm())
    assert post(request(ActionPort.CRM, action)).status_code == 500
    assert publisher.published == []


@pytest.mark.parametrize("action", ["find_caller", "save_lead"])
def test_a_failure_that_outlasts_the_retry_budget_is_reported_so_the_caller_is_answered(function, publisher,
                                                                                        action):
    post = function("crm_action", make_crm=UnavailableCrm())
    published = datetime.now(UTC) - timedelta(seconds=ActionSettings().action_retry_s + 1)
    assert post(request(ActionPort.CRM, action), published_at=published).status_code == 200
    done = completed(publisher)
    assert not done.ok and done.error in ("Salesforce answered 503", "Salesforce timed out")


def test_a_request_for_another_port_is_dead_lettered(function, publisher):
    post = function("crm_action")
    assert post(request(ActionPort.CALENDAR, "find_slots")).status_code == 200
    [dead] = publisher.published
    assert isinstance(dead, DeadLettered) and dead.source == "crm_action" and dead.call_id == "CA1"
    assert "does not belong" in dead.reason


def test_an_undecodable_payload_is_dead_lettered(function, publisher):
    post = function("knowledge_action")
    body = push_body(b'{"type": "ActionRequested", "call_id": "CA9"}', {"call_id": "CA9"})
    assert post(body).status_code == 200
    [dead] = publisher.published
    assert isinstance(dead, DeadLettered) and dead.call_id == "CA9" and "invalid message" in dead.reason
    assert dead.payload == '{"type": "ActionRequested", "call_id": "CA9"}'


def test_a_request_older_than_the_limit_is_dead_lettered_not_run(function, publisher):
    post = function("knowledge_action")
    old = datetime.now(UTC) - timedelta(hours=1)
    message = request(ActionPort.KNOWLEDGE, "search_knowledge", {"question": "pricing"})
    assert post(message, published_at=old).status_code == 200
    [dead] = publisher.published
    assert isinstance(dead, DeadLettered) and "older" in dead.reason


# -- calendar_action

def test_slots_are_found_then_one_is_booked(function, publisher):
    post = function("calendar_action")
    assert post(request(ActionPort.CALENDAR, "find_slots",
                        {"preferred_time": "2026-12-01T10:00:00", "now": ""})).status_code == 200
    slots = completed(publisher).result["slots"]
    assert len(slots) == 3 and slots[0]["start"] == "2026-12-01T10:00:00-05:00"
    attendee = {"name": "Dana O'Brien", "email": "dana+calls@acme-logistics.com", "phone": ""}
    booking = request(ActionPort.CALENDAR, "book_meeting", {"slot_id": slots[0]["id"], "attendee": attendee,
                                                            "title": "Northwind Voice demo"}, request_id="r-8")
    assert post(booking).status_code == 200
    meeting = publisher.of_type(ActionCompleted)[1].result["meeting"]
    assert (meeting["start"], meeting["attendee_email"], meeting["status"]) == (
        "2026-12-01T10:00:00-05:00", "dana+calls@acme-logistics.com", "booked")


def test_a_slot_taken_meanwhile_offers_the_nearest_free_ones(function, publisher):
    post = function("calendar_action")
    seeded = "2026-11-30T10:00-alex.kim"  # Sam Rivera's meeting
    attendee = {"name": "Dana", "email": "dana@acme-logistics.com"}
    assert post(request(ActionPort.CALENDAR, "book_meeting", {"slot_id": seeded, "attendee": attendee})
                ).status_code == 200
    done = completed(publisher)
    assert done.ok and done.result["taken"] is True
    starts = [s["start"] for s in done.result["slots"]]
    assert len(starts) == 3 and all(s.startswith("2026-11-30T") for s in starts)
    assert seeded not in [s["id"] for s in done.result["slots"]]


def test_the_seeded_meeting_is_rescheduled_then_cancelled(function, publisher):
    meeting_id = crm_seed_meeting_id()
    post = function("calendar_action")
    assert post(request(ActionPort.CALENDAR, "reschedule_meeting",
                        {"meeting_id": meeting_id, "slot_id": "2026-12-02T15:00-priya.shah"})).status_code == 200
    assert post(request(ActionPort.CALENDAR, "cancel_meeting", {"meeting_id": meeting_id},
                        request_id="r-9")).status_code == 200
    moved, cancelled = (m.result["meeting"] for m in publisher.of_type(ActionCompleted))
    assert (moved["id"], moved["start"], moved["rep"]) == (meeting_id, "2026-12-02T15:00:00-05:00", "Priya Shah")
    assert cancelled["status"] == "cancelled"


@pytest.mark.parametrize(("rep_email", "reps"), [("alex.kim@northwind.example", {"Alex Kim"}),
                                                  ("nobody@northwind.example", {"Alex Kim", "Priya Shah"})])
def test_slots_for_a_moved_meeting_are_its_reps_or_anyones_when_the_rep_is_unknown(function, publisher, rep_email,
                                                                                     reps):
    post = function("calendar_action")
    assert post(request(ActionPort.CALENDAR, "find_slots", {"rep_email": rep_email, "count": 6})).status_code == 200
    assert {s["rep"] for s in completed(publisher).result["slots"]} == reps


def test_an_unknown_meeting_is_reported(function, publisher):
    post = function("calendar_action")
    assert post(request(ActionPort.CALENDAR, "cancel_meeting", {"meeting_id": "mtg-nope"})).status_code == 200
    done = completed(publisher)
    assert (done.ok, done.error) == (False, "meeting not found")


def crm_seed_meeting_id() -> str:
    """The seeded meeting's id as the crm_action process reports it."""
    from devtools.demo_company import demo_calendar, demo_crm

    now = datetime.fromisoformat(DEMO_NOW)
    [meeting] = demo_crm(demo_calendar(lambda: now)).find_caller(phone="+14155550199").meetings
    return meeting.id


# -- knowledge_action

@pytest.mark.parametrize(("question", "language", "source"), [
    ("How much does it cost per user?", "en-US", "pricing.md"),
    ("Do you have an on-premise version?", "en-US", None),
    ("Combien coûte Northwind Voice ?", "fr-FR", "tarifs.fr-FR.md"),
])
def test_the_knowledge_base_is_searched_in_the_call_language(function, publisher, question, language, source):
    post = function("knowledge_action")
    message = request(ActionPort.KNOWLEDGE, "search_knowledge", {"question": question}, language=language)
    assert post(message).status_code == 200
    passages = completed(publisher).result["passages"]
    assert [p["source"] for p in passages][:1] == ([source] if source else [])
    assert all(p["score"] >= 0.34 for p in passages)


class WarmedKnowledge:
    """A knowledge base that records being warmed, or fails to be."""

    def __init__(self, fails: bool = False) -> None:
        self.fails, self.warmed = fails, 0

    def warm(self) -> None:
        if self.fails:
            raise ConnectionError("Firestore unavailable")
        self.warmed += 1

    def search(self, *, question: str, language: str, k: int = 3) -> list:
        return []


def test_knowledge_action_loads_its_knowledge_base_at_instance_start_and_starts_when_it_cannot(function, publisher,
                                                                                             monkeypatch):
    warmed = WarmedKnowledge()
    post = function("knowledge_action", make_knowledge=warmed)
    assert warmed.warmed == 1  # before any question
    assert post(request(ActionPort.KNOWLEDGE, "search_knowledge", {"question": "pricing"})).status_code == 200
    assert warmed.warmed == 1  # built once
    failing = WarmedKnowledge(fails=True)
    knowledge_bootstrap.action_handler.cache_clear()
    post = function("knowledge_action", make_knowledge=failing)  # the instance starts all the same
    assert post(request(ActionPort.KNOWLEDGE, "search_knowledge", {"question": "pricing"})).status_code == 500


# -- ActionHandler on its own

def test_the_handler_reports_result_and_duration_and_raises_when_the_report_cannot_be_published(publisher):
    ticks = iter([100.0, 100.0, 200.0])
    handler = ActionHandler(ActionPort.KNOWLEDGE, {"echo": lambda r: {"args": r.args}}, publisher,
                            ActionSettings(), clock=lambda: next(ticks))
    message = request(ActionPort.KNOWLEDGE, "echo", {"x": 1})
    handler.handle(Delivery(message=message, message_id="1", published_at=datetime.fromtimestamp(99, UTC)))
    done = completed(publisher)
    assert done.result == {"args": {"x": 1}} and done.ok and done.error == "" and done.sent_at_ms == 100_000
    assert done.duration_ms >= 0 and done.message_key == "ActionCompleted:CA1:r-7"
    publisher.fail_next = [TimeoutError("pubsub unavailable")]
    with pytest.raises(TimeoutError):
        handler.handle(Delivery(message=message, message_id="2", published_at=None))


def test_a_known_callers_meetings_come_from_the_calendar_backend():
    from callbot.calendar import Attendee
    from callbot.calendar.memory import MemoryCalendar
    from callbot.crm import LeadFields
    from callbot.crm.memory import MemoryCrm
    from functions.crm_action import operations

    now = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    calendar = MemoryCalendar([("Alex Kim", "alex@example.com")], clock=lambda: now)
    slot = calendar.free_slots(after=now, count=1)[0]
    booked = calendar.book(request_id="r1", slot_id=slot.id, attendee=Attendee(name="Dana", email="dana@example.com"),
                           title="Intro")
    crm = MemoryCrm()
    crm.upsert_lead(request_id="s1", fields=LeadFields(first_name="Dana", email="dana@example.com", phone="+14155550123"))
    lookup = request(ActionPort.CRM, "find_caller", {"phone": "+14155550123"})
    assert operations.bind(crm)["find_caller"](lookup)["caller"]["meetings"] == []
    found = operations.bind(crm, calendar)["find_caller"](lookup)["caller"]
    assert [m["id"] for m in found["meetings"]] == [booked.id]
