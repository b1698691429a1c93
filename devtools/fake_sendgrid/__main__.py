"""`python -m devtools.fake_sendgrid --port N [--api-key KEY]`: the fake on 127.0.0.1."""

from __future__ import annotations

import argparse

import uvicorn

from callbot.post_call.settings import DEV_SENDGRID_API_KEY
from devtools.fake_sendgrid.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.fake_sendgrid",
                                     description="A local server speaking the SendGrid v3 Mail Send subset.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default=DEV_SENDGRID_API_KEY)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.api_key), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
