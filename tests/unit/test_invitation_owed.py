"""A meeting booked without inviting the caller (credentials that cannot invite): the call document
keeps that the invitation is owed, and the confirmation SMS says no invitation was emailed."""

from datetime import UTC, datetime

import pytest

from callbot.calendar import Meeting
from callbot.call_document import AgentOutcome, CallDocument, CallMeeting, CallStatus
from callbot.post_call.records import MemoryCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.sms.memory import MemorySms
from functions.agent_turn.outcome import outcome
from functions.send_confirmation.step import SendConfirmation, confirmation_text

CALL = "CA0123456789abcdef0123456789abcdef"
CALLER, LINE = "+14155550123", "+18885550100"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
OWED = Meeting(id="alex@northwind.example/evt1", start=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
               end=datetime(2026, 12, 1, 15, 30, tzinfo=UTC), timezone="America/New_York", rep="Alex Kim",
               rep_email="alex@northwind.example", attendee_email="dana@acme.example", invitation_owed=True)
INVITED = OWED.model_copy(update={"invitation_owed": False})


def test_the_call_document_keeps_that_the_invitation_is_owed():
    """agent_turn copies the calendar action's answer onto the call; send_confirmation reads it back."""
    document = outcome({"meeting": OWED.model_dump(mode="json")})
    assert document.meeting.invitation_owed is True
    stored = CallDocument.stored(document.stored_form())
    assert stored.meeting.calendar_meeting() == OWED
    older = CallMeeting.model_validate({k: v for k, v in OWED.model_dump(mode="json").items() if k != "invitation_owed"})
    assert older.calendar_meeting().invitation_owed is False  # a meeting recorded before: invited


@pytest.mark.parametrize(("language", "words"), [
    ("en-US", "No calendar invitation was emailed to you"),
    ("fr-FR", "Aucune invitation d'agenda ne vous a été envoyée"),
])
def test_the_confirmation_says_no_invitation_was_emailed_only_when_it_is_owed(language, words):
    assert words in confirmation_text(OWED, language, LINE, "Northwind Voice")
    assert words not in confirmation_text(INVITED, language, LINE, "Northwind Voice")


def test_the_confirmation_sms_of_an_uninvited_meeting_says_so():
    call = CallDocument(from_=CALLER, to=LINE, language="en-US", status=CallStatus.COMPLETED,
                        meeting=CallMeeting.model_validate(OWED.model_dump(mode="json")),
                        agent=AgentOutcome(qualification={"email": "dana@acme.example", "consent": True}))
    sms = MemorySms()
    settings = PostCallSettings(environment="dev", company_name="Northwind Voice", sms_from="", reschedule_number="",
                                sms_enabled=True)
    result = SendConfirmation(MemoryCallRecords({CALL: call.stored_form()}), sms, settings,
                              clock=NOW.timestamp)(CALL, {})
    assert result["sent"] is True
    [sent] = sms.sent
    assert "No calendar invitation was emailed to you: this text is your confirmation." in sent.body
