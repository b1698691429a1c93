"""Cloud Functions entry point of sync_crm (HTTP, called by the post-call workflow): the Lead and
the call Task in the CRM, once."""

import functions_framework

from callbot.action_functions.settings import ActionSettings
from callbot.post_call import Step
from callbot.post_call.http import serve
from functions.sync_crm.bootstrap import step

# read at instance start: settings a deployment got wrong (a memory backend outside dev) stop the
# instance here rather than fail its first message
ActionSettings()


@functions_framework.http
def sync_crm(request):
    return serve(request, Step.SYNC_CRM, step())
