"""Which adapter runs behind each port of the action functions, from settings: the one place the
action functions choose them. SDKs are imported only for the backend chosen; the `memory` backends
(dev only) serve the company of the seed file settings name (`callbot.action_functions.memory_seed`)."""

from __future__ import annotations

from callbot.action_functions.settings import ActionSettings
from callbot.calendar import CalendarPort
from callbot.crm import CrmPort
from callbot.knowledge import KnowledgePort


def make_calendar(settings: ActionSettings) -> CalendarPort:
    """The calendar adapter named by `calendar_backend`."""
    match settings.calendar_backend:
        case "memory":
            return _memory_seed(settings).calendar(settings.calendar_clock())
        case "google":
            from callbot.calendar.google_calendar import GoogleCalendar
            from callbot.calendar.google_credentials import calendar_clients

            reps = _reps(settings)  # before the client: a missing setting is said before missing credentials
            clients = calendar_clients(
                settings.calendar_auth, users=[r.email for r in reps], organizer=settings.calendar_organizer_id,
                delegation_account=settings.calendar_delegation_account,
                organizer_oauth=settings.calendar_organizer_oauth.get_secret_value()
                if settings.calendar_auth == "organizer_oauth" else "",
                root_url=settings.google_calendar_root_url, timeout_s=settings.request_timeout_s)
            return GoogleCalendar(clients.service, reps, _rules(settings), assignment=settings.slot_assignment,
                                  owner_email=settings.calendar_owner_email or None, clock=settings.calendar_clock(),
                                  organizer_calendar_id=settings.calendar_organizer_id or None,
                                  acting_as=clients.acting_as, can_invite=clients.can_invite)
        case "salesforce":
            from callbot.calendar.salesforce_events import SalesforceEventsCalendar

            return SalesforceEventsCalendar.from_auth(
                _salesforce_auth(settings), _reps(settings), _rules(settings), assignment=settings.slot_assignment,
                owner_email=settings.calendar_owner_email or None, clock=settings.calendar_clock())
        case other:
            raise ValueError(f"unknown calendar_backend {other!r}")


def make_crm(settings: ActionSettings) -> CrmPort:
    """The CRM adapter named by `crm_backend`."""
    match settings.crm_backend:
        case "memory":
            seed = _memory_seed(settings)
            return seed.crm(seed.calendar(settings.calendar_clock()))
        case "salesforce":
            from callbot.crm.salesforce import SalesforceCrm

            return SalesforceCrm.from_auth(_salesforce_auth(settings), timezone=settings.company_timezone)
        case other:
            raise ValueError(f"unknown crm_backend {other!r}")


def make_knowledge(settings: ActionSettings) -> KnowledgePort:
    """The knowledge base adapter named by `knowledge_backend`."""
    match settings.knowledge_backend:
        case "memory":
            return _memory_seed(settings).knowledge()
        case "firestore":
            from callbot.knowledge.engines import make_embedder
            from callbot.knowledge.firestore_vectors import FirestoreKnowledge

            embedder, default = make_embedder(settings.embedding_backend, ignore=[settings.company_name],
                                              model=settings.embedding_model, project=settings.project_id)
            threshold = settings.knowledge_threshold or default
            if threshold is None:
                raise ValueError("CALLBOT_KNOWLEDGE_THRESHOLD must be set for the vertexai embedder")
            return FirestoreKnowledge.from_project(settings.project_id, embedder,
                                                   collection=settings.knowledge_collection, threshold=threshold,
                                                   mode=settings.retrieval_mode)
        case other:
            raise ValueError(f"unknown knowledge_backend {other!r}")


def _salesforce_auth(settings: ActionSettings):
    from callbot.crm.salesforce_auth import SalesforceAuth

    return SalesforceAuth(
        login_url=settings.salesforce_login_url, sandbox=settings.salesforce_sandbox,
        username=settings.salesforce_username, client_id=settings.salesforce_client_id,
        private_key_pem=settings.salesforce_private_key.get_secret_value(),
        password=settings.salesforce_password.get_secret_value(),
        security_token=settings.salesforce_security_token.get_secret_value(), api_version=settings.salesforce_api_version,
        timeout_s=settings.request_timeout_s)


def _rules(settings: ActionSettings):
    from datetime import timedelta

    from callbot.calendar.slots import SlotRules

    return SlotRules(opens=settings.business_hours_start, closes=settings.business_hours_end,
                     meeting=timedelta(minutes=settings.meeting_minutes),
                     buffer=timedelta(minutes=settings.meeting_buffer_minutes),
                     min_notice=timedelta(minutes=settings.meeting_min_notice_minutes),
                     horizon_days=settings.meeting_horizon_days)


def _reps(settings: ActionSettings):
    """The reps' calendars: a Google calendar id (default: their email) or a Salesforce User Id."""
    from callbot.calendar.slots import Rep

    if not settings.calendar_reps:
        raise ValueError(f"the {settings.calendar_backend} calendar needs CALLBOT_CALENDAR_REPS: the sales reps "
                         "meetings are booked with, a JSON list of {name, email, calendar_id, timezone}")
    return [Rep(name=r.name, email=r.email, calendar_id=r.calendar_id or r.email, timezone=r.timezone)
            for r in settings.calendar_reps]


def _memory_seed(settings: ActionSettings):
    from callbot.action_functions.memory_seed import read_seed

    if not settings.memory_seed:
        raise ValueError("the memory backends serve the company of a seed file: set CALLBOT_MEMORY_SEED (the dev "
                         "stack and the tests set it to the demo company's)")
    return read_seed(settings.memory_seed)
