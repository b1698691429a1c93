# The post-call workflow (workflows/post_call.yaml): summarize_call -> sync_crm -> send_confirmation
# -> record_post_call, each an internal-only HTTP function called with an OIDC token of the
# workflow's service account. post_call_trigger starts one execution per ended call; its name and
# region are the CALLBOT_WORKFLOW_ID and CALLBOT_WORKFLOW_LOCATION that function is given
# (local.deployment_settings); its source and variables are var.post_call_workflow (topology.tf).

locals {
  post_call_workflow_id = "post-call"
}

resource "google_workflows_workflow" "post_call" {
  project             = var.project_id
  name                = local.post_call_workflow_id
  region              = var.region
  description         = "callbot post-call pipeline: summary, CRM sync, confirmation SMS, call status."
  service_account     = google_service_account.workflow.id
  call_log_level      = "LOG_ERRORS_ONLY"
  deletion_protection = var.environment == "prod"
  source_contents     = file("${path.module}/../${var.post_call_workflow.source}")

  user_env_vars = merge(
    var.post_call_workflow.env,
    { for env_name, function in var.post_call_workflow.step_url_env : env_name => module.function[function].url },
  )

  depends_on = [
    google_project_service.this,
    google_cloud_run_v2_service_iam_member.workflow_invoker,
  ]
}
