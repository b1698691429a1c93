"""`SalesforceCrm` through the real simple-salesforce client against the local fake org: sign-in by
both flows, caller lookup, upserts that never duplicate, call logging, escaping, and failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from callbot.crm import CallActivity, LeadFields
from callbot.crm.salesforce import SalesforceCrm
from callbot.crm.salesforce_auth import SalesforceAuth
from callbot.errors import PermanentError, RetryableError
from devtools.fake_salesforce.server import running_fake_salesforce
from devtools.processes import free_port

pytestmark = pytest.mark.integration

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
USER = {"Id": "0055g00000BotUsAAA", "Name": "Callbot Integration", "Email": "callbot@acme.test",
        "Username": "callbot@acme.test", "Password": "s3cret", "SecurityToken": "TOK"}
REP = {"Id": "0055g00000RepAvaAAA", "Name": "Ava Stone", "Email": "ava@acme.test"}
DANA, PRIYA = "0035g00000DanaAAAA", "00Q5g00000PriyAAAA"
SEED = {
    "users": [USER, REP],
    "Account": [{"Id": "0015g00000AcmeAAAA", "Name": "Acme Logistics", "OwnerId": REP["Id"]}],
    "Contact": [{"Id": DANA, "FirstName": "Dana", "LastName": "Reyes", "Email": "dana@acme-logistics.com",
                 "Phone": "(415) 555-0142", "AccountId": "0015g00000AcmeAAAA", "OwnerId": REP["Id"]}],
    "Lead": [{"Id": PRIYA, "FirstName": "Priya", "LastName": "Shah", "Company": "Northwind",
              "Email": "priya@northwind.test", "Phone": "1 (212) 555-0199", "OwnerId": REP["Id"]}],
    "Event": [
        {"Id": "00U5g00000SoonAAAA", "WhoId": DANA, "OwnerId": REP["Id"], "Subject": "Demo",
         "StartDateTime": SOON.isoformat(), "EndDateTime": (SOON + timedelta(minutes=30)).isoformat()},
        {"Id": "00U5g00000PastAAAA", "WhoId": DANA, "OwnerId": REP["Id"], "Subject": "Intro",
         "StartDateTime": (SOON - timedelta(days=9)).isoformat(),
         "EndDateTime": (SOON - timedelta(days=9, minutes=-30)).isoformat()},
    ],
}


@pytest.fixture
def org() -> Iterator[str]:
    with running_fake_salesforce(SEED) as url:
        yield url


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def password_crm(url: str, password: str = "s3cret") -> SalesforceCrm:
    auth = SalesforceAuth(login_url=url, username=USER["Username"], password=password, security_token="TOK",
                          client_id="callbot-app")
    return SalesforceCrm.from_auth(auth, timezone="America/Los_Angeles")


@pytest.fixture
def crm(org: str) -> SalesforceCrm:
    return password_crm(org)


def records(url: str, name: str) -> list[dict]:
    return requests.get(f"{url}/__admin/records/{name}", timeout=5).json()


def admin(url: str, path: str, body: dict | None = None) -> dict:
    response = requests.post(f"{url}/__admin/{path}", json=body or {}, timeout=5)
    response.raise_for_status()
    return response.json()


def tokens_issued(url: str) -> int:
    return requests.get(f"{url}/__admin/stats", timeout=5).json()["tokens_issued"]


def test_password_flow_finds_a_contact_by_a_differently_formatted_phone(crm):
    caller = crm.find_caller(phone="+1 415-555-0142")
    assert caller is not None
    assert (caller.id, caller.kind, caller.first_name, caller.last_name) == (DANA, "contact", "Dana", "Reyes")
    assert (caller.company, caller.owner, caller.phone) == ("Acme Logistics", "Ava Stone", "+14155550142")
    assert [m.id for m in caller.meetings] == ["00U5g00000SoonAAAA"]  # the past one is not upcoming
    meeting = caller.meetings[0]
    assert (meeting.start, meeting.rep, meeting.status) == (SOON, "Ava Stone", "booked")
    assert meeting.timezone == "America/Los_Angeles" and meeting.end - meeting.start == timedelta(minutes=30)
    assert crm.find_caller(phone="+1 646 555 0000") is None


def test_jwt_bearer_flow(org, private_key_pem):
    auth = SalesforceAuth(login_url=org, username=USER["Username"], client_id="3MVG9-consumer-key",
                          private_key_pem=private_key_pem)
    caller = SalesforceCrm.from_auth(auth).find_caller(phone="415.555.0142")
    assert caller is not None and caller.id == DANA
    stranger = SalesforceAuth(login_url=org, username="nobody@acme.test", client_id="key",
                              private_key_pem=private_key_pem)
    with pytest.raises(PermanentError, match="invalid_grant"):
        SalesforceCrm.from_auth(stranger).find_caller(phone="4155550142")


def test_jwt_bearer_flow_names_the_sandbox_login_server_to_a_sandbox(private_key_pem):
    with running_fake_salesforce(SEED, sandbox=True) as sandbox:
        as_production = SalesforceAuth(login_url=sandbox, username=USER["Username"], client_id="3MVG9-consumer-key",
                                       private_key_pem=private_key_pem)
        with pytest.raises(PermanentError, match="audience is invalid"):
            SalesforceCrm.from_auth(as_production).find_caller(phone="4155550142")
        auth = SalesforceAuth(login_url=sandbox, sandbox=True, username=USER["Username"],
                              client_id="3MVG9-consumer-key", private_key_pem=private_key_pem)
        caller = SalesforceCrm.from_auth(auth).find_caller(phone="415.555.0142")
    assert caller is not None and caller.id == DANA


def test_bad_password_is_permanent(org):
    with pytest.raises(PermanentError, match="authentication failure"):
        password_crm(org, password="wrong").find_caller(phone="4155550142")


def test_the_same_request_twice_creates_one_lead(crm, org):
    fields = LeadFields(first_name="Lee", last_name="Park", role="COO", need="route planning", team_size=40,
                        timeline="this quarter", email="lee@parkfreight.test", phone="(503) 555-0101", consent=True)
    first = crm.upsert_lead(request_id="CA1/r1", fields=fields)
    again = crm.upsert_lead(request_id="CA1/r1", fields=fields)
    assert again.id == first.id and first.id.startswith("00Q") and len(first.id) == 18
    assert first.company == "" and first.phone == "+15035550101" and first.owner == "Callbot Integration"
    leads = [r for r in records(org, "Lead") if r["Id"] == first.id]
    assert len(records(org, "Lead")) == 2 and len(leads) == 1
    stored = leads[0]
    assert (stored["LeadSource"], stored["Company"], stored["Title"], stored["Phone"]) == (
        "Inbound Call", "Unknown", "COO", "+15035550101")
    assert (stored["Callbot_Need__c"], stored["Callbot_Team_Size__c"], stored["Callbot_Timeline__c"],
            stored["Callbot_Consent__c"], stored["Callbot_Request_Id__c"]) == (
        "route planning", 40, "this quarter", True, "CA1/r1")
    nameless = LeadFields(first_name="Kai")  # no phone, no email: only the request id can recognise it
    assert crm.upsert_lead(request_id="CA9/r2", fields=nameless).id == crm.upsert_lead(
        request_id="CA9/r2", fields=nameless).id
    assert len(records(org, "Lead")) == 3


def test_the_same_person_by_email_from_another_phone_is_updated_not_duplicated(crm, org):
    email = "dana+calls@acme-logistics.com"
    first = crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(first_name="Dana", email=email,
                                                                    phone="+13125550111", company="Acme Rail"))
    second = crm.upsert_lead(request_id="CA2/r1", fields=LeadFields(last_name="Cruz", email=email,
                                                                     phone="+13125550222"))
    assert second.id == first.id and second.kind == "lead"
    assert (second.email, second.last_name, second.company) == (email, "Cruz", "Acme Rail")
    stored = next(r for r in records(org, "Lead") if r["Id"] == first.id)
    assert stored["Email"] == email  # the plus address verbatim
    assert (stored["Phone"], stored["MobilePhone"]) == ("+13125550111", "+13125550222")
    assert len(records(org, "Lead")) == 2
    assert crm.find_caller(phone="312-555-0222").id == first.id


def test_a_known_contact_is_updated_and_returned_never_shadowed_by_a_lead(crm, org):
    record = crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(role="Ops lead", phone="4155550142",
                                                                     need="more trucks"))
    assert (record.id, record.kind, record.company) == (DANA, "contact", "Acme Logistics")
    assert len(records(org, "Lead")) == 1
    assert next(r for r in records(org, "Contact") if r["Id"] == DANA)["Title"] == "Ops lead"


def test_a_create_blocked_as_duplicate_updates_the_matching_record(crm, org):
    # Priya's phone is stored as "1 (212) 555-0199", a spelling the lookup does not try; the org's
    # duplicate rule normalises phones and blocks the create with DUPLICATES_DETECTED.
    record = crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(phone="+12125550199", timeline="May"))
    assert record.id == PRIYA and record.company == "Northwind"
    assert len(records(org, "Lead")) == 1
    stored = records(org, "Lead")[0]
    assert (stored["Callbot_Timeline__c"], stored["Callbot_Request_Id__c"]) == ("May", "CA1/r1")


def test_a_quote_in_an_email_or_name_is_escaped(crm, org):
    email = "sean.o'brien@brien.test"
    first = crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(last_name="O'Brien", email=email,
                                                                    phone="+16175550123"))
    second = crm.upsert_lead(request_id="CA2/r'1", fields=LeadFields(email=email, phone="+16175550999"))
    assert second.id == first.id and second.last_name == "O'Brien"
    assert crm.find_caller(phone="+16175550123").last_name == "O'Brien"


def test_an_injection_attempt_stays_a_single_equality(crm, org):
    attempt = "x' OR Name != '"
    record = crm.upsert_lead(request_id=f"CA1/{attempt}", fields=LeadFields(last_name="New",
                                                                           phone="+17185550100"))
    assert record.id not in (DANA, PRIYA) and record.last_name == "New"
    assert crm.upsert_lead(request_id=f"CA1/{attempt}", fields=LeadFields()).id == record.id
    with pytest.raises(PermanentError, match="INVALID_EMAIL_ADDRESS.*Email"):
        crm.upsert_lead(request_id="CA2/r1", fields=LeadFields(email=attempt, phone="+17185550200"))
    assert crm.find_caller(phone=attempt) is None
    assert next(r for r in records(org, "Contact") if r["Id"] == DANA)["LastName"] == "Reyes"
    assert next(r for r in records(org, "Lead") if r["Id"] == PRIYA)["LastName"] == "Shah"


def test_log_call_creates_one_task_per_request(crm, org):
    activity = CallActivity(call_id="CA123", record_id=DANA, started_at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
                            duration_s=312, summary="Wants a demo.", recording_url="https://rec.test/CA123")
    task_id = crm.log_call(request_id="CA123/log", activity=activity)
    assert crm.log_call(request_id="CA123/log", activity=activity) == task_id
    tasks = records(org, "Task")
    assert len(tasks) == 1 and tasks[0]["Id"] == task_id and task_id.startswith("00T")
    task = tasks[0]
    assert (task["TaskSubtype"], task["Type"], task["CallType"], task["Status"]) == (
        "Call", "Call", "Inbound", "Completed")
    assert (task["WhoId"], task["CallDurationInSeconds"], task["CallObject"]) == (DANA, 312, "CA123")
    assert task["ActivityDate"] == "2026-03-01"  # the call's date in the org's timezone (Los Angeles)
    assert "Wants a demo." in task["Description"] and "https://rec.test/CA123" in task["Description"]
    with pytest.raises(PermanentError, match="WhoId"):
        crm.log_call(request_id="CA9/log", activity=activity.model_copy(update={"record_id": "003000000000000AAA"}))


def test_an_expired_session_signs_in_again_once(crm, org):
    assert crm.find_caller(phone="4155550142") is not None
    assert tokens_issued(org) == 1
    admin(org, "expire-sessions")
    assert crm.find_caller(phone="4155550142").id == DANA
    assert tokens_issued(org) == 2
    admin(org, "fail-next", {"errorCode": "INVALID_SESSION_ID", "count": 2})
    with pytest.raises(RetryableError):
        crm.find_caller(phone="4155550142")
    assert tokens_issued(org) == 3  # one re-authentication, not a loop


@pytest.mark.parametrize("failure", [{"status": 503}, {"errorCode": "REQUEST_LIMIT_EXCEEDED"}])
def test_unavailable_and_over_the_limit_are_retryable(crm, org, failure):
    admin(org, "fail-next", failure)
    with pytest.raises(RetryableError):
        crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(last_name="Kim", phone="+19175550100"))
    assert crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(last_name="Kim", phone="+19175550100")).last_name \
        == "Kim"


def test_a_hung_request_times_out_as_retryable_and_only_the_matching_call_is_affected(org):
    auth = SalesforceAuth(login_url=org, username=USER["Username"], password="s3cret", security_token="TOK",
                          client_id="callbot-app", timeout_s=0.5)
    crm = SalesforceCrm.from_auth(auth)
    admin(org, "fail-next", {"delay_s": 1.5, "count": "all", "match": "CA1/"})
    assert crm.upsert_lead(request_id="CA2/r1", fields=LeadFields(last_name="Kim", phone="+19175550102")).id
    with pytest.raises(RetryableError, match="Timeout"):
        crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(last_name="Kim", phone="+19175550100"))
    admin(org, "clear-failures", {"match": "CA1/"})
    assert crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(last_name="Kim", phone="+19175550100")).id
    served = requests.get(f"{org}/__admin/failures", timeout=5).json()["served"]
    assert [(f["status"], "CA1/r1" in f["url"]) for f in served] == [(200, True)]  # answered late, in full


def test_a_validation_error_is_permanent_and_names_the_field(crm):
    with pytest.raises(PermanentError, match=r"STRING_TOO_LONG \[FirstName\]"):
        crm.upsert_lead(request_id="CA1/r1", fields=LeadFields(first_name="A" * 41, phone="+19175550101"))


def test_an_unreachable_org_is_retryable():
    auth = SalesforceAuth(login_url=f"http://127.0.0.1:{free_port()}", username="u", password="p", client_id="app")
    with pytest.raises(RetryableError):
        SalesforceCrm.from_auth(auth).find_caller(phone="4155550142")


def test_a_lead_without_email_is_saved_with_the_phone_and_found_again_by_it(crm, org):
    """A caller who would not give an email: Salesforce needs LastName and Company, not Email."""
    fields = LeadFields(first_name="Dale", last_name="Kowalczyk", company="Desert Line Towing", team_size=8,
                        phone="(602) 555-0173", consent=True)
    saved = crm.upsert_lead(request_id="CA7/r1", fields=fields)
    [stored] = [r for r in records(org, "Lead") if r["Id"] == saved.id]
    assert (stored["LastName"], stored["Company"], stored["Phone"], stored.get("Email")) == (
        "Kowalczyk", "Desert Line Towing", "+16025550173", None)
    assert saved.email == "" and crm.find_caller(phone="+16025550173").id == saved.id
    later = crm.upsert_lead(request_id="CA7/r2", fields=LeadFields(phone="602 555 0173", need="missed calls"))
    assert later.id == saved.id and len(records(org, "Lead")) == 2  # matched on the phone, not duplicated
