"""The post-call part of a simulated call's report: wait (bounded) until the post-call workflow has
marked the call `processed` or `post_call_failed`, then read what it left: the summary and lead
score, the CRM sync, and the SMS the local Twilio server received for the caller."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from callbot.post_call import FINAL
from callbot.store import CallStore
from devtools.in_process import admin


async def wait_post_call(calls: CallStore, call_sid: str, twilio_url: str, caller_number: str,
                         timeout_s: float = 60.0) -> dict[str, Any]:
    """`{status, summary, lead_score, crm_synced, sms: [{to, body}], ...}`; status `timeout` when the
    pipeline did not finish within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    call: dict[str, Any] = {}
    while time.monotonic() < deadline:
        call = await calls.get_call(call_sid) or {}
        if call.get("status") in FINAL:
            break
        await asyncio.sleep(0.2)
    post_call = call.get("post_call") or {}
    summary = call.get("summary") or {}
    steps = post_call.get("steps") or {}
    status = call.get("status") if call.get("status") in FINAL else "timeout"
    return {
        "status": status,
        "summary": summary.get("summary"),
        "lead_score": summary.get("lead_score"),
        "score_reasons": summary.get("score_reasons") or [],
        "sentiment": summary.get("sentiment"),
        "next_step": summary.get("next_step"),
        "crm_synced": bool((steps.get("sync_crm") or {}).get("task_id")),
        "crm": steps.get("sync_crm"),
        "sms": await asyncio.to_thread(messages_to, twilio_url, caller_number),
        "after_hang_up_ms": post_call.get("after_hang_up_ms"),
        "failed_step": post_call.get("failed_step"),
        "error": post_call.get("error"),
        "run": (post_call.get("run") or {}).get("number"),
    }


def messages_to(twilio_url: str, number: str) -> list[dict[str, str]]:
    """The SMS the local Twilio server received for `number`, as `{to, body}`."""
    if not twilio_url:
        return []
    return [{"to": m["to"], "body": m["body"]} for m in admin(twilio_url, "messages")["messages"]
            if m.get("to") == number]


def render(post_call: dict[str, Any]) -> list[str]:
    """The post-call section of the printed report."""
    if not post_call:
        return []
    lines = ["", f"after the call: {post_call['status']}"
             + (f" {post_call['after_hang_up_ms']} ms after hang-up" if post_call.get("after_hang_up_ms") else "")]
    if post_call.get("summary"):
        lines.append(f"  summary: {post_call['summary']}")
    if post_call.get("lead_score") is not None:
        lines.append(f"  lead score: {post_call['lead_score']}/100 ({'; '.join(post_call['score_reasons'])})")
    if post_call.get("next_step"):
        lines.append(f"  next step: {post_call['next_step']}")
    crm = post_call.get("crm") or {}
    lines.append(f"  CRM synced: {'yes' if post_call['crm_synced'] else 'no'}"
                 + (f" ({crm.get('record_kind')} {crm.get('record_id')}, task {crm.get('task_id')})" if crm else ""))
    for sms in post_call.get("sms") or []:
        lines.append(f"  SMS to {sms['to']}: {sms['body']}")
    if not post_call.get("sms"):
        lines.append("  SMS: none sent")
    if post_call.get("failed_step"):
        lines.append(f"  FAILED at {post_call['failed_step']}: {post_call['error']}")
    return lines
