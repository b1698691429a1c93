"""`python -m devtools.fake_salesforce --port N [--seed FILE.json]`: serve the fake org on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn

from devtools.fake_salesforce.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.fake_salesforce", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=Path, help="a JSON seed: users, Account, Contact, Lead, Event")
    args = parser.parse_args(argv)
    seed = json.loads(args.seed.read_text()) if args.seed else None
    uvicorn.run(create_app(seed), host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
