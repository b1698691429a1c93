"""Action results as an action function would publish them."""

from __future__ import annotations

from callbot.messages import ActionCompleted, ActionRequested


def complete(request: ActionRequested, **result) -> ActionCompleted:
    """The successful `ActionCompleted` answering `request`, with `result`."""
    return ActionCompleted(call_id=request.call_id, turn_seq=request.turn_seq, relay_instance=request.relay_instance,
                           request_id=request.request_id, port=request.port, action=request.action, result=result,
                           requested_at_ms=request.sent_at_ms)
