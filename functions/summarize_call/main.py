"""Cloud Functions entry point of summarize_call (HTTP, called by the post-call workflow first): the
call summarized for the sales rep, with a lead score, the sentiment and the next step."""

import functions_framework

from callbot.post_call import Step
from callbot.post_call.http import serve
from functions.summarize_call.bootstrap import step


@functions_framework.http
def summarize_call(request):
    return serve(request, Step.SUMMARIZE, step())
