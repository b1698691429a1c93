"""Cloud Functions entry point of knowledge_action (CloudEvent, Pub/Sub push from its action topic).

Returning acknowledges the message; raising makes Pub/Sub deliver it again. A push that
functions-framework cannot convert (a message without data) is dead-lettered too.
"""

import functions_framework

from callbot.action_functions.settings import ActionSettings
from callbot.bus.entry import deliver, deliver_unconverted
from functions.knowledge_action.bootstrap import action_handler, warm

# read at instance start: settings a deployment got wrong (a memory backend outside dev) stop the
# instance here rather than fail its first message
ActionSettings()
warm()  # the embedding model and the keyword index, loaded before the first question


@functions_framework.cloud_event
def knowledge_action(event) -> None:
    deliver(event, action_handler())


@functions_framework.errorhandler(400)
def unconverted_push(error):
    return deliver_unconverted(error, action_handler)
