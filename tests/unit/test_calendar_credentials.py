"""Which credentials the Google Calendar adapter acts with, per set-up (`calendar_auth`): built
without a token or any network (the application default credentials are replaced)."""

import google.auth
import pytest
from google.auth import credentials as auth_credentials
from google.auth import impersonated_credentials
from google.auth.exceptions import RefreshError
from google.oauth2 import credentials as user_credentials

from callbot.action_functions.adapters import make_calendar
from callbot.action_functions.settings import ActionSettings
from callbot.calendar.google_credentials import SCOPES, LocalCredentials, calendar_clients, calendar_service
from callbot.errors import PermanentError, RetryableError
from devtools.demo_company import calendar_reps

REPS = ["alex@northwind.example", "sam@northwind.example"]
ORGANIZER = "sales@northwind.example"
DELEGATE = "callbot-calendar@callbot-prod.iam.gserviceaccount.com"
TOKEN = '{"type": "authorized_user", "client_id": "id", "client_secret": "secret", "refresh_token": "token"}'


class FunctionAccount(auth_credentials.Credentials):
    """What the metadata server gives a function: its own service account, no key."""

    def refresh(self, request):
        raise AssertionError("no token is asked for while building")


@pytest.fixture
def adc(monkeypatch):
    asked = []

    def default(scopes=None, **_):
        asked.append(scopes)
        return FunctionAccount(), "callbot-prod"

    monkeypatch.setattr(google.auth, "default", default)
    return asked


def _credentials(service):
    return service._http.credentials


def test_a_service_account_acts_as_itself_and_cannot_invite(adc):
    clients = calendar_clients("service_account", users=REPS)
    assert isinstance(_credentials(clients.service), FunctionAccount) and adc == [list(SCOPES)]
    assert clients.acting_as is None and clients.can_invite is False


def test_a_service_account_cannot_hold_an_organizer_calendar(adc):
    with pytest.raises(ValueError, match="CALLBOT_CALENDAR_AUTH"):
        calendar_clients("service_account", users=REPS, organizer=ORGANIZER)


def test_delegation_signs_as_the_delegate_account_with_each_calendar_owner_as_subject(adc):
    clients = calendar_clients("delegation", users=REPS, delegation_account=DELEGATE)
    assert clients.can_invite is True
    alex = _credentials(clients.acting_as(REPS[0]))
    assert isinstance(alex, impersonated_credentials.Credentials)
    assert (alex._subject, alex._target_principal, tuple(alex._target_scopes)) == (REPS[0], DELEGATE, SCOPES)
    assert isinstance(alex._source_credentials, FunctionAccount)
    assert _credentials(clients.acting_as(REPS[1]))._subject == REPS[1]
    assert clients.acting_as(REPS[0]) is clients.acting_as(REPS[0])  # one client per user
    assert _credentials(clients.service)._subject == REPS[0]  # free/busy over every rep: the first rep
    with_organizer = calendar_clients("delegation", users=REPS, organizer=ORGANIZER, delegation_account=DELEGATE)
    assert _credentials(with_organizer.service)._subject == ORGANIZER


def test_delegation_needs_the_delegate_account(adc):
    with pytest.raises(ValueError, match="CALLBOT_CALENDAR_DELEGATION_ACCOUNT"):
        calendar_clients("delegation", users=REPS)


def test_an_organizer_token_refreshes_as_the_organizer(adc):
    clients = calendar_clients("organizer_oauth", users=REPS, organizer=ORGANIZER, organizer_oauth=TOKEN)
    organizer = _credentials(clients.service)
    assert isinstance(organizer, user_credentials.Credentials)
    assert (organizer.refresh_token, organizer.client_id, tuple(organizer.scopes)) == ("token", "id", SCOPES)
    assert clients.acting_as is None and clients.can_invite is True and adc == []


@pytest.mark.parametrize(("organizer", "token", "message"), [
    ("", TOKEN, "CALLBOT_CALENDAR_ORGANIZER_ID"),
    (ORGANIZER, "", "missing: client_id, client_secret, refresh_token"),
    (ORGANIZER, '{"client_id": "id", "client_secret": "s"}', "missing: refresh_token"),
    (ORGANIZER, "not json", "is not JSON"),
])
def test_an_organizer_token_needs_the_organizer_and_a_whole_token(adc, organizer, token, message):
    with pytest.raises(ValueError, match=message):
        calendar_clients("organizer_oauth", users=REPS, organizer=organizer, organizer_oauth=token)


def test_the_local_fake_gets_credentials_naming_who_acts(adc):
    root = "http://127.0.0.1:9/"
    assert _credentials(calendar_clients("service_account", users=REPS, root_url=root).service).user is None
    delegated = calendar_clients("delegation", users=REPS, root_url=root)
    assert _credentials(delegated.acting_as(REPS[1])).token == f"local-user:{REPS[1]}"
    organizer = calendar_clients("organizer_oauth", users=REPS, organizer=ORGANIZER, organizer_oauth=TOKEN,
                                 root_url=root)
    assert _credentials(organizer.service).token == f"local-user:{ORGANIZER}"
    assert adc == []  # no application default credentials are looked for


@pytest.mark.parametrize(("auth", "extra", "can_invite"), [
    ("service_account", {}, False),
    ("delegation", {}, True),
    ("organizer_oauth", {"calendar_organizer_id": ORGANIZER, "calendar_organizer_oauth": TOKEN}, True),
])
def test_make_calendar_builds_the_set_up_the_settings_name(auth, extra, can_invite):
    calendar = make_calendar(ActionSettings(calendar_backend="google", google_calendar_root_url="http://127.0.0.1:9/",
                                            calendar_reps=calendar_reps("google"), calendar_auth=auth, **extra))
    assert calendar._can_invite is can_invite and (calendar._acting_as is not None) == (auth == "delegation")


def test_the_default_set_up_is_a_service_account_as_itself():
    assert ActionSettings().calendar_auth == "service_account"


class Refused(auth_credentials.Credentials):
    def __init__(self, retryable):
        super().__init__()
        self.failure_retryable = retryable

    def refresh(self, request):
        raise RefreshError("unauthorized_client: Client is unauthorized to retrieve access tokens",
                           retryable=self.failure_retryable)


@pytest.mark.parametrize(("retryable", "error"), [(False, PermanentError), (True, RetryableError)])
def test_a_token_google_refuses_is_permanent_and_one_it_fails_to_give_retryable(retryable, error):
    service = calendar_service(Refused(retryable), "http://127.0.0.1:9/")
    with pytest.raises(error, match="Google"):
        service.events().get(calendarId="alex@northwind.example", eventId="abcde").execute()


def test_local_credentials_never_expire():
    credentials = LocalCredentials(user="alex@northwind.example")
    assert credentials.valid and credentials.token == "local-user:alex@northwind.example"
