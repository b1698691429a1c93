"""The OAuth 2.0 token endpoint of the fake org: the username-password and JWT bearer grants.

A JWT assertion is checked as Salesforce checks it, but for its signature (the fake holds no
certificate): `iss` must be present (the connected app's consumer key), `sub` a known username, `exp`
in the future, and `aud` the login server of the org's kind, `https://login.salesforce.com` for a
production org, `https://test.salesforce.com` for a sandbox, whatever URL the assertion was posted to
(a My Domain URL, or this server). Failures answer as Salesforce does, with HTTP 400 and
`{"error": "invalid_grant", "error_description": "authentication failure"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time

import jwt

from devtools.fake_salesforce.store import Store

ORG_ID = "00D5g0000000001EAA"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PRODUCTION_AUDIENCE, SANDBOX_AUDIENCE = "https://login.salesforce.com", "https://test.salesforce.com"


class OAuthError(Exception):
    """A refused token request: the body Salesforce sends with HTTP 400."""

    def __init__(self, error: str = "invalid_grant", description: str = "authentication failure") -> None:
        super().__init__(f"{error}: {description}")
        self.body = {"error": error, "error_description": description}


class Sessions:
    """Access tokens that are valid now, each for one user; all of them can be expired at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, str] = {}
        self.issued = 0  # how many tokens were granted: tests count re-authentications with it

    def issue(self, user_id: str) -> str:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._users[token] = user_id
            self.issued += 1
        return token

    def user(self, token: str) -> str | None:
        with self._lock:
            return self._users.get(token)

    def expire_all(self) -> int:
        with self._lock:
            count, self._users = len(self._users), {}
        return count


def grant(form: dict[str, str], store: Store, sessions: Sessions, base_url: str,
          sandbox: bool = False) -> dict[str, str]:
    """The token response for a form-encoded token request to an org (a sandbox or not), or `OAuthError`."""
    grant_type = form.get("grant_type", "")
    if grant_type == "password":
        user_id = _password_user(form, store)
    elif grant_type == JWT_GRANT:
        user_id = _jwt_user(form.get("assertion", ""), store, SANDBOX_AUDIENCE if sandbox else PRODUCTION_AUDIENCE)
    else:
        raise OAuthError("unsupported_grant_type", "grant type not supported")
    issued_at = str(int(time.time() * 1000))
    identity = f"{base_url}/id/{ORG_ID}/{user_id}"
    signature = hmac.new(b"fake-consumer-secret", (identity + issued_at).encode(), hashlib.sha256).digest()
    return {"access_token": sessions.issue(user_id), "instance_url": base_url, "id": identity,
            "token_type": "Bearer", "issued_at": issued_at, "scope": "api",
            "signature": base64.b64encode(signature).decode()}


def _password_user(form: dict[str, str], store: Store) -> str:
    if not form.get("client_id"):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    known = store.credentials.get(form.get("username", "").lower())
    if known is None or form.get("password") not in {known["Password"] + known["SecurityToken"],
                                                     *([known["Password"]] if not known["SecurityToken"] else [])}:
        raise OAuthError()
    return known["Id"]


def _jwt_user(assertion: str, store: Store, audience: str) -> str:
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    if header.get("alg") != "RS256" or not claims.get("iss"):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if claims.get("aud") != audience:
        raise OAuthError("invalid_grant", "audience is invalid")
    if float(claims.get("exp", 0)) < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")
    known = store.credentials.get(str(claims.get("sub", "")).lower())
    if known is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return known["Id"]
