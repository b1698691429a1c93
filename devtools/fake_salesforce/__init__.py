"""A local server that speaks the subset of the Salesforce REST API the callbot uses, so the real
`simple-salesforce` client and the `SalesforceCrm` adapter run against it unchanged.

    python -m devtools.fake_salesforce --port 8787 --seed seed.json     (host 127.0.0.1)
    with running_fake_salesforce(seed) as url: ...                      (in-process, for tests)

Resources: `POST /services/oauth2/token` (password and JWT bearer grants), `GET .../query?q=` (a
SOQL subset, `soql.py`), `POST .../sobjects/{Obj}`, `GET|PATCH .../sobjects/{Obj}/{id}` for Lead,
Contact, Account, Task, Event (`schema.py` lists their fields). Admin: `POST /__admin/expire-sessions`,
`POST /__admin/fail-next` (`{"status": 503}` or `{"errorCode": "REQUEST_LIMIT_EXCEEDED"}`, optional
`count`, `message`, `fields`), `GET /__admin/records/{Obj}`, `POST /__admin/seed`, `GET /__admin/stats`,
`GET /__admin/health`.

Seed (JSON): `{"users": [{"Id", "Name", "Email", "Username", "Password", "SecurityToken"}],
"Account": [...], "Contact": [...], "Lead": [...], "Event": [...]}`, records as Salesforce fields;
a missing `Id` is generated (18 characters, prefixes 005 User, 001 Account, 003 Contact, 00Q Lead,
00T Task, 00U Event). Without users the org has one, `store.DEFAULT_USER`
(callbot@example.com / callbot-password + TOKEN).
"""
