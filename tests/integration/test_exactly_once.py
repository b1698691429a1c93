"""Exactly-once side effects of the action functions, with the real adapters against the local
Salesforce and Google Calendar servers: every request delivered twice, and a crash after the
external call but before the acknowledgement (the `ActionCompleted` publish fails, so the function
raises and Pub/Sub redelivers). Each time: one Lead, one Task, one Event, one invitation."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from callbot.action_functions.handler import ActionHandler
from callbot.action_functions.settings import ActionSettings, RepSetting
from callbot.bus import Delivery
from callbot.bus.memory import RecordingPublisher
from callbot.messages import ActionCompleted, ActionPort, ActionRequested
from devtools.demo_company import (
    DEV_SALESFORCE_CLIENT_ID,
    DEV_SALESFORCE_USER,
    calendar_seed,
    salesforce_seed,
)
from devtools.fake_google_calendar.server import running_fake_calendar
from devtools.fake_salesforce.server import running_fake_salesforce
from functions.calendar_action import operations as calendar_operations
from functions.crm_action import operations as crm_operations

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def servers():
    with running_fake_salesforce(salesforce_seed()) as salesforce, running_fake_calendar(calendar_seed(NOW)) as cal:
        yield salesforce, cal


@pytest.fixture
def handlers(servers):
    from callbot.action_functions.adapters import make_calendar, make_crm

    salesforce, cal = servers
    settings = ActionSettings(
        crm_backend="salesforce", salesforce_login_url=salesforce, salesforce_client_id=DEV_SALESFORCE_CLIENT_ID,
        salesforce_username=DEV_SALESFORCE_USER["Username"],
        salesforce_password=DEV_SALESFORCE_USER["Password"],
        salesforce_security_token=DEV_SALESFORCE_USER["SecurityToken"],
        calendar_backend="google", google_calendar_root_url=cal, calendar_auth="delegation", demo_clock=NOW.isoformat(),
        calendar_reps=[RepSetting(name="Alex Kim", email="alex.kim@northwind.example")])
    publisher = RecordingPublisher()
    crm, calendar = make_crm(settings), make_calendar(settings)
    return publisher, {
        ActionPort.CRM: ActionHandler(ActionPort.CRM, {**crm_operations.bind(crm), "log_call": _log_call(crm)},
                                      publisher, settings),
        ActionPort.CALENDAR: ActionHandler(ActionPort.CALENDAR, calendar_operations.bind(calendar, lambda: NOW),
                                           publisher, settings)}


def _log_call(crm):
    from callbot.action_functions.handler import request_key
    from callbot.crm import CallActivity

    def log_call(request: ActionRequested) -> dict:
        activity = CallActivity.model_validate({**request.args, "call_id": request.call_id})
        return {"task_id": crm.log_call(request_id=request_key(request), activity=activity)}

    return log_call


def deliver(handler, request, twice=True):
    handler.handle(Delivery(request, "1", None))
    if twice:
        handler.handle(Delivery(request, "2", None))  # Pub/Sub delivers at least once


def request(call_id, request_id, port, action, args):
    return ActionRequested(call_id=call_id, turn_seq=1, relay_instance="r", request_id=request_id, port=port,
                           action=action, args=args, caller_number="+14155550123")


def records(url, name):
    return httpx.get(f"{url}/__admin/records/{name}").json()


def events(url):
    return httpx.get(f"{url}__admin/events").json()["events"]


def invitations(url):
    return httpx.get(f"{url}__admin/invitations").json()["invitations"]


@pytest.mark.parametrize("crash", [False, True], ids=["delivered twice", "crash before the ack"])
def test_a_lead_task_and_event_are_created_once(servers, handlers, crash):
    salesforce, cal = servers
    publisher, by_port = handlers
    call_id = f"CAonce{int(crash)}"
    email = f"dana{int(crash)}@acme-logistics.com"
    save = request(call_id, "s1", ActionPort.CRM, "save_lead",
                   {"lead": {"first_name": "Dana", "last_name": "O'Brien", "company": "Acme", "email": email,
                             "consent": True}, "phone": f"+1415555{int(crash):04d}"})
    slots = request(call_id, "f1", ActionPort.CALENDAR, "find_slots", {"now": NOW.isoformat(), "count": 3})
    deliver(by_port[ActionPort.CRM], save)
    deliver(by_port[ActionPort.CALENDAR], slots)
    slot = publisher.of_type(ActionCompleted)[-1].result["slots"][0]
    book = request(call_id, "b1", ActionPort.CALENDAR, "book_meeting",
                   {"slot_id": slot["id"], "attendee": {"name": "Dana O'Brien", "email": email}, "title": "Intro"})
    saved = [m for m in publisher.of_type(ActionCompleted) if m.action == "save_lead"]
    assert saved[0].ok, saved[0].error
    lead_id = saved[0].result["lead"]["id"]
    log = request(call_id, "l1", ActionPort.CRM, "log_call",
                  {"record_id": lead_id, "started_at": NOW.isoformat(), "duration_s": 95, "summary": "Booked."})
    for handler, message in ((by_port[ActionPort.CALENDAR], book), (by_port[ActionPort.CRM], log)):
        if crash:  # the external call happens, then publishing the result fails: the function raises
            publisher.fail_next = [TimeoutError("pubsub unavailable")]
            with pytest.raises(TimeoutError):
                handler.handle(Delivery(message, "1", None))
            handler.handle(Delivery(message, "2", None))  # Pub/Sub's redelivery
        else:
            deliver(handler, message)
    assert [r["Email"] for r in records(salesforce, "Lead")].count(email) == 1
    assert [t["WhoId"] for t in records(salesforce, "Task")].count(lead_id) == 1
    attending = [e for e in events(cal) if email in {a["email"] for a in e.get("attendees", [])}]
    assert len(attending) == 1
    assert len([i for i in invitations(cal) if email in str(i)]) == 1
    booked = {m.result["meeting"]["id"] for m in publisher.of_type(ActionCompleted) if m.action == "book_meeting"}
    assert len(booked) == 1 and next(iter(booked)).endswith(attending[0]["id"])
    assert all(m.ok for m in publisher.of_type(ActionCompleted))
    assert NOW < datetime.fromisoformat(slot["start"]) < NOW + timedelta(days=15)
