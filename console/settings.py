"""Settings of the call console (prefix `CALLBOT_`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from callbot.settings import CommonSettings, Environment


class ConsoleSettings(CommonSettings):
    """The call console (Cloud Run behind Identity-Aware Proxy; `callbot dev up` locally)."""

    recordings_uri: str = Field(default="", description="where the relay keeps recordings (its "
                                "CALLBOT_RECORDINGS_URI): gs://bucket/prefix or a folder; empty: none are played")
    console_auth: Literal["iap", "dev_admin"] = Field(
        default="iap", description="iap: the user is the one Identity-Aware Proxy's signed header names, with the "
        "role CALLBOT_CONSOLE_ADMINS or CALLBOT_CONSOLE_REVIEWERS gives them; dev_admin: everyone is an admin "
        "(the local stack only; refused outside dev)")
    console_iap_audience: str = Field(
        default="", description="the audience of IAP's signed header for this service: "
        "/projects/PROJECT_NUMBER/locations/REGION/services/SERVICE")
    console_admins: tuple[str, ...] = Field(
        default=(), description="who may reveal numbers and emails: addresses, or @domain for a whole domain")
    console_reviewers: tuple[str, ...] = Field(
        default=(), description="who may look at calls with numbers and emails masked: addresses or @domain")
    console_page_size: int = Field(default=25, ge=1, le=200, description="calls per page of the list")
    console_scan_limit: int = Field(
        default=2000, ge=1, description="the most calls a list or overview reads for one period; narrower dates "
        "show the rest")

    @model_validator(mode="after")
    def _access_for_environment(self) -> ConsoleSettings:
        if self.console_auth == "dev_admin" and self.environment is not Environment.DEV:
            raise ValueError("CALLBOT_CONSOLE_AUTH=dev_admin is for the local stack only: use iap")
        if self.console_auth == "iap" and not self.console_iap_audience:
            raise ValueError("CALLBOT_CONSOLE_IAP_AUDIENCE is required with iap "
                             "(/projects/PROJECT_NUMBER/locations/REGION/services/SERVICE)")
        return self
