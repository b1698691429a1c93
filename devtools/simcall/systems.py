"""What a call left in the local Salesforce and Google Calendar servers, for the call's report:
the caller's Lead or Contact, the Tasks and Events on it, and the calendar events they attend,
with counts that show whether anything was created twice."""

from __future__ import annotations

from typing import Any

import httpx

LEAD_FIELDS = ("Id", "FirstName", "LastName", "Company", "Title", "Email", "Phone", "LeadSource",
               "Callbot_Need__c", "Callbot_Team_Size__c", "Callbot_Timeline__c", "Callbot_Consent__c")


def snapshot(salesforce_url: str, calendar_url: str, record_id: str | None, email: str | None,
             timeout_s: float = 5.0) -> dict[str, Any]:
    """The records about one caller in the local servers; {} when the stack has none."""
    if not (salesforce_url and calendar_url):
        return {}
    with httpx.Client(timeout=timeout_s) as client:
        leads = client.get(f"{salesforce_url}/__admin/records/Lead").json()
        contacts = client.get(f"{salesforce_url}/__admin/records/Contact").json()
        tasks = client.get(f"{salesforce_url}/__admin/records/Task").json()
        events = client.get(f"{calendar_url}/__admin/events").json().get("events", [])
    email = (email or "").casefold()
    record = next((r for r in [*leads, *contacts] if r.get("Id") == record_id), None)
    attending = [e for e in events if email and e.get("status") != "cancelled"
                 and email in {str(a.get("email", "")).casefold() for a in e.get("attendees", [])}]
    return {
        "salesforce": {
            "record": {k: record.get(k) for k in LEAD_FIELDS if k in record} if record else None,
            "leads_with_email": sum(1 for r in leads if email and str(r.get("Email") or "").casefold() == email),
            "tasks": [{k: t.get(k) for k in ("Id", "Subject", "CallType", "CallDurationInSeconds")}
                      for t in tasks if record_id and t.get("WhoId") == record_id],
        },
        "calendar": {"events": [{"id": e["id"], "start": e["start"].get("dateTime"), "summary": e.get("summary")}
                                for e in attending]},
    }
