"""What the deployed components read in production: the single list Terraform is checked against.

Every deployable has one settings class (`COMPONENTS`), and `PRODUCTION_SETTINGS` says which of its
`CALLBOT_*` variables staging and prod must set, and how: `"env"`, a plain environment variable, or
`"secret"`, a Secret Manager secret mounted as that variable. Everything not listed keeps its typed
default. `terraform/topology.tf` declares the same thing from the other side (`common_env`,
`component_env`, `component_secrets`); `tests/unit/test_terraform_consistency.py` fails when the two
disagree, so a setting added here without its Terraform, a typo in a variable name, or a secret passed
as plain text is found before a deploy rather than by a component that starts on its dev default.

The post-call workflow (`WORKFLOW_FILE`) reads the URLs of its step functions from its own
environment, `WORKFLOW_URL_VARIABLES`, plus `WORKFLOW_AUTH_VARIABLE` ("OIDC" in the cloud).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings

from callbot.actions.settings import ActionSettings
from callbot.post_call import Step
from callbot.post_call.settings import PostCallSettings
from callbot.settings import AgentTurnSettings, RelaySettings

Provision = Literal["env", "secret"]

RELAY = "relay"  # the stream relay on Cloud Run; every other component is a function of that name

COMPONENTS: dict[str, type[BaseSettings]] = {
    RELAY: RelaySettings,
    "agent_turn": AgentTurnSettings,
    "crm_action": ActionSettings,
    "calendar_action": ActionSettings,
    "knowledge_action": ActionSettings,
    "sync_crm": ActionSettings,
    "post_call_trigger": PostCallSettings,
    "summarize_call": PostCallSettings,
    "send_confirmation": PostCallSettings,
    "record_post_call": PostCallSettings,
}

_COMMON: dict[str, Provision] = {
    "CALLBOT_ENVIRONMENT": "env",
    "CALLBOT_PROJECT_ID": "env",
    "CALLBOT_COMPANY_NAME": "env",
    "CALLBOT_COMPANY_TIMEZONE": "env",
}
_LLM: dict[str, Provision] = {"CALLBOT_LLM_PROVIDER": "env", "CALLBOT_LLM_LOCATION": "env"}
_CALENDAR: dict[str, Provision] = {"CALLBOT_CALENDAR_BACKEND": "env", "CALLBOT_CALENDAR_REPS": "env"}
_CRM: dict[str, Provision] = {
    "CALLBOT_CRM_BACKEND": "env",
    **_CALENDAR,
    "CALLBOT_SALESFORCE_LOGIN_URL": "env",
    "CALLBOT_SALESFORCE_CLIENT_ID": "env",
    "CALLBOT_SALESFORCE_USERNAME": "env",
    "CALLBOT_SALESFORCE_PRIVATE_KEY": "secret",
}
_TWILIO: dict[str, Provision] = {"CALLBOT_TWILIO_ACCOUNT_SID": "env", "CALLBOT_TWILIO_AUTH_TOKEN": "secret"}

PRODUCTION_SETTINGS: dict[str, dict[str, Provision]] = {
    RELAY: {
        **_COMMON,
        "CALLBOT_PUBLIC_URL": "env",
        "CALLBOT_STT_ENGINE": "env",
        "CALLBOT_TTS_ENGINE": "env",
        "CALLBOT_RECORDINGS_URI": "env",
        "CALLBOT_AUDIO_CACHE_URI": "env",
        "CALLBOT_TRANSFER_NUMBER": "env",
        **_TWILIO,
    },
    "agent_turn": {**_COMMON, **_LLM},
    "crm_action": {**_COMMON, **_CRM},
    "calendar_action": {**_COMMON, **_CALENDAR},
    "knowledge_action": {**_COMMON, "CALLBOT_KNOWLEDGE_BACKEND": "env", "CALLBOT_EMBEDDING_BACKEND": "env"},
    "sync_crm": {**_COMMON, **_CRM},
    "post_call_trigger": {
        **_COMMON,
        "CALLBOT_WORKFLOW_ENGINE": "env",
        "CALLBOT_WORKFLOW_ID": "env",
        "CALLBOT_WORKFLOW_LOCATION": "env",
    },
    "summarize_call": {**_COMMON, **_LLM},
    "send_confirmation": {**_COMMON, **_TWILIO, "CALLBOT_SMS_FROM": "env"},
    "record_post_call": dict(_COMMON),
}

WORKFLOW_FILE = Path(__file__).resolve().parent.parent / "workflows" / "post_call.yaml"
WORKFLOW_URL_VARIABLES: dict[Step, str] = {
    Step.SUMMARIZE: "CALLBOT_SUMMARIZE_CALL_URL",
    Step.SYNC_CRM: "CALLBOT_SYNC_CRM_URL",
    Step.SEND_CONFIRMATION: "CALLBOT_SEND_CONFIRMATION_URL",
    Step.RECORD: "CALLBOT_RECORD_POST_CALL_URL",
}
WORKFLOW_AUTH_VARIABLE = "CALLBOT_FUNCTION_AUTH"


def env_name(field: str) -> str:
    """The environment variable a settings field is read from."""
    return f"CALLBOT_{field.upper()}"


def field_name(variable: str) -> str:
    """The settings field an environment variable sets (the inverse of `env_name`)."""
    if not variable.startswith("CALLBOT_"):
        raise ValueError(f"{variable} is not a CALLBOT_ variable")
    return variable.removeprefix("CALLBOT_").lower()
