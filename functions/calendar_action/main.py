"""Cloud Functions entry point of calendar_action (CloudEvent, Pub/Sub push from its action topic).

Returning acknowledges the message; raising makes Pub/Sub deliver it again.
"""

import functions_framework

from callbot.bus.entry import deliver
from functions.calendar_action.bootstrap import action_handler


@functions_framework.cloud_event
def calendar_action(event) -> None:
    deliver(event, action_handler())
