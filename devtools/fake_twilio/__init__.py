"""A local server that speaks the Twilio Messaging subset the callbot uses (see `app.py`): sending
an SMS (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`), listing the messages sent to a
number since a time, and fetching one, with Twilio's JSON shapes, error codes and basic auth, so the
real `TwilioSms` adapter and the `twilio` SDK run on a laptop without Twilio. Nothing is delivered:
the messages are kept, and `/__admin/messages` shows them.

Run it with `python -m devtools.fake_twilio --port N [--account-sid SID --auth-token TOKEN]`, or
in-process with `server.running_fake_twilio()`, which yields the root URL to give `TwilioSms` as
`api_url`. The account and token default to the dev ones the post-call functions use.
"""
