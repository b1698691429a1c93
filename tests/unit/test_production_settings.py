"""The production-settings registry (`callbot/production_settings.py`) names real components, real
settings and real entry points, and its functions can run as deployed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from callbot.bus import topology
from callbot.post_call import Step
from callbot.production_settings import (
    COMPONENTS,
    CONSOLE,
    FUNCTIONS,
    PRODUCTION_SETTINGS,
    RELAY,
    SECRET,
    WORKFLOW_FILE,
    WORKFLOW_URL_VARIABLES,
    Fixed,
    env_name,
    field_name,
)

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = ROOT / "functions"
FUNCTION_FOLDERS = sorted(path.parent.name for path in FUNCTIONS_DIR.glob("*/main.py"))

# A plausible production value for every variable the deployment or a secret gives: enough for the
# validators to run.
PRODUCTION_VALUES = {
    "CALLBOT_ENVIRONMENT": "prod",
    "CALLBOT_PROJECT_ID": "callbot-prod",
    "CALLBOT_COMPANY_NAME": "Northwind Voice",
    "CALLBOT_COMPANY_TIMEZONE": "America/New_York",
    "CALLBOT_LOG_LEVEL": "INFO",
    "CALLBOT_CALL_RETENTION_DAYS": "30",
    "CALLBOT_PUBLIC_URL": "https://relay.example.com",
    "CALLBOT_RECORDINGS_URI": "gs://callbot-prod-recordings/calls",
    "CALLBOT_AUDIO_CACHE_URI": "gs://callbot-prod-audio-cache/phrases",
    "CALLBOT_TRANSFER_NUMBER": "+14155550100",
    "CALLBOT_TWILIO_ACCOUNT_SID": "AC11111111111111111111111111111111",
    "CALLBOT_TWILIO_AUTH_TOKEN": "twilio-token",
    "CALLBOT_LLM_LOCATION": "us-central1",
    "CALLBOT_SALESFORCE_LOGIN_URL": "https://login.salesforce.com",
    "CALLBOT_SALESFORCE_CLIENT_ID": "client-id",
    "CALLBOT_SALESFORCE_USERNAME": "callbot@example.com",
    "CALLBOT_SALESFORCE_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
    "CALLBOT_CALENDAR_REPS": '[{"name": "Ana", "email": "ana@example.com"}]',
    "CALLBOT_CALENDAR_AUTH": "delegation",
    "CALLBOT_CALENDAR_ORGANIZER_ID": "",
    "CALLBOT_CALENDAR_DELEGATION_ACCOUNT": "callbot-calendar@callbot-prod.iam.gserviceaccount.com",
    "CALLBOT_CALENDAR_ORGANIZER_OAUTH": "unused",
    "CALLBOT_WORKFLOW_ID": "post-call",
    "CALLBOT_WORKFLOW_LOCATION": "us-central1",
    "CALLBOT_SMS_FROM": "+14155550100",
    "CALLBOT_INVITATION_FROM": "meetings@example.com",
    "CALLBOT_SENDGRID_API_KEY": "SG.sendgrid-key",
    "CALLBOT_CONSOLE_IAP_AUDIENCE": "/projects/123456789/locations/us-central1/services/callbot-console",
    "CALLBOT_CONSOLE_ADMINS": '["ops@example.com"]',
    "CALLBOT_CONSOLE_REVIEWERS": '["@example.com"]',
}


def _settings_module(component: str) -> Path:
    """Where the component builds its settings object."""
    if component == CONSOLE:
        return ROOT / "console/bootstrap.py"
    return ROOT / "stream_relay/app.py" if component == RELAY else FUNCTIONS_DIR / component / "bootstrap.py"


def _instantiated_classes(path: Path) -> set[str]:
    return {node.func.id for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def _entry_point_kind(function: str) -> str | None:
    """`cloud_event` or `http`: how functions/<function>/main.py's entry point is decorated."""
    for node in ast.walk(ast.parse((FUNCTIONS_DIR / function / "main.py").read_text())):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Attribute) and isinstance(decorator.value, ast.Name)
                        and decorator.value.id == "functions_framework"):
                    return decorator.attr
    return None


def _production_value(name: str, provision) -> str:
    return provision.value if isinstance(provision, Fixed) else PRODUCTION_VALUES[name]


def test_the_functions_are_the_function_folders():
    assert sorted(FUNCTIONS) == FUNCTION_FOLDERS


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
        assert (provision == SECRET) == is_secret, f"{component}: {name} is {provision!r}"


def test_common_settings_are_listed_for_every_component():
    common = {"CALLBOT_ENVIRONMENT", "CALLBOT_PROJECT_ID", "CALLBOT_COMPANY_NAME", "CALLBOT_COMPANY_TIMEZONE"}
    for component, settings in PRODUCTION_SETTINGS.items():
        assert common <= set(settings), component


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_the_listed_variables_make_valid_production_settings(component, monkeypatch):
    for name, provision in PRODUCTION_SETTINGS[component].items():
        monkeypatch.setenv(name, _production_value(name, provision))
    settings = COMPONENTS[component]()
    assert settings.environment == "prod"


def test_the_relay_fails_in_production_without_its_secret(monkeypatch):
    for name, provision in PRODUCTION_SETTINGS[RELAY].items():
        if provision != SECRET:
            monkeypatch.setenv(name, _production_value(name, provision))
    monkeypatch.delenv("CALLBOT_TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="CALLBOT_TWILIO_AUTH_TOKEN"):
        COMPONENTS[RELAY]()


def test_env_names_round_trip():
    assert env_name("twilio_auth_token") == "CALLBOT_TWILIO_AUTH_TOKEN"
    assert field_name("CALLBOT_TWILIO_AUTH_TOKEN") == "twilio_auth_token"
    with pytest.raises(ValueError):
        field_name("GOOGLE_CLOUD_PROJECT")


def test_the_workflow_file_exists():
    assert WORKFLOW_FILE.is_file()


def test_every_workflow_step_is_a_function_component():
    assert set(WORKFLOW_URL_VARIABLES) == set(Step)
    for step in WORKFLOW_URL_VARIABLES:
        assert step.value in COMPONENTS


def test_the_workflow_reads_the_step_urls():
    read = set(re.findall(r'sys\.get_env\("(CALLBOT_\w+_URL)"\)', WORKFLOW_FILE.read_text()))
    assert read == set(WORKFLOW_URL_VARIABLES.values())


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_pushed_functions_take_cloud_events_and_the_others_http(function):
    """Pushed by Pub/Sub (a subscription of `callbot/bus/topology.py`) or called by the workflow."""
    pushed = any(push.function == function for push in topology.PUSH_SUBSCRIPTIONS)
    assert _entry_point_kind(function) == ("cloud_event" if pushed else "http")
    assert pushed != (function in {str(step) for step in WORKFLOW_URL_VARIABLES})


@pytest.mark.parametrize("push", topology.PUSH_SUBSCRIPTIONS, ids=lambda push: push.function)
def test_pushed_functions_finish_within_the_ack_deadline(push):
    """Pub/Sub delivers a push again once the ack deadline passes: a function allowed to run longer
    would be invoked twice for one message."""
    assert FUNCTIONS[push.function].timeout_s <= push.ack_deadline_s
