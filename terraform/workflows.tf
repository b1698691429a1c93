# The post-call workflow (workflows/post_call.yaml): summarize_call -> sync_crm -> send_confirmation
# -> record_post_call, each an internal-only HTTP function called with an OIDC token of the
# workflow's service account. post_call_trigger starts one execution per ended call; its name and
# region are the CALLBOT_WORKFLOW_ID and CALLBOT_WORKFLOW_LOCATION that function is given.

resource "google_workflows_workflow" "post_call" {
  project             = var.project_id
  name                = local.component_env["post_call_trigger"]["CALLBOT_WORKFLOW_ID"]
  region              = local.component_env["post_call_trigger"]["CALLBOT_WORKFLOW_LOCATION"]
  description         = "callbot post-call pipeline: summary, CRM sync, confirmation SMS, call status."
  service_account     = google_service_account.workflow.id
  call_log_level      = "LOG_ERRORS_ONLY"
  deletion_protection = var.environment == "prod"
  source_contents     = file("${path.module}/../workflows/post_call.yaml")

  user_env_vars = {
    CALLBOT_SUMMARIZE_CALL_URL    = module.function["summarize_call"].url
    CALLBOT_SYNC_CRM_URL          = module.function["sync_crm"].url
    CALLBOT_SEND_CONFIRMATION_URL = module.function["send_confirmation"].url
    CALLBOT_RECORD_POST_CALL_URL  = module.function["record_post_call"].url
    CALLBOT_FUNCTION_AUTH         = "OIDC"
  }

  depends_on = [
    google_project_service.this,
    google_cloud_run_v2_service_iam_member.workflow_invoker,
  ]
}
