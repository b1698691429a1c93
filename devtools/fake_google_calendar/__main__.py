"""`python -m devtools.fake_google_calendar --port N [--seed FILE.json]`: the fake on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn

from devtools.fake_google_calendar.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.fake_google_calendar",
                                     description="A local server speaking the Calendar v3 subset.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=Path, help='JSON: {"calendars": [...], "events": [...]}')
    args = parser.parse_args(argv)
    seed = json.loads(args.seed.read_text(encoding="utf-8")) if args.seed else None
    uvicorn.run(create_app(seed), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
