"""Cloud Functions entry point of record_post_call (HTTP, called by the post-call workflow last):
marks the call `processed`, or `post_call_failed` with the step and error."""

import functions_framework

from callbot.post_call import Step
from callbot.post_call.http import serve
from functions.record_post_call.bootstrap import step


@functions_framework.http
def record_post_call(request):
    return serve(request, Step.RECORD, step())
