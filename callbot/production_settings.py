"""What the deployed components are given in production: the Python side Terraform is generated from.

Every deployable has one settings class (`COMPONENTS`: the relay, the call console, and each
function of `FUNCTIONS`, which also says how that function runs). `PRODUCTION_SETTINGS` says which of its `CALLBOT_*`
variables staging and prod set, and where each value comes from:

- `Fixed(value)`: the same value in every environment;
- `"deployment"`: a value only the deployment knows (a Terraform input such as the project, or the
  name of something Terraform declares such as a bucket): `local.deployment_settings` in
  `terraform/topology.tf` holds it, under the variable's name;
- `"secret"`: the Secret Manager secret keyed by the field's name in `terraform/secrets.tf`,
  mounted as the variable.

Everything not listed keeps its typed default. `scripts/generate_topology.py` writes this, the
post-call workflow's variables and the Pub/Sub topology (`callbot/bus/topology.py`) into
`terraform/topology.auto.tfvars.json`; Terraform refuses a plan in which a component asks for a
deployment setting or a secret it does not declare.

The post-call workflow (`WORKFLOW_FILE`) reads the URLs of its step functions from its own
environment, `WORKFLOW_URL_VARIABLES`, plus `WORKFLOW_AUTH_VARIABLE` ("OIDC" in the cloud).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from pydantic_settings import BaseSettings

from callbot.action_functions.settings import ActionSettings
from callbot.post_call import Step
from callbot.post_call.settings import PostCallSettings
from callbot.settings import AgentTurnSettings, RelaySettings
from console.settings import ConsoleSettings


@dataclass(frozen=True)
class Fixed:
    """A setting with the same value in every environment."""

    value: str


DEPLOYMENT: Final = "deployment"
SECRET: Final = "secret"
Provision = Fixed | Literal["deployment", "secret"]


@dataclass(frozen=True)
class Function:
    """A Cloud Function: its settings class and how it runs. A function pushed by Pub/Sub must finish
    within its subscription's ack deadline, or the message is delivered again while it runs; the
    post-call workflow's steps within the workflow's 300 s HTTP timeout."""

    settings: type[BaseSettings]
    max_instances: int
    timeout_s: int
    min_instances: int = 0
    memory: str = "512Mi"


RELAY = "relay"  # the stream relay on Cloud Run
CONSOLE = "console"  # the call console on Cloud Run, behind Identity-Aware Proxy
# every other component is a function of that name

FUNCTIONS: dict[str, Function] = {
    # a caller waits on every turn: one instance is kept warm
    "agent_turn": Function(AgentTurnSettings, min_instances=1, max_instances=50, timeout_s=60),
    "crm_action": Function(ActionSettings, max_instances=20, timeout_s=60),
    "calendar_action": Function(ActionSettings, max_instances=20, timeout_s=60),
    "knowledge_action": Function(ActionSettings, max_instances=20, timeout_s=60),
    "post_call_trigger": Function(PostCallSettings, max_instances=10, timeout_s=60),
    "summarize_call": Function(PostCallSettings, max_instances=20, timeout_s=300),
    "sync_crm": Function(ActionSettings, max_instances=10, timeout_s=300),
    "send_confirmation": Function(PostCallSettings, max_instances=10, timeout_s=120),
    "record_post_call": Function(PostCallSettings, max_instances=10, timeout_s=60),
}

COMPONENTS: dict[str, type[BaseSettings]] = {
    RELAY: RelaySettings,
    CONSOLE: ConsoleSettings,
    **{name: function.settings for name, function in FUNCTIONS.items()},
}

_COMMON: dict[str, Provision] = {
    "CALLBOT_ENVIRONMENT": DEPLOYMENT,
    "CALLBOT_PROJECT_ID": DEPLOYMENT,
    "CALLBOT_COMPANY_NAME": DEPLOYMENT,
    "CALLBOT_COMPANY_TIMEZONE": DEPLOYMENT,
    "CALLBOT_LOG_LEVEL": DEPLOYMENT,
    "CALLBOT_CALL_RETENTION_DAYS": DEPLOYMENT,
}
# each caller turn's trace (callbot/tracing.py): the processes a turn crosses export to Cloud Trace,
# and the console links a turn there
_TRACED: dict[str, Provision] = {"CALLBOT_TRACE_EXPORTER": Fixed("cloud")}
_LLM: dict[str, Provision] = {"CALLBOT_LLM_PROVIDER": Fixed("vertexai"), "CALLBOT_LLM_LOCATION": DEPLOYMENT}
_CALENDAR: dict[str, Provision] = {  # every function that builds the calendar (crm_action and sync_crm too)
    "CALLBOT_CALENDAR_BACKEND": Fixed("google"),
    "CALLBOT_CALENDAR_REPS": DEPLOYMENT,
    # who books, and what that set-up needs (docs/runbook.md, "Set up the calendars")
    "CALLBOT_CALENDAR_AUTH": DEPLOYMENT,
    "CALLBOT_CALENDAR_ORGANIZER_ID": DEPLOYMENT,
    "CALLBOT_CALENDAR_DELEGATION_ACCOUNT": DEPLOYMENT,
    "CALLBOT_CALENDAR_ORGANIZER_OAUTH": SECRET,
}
_CRM: dict[str, Provision] = {
    "CALLBOT_CRM_BACKEND": Fixed("salesforce"),
    **_CALENDAR,
    "CALLBOT_SALESFORCE_LOGIN_URL": DEPLOYMENT,
    "CALLBOT_SALESFORCE_CLIENT_ID": DEPLOYMENT,
    "CALLBOT_SALESFORCE_USERNAME": DEPLOYMENT,
    "CALLBOT_SALESFORCE_PRIVATE_KEY": SECRET,
}
_TWILIO: dict[str, Provision] = {
    "CALLBOT_TWILIO_ACCOUNT_SID": DEPLOYMENT,
    "CALLBOT_TWILIO_AUTH_TOKEN": SECRET,
}

PRODUCTION_SETTINGS: dict[str, dict[str, Provision]] = {
    RELAY: {
        **_COMMON,
        "CALLBOT_PUBLIC_URL": DEPLOYMENT,
        "CALLBOT_STT_ENGINE": Fixed("google"),
        "CALLBOT_TTS_ENGINE": Fixed("google"),
        "CALLBOT_RECORDINGS_URI": DEPLOYMENT,
        "CALLBOT_AUDIO_CACHE_URI": DEPLOYMENT,
        "CALLBOT_TRANSFER_NUMBER": DEPLOYMENT,
        **_TWILIO,
        **_TRACED,
    },
    "agent_turn": {**_COMMON, **_LLM, **_TRACED},
    "crm_action": {**_COMMON, **_CRM, **_TRACED},
    "calendar_action": {**_COMMON, **_CALENDAR, **_TRACED},
    "knowledge_action": {
        **_COMMON,
        **_TRACED,
        "CALLBOT_KNOWLEDGE_BACKEND": Fixed("firestore"),
        "CALLBOT_EMBEDDING_BACKEND": Fixed("vertexai"),
    },
    "sync_crm": {**_COMMON, **_CRM},
    "post_call_trigger": {
        **_COMMON,
        "CALLBOT_WORKFLOW_ENGINE": Fixed("cloud"),
        "CALLBOT_WORKFLOW_ID": DEPLOYMENT,
        "CALLBOT_WORKFLOW_LOCATION": DEPLOYMENT,
    },
    "summarize_call": {**_COMMON, **_LLM},
    "send_confirmation": {
        **_COMMON,
        **_TWILIO,
        "CALLBOT_SMS_FROM": DEPLOYMENT,
        # the invitation emailed when the calendar cannot invite (calendar_auth service_account): the
        # sender's address (empty: none is emailed) and the SendGrid API key (unused text otherwise)
        "CALLBOT_INVITATION_FROM": DEPLOYMENT,
        "CALLBOT_SENDGRID_API_KEY": SECRET,
    },
    "record_post_call": dict(_COMMON),
    CONSOLE: {
        **_COMMON,
        "CALLBOT_RECORDINGS_URI": DEPLOYMENT,
        "CALLBOT_CONSOLE_AUTH": Fixed("iap"),
        "CALLBOT_CONSOLE_IAP_AUDIENCE": DEPLOYMENT,
        "CALLBOT_CONSOLE_ADMINS": DEPLOYMENT,
        "CALLBOT_CONSOLE_REVIEWERS": DEPLOYMENT,
        **_TRACED,
    },
}

WORKFLOW_FILE = Path(__file__).resolve().parent.parent / "workflows" / "post_call.yaml"
WORKFLOW_URL_VARIABLES: dict[Step, str] = {
    Step.SUMMARIZE: "CALLBOT_SUMMARIZE_CALL_URL",
    Step.SYNC_CRM: "CALLBOT_SYNC_CRM_URL",
    Step.SEND_CONFIRMATION: "CALLBOT_SEND_CONFIRMATION_URL",
    Step.RECORD: "CALLBOT_RECORD_POST_CALL_URL",
}
WORKFLOW_AUTH_VARIABLE = "CALLBOT_FUNCTION_AUTH"
WORKFLOW_AUTH = "OIDC"  # every call to a step carries an OIDC token of the workflow's service account


def env_name(field: str) -> str:
    """The environment variable a settings field is read from."""
    return f"CALLBOT_{field.upper()}"


def field_name(variable: str) -> str:
    """The settings field an environment variable sets (the inverse of `env_name`)."""
    if not variable.startswith("CALLBOT_"):
        raise ValueError(f"{variable} is not a CALLBOT_ variable")
    return variable.removeprefix("CALLBOT_").lower()
