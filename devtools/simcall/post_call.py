"""The post-call part of a simulated call's report: wait (bounded) until the post-call workflow has
marked the call `processed` or `post_call_failed`, then read what it left: the summary and lead
score, the CRM sync, the SMS the local Twilio server received for the caller, and what became of a
calendar invitation the meeting was owed (emailed to the local SendGrid server, or why not)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from callbot.call_document import RUN_OUTCOMES, CallDocument, PostCall, PostCallSteps
from callbot.store import CallStore
from devtools.in_process import admin


async def wait_post_call(calls: CallStore, call_sid: str, twilio_url: str, caller_number: str,
                         timeout_s: float = 60.0) -> dict[str, Any]:
    """`{status, summary, lead_score, crm_synced, sms: [{to, body}], ...}`; status `timeout` when the
    pipeline did not finish within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    call = CallDocument()
    while time.monotonic() < deadline:
        call = await calls.get_call(call_sid) or CallDocument()
        if call.status in RUN_OUTCOMES:
            break
        await asyncio.sleep(0.2)
    post_call = call.post_call or PostCall()
    steps = post_call.steps or PostCallSteps()
    summary, crm, confirmation = call.summary, steps.sync_crm, steps.send_confirmation
    return {
        "status": call.status if call.status in RUN_OUTCOMES else "timeout",
        "summary": summary.summary if summary else None,
        "lead_score": summary.lead_score if summary else None,
        "score_reasons": summary.score_reasons if summary else [],
        "sentiment": summary.sentiment if summary else None,
        "next_step": summary.next_step if summary else None,
        "crm_synced": bool(crm and crm.task_id),
        "crm": crm.stored_form() if crm else None,
        "sms": await asyncio.to_thread(messages_to, twilio_url, caller_number),
        "invitation": confirmation.invitation if confirmation else None,
        "after_hang_up_ms": post_call.after_hang_up_ms,
        "failed_step": post_call.failed_step,
        "error": post_call.error,
        "run": post_call.run.number if post_call.run else None,
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
    if post_call.get("invitation"):
        lines.append(f"  calendar invitation owed: {post_call['invitation']}")
    if post_call.get("failed_step"):
        lines.append(f"  FAILED at {post_call['failed_step']}: {post_call['error']}")
    return lines
