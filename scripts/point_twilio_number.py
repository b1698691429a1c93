"""Point a Twilio phone number at the relay: its voice URL and status callback, both POST.

    python scripts/point_twilio_number.py +14155550100 --relay-url https://relay.example.com
    python scripts/point_twilio_number.py +14155550100 --from-terraform terraform [--dry-run | --check]

The account comes from TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN. The number (E.164) is looked up
among the account's IncomingPhoneNumbers, updated so that Twilio calls

    voice_url       <relay>/twilio/voice    (POST)
    status_callback <relay>/twilio/status   (POST)

(a TwiML App attached to the number is detached: Twilio ignores the voice URL while one is set), and
fetched again to verify. `--from-terraform DIR` reads the URLs from `terraform -chdir=DIR output
-json` (`twilio_voice_webhook_url` and `twilio_status_callback_url`, else `relay_public_url`).
The relay checks Twilio's signatures against its public URL, so these URLs must start with it.

`--dry-run` prints what would change and changes nothing; `--check` only verifies.

Exit status: 0 done (or nothing to change; `--check`: pointed at the relay), 1 the number is not
pointed at the relay (`--check`) or did not read back as set, 2 usage or configuration error,
3 no such number in the account, 4 a SIP trunk handles the number (its voice URL is not used),
5 the Twilio API refused or failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_TRUNK, EXIT_TWILIO = 0, 1, 2, 3, 4, 5
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
VOICE_PATH, STATUS_PATH = "/twilio/voice", "/twilio/status"


class UsageError(Exception):
    """Bad arguments or configuration: nothing was asked of Twilio."""


@dataclass(frozen=True)
class RelayUrls:
    voice_url: str
    status_callback: str

    @classmethod
    def from_base(cls, relay_url: str) -> RelayUrls:
        base = relay_url.rstrip("/")
        if not base.startswith("https://"):
            raise UsageError(f"the relay URL must start with https:// (got {relay_url!r})")
        return cls(voice_url=base + VOICE_PATH, status_callback=base + STATUS_PATH)

    def desired(self) -> dict[str, str]:
        """The number's fields as they must read once it points at the relay."""
        return {"voice_url": self.voice_url, "voice_method": "POST", "voice_application_sid": "",
                "status_callback": self.status_callback, "status_callback_method": "POST"}


def urls_from_outputs(outputs: Mapping[str, Any]) -> RelayUrls:
    """The relay's URLs from `terraform output -json`: `twilio_voice_webhook_url` and
    `twilio_status_callback_url`, else the base URL in `relay_public_url`."""
    values = {name: output.get("value") for name, output in outputs.items() if isinstance(output, Mapping)}
    if values.get("twilio_voice_webhook_url"):
        voice = str(values["twilio_voice_webhook_url"])
        if not voice.endswith(VOICE_PATH):
            raise UsageError(f"terraform output twilio_voice_webhook_url {voice!r} does not end with {VOICE_PATH}")
        urls = RelayUrls.from_base(voice[: -len(VOICE_PATH)])
        if values.get("twilio_status_callback_url"):
            urls = RelayUrls(urls.voice_url, str(values["twilio_status_callback_url"]))
        return urls
    if values.get("relay_public_url"):
        return RelayUrls.from_base(str(values["relay_public_url"]))
    raise UsageError("terraform outputs have neither twilio_voice_webhook_url nor relay_public_url "
                     f"(found: {sorted(values)}): was the configuration applied?")


def terraform_outputs(directory: str) -> dict[str, Any]:
    try:
        result = subprocess.run(["terraform", f"-chdir={directory}", "output", "-json"],
                                capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise UsageError("terraform is not installed") from error
    if result.returncode != 0:
        raise UsageError(f"terraform output failed in {directory}: {result.stderr.strip()}")
    try:
        return json.loads(result.stdout or "{}")
    except ValueError as error:
        raise UsageError(f"terraform output in {directory} is not JSON: {error}") from error


def differences(number: Any, desired: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """field -> (current, desired) for every field that is not as desired."""
    current = {field: getattr(number, field, None) or "" for field in desired}
    return {field: (current[field], value) for field, value in desired.items() if current[field] != value}


def find_number(client: Any, phone_number: str) -> Any | None:
    """The account's IncomingPhoneNumber with exactly this E.164 number (the API matches partially)."""
    matches = [n for n in client.incoming_phone_numbers.list(phone_number=phone_number)
               if n.phone_number == phone_number]
    return matches[0] if matches else None


def print_differences(changes: Mapping[str, tuple[str, str]]) -> None:
    for field, (current, desired) in changes.items():
        print(f"  {field}: {current!r} -> {desired!r}")


def point(client: Any, phone_number: str, urls: RelayUrls, mode: str = "apply") -> int:
    """Point (mode `apply`), show what would change (`dry-run`) or verify (`check`); the exit status."""
    number = find_number(client, phone_number)
    if number is None:
        print(f"{phone_number} is not a phone number of this Twilio account", file=sys.stderr)
        return EXIT_NOT_FOUND
    print(f"{phone_number} ({number.sid})")
    if getattr(number, "trunk_sid", None):
        print(f"  a SIP trunk ({number.trunk_sid}) handles this number: Twilio does not call its voice URL; "
              "remove it from the trunk first", file=sys.stderr)
        return EXIT_TRUNK
    desired = urls.desired()
    changes = differences(number, desired)
    if not changes:
        print("  already points at the relay")
        return EXIT_OK
    print_differences(changes)
    if mode == "check":
        print("  does not point at the relay", file=sys.stderr)
        return EXIT_MISMATCH
    if mode == "dry-run":
        print("  dry run: nothing changed")
        return EXIT_OK
    client.incoming_phone_numbers(number.sid).update(**{field: desired[field] for field in changes})
    remaining = differences(client.incoming_phone_numbers(number.sid).fetch(), desired)
    if remaining:
        print("  updated, but it reads back differently:", file=sys.stderr)
        print_differences(remaining)
        return EXIT_MISMATCH
    print("  updated and verified")
    return EXIT_OK


def make_client(environ: Mapping[str, str]) -> Any:
    account_sid, auth_token = environ.get("TWILIO_ACCOUNT_SID", ""), environ.get("TWILIO_AUTH_TOKEN", "")
    if not account_sid or not auth_token:
        raise UsageError("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    from twilio.rest import Client

    return Client(account_sid, auth_token)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Point a Twilio number's voice URL and status callback at the relay.")
    parser.add_argument("phone_number", metavar="NUMBER", help="the number, E.164 (+14155550100)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--relay-url", help="the relay's public URL (CALLBOT_PUBLIC_URL)")
    source.add_argument("--from-terraform", metavar="DIR", help="read the URLs from `terraform output` in DIR")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    mode.add_argument("--check", action="store_true", help="only verify; exit 1 when not pointed at the relay")
    args = parser.parse_args(argv)
    if not E164.match(args.phone_number):
        parser.error(f"NUMBER must be E.164, like +14155550100 (got {args.phone_number!r})")
    return args


def main(argv: list[str] | None = None, client: Any | None = None,
         environ: Mapping[str, str] = os.environ) -> int:
    args = parse_args(argv)
    mode = "check" if args.check else "dry-run" if args.dry_run else "apply"
    try:
        urls = (RelayUrls.from_base(args.relay_url) if args.relay_url
                else urls_from_outputs(terraform_outputs(args.from_terraform)))
        client = client if client is not None else make_client(environ)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    from twilio.base.exceptions import TwilioException

    try:
        return point(client, args.phone_number, urls, mode)
    except TwilioException as error:
        print(f"error: the Twilio API failed: {error}", file=sys.stderr)
        return EXIT_TWILIO


if __name__ == "__main__":
    raise SystemExit(main())
