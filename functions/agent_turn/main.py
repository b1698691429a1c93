"""Cloud Functions entry point of agent_turn (CloudEvent, Pub/Sub turns topic).

Returning acknowledges the message; raising makes Pub/Sub deliver it again.
"""

import functions_framework

from callbot.bus.entry import deliver
from functions.agent_turn.bootstrap import turn_handler


@functions_framework.cloud_event
def agent_turn(event) -> None:
    deliver(event, turn_handler())
