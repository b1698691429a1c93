"""Who is asking, and what they may see.

In production the console runs on Cloud Run behind Identity-Aware Proxy, which signs every request
it lets through with a JWT in `X-Goog-IAP-JWT-Assertion`. The user is the email of that verified
token (never the unsigned `X-Goog-Authenticated-User-Email` alone, which anyone who reached the
service some other way could forge; when both are present they must agree). Their role comes from
settings: admins may reveal callers' numbers and emails (each reveal is written to the audit log),
reviewers see them masked; anyone else, and any request without a valid token, gets no page.
Locally (`console_auth = dev_admin`, dev only) everyone is an admin.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from console.settings import ConsoleSettings

IAP_ASSERTION = "x-goog-iap-jwt-assertion"
IAP_EMAIL = "x-goog-authenticated-user-email"
IAP_CERTS_URL = "https://www.gstatic.com/iap/verify/public_key"
IAP_ISSUER = "https://cloud.google.com/iap"
LOCAL_DEVELOPER = "local developer"
audit_log = logging.getLogger("callbot.console.audit")


class Role(StrEnum):
    REVIEWER = "reviewer"  # numbers and emails masked
    ADMIN = "admin"  # may reveal them


@dataclass(frozen=True)
class Viewer:
    email: str
    role: Role

    @property
    def may_reveal(self) -> bool:
        return self.role is Role.ADMIN


class AccessDenied(Exception):
    """No page for this request: `status` 401 (who is asking is unknown) or 403 (no role)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class IdentityVerifier(Protocol):
    def verify(self, assertion: str) -> str:
        """The email of the user a signed IAP assertion names; `AccessDenied` when it does not verify."""
        ...


class IapJwtVerifier:
    """IAP's signed header checked with google-auth: signature (ES256, IAP's published keys), expiry,
    issuer and audience."""

    def __init__(self, audience: str, request: Any | None = None) -> None:
        """`request`: google-auth's HTTP transport, which fetches IAP's public keys (a fake in tests)."""
        self._audience = audience
        self._request = request

    def verify(self, assertion: str) -> str:
        from google.auth import exceptions
        from google.oauth2 import id_token

        if self._request is None:
            from google.auth.transport import requests

            self._request = requests.Request()  # keeps a session: IAP's keys are fetched over it
        try:
            claims = id_token.verify_token(assertion, self._request, audience=self._audience,
                                           certs_url=IAP_CERTS_URL)
        except (ValueError, exceptions.GoogleAuthError) as exc:
            raise AccessDenied(401, f"Identity-Aware Proxy's signed header does not verify: {exc}") from exc
        if claims.get("iss") != IAP_ISSUER or not claims.get("email"):
            raise AccessDenied(401, "Identity-Aware Proxy's signed header names no user")
        return str(claims["email"]).lower()


class Access:
    """The viewer of a request, from its headers and the settings' roles."""

    def __init__(self, settings: ConsoleSettings, verifier: IdentityVerifier | None) -> None:
        if settings.console_auth == "iap" and verifier is None:
            raise ValueError("iap access needs a verifier of IAP's signed header")
        self._settings = settings
        self._verifier = verifier

    def viewer(self, headers: dict[str, str]) -> Viewer:
        if self._settings.console_auth == "dev_admin":
            return Viewer(LOCAL_DEVELOPER, Role.ADMIN)
        assertion = headers.get(IAP_ASSERTION)
        if not assertion:
            raise AccessDenied(401, "this console is reached through Identity-Aware Proxy only")
        email = self._verifier.verify(assertion)  # type: ignore[union-attr]
        unsigned = headers.get(IAP_EMAIL, "")
        if unsigned and unsigned.rsplit(":", 1)[-1].lower() != email:
            raise AccessDenied(401, "the user headers disagree")
        if _listed(email, self._settings.console_admins):
            return Viewer(email, Role.ADMIN)
        if _listed(email, self._settings.console_reviewers):
            return Viewer(email, Role.REVIEWER)
        raise AccessDenied(403, f"{email} has no role in the call console; ask an admin to add you")


def _listed(email: str, entries: tuple[str, ...]) -> bool:
    domain = "@" + email.rpartition("@")[2]
    return any(entry.strip().lower() in (email, domain) for entry in entries)


class AuditLog(Protocol):
    def record(self, viewer: Viewer, action: str, call_id: str) -> None: ...


class LoggedAuditLog:
    """Audit records as structured log lines (logger `callbot.console.audit`, Cloud Logging). Emails
    are masked in every log line, so the user is also given as `user_ref`, a digest of their email
    that an auditor can match against a known address."""

    def record(self, viewer: Viewer, action: str, call_id: str) -> None:
        audit_log.warning("console %s by %s", action, viewer.role, extra={
            "call_id": call_id, "audit_action": action, "user": viewer.email, "user_ref": user_ref(viewer.email)})


def user_ref(email: str) -> str:
    return "u" + hashlib.sha256(email.encode()).hexdigest()[:16]
