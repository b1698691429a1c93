"""The production-settings registry (`callbot/production_settings.py`) names real components and real settings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from callbot.production_settings import (
    COMPONENTS,
    PRODUCTION_SETTINGS,
    RELAY,
    WORKFLOW_AUTH_VARIABLE,
    WORKFLOW_FILE,
    WORKFLOW_URL_VARIABLES,
    env_name,
    field_name,
)
from callbot.post_call import Step
from devtools import workflows_emulator

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
FUNCTION_FOLDERS = sorted(path.parent.name for path in FUNCTIONS.glob("*/main.py"))

# A plausible production value for every registered variable: enough for the validators to run.
PRODUCTION_VALUES = {
    "CALLBOT_ENVIRONMENT": "prod",
    "CALLBOT_PROJECT_ID": "callbot-prod",
    "CALLBOT_COMPANY_NAME": "Northwind Voice",
    "CALLBOT_COMPANY_TIMEZONE": "America/New_York",
    "CALLBOT_PUBLIC_URL": "https://relay.example.com",
    "CALLBOT_STT_ENGINE": "google",
    "CALLBOT_TTS_ENGINE": "google",
    "CALLBOT_RECORDINGS_URI": "gs://callbot-prod-recordings/calls",
    "CALLBOT_AUDIO_CACHE_URI": "gs://callbot-prod-audio-cache/phrases",
    "CALLBOT_TRANSFER_NUMBER": "+14155550100",
    "CALLBOT_TWILIO_ACCOUNT_SID": "AC11111111111111111111111111111111",
    "CALLBOT_TWILIO_AUTH_TOKEN": "twilio-token",
    "CALLBOT_LLM_PROVIDER": "vertexai",
    "CALLBOT_LLM_LOCATION": "us-central1",
    "CALLBOT_CRM_BACKEND": "salesforce",
    "CALLBOT_CALENDAR_BACKEND": "google",
    "CALLBOT_SALESFORCE_LOGIN_URL": "https://login.salesforce.com",
    "CALLBOT_SALESFORCE_CLIENT_ID": "client-id",
    "CALLBOT_SALESFORCE_USERNAME": "callbot@example.com",
    "CALLBOT_SALESFORCE_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
    "CALLBOT_CALENDAR_REPS": '[{"name": "Ana", "email": "ana@example.com"}]',
    "CALLBOT_KNOWLEDGE_BACKEND": "firestore",
    "CALLBOT_EMBEDDING_BACKEND": "vertexai",
    "CALLBOT_WORKFLOW_ENGINE": "cloud",
    "CALLBOT_WORKFLOW_ID": "post-call",
    "CALLBOT_WORKFLOW_LOCATION": "us-central1",
    "CALLBOT_SMS_FROM": "+14155550100",
}


def _settings_module(component: str) -> Path:
    """Where the component builds its settings object."""
    return ROOT / "stream_relay/app.py" if component == RELAY else FUNCTIONS / component / "bootstrap.py"


def _instantiated_classes(path: Path) -> set[str]:
    return {node.func.id for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def test_every_component_is_the_relay_or_a_function_folder():
    for component in COMPONENTS:
        assert component == RELAY or (FUNCTIONS / component / "main.py").is_file(), component


def test_every_function_folder_is_a_component():
    assert set(FUNCTION_FOLDERS) - set(COMPONENTS) == set()


def test_every_component_has_its_production_settings():
    assert set(PRODUCTION_SETTINGS) == set(COMPONENTS)


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_the_registered_class_is_the_one_the_component_builds(component):
    settings_class = COMPONENTS[component]
    assert settings_class.model_config["env_prefix"] == "CALLBOT_"
    assert settings_class.__name__ in _instantiated_classes(_settings_module(component))


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_every_listed_variable_is_a_field_of_the_component(component):
    fields = COMPONENTS[component].model_fields
    unknown = sorted(name for name in PRODUCTION_SETTINGS[component] if field_name(name) not in fields)
    assert unknown == [], f"{component} ({COMPONENTS[component].__name__}) has no such settings"


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_secret_exactly_for_secret_fields(component):
    fields = COMPONENTS[component].model_fields
    for name, provision in PRODUCTION_SETTINGS[component].items():
        is_secret = fields[field_name(name)].annotation is SecretStr
        assert (provision == "secret") == is_secret, f"{component}: {name} is {provision!r}"


def test_common_settings_are_listed_for_every_component():
    common = {"CALLBOT_ENVIRONMENT", "CALLBOT_PROJECT_ID", "CALLBOT_COMPANY_NAME", "CALLBOT_COMPANY_TIMEZONE"}
    for component, settings in PRODUCTION_SETTINGS.items():
        assert common <= set(settings), component


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_the_listed_variables_make_valid_production_settings(component, monkeypatch):
    for name in PRODUCTION_SETTINGS[component]:
        monkeypatch.setenv(name, PRODUCTION_VALUES[name])
    settings = COMPONENTS[component]()
    assert settings.environment == "prod"


def test_the_relay_fails_in_production_without_its_secret(monkeypatch):
    for name in PRODUCTION_SETTINGS[RELAY]:
        if PRODUCTION_SETTINGS[RELAY][name] == "env":
            monkeypatch.setenv(name, PRODUCTION_VALUES[name])
    monkeypatch.delenv("CALLBOT_TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="CALLBOT_TWILIO_AUTH_TOKEN"):
        COMPONENTS[RELAY]()


def test_env_names_round_trip():
    assert env_name("twilio_auth_token") == "CALLBOT_TWILIO_AUTH_TOKEN"
    assert field_name("CALLBOT_TWILIO_AUTH_TOKEN") == "twilio_auth_token"
    with pytest.raises(ValueError):
        field_name("GOOGLE_CLOUD_PROJECT")


def test_workflow_variables_match_the_local_emulator():
    assert WORKFLOW_FILE == workflows_emulator.WORKFLOW_FILE
    assert WORKFLOW_FILE.is_file()
    assert WORKFLOW_URL_VARIABLES == workflows_emulator.URL_VARIABLES
    assert WORKFLOW_AUTH_VARIABLE == workflows_emulator.AUTH_VARIABLE


def test_every_workflow_step_is_a_function_component():
    assert set(WORKFLOW_URL_VARIABLES) == set(Step)
    for step in WORKFLOW_URL_VARIABLES:
        assert step.value in COMPONENTS
