"""The action functions' adapters are chosen from settings, lazily (no sign-in, no network when built);
the memory backends serve the seed file settings name and exist only in dev."""

import pytest
from functions_framework import create_app
from pydantic import ValidationError

from callbot.action_functions.adapters import make_calendar, make_crm, make_knowledge
from callbot.action_functions.settings import ActionSettings
from devtools.demo_company import calendar_reps

SALESFORCE = {"salesforce_client_id": "app", "salesforce_username": "u", "salesforce_password": "p"}


@pytest.mark.parametrize("factory, setting, expected", [
    (make_crm, {"crm_backend": "memory"}, "MemoryCrm"),
    (make_crm, {"crm_backend": "salesforce", **SALESFORCE}, "SalesforceCrm"),
    (make_calendar, {"calendar_backend": "memory"}, "MemoryCalendar"),
    (make_calendar, {"calendar_backend": "google", "google_calendar_root_url": "http://127.0.0.1:9/",
                     "calendar_reps": calendar_reps("google")}, "GoogleCalendar"),
    (make_calendar, {"calendar_backend": "salesforce", "calendar_reps": calendar_reps("salesforce"), **SALESFORCE},
     "SalesforceEventsCalendar"),
    (make_knowledge, {"knowledge_backend": "memory"}, "MemoryKnowledge"),
])
def test_each_backend_builds_its_adapter(factory, setting, expected):
    assert type(factory(ActionSettings(**setting))).__name__ == expected


def test_the_memory_backends_serve_the_seed_company():
    crm = make_crm(ActionSettings(crm_backend="memory"))
    assert crm.find_caller(phone="+14155550199").company == "Blue Harbor Freight"
    assert make_knowledge(ActionSettings(knowledge_backend="memory")).search(
        question="How much does it cost?", language="en-US", k=1)


def test_salesforce_calendar_reps_are_user_ids():
    calendar = make_calendar(ActionSettings(calendar_backend="salesforce", calendar_reps=calendar_reps("salesforce"),
                                            **SALESFORCE))
    assert all(rep.calendar_id.startswith("005") for rep in calendar._reps)


@pytest.mark.parametrize("backend", ["google", "salesforce"])
def test_a_real_calendar_without_reps_is_refused(backend):
    with pytest.raises(ValueError, match="CALLBOT_CALENDAR_REPS"):
        make_calendar(ActionSettings(calendar_backend=backend, **SALESFORCE))


@pytest.mark.parametrize("factory", [make_crm, make_calendar, make_knowledge])
def test_a_memory_backend_without_a_seed_says_which_setting_is_missing(factory, monkeypatch):
    monkeypatch.delenv("CALLBOT_MEMORY_SEED")
    with pytest.raises(ValueError, match="CALLBOT_MEMORY_SEED"):
        factory(ActionSettings())


def test_the_backends_default_to_memory_in_dev_and_to_the_real_ones_elsewhere(monkeypatch):
    dev = ActionSettings()
    assert (dev.crm_backend, dev.calendar_backend, dev.knowledge_backend) == ("memory", "memory", "memory")
    monkeypatch.setenv("CALLBOT_ENVIRONMENT", "staging")
    staging = ActionSettings()
    assert (staging.crm_backend, staging.calendar_backend, staging.knowledge_backend) == (
        "salesforce", "google", "firestore")


@pytest.mark.parametrize("environment", ["staging", "prod"])
@pytest.mark.parametrize("field", ["crm_backend", "calendar_backend", "knowledge_backend"])
def test_a_memory_backend_is_refused_outside_dev(environment, field, monkeypatch):
    monkeypatch.setenv("CALLBOT_ENVIRONMENT", environment)
    monkeypatch.setenv(f"CALLBOT_{field.upper()}", "memory")
    with pytest.raises(ValidationError, match=f"CALLBOT_{field.upper()}=memory is for dev only"):
        ActionSettings()


@pytest.mark.parametrize("function", ["crm_action", "calendar_action", "knowledge_action", "sync_crm"])
def test_a_function_on_a_memory_backend_outside_dev_fails_at_start_up(function, monkeypatch):
    """functions-framework loads the entry point when the instance starts, before any message."""
    monkeypatch.setenv("CALLBOT_ENVIRONMENT", "prod")
    monkeypatch.setenv("CALLBOT_CRM_BACKEND", "memory")
    with pytest.raises(ValidationError, match="is for dev only"):
        create_app(target=function, source=f"functions/{function}/main.py")
