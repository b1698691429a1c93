"""Cloud Functions entry point of post_call_trigger (CloudEvent, Pub/Sub push from the call-events
topic): one post-call workflow execution per ended call.

Returning acknowledges the message; raising makes Pub/Sub deliver it again.
"""

import functions_framework

from callbot.bus.entry import deliver
from functions.post_call_trigger.bootstrap import trigger


@functions_framework.cloud_event
def post_call_trigger(event) -> None:
    deliver(event, trigger())
