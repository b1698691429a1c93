"""Cloud Functions entry point of send_confirmation (HTTP, called by the post-call workflow): the
meeting confirmation texted to the caller, once."""

import functions_framework

from callbot.post_call import Step
from callbot.post_call.http import serve
from functions.send_confirmation.bootstrap import step


@functions_framework.http
def send_confirmation(request):
    return serve(request, Step.SEND_CONFIRMATION, step())
