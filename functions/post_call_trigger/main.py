"""Cloud Functions entry point of post_call_trigger (CloudEvent, Pub/Sub push from the call-events
topic): one post-call workflow execution per ended call.

Returning acknowledges the message; raising makes Pub/Sub deliver it again. A push that
functions-framework cannot convert (a message without data) is dead-lettered too.
"""

import functions_framework

from callbot.bus.entry import deliver, deliver_unconverted
from functions.post_call_trigger.bootstrap import trigger


@functions_framework.cloud_event
def post_call_trigger(event) -> None:
    deliver(event, trigger())


@functions_framework.errorhandler(400)
def unconverted_push(error):
    return deliver_unconverted(error, trigger)
