"""Who the Google Calendar adapter acts as, and with which credentials: the adapter's factory, and
the one module that imports `google.auth` for the calendar.

`calendar_auth`, a setting per deployment, names one of three set-ups:

- `delegation`: a service account with domain-wide delegation in the reps' Google Workspace acts as
  a user of the domain: as the owner of the calendar a request reads or writes (the rep, or the
  organizer whose calendar holds every meeting), and as the organizer (else the first rep) for the
  free/busy query over every rep. The functions hold no key: their own credentials have the IAM
  Credentials API sign the delegation JWT of `delegation_account` (`impersonated_credentials` with a
  `subject`), so that account's client id is the one a Workspace admin authorizes for `SCOPES`, and
  each calendar function's service account needs Service Account Token Creator on it.
- `organizer_oauth`: one organizer user's OAuth refresh token (an authorized-user JSON, mounted from
  Secret Manager) acts for every request; every meeting is in the organizer's calendar, which
  invites the rep.
- `service_account`: the function's own service account as itself (the reps' calendars shared with
  it). Google refuses it attendees (403 `forbiddenForServiceAccounts`), so the adapter books on the
  rep's calendar without attendees and the meeting says the invitation is owed.

Against the local fake Calendar (`root_url`) the same choice of who acts is made, with
`LocalCredentials`, whose bearer token names that principal (the local fake reads it).

A token that cannot be had raises, from the request that needed it, `PermanentError` when Google
refuses it (a delegation not authorized for these scopes, a revoked refresh token) and
`RetryableError` when the token endpoint fails or cannot be reached.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

import google.auth
import google_auth_httplib2
import httplib2
from google.auth import credentials as auth_credentials
from google.auth import impersonated_credentials
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import credentials as user_credentials
from googleapiclient.discovery import build

from callbot.errors import PermanentError, RetryableError

# events.insert/get/list/patch/delete/move and freebusy.query accept these (the discovery document)
SCOPES = ("https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.freebusy")
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"  # what signs the delegation JWT
SERVICE_PATH = "calendar/v3/"
CalendarAuth = Literal["service_account", "delegation", "organizer_oauth"]


class CalendarClients(NamedTuple):
    """What `GoogleCalendar` runs with: `service` for requests over several calendars, `acting_as(email)`
    the client acting as that user (None: `service` for every request), and whether these
    credentials may invite attendees."""

    service: Any
    acting_as: Callable[[str], Any] | None
    can_invite: bool


def calendar_clients(auth: CalendarAuth, *, users: Sequence[str], organizer: str = "", delegation_account: str = "",
                     organizer_oauth: str = "", root_url: str = "", timeout_s: float = 15.0) -> CalendarClients:
    """The clients of the set-up `auth` names; `users` are the reps' emails, `organizer` the email of
    the organizer whose calendar holds every meeting (empty: each rep's own calendar), `root_url`
    the local fake's. Raises `ValueError` when a setting the set-up needs is missing."""
    def client(credentials: Any) -> Any:
        return calendar_service(credentials, root_url, timeout_s)

    match auth:
        case "service_account":
            if organizer:
                raise ValueError("an organizer calendar invites the rep, which a service account without domain-wide "
                                 "delegation cannot do: set CALLBOT_CALENDAR_AUTH to delegation or organizer_oauth, "
                                 "or leave CALLBOT_CALENDAR_ORGANIZER_ID empty")
            credentials = LocalCredentials() if root_url else google.auth.default(scopes=list(SCOPES))[0]
            return CalendarClients(client(credentials), None, can_invite=False)
        case "delegation":
            if not (delegation_account or root_url):
                raise ValueError("delegation needs CALLBOT_CALENDAR_DELEGATION_ACCOUNT: the service account whose "
                                 "client id the Workspace admin authorized")
            source = None if root_url else google.auth.default(scopes=[CLOUD_PLATFORM])[0]

            @functools.cache
            def acting_as(email: str) -> Any:
                if root_url:
                    return client(LocalCredentials(user=email))
                return client(impersonated_credentials.Credentials(
                    source_credentials=source, target_principal=delegation_account, target_scopes=list(SCOPES),
                    subject=email))

            return CalendarClients(acting_as(organizer or users[0]), acting_as, can_invite=True)
        case "organizer_oauth":
            if not organizer:
                raise ValueError("organizer_oauth needs CALLBOT_CALENDAR_ORGANIZER_ID: the email of the organizer "
                                 "whose refresh token it is, whose calendar holds every meeting")
            info = authorized_user(organizer_oauth)
            credentials = LocalCredentials(user=organizer) if root_url else \
                user_credentials.Credentials.from_authorized_user_info(info, scopes=list(SCOPES))
            return CalendarClients(client(credentials), None, can_invite=True)
        case other:
            raise ValueError(f"unknown calendar_auth {other!r}")


def authorized_user(text: str) -> dict[str, str]:
    """The organizer's authorized-user JSON (what `gcloud auth application-default login` writes),
    checked for what a refresh needs."""
    needed = ("client_id", "client_secret", "refresh_token")
    try:
        info = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"CALLBOT_CALENDAR_ORGANIZER_OAUTH is not JSON (line {exc.lineno})") from None
    missing = [key for key in needed if not (isinstance(info, dict) and info.get(key))]
    if missing:
        raise ValueError(f"CALLBOT_CALENDAR_ORGANIZER_OAUTH needs the organizer's authorized-user JSON; "
                         f"missing: {', '.join(missing)}")
    return info


def calendar_service(credentials: Any, root_url: str = "", timeout_s: float = 15.0) -> Any:
    """A `calendar v3` client built from the discovery document shipped with the library (never
    fetched), pointed at `root_url` ("http://127.0.0.1:N/", the local fake) when given."""
    options = {"api_endpoint": root_url.rstrip("/") + "/" + SERVICE_PATH} if root_url else None
    http = _AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout_s))
    return build("calendar", "v3", http=http, static_discovery=True, cache_discovery=False, client_options=options)


class LocalCredentials(auth_credentials.Credentials):
    """For the local fake only: no token endpoint, nothing signed; the bearer token names who acts,
    `local-user:<email>` for a user (delegation, an organizer's token), `local-service-account` for
    a service account as itself."""

    def __init__(self, user: str | None = None) -> None:
        super().__init__()
        self.user = user
        self.token = f"local-user:{user}" if user else "local-service-account"

    def refresh(self, request: Any) -> None:
        """Nothing to refresh: the token never expires."""


class _AuthorizedHttp(google_auth_httplib2.AuthorizedHttp):
    """Failing to get a token is the project's error, like the request's own failures."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().request(*args, **kwargs)
        except RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise RetryableError(f"Google's token endpoint failed: {exc}") from exc
            raise PermanentError(f"Google refused the calendar credentials: {exc}") from exc
        except TransportError as exc:
            raise RetryableError(f"Google's token endpoint unreachable: {exc}") from exc
