"""`python -m devtools.fake_twilio --port N [--account-sid SID --auth-token TOKEN]`: the fake on 127.0.0.1."""

from __future__ import annotations

import argparse

import uvicorn

from callbot.post_call.settings import DEV_TWILIO_ACCOUNT_SID
from callbot.settings import DEV_TWILIO_AUTH_TOKEN
from devtools.fake_twilio.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.fake_twilio",
                                     description="A local server speaking the Twilio Messaging subset.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--account-sid", default=DEV_TWILIO_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEV_TWILIO_AUTH_TOKEN)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.account_sid, args.auth_token), host="127.0.0.1", port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
