"""A local server that speaks the Twilio SendGrid v3 Mail Send subset the callbot uses (see
`app.py`): `POST /v3/mail/send` with a bearer API key, SendGrid's validation errors and its 202
answer with `X-Message-Id`, so the real `SendGridEmail` adapter and the `sendgrid` SDK run on a
laptop without SendGrid. Nothing is delivered: the messages are kept, with their attachments
decoded, and `/__admin/messages` shows them.

Run it with `python -m devtools.fake_sendgrid --port N [--api-key KEY]`, or in-process with
`server.running_fake_sendgrid()`, which yields the root URL to give `SendGridEmail` as `api_url`.
The key defaults to the dev one the post-call functions use.
"""
