"""Signing in to Salesforce: `SalesforceAuth` settings and `connect`, which returns a ready client.

Two OAuth 2.0 flows against `{login_url}/services/oauth2/token`:

- JWT bearer (production): a JWT signed with RS256 by the connected app's private key, `iss` the
  consumer key, `sub` the integration user, `aud` Salesforce's login server, which is
  `https://login.salesforce.com` for a production org and `https://test.salesforce.com` for a sandbox
  whatever URL the token is asked from (a My Domain URL included): Salesforce refuses any other
  audience. No password is stored anywhere.
- username-password: `password` + `security_token`, and the connected app's consumer key
  (`client_id`, required) and secret (when the app requires it).

The token endpoint is called directly with `requests` rather than through `SalesforceLogin`, which
only knows `https://{domain}.salesforce.com` and so cannot reach a local server. simple-salesforce
always addresses the instance over https; when the instance URL is plain `http` (the local fake
org), the session rewrites that one origin back to http.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import jwt
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

from callbot.errors import PermanentError, RetryableError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_S = 180  # Salesforce accepts assertions that expire within 3 minutes
PRODUCTION_AUDIENCE, SANDBOX_AUDIENCE = "https://login.salesforce.com", "https://test.salesforce.com"


@dataclass(frozen=True)
class SalesforceAuth:
    """How to reach and sign in to one org; checked on construction so a bad config fails at start-up."""

    login_url: str = "https://login.salesforce.com"  # or https://test.salesforce.com, a My Domain URL
    username: str = ""
    client_id: str = ""  # the connected app's consumer key
    sandbox: bool | None = None  # whether the org is a sandbox (the JWT's audience); None: from login_url
    private_key_pem: str = ""  # JWT bearer flow
    password: str = ""  # username-password flow
    security_token: str = ""
    client_secret: str = ""
    instance_url: str = ""  # overrides the instance URL the token response names
    api_version: str = "62.0"
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if urlparse(self.login_url).scheme not in ("http", "https"):
            raise ValueError(f"login_url must be an http(s) URL, not {self.login_url!r}")
        if not self.username:
            raise ValueError("Salesforce username is required")
        if not self.private_key_pem and not self.password:
            raise ValueError("Salesforce needs private_key_pem (JWT bearer flow) or password (+ security_token)")
        if not self.client_id:
            raise ValueError(f"the {self.flow} flow needs client_id, the connected app's consumer key")
        if self.api_version.startswith("v"):
            raise ValueError("api_version is a number such as '62.0', without the leading 'v'")

    @property
    def flow(self) -> str:
        return "jwt-bearer" if self.private_key_pem else "password"

    @property
    def audience(self) -> str:
        """The JWT's `aud`: the login server of the org's kind, never the URL the token is asked from."""
        sandbox = is_sandbox_login(self.login_url) if self.sandbox is None else self.sandbox
        return SANDBOX_AUDIENCE if sandbox else PRODUCTION_AUDIENCE


def is_sandbox_login(login_url: str) -> bool:
    """Whether a login URL is a sandbox's (or a scratch org's): `test.salesforce.com`, or a My Domain
    whose name is `MyDomainName--SandboxName` (`….sandbox.my.salesforce.com` with enhanced domains,
    `….my.salesforce.com` without) or which is under `scratch.my.salesforce.com`. Anything else, a
    production or Developer Edition My Domain included, is taken for a production org."""
    host = (urlparse(login_url).hostname or "").lower()
    return (host == "test.salesforce.com" or "--" in host.partition(".")[0]
            or host.endswith((".sandbox.my.salesforce.com", ".scratch.my.salesforce.com")))


def connect(auth: SalesforceAuth) -> Salesforce:
    """Sign in and return a client bound to the new session (raises RetryableError or PermanentError)."""
    session = TimeoutSession(auth.timeout_s)
    token = fetch_token(auth, session)
    instance_url = (auth.instance_url or token["instance_url"]).rstrip("/")
    plain_http_origin(session, instance_url)
    return Salesforce(instance_url=instance_url, session_id=token["access_token"], version=auth.api_version,
                      session=session)


def fetch_token(auth: SalesforceAuth, session: requests.Session) -> dict[str, Any]:
    """The token endpoint's answer (`access_token`, `instance_url`, ...) for the configured flow."""
    if auth.flow == "jwt-bearer":
        form = {"grant_type": JWT_GRANT, "assertion": jwt_assertion(auth)}
    else:
        form = {"grant_type": "password", "client_id": auth.client_id, "username": auth.username,
                "password": auth.password + auth.security_token}
        if auth.client_secret:
            form["client_secret"] = auth.client_secret
    try:
        response = session.post(auth.login_url.rstrip("/") + "/services/oauth2/token", data=form)
    except requests.RequestException as exc:
        raise RetryableError(f"Salesforce login unreachable: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise RetryableError(f"Salesforce login unavailable (HTTP {response.status_code})")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        reason = f"{body.get('error', 'error')}: {body.get('error_description', response.reason)}"
        raise PermanentError(f"Salesforce login failed ({auth.flow}, HTTP {response.status_code}): {reason}")
    return body


def jwt_assertion(auth: SalesforceAuth, now: float | None = None) -> str:
    """The signed JWT the bearer flow exchanges for an access token."""
    issued = time.time() if now is None else now
    claims = {"iss": auth.client_id, "sub": auth.username, "aud": auth.audience,
              "exp": int(issued) + JWT_LIFETIME_S}
    return jwt.encode(claims, auth.private_key_pem, algorithm="RS256")


class TimeoutSession(requests.Session):
    """A session whose every request has a timeout: simple-salesforce sets none, and a hung call
    would hold a function instance until the platform kills it."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)


class _PlainHttpAdapter(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        request.url = "http://" + str(request.url).removeprefix("https://")
        return super().send(request, *args, **kwargs)


def plain_http_origin(session: requests.Session, instance_url: str) -> None:
    """When `instance_url` is plain http, send the https URLs simple-salesforce builds for it over http."""
    parsed = urlparse(instance_url)
    if parsed.scheme == "http":
        session.mount(f"https://{parsed.netloc}/", _PlainHttpAdapter())
