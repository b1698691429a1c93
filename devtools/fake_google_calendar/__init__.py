"""A local server that speaks the Google Calendar v3 subset the callbot uses (see `app.py`), so the
real `GoogleCalendar` adapter and `googleapiclient` run on a laptop without Google.

Run it with `python -m devtools.fake_google_calendar --port N [--seed FILE.json]`, or in-process
with `server.running_fake_calendar(seed)`, which yields the root URL to give `calendar_service`.
Like Google, it tells who acts from the bearer token (the local credentials name the user they act
for) and refuses attendees to a service account acting as itself: see `app.py`.
"""
