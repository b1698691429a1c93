"""The Salesforce `CrmPort`: callers are Leads (not converted) or Contacts, calls are Tasks, meetings
are Events, all through `simple-salesforce` and the REST API.

Idempotency and duplicates, as the in-memory adapter's contract asks:
- `upsert_lead` stamps the Lead with `Callbot_Request_Id__c` (an external id), so a redelivered
  request finds what it did and returns it; it matches an existing Contact or open Lead on phone
  or email before creating (a Contact is updated and returned, never shadowed by a Lead), and a
  create blocked by a duplicate rule (`DUPLICATES_DETECTED`) updates the record the rule names.
- `log_call` creates one Task per request id, found again by `Callbot_Request_Id__c`.

Phones are written in E.164; a stored phone may be in any format a person typed, so lookups compare
against the usual national and international spellings of the number. Every value in a query goes
through `format_soql`. Failures are classified by `salesforce_errors.classify`; an expired session
is renewed once and the whole operation retried (safe, because every operation is idempotent).

Custom fields the org needs: Lead.Callbot_Need__c (long text), Callbot_Team_Size__c (number),
Callbot_Timeline__c (text 255), Callbot_Consent__c (checkbox), Callbot_Request_Id__c (text 255,
unique external id), and Task.Callbot_Request_Id__c (text 255, unique external id).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import phonenumbers
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from callbot.calendar import Meeting
from callbot.crm import CallActivity, CallerRecord, LeadFields
from callbot.crm.memory import DEFAULT_REGION, e164
from callbot.crm.salesforce_auth import SalesforceAuth, connect
from callbot.crm.salesforce_errors import duplicate_ids
from callbot.crm.salesforce_session import SalesforceSession

log = logging.getLogger(__name__)
T = TypeVar("T")
LEAD_SOURCE = "Inbound Call"
PLACEHOLDER = "Unknown"  # Lead.LastName and Lead.Company are required; this stands in until known
REQUEST_ID = "Callbot_Request_Id__c"
LEAD_EXTRAS = {"need": "Callbot_Need__c", "team_size": "Callbot_Team_Size__c",
               "timeline": "Callbot_Timeline__c", "consent": "Callbot_Consent__c"}
PERSON = {"first_name": "FirstName", "last_name": "LastName", "role": "Title", "email": "Email"}
SELECT = {"Lead": "Id, FirstName, LastName, Company, Email, Phone, MobilePhone, Owner.Name",
          "Contact": "Id, FirstName, LastName, Account.Name, Email, Phone, MobilePhone, Owner.Name"}
OPEN_ONLY = {"Lead": "IsConverted = false AND ", "Contact": ""}
MAX_MEETINGS = 10


class SalesforceCrm:
    """`CrmPort` on one org. `connect` returns a signed-in client; it is called lazily, and again
    when the session expires. `timezone` is the IANA zone meetings are spoken in."""

    def __init__(self, connect: Callable[[], Salesforce], *, timezone: str = "America/New_York",
                 region: str = DEFAULT_REGION, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._session = SalesforceSession(connect)
        self._timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._region = region
        self._clock = clock

    @classmethod
    def from_auth(cls, auth: SalesforceAuth, **kwargs: Any) -> SalesforceCrm:
        return cls(functools.partial(connect, auth), **kwargs)

    def find_caller(self, *, phone: str) -> CallerRecord | None:
        wanted = e164(phone, self._region)
        if not wanted:
            return None
        return self._call(lambda sf: self._find(sf, wanted, ""))

    def upsert_lead(self, *, request_id: str, fields: LeadFields) -> CallerRecord:
        return self._call(lambda sf: self._upsert(sf, request_id, fields))

    def log_call(self, *, request_id: str, activity: CallActivity) -> str:
        return self._call(lambda sf: self._log(sf, request_id, activity))

    def _upsert(self, sf: Salesforce, request_id: str, fields: LeadFields) -> CallerRecord:
        done = self._rows(sf, "Lead", f"{REQUEST_ID} = {{request_id}}", request_id=request_id)
        if done:  # a redelivered request: what it did already stands
            return self._caller(sf, "Lead", done[0])
        phone, email = e164(fields.phone or "", self._region), (fields.email or "").strip()
        found = self._find(sf, phone, email) if phone or email else None
        if found is not None:
            return self._update(sf, found.kind.capitalize(), found.id, request_id, fields, phone)
        values = {"LeadSource": LEAD_SOURCE, "LastName": PLACEHOLDER, "Company": PLACEHOLDER,
                  **self._values("Lead", fields, phone, {}), REQUEST_ID: request_id}
        try:
            lead_id = sf.Lead.create(values)["id"]
        except SalesforceMalformedRequest as exc:
            duplicates = duplicate_ids(exc)
            if not duplicates:
                raise
            kind, record_id = next((d for d in duplicates if d[0] == "Contact"), duplicates[0])
            log.info("lead blocked by a duplicate rule; updating the match", extra={"record_id": record_id})
            return self._update(sf, kind, record_id, request_id, fields, phone)
        return self._caller(sf, "Lead", self._rows(sf, "Lead", "Id = {id}", id=lead_id)[0])

    def _update(self, sf: Salesforce, kind: str, record_id: str, request_id: str, fields: LeadFields,
                phone: str) -> CallerRecord:
        row = self._rows(sf, kind, "Id = {id}", id=record_id)[0]
        values = self._values(kind, fields, phone, row)
        if kind == "Lead":
            values[REQUEST_ID] = request_id
        if values:
            getattr(sf, kind).update(record_id, values)
        return self._caller(sf, kind, self._rows(sf, kind, "Id = {id}", id=record_id)[0])

    def _values(self, kind: str, fields: LeadFields, phone: str, row: dict[str, Any]) -> dict[str, Any]:
        """The Salesforce fields to write: what the caller told us, and the phone in a free slot."""
        given = fields.model_dump(exclude_none=True)
        values = {PERSON[k]: (v.strip() if isinstance(v, str) else v) for k, v in given.items() if k in PERSON}
        if kind == "Lead":
            values.update({LEAD_EXTRAS[k]: v for k, v in given.items() if k in LEAD_EXTRAS})
            if fields.company:
                values["Company"] = fields.company
        known = {e164(row.get(f) or "", self._region) for f in ("Phone", "MobilePhone")}
        if phone and phone not in known:
            values["MobilePhone" if row.get("Phone") else "Phone"] = phone
        return values

    def _log(self, sf: Salesforce, request_id: str, activity: CallActivity) -> str:
        done = self._rows(sf, "Task", f"{REQUEST_ID} = {{request_id}}", select="Id", request_id=request_id)
        if done:
            return done[0]["Id"]
        description = "\n\n".join(p for p in (activity.summary, activity.recording_url and
                                               f"Recording: {activity.recording_url}") if p)
        started = activity.started_at if activity.started_at.tzinfo else activity.started_at.replace(tzinfo=UTC)
        return sf.Task.create({
            "Subject": activity.subject, "TaskSubtype": "Call", "Type": "Call", "CallType": "Inbound",
            "CallDurationInSeconds": activity.duration_s, "CallObject": activity.call_id,
            "Description": description, "WhoId": activity.record_id, "Status": "Completed",
            "ActivityDate": started.astimezone(self._zone).date().isoformat(), REQUEST_ID: request_id,
        })["id"]

    def _find(self, sf: Salesforce, phone: str, email: str) -> CallerRecord | None:
        """The Contact, else the open Lead, with this phone (any common spelling) or email."""
        variants = phone_variants(phone, self._region)
        matches = (["Phone IN {phones}", "MobilePhone IN {phones}"] if variants else []) + (
            ["Email = {email}"] if email else [])
        for kind in ("Contact", "Lead"):
            where = OPEN_ONLY[kind] + "(" + " OR ".join(matches) + ")"
            rows = self._rows(sf, kind, where, order="LastModifiedDate DESC", limit=1, phones=variants, email=email)
            if rows:
                return self._caller(sf, kind, rows[0])
        return None

    def _rows(self, sf: Salesforce, kind: str, where: str, *, select: str = "", order: str = "",
              limit: int = 0, **values: Any) -> list[dict[str, Any]]:
        """`SELECT ... FROM kind WHERE where`, every `{name}` in `where` filled by `format_soql`."""
        soql = f"SELECT {select or SELECT[kind]} FROM {kind} WHERE {where}"
        soql += (f" ORDER BY {order}" if order else "") + (f" LIMIT {limit}" if limit else "")
        return list(sf.query(format_soql(soql, **values))["records"])

    def _caller(self, sf: Salesforce, kind: str, row: dict[str, Any]) -> CallerRecord:
        company = row.get("Company") if kind == "Lead" else (row.get("Account") or {}).get("Name")
        events = self._rows(sf, "Event", "WhoId = {id} AND StartDateTime >= {now}", order="StartDateTime ASC",
                            select="Id, StartDateTime, EndDateTime, Owner.Name, Owner.Email",
                            limit=MAX_MEETINGS, id=row["Id"], now=self._clock())
        meetings = [Meeting(id=e["Id"], start=_instant(e["StartDateTime"]), end=_instant(e["EndDateTime"]),
                            timezone=self._timezone, rep=(e.get("Owner") or {}).get("Name") or "",
                            rep_email=(e.get("Owner") or {}).get("Email") or "",
                            attendee_email=row.get("Email") or "", status="booked") for e in events]
        return CallerRecord(
            id=row["Id"], kind=kind.lower(), first_name=row.get("FirstName") or "",
            last_name=_known(row.get("LastName")), company=_known(company), email=row.get("Email") or "",
            phone=e164(row.get("Phone") or row.get("MobilePhone") or "", self._region),
            owner=(row.get("Owner") or {}).get("Name") or "", meetings=meetings)

    def _call(self, work: Callable[[Salesforce], T]) -> T:
        return self._session.run(work)


def phone_variants(phone: str, region: str = DEFAULT_REGION) -> list[str]:
    """The spellings a stored phone is likely to have: E.164, international, national, digits only,
    and the national groups joined by '-', '.' or ' '."""
    if not phone:
        return []
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return [phone]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    groups = re.findall(r"\d+", national)
    spellings = [phone, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL), national,
                 "".join(groups), *(sep.join(groups) for sep in "-. "),
                 f"{number.country_code}{phonenumbers.national_significant_number(number)}"]
    return list(dict.fromkeys(spellings))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _known(value: str | None) -> str:
    """A field's value, or "" for the placeholder that only satisfies a required field."""
    return "" if not value or value == PLACEHOLDER else value
