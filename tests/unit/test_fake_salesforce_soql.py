"""The fake Salesforce's SOQL subset filters for real, and parses string literals as Salesforce does:
an escaped quote is data, an unescaped one breaks the query (or, worse, rewrites it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from simple_salesforce import format_soql

from devtools.fake_salesforce.app import create_app
from devtools.fake_salesforce.query import run
from devtools.fake_salesforce.schema import ApiError
from devtools.fake_salesforce.store import DEFAULT_USER, Store

REP = {"Id": "0055g00000RepAvaAAA", "Name": "Ava Stone", "Email": "ava@acme.test", "Username": "ava@acme.test"}
SEED = {
    "users": [DEFAULT_USER, REP],
    "Account": [{"Id": "0015g00000AcmeAAAA", "Name": "Acme Logistics"}],
    "Contact": [{"Id": "0035g00000DanaAAAA", "FirstName": "Dana", "LastName": "Reyes", "Email": "dana@acme.test",
                 "Phone": "(415) 555-0142", "AccountId": "0015g00000AcmeAAAA", "OwnerId": REP["Id"]}],
    "Lead": [
        {"Id": "00Q5g00000SeanAAAA", "FirstName": "Sean", "LastName": "O'Brien", "Company": "Brien & Co",
         "Email": "sean@brien.test", "Phone": "+14155550100"},
        {"Id": "00Q5g00000PriyAAAA", "FirstName": "Priya", "LastName": "Shah", "Company": "Northwind",
         "Email": "priya@northwind.test", "Phone": "+12125550199", "OwnerId": REP["Id"]},
        {"Id": "00Q5g00000OldLAAAA", "LastName": "Converted", "Company": "Old", "IsConverted": True},
    ],
    "Event": [
        {"Id": "00U5g00000SoonAAAA", "WhoId": "0035g00000DanaAAAA", "StartDateTime": "2026-03-02T15:00:00Z",
         "EndDateTime": "2026-03-02T15:30:00Z", "OwnerId": REP["Id"]},
        {"Id": "00U5g00000PastAAAA", "WhoId": "0035g00000DanaAAAA", "StartDateTime": "2025-12-01T15:00:00Z",
         "EndDateTime": "2025-12-01T15:30:00Z", "OwnerId": REP["Id"]},
    ],
}


@pytest.fixture
def store() -> Store:
    return Store(SEED)


def ids(store: Store, soql: str) -> list[str]:
    return [r["Id"] for r in run(soql, store, "62.0")["records"]]


def error_code(store: Store, soql: str) -> str:
    with pytest.raises(ApiError) as caught:
        run(soql, store, "62.0")
    return str(caught.value.body[0]["errorCode"])


def test_and_with_a_parenthesised_or_and_in(store):
    soql = ("SELECT Id FROM Lead WHERE IsConverted = false AND (Email = 'nobody@x.test' "
            "OR Phone IN ('+12125550199', '+19999999999')) ORDER BY LastName")
    assert ids(store, soql) == ["00Q5g00000PriyAAAA"]


def test_not_in_not_and_null(store):
    assert ids(store, "SELECT Id FROM Lead WHERE LastName NOT IN ('Shah', 'Converted')") == ["00Q5g00000SeanAAAA"]
    assert ids(store, "SELECT Id FROM Lead WHERE NOT (Email = null) AND IsConverted = false ORDER BY Email") == [
        "00Q5g00000PriyAAAA", "00Q5g00000SeanAAAA"]
    assert ids(store, "SELECT Id FROM Lead WHERE Email = null") == ["00Q5g00000OldLAAAA"]


def test_datetime_comparison_order_and_limit(store):
    after = "SELECT Id FROM Event WHERE WhoId = '0035g00000DanaAAAA' AND StartDateTime >= {} ORDER BY StartDateTime"
    assert ids(store, after.format("2026-01-01T00:00:00Z")) == ["00U5g00000SoonAAAA"]
    assert ids(store, after.format("2026-01-01T00:00:00+00:00")) == ["00U5g00000SoonAAAA"]
    assert ids(store, after.format("2025-01-01T00:00:00Z")) == ["00U5g00000PastAAAA", "00U5g00000SoonAAAA"]
    assert ids(store, "SELECT Id FROM Event ORDER BY StartDateTime DESC LIMIT 1") == ["00U5g00000SoonAAAA"]


def test_text_compares_case_insensitively_and_like(store):
    assert ids(store, "SELECT Id FROM Contact WHERE Email = 'DANA@ACME.TEST'") == ["0035g00000DanaAAAA"]
    assert ids(store, "SELECT Id FROM Lead WHERE Company LIKE 'north%'") == ["00Q5g00000PriyAAAA"]
    assert ids(store, "SELECT Id FROM Lead WHERE Company LIKE 'north'") == []


def test_relationship_fields_are_resolved_and_nested(store):
    record = run("SELECT Id, Name, Account.Name, Owner.Name FROM Contact WHERE Account.Name = 'Acme Logistics'",
                 store, "62.0")["records"][0]
    assert record["attributes"] == {"type": "Contact", "url": "/services/data/v62.0/sobjects/Contact/0035g00000DanaAAAA"}
    assert record["Name"] == "Dana Reyes"
    assert record["Account"]["Name"] == "Acme Logistics" and record["Account"]["attributes"]["type"] == "Account"
    assert record["Owner"]["Name"] == "Ava Stone"
    store.create("Contact", {"LastName": "Loner"}, DEFAULT_USER["Id"])
    loner = run("SELECT Account.Name FROM Contact WHERE LastName = 'Loner'", store, "62.0")["records"][0]
    assert loner["Account"] is None  # an empty lookup answers null, as Salesforce does


def test_unknown_fields_and_relationships_are_rejected(store):
    assert error_code(store, "SELECT Id, Nickname FROM Lead") == "INVALID_FIELD"
    assert error_code(store, "SELECT Account.Name FROM Lead") == "INVALID_FIELD"
    assert error_code(store, "SELECT Id FROM Opportunity") == "INVALID_TYPE"


def test_escaped_quote_is_part_of_the_value(store):
    assert ids(store, "SELECT Id FROM Lead WHERE LastName = 'O\\'Brien'") == ["00Q5g00000SeanAAAA"]
    assert ids(store, format_soql("SELECT Id FROM Lead WHERE LastName = {}", "O'Brien")) == ["00Q5g00000SeanAAAA"]
    assert ids(store, "SELECT Id FROM Lead WHERE Company = 'Brien & Co' AND LastName = 'O\\'Brien'") == [
        "00Q5g00000SeanAAAA"]


def test_unescaped_quote_is_a_malformed_query(store):
    assert error_code(store, "SELECT Id FROM Lead WHERE LastName = 'O'Brien'") == "MALFORMED_QUERY"
    assert error_code(store, "SELECT Id FROM Lead WHERE LastName = 'unterminated") == "MALFORMED_QUERY"


def test_illegal_escape_and_mixed_and_or_are_malformed(store):
    assert error_code(store, "SELECT Id FROM Lead WHERE LastName = 'a\\qb'") == "MALFORMED_QUERY"
    assert error_code(store, "SELECT Id FROM Lead WHERE LastName = 'a' AND Email = 'b' OR Phone = 'c'") == (
        "MALFORMED_QUERY")
    assert error_code(store, "SELECT Id FROM Lead WHERE") == "MALFORMED_QUERY"


def test_backslashes_round_trip_through_format_soql(store):
    store.create("Lead", {"LastName": "Back\\slash", "Company": "C"}, DEFAULT_USER["Id"])
    assert len(ids(store, format_soql("SELECT Id FROM Lead WHERE LastName = {}", "Back\\slash"))) == 1


def test_injection_stays_a_single_equality_only_when_escaped(store):
    attempt = "x' OR Name != '"
    raw = f"SELECT Id FROM Lead WHERE Email = '{attempt}'"
    assert len(ids(store, raw)) == 3  # what an unescaped value would do: every lead
    assert ids(store, format_soql("SELECT Id FROM Lead WHERE Email = {}", attempt)) == []


def test_http_query_shape_and_malformed_status():
    client = TestClient(create_app(SEED))
    token = client.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": "callbot", "username": DEFAULT_USER["Username"],
        "password": DEFAULT_USER["Password"] + DEFAULT_USER["SecurityToken"]}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ok = client.get("/services/data/v62.0/query/", headers=headers,
                    params={"q": "SELECT Id FROM Contact WHERE Phone = '(415) 555-0142'"})
    assert ok.status_code == 200
    assert ok.json()["totalSize"] == 1 and ok.json()["done"] is True
    bad = client.get("/services/data/v62.0/query/", headers=headers,
                     params={"q": "SELECT Id FROM Lead WHERE LastName = 'O'Brien'"})
    assert bad.status_code == 400
    assert bad.json()[0]["errorCode"] == "MALFORMED_QUERY" and "message" in bad.json()[0]
    assert client.get("/services/data/v62.0/query/", params={"q": "SELECT Id FROM Lead"}).status_code == 401
