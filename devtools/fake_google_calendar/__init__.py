"""A local server that speaks the Google Calendar v3 subset the callbot uses (see `app.py`), so the
real `GoogleCalendar` adapter and `googleapiclient` run on a laptop without Google.

Run it with `python -m devtools.fake_google_calendar --port N [--seed FILE.json]`, or in-process
with `server.running_fake_calendar(seed)`, which yields the root URL to give `calendar_service`.
"""
