"""Cloud Functions entry point of agent_turn (CloudEvent, Pub/Sub turns topic).

Returning acknowledges the message; raising makes Pub/Sub deliver it again. A push that
functions-framework cannot convert (a message without data) is dead-lettered too.
"""

import functions_framework

from callbot.bus.entry import deliver, deliver_unconverted
from functions.agent_turn.bootstrap import turn_handler


@functions_framework.cloud_event
def agent_turn(event) -> None:
    deliver(event, turn_handler())


@functions_framework.errorhandler(400)
def unconverted_push(error):
    return deliver_unconverted(error, turn_handler)
