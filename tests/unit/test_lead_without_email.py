"""A caller who will not give an email is still a lead and books a meeting: on their phone number,
with their confirmed name and consent to texts, confirmed by text and never invited by email."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from callbot.agents.calendar.tools import ACTIONS as CALENDAR_ACTIONS
from callbot.agents.caller.tools import ACTIONS as CRM_ACTIONS
from callbot.agents.state import booking_missing, missing_fields
from callbot.calendar import Attendee, Meeting
from callbot.calendar.memory import MemoryCalendar
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus
from callbot.crm import LeadFields
from callbot.crm.memory import MemoryCrm
from callbot.llm.offline.contact import phone_given, refuses_email, without_email
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.sms.memory import MemorySms
from devtools.conversation import converse
from devtools.simcall import scenario as scenarios
from functions.send_confirmation.invitation import EmailInvitation
from functions.send_confirmation.step import SendConfirmation

CALLER = "+16025550173"
NAMED = {"first_name": "Dale", "last_name": "Kowalczyk", "declined": ["email", "email_confirmed"]}


# --- the state rule ---------------------------------------------------------------------------------

def test_with_an_email_booking_still_needs_it_confirmed():
    assert booking_missing({"first_name": "Dale", "last_name": "Kowalczyk"}, CALLER) == [
        "email", "email_confirmed", "name_confirmed", "consent"]


def test_without_an_email_booking_needs_the_confirmed_name_a_phone_and_consent():
    assert booking_missing(NAMED, CALLER) == ["name_confirmed", "consent"]
    assert booking_missing({**NAMED, "name_confirmed": True, "consent": True}, CALLER) == []
    assert booking_missing({**NAMED, "name_confirmed": True, "consent": True}) == ["phone"]
    assert booking_missing({**NAMED, "name_confirmed": True, "consent": True}, "anonymous") == ["phone"]  # withheld
    assert booking_missing({**NAMED, "name_confirmed": True, "consent": True, "phone": "+14805550192"}) == []


def test_an_email_declined_is_never_missing_again():
    lead = {**NAMED, "company": "Desert Line Towing"}
    assert not {"email", "email_confirmed"} & set(missing_fields(lead))
    assert "name_confirmed" in missing_fields(lead)


# --- the offline engine's reading --------------------------------------------------------------------

@pytest.mark.parametrize("said", ["Nah, I don't do email, I'm on the road all day.", "Still no email though.",
                                  "skip the email, text my cell instead", "I never check email"])
def test_email_refusals_are_heard(said):
    assert refuses_email(said)


@pytest.mark.parametrize("said", ["my email's dale at desertline dot com", "we get no emails from leads back",
                                  "emails and texts are fine"])
def test_an_email_given_or_talked_about_is_no_refusal(said):
    assert not refuses_email(said)


def test_no_email_is_not_a_no_to_texts():
    said = "Still no email though, just text me."
    assert without_email(said, {"consent": False}) == {"consent": True, "declined": ["email", "email_confirmed"]}
    assert without_email("No email.", {"consent": False}) == {"declined": ["email", "email_confirmed"]}


def test_a_number_given_to_be_texted_at():
    assert phone_given("text my cell instead, it's 480 555 0192.") == "+14805550192"
    assert phone_given("the one I'm calling from, we're eight drivers") == ""


def test_a_caller_with_a_withheld_number_is_asked_where_to_be_texted_and_booked_there():
    """Text level, the offline engine: Twilio's From for a withheld number is "anonymous"."""
    said = ["Hi, Rosa Delgado from Delgado Dental, I'd like to book a demo for Wednesday morning.",
            "I don't do email, sorry.", "Yes, that's right.", "Sure, you can text me.",
            "It's 312 555 0148.", "The first one.", "That's all, bye."]
    scenario = scenarios.parse({"caller": {"number": "anonymous"}, "language": "en-US",
                                "steps": [{"say": text} for text in said]})
    conversation = converse(scenario, call_id="CAanonymous")
    state = conversation.state
    bot = " ".join(m.text for m in state["messages"] if m.type == "ai")
    assert "number to text you" in bot and bot.count("email address") == 1  # asked once, before the refusal
    assert state["lead"]["phone"] == "+13125550148" and state["lead"]["consent"] is True
    assert state["meeting"]["status"] == "booked" and state.get("lead_id")


# --- the action arguments the agents build --------------------------------------------------------------

class _Ctx:
    class settings:  # the attributes the argument builders read
        company_name = "Northwind Voice"


def test_booking_args_carry_the_phone_and_no_email():
    state = {"lead": {**NAMED, "email": "old@x.example", "company": "Desert Line Towing"}, "caller_number": CALLER}
    args = CALENDAR_ACTIONS["book_meeting"].build({"slot_id": "s1"}, state, _Ctx())
    assert args["attendee"] == {"name": "Dale Kowalczyk", "email": "", "phone": CALLER}
    given = {**state, "lead": {**state["lead"], "phone": "+14805550192"}}
    assert CALENDAR_ACTIONS["book_meeting"].build({"slot_id": "s1"}, given, _Ctx())["attendee"]["phone"] == \
        "+14805550192"


def test_the_lead_is_saved_with_the_number_given_else_the_callers():
    lead = {**NAMED, "name_confirmed": True, "consent": True}
    assert CRM_ACTIONS["save_lead"].build({}, {"lead": lead, "caller_number": CALLER}, _Ctx())["phone"] == CALLER
    given = {"lead": {**lead, "phone": "+14805550192"}, "caller_number": CALLER}
    assert CRM_ACTIONS["save_lead"].build({}, given, _Ctx())["phone"] == "+14805550192"


# --- the calendar and the CRM ------------------------------------------------------------------------

def test_an_attendee_needs_an_email_or_a_phone():
    assert Attendee(name="Dale", email="", phone=CALLER).email is None
    with pytest.raises(ValidationError):
        Attendee(name="Dale", email="", phone=" ")


def test_the_memory_calendar_books_on_the_phone_and_finds_it_by_phone():
    calendar = MemoryCalendar([("Alex Kim", "alex@northwind.example")],
                              clock=lambda: datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    booked = calendar.book(request_id="CA1/r1", slot_id="2026-12-02T10:00-alex",
                           attendee=Attendee(name="Dale", phone="602 555 0173"), title="x")
    assert booked.attendee_email == "" and not booked.invitation_owed
    assert calendar.meetings_for(phone=CALLER) == [booked]
    assert calendar.meetings_for(email="dale@x.example") == []


def test_the_memory_crm_saves_a_lead_without_email_and_finds_it_by_phone():
    crm = MemoryCrm()
    saved = crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(first_name="Dale", last_name="Kowalczyk",
                                                                   phone=CALLER, consent=True))
    assert saved.email == "" and crm.find_caller(phone="(602) 555-0173").id == saved.id


# --- after the call --------------------------------------------------------------------------------------

def _call(qualification: dict) -> CallDocument:
    meeting = Meeting(id="alex@northwind.example/evt1", start=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
                      end=datetime(2026, 12, 1, 15, 30, tzinfo=UTC), timezone="America/New_York", rep="Alex Kim",
                      rep_email="alex@northwind.example")
    return CallDocument(from_=CALLER, to="+18885550100", language="en-US", status=CallStatus.COMPLETED,
                        meeting=CallMeeting.model_validate(meeting.model_dump(mode="json")),
                        agent=AgentOutcome(qualification=qualification))


@pytest.mark.parametrize(("given", "texted"), [({}, CALLER), ({"phone": "(480) 555-0192"}, "+14805550192")])
def test_the_confirmation_is_texted_and_no_invitation_is_owed(given, texted):
    now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC).timestamp()
    records = MemoryCallRecords({"CA1": _call({**NAMED, "name_confirmed": True, "consent": True, **given})
                                 .stored_form()})
    settings = PostCallSettings(environment="dev", company_name="Northwind Voice", sms_from="", reschedule_number="",
                                sms_enabled=True)
    sms = MemorySms(clock=lambda: datetime.fromtimestamp(now, UTC))
    step = SendConfirmation(records, sms, settings, clock=lambda: now,
                            invitation=EmailInvitation(records, None, settings, lambda: now))
    result = step("CA1", {"call_id": "CA1"})
    assert result["sent"] is True and "invitation" not in result
    [message] = sms.sent
    assert message.to == texted and "Alex Kim" in message.body and "invitation" not in message.body
