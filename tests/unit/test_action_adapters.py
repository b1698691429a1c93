"""The action functions' adapters are chosen from settings, lazily (no sign-in, no network when built)."""

import pytest

from callbot.actions.adapters import make_calendar, make_crm, make_knowledge
from callbot.actions.settings import ActionSettings


@pytest.mark.parametrize("factory, setting, expected", [
    (make_crm, {"crm_backend": "memory"}, "MemoryCrm"),
    (make_crm, {"crm_backend": "salesforce", "salesforce_username": "u", "salesforce_password": "p"}, "SalesforceCrm"),
    (make_calendar, {"calendar_backend": "memory"}, "MemoryCalendar"),
    (make_calendar, {"calendar_backend": "google", "google_calendar_root_url": "http://127.0.0.1:9/"}, "GoogleCalendar"),
    (make_calendar, {"calendar_backend": "salesforce", "salesforce_username": "u", "salesforce_password": "p"},
     "SalesforceEventsCalendar"),
    (make_knowledge, {"knowledge_backend": "memory"}, "MemoryKnowledge"),
])
def test_each_backend_builds_its_adapter(factory, setting, expected):
    assert type(factory(ActionSettings(**setting))).__name__ == expected


def test_salesforce_calendar_reps_are_user_ids():
    calendar = make_calendar(ActionSettings(calendar_backend="salesforce", salesforce_username="u",
                                            salesforce_password="p"))
    assert all(rep.calendar_id.startswith("005") for rep in calendar._reps)
