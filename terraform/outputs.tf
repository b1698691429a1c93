output "relay_url" {
  description = "The relay's Cloud Run URL."
  value       = google_cloud_run_v2_service.relay.uri
}

output "relay_public_url" {
  description = "The URL Twilio calls (CALLBOT_PUBLIC_URL of the relay)."
  value       = local.relay_public_url
}

output "console_url" {
  description = "The call console (behind Identity-Aware Proxy: console_admins and console_reviewers may open it)."
  value       = google_cloud_run_v2_service.console.uri
}

output "twilio_voice_webhook_url" {
  description = "Set as the Twilio number's voice webhook (A call comes in: HTTP POST)."
  value       = "${local.relay_public_url}/twilio/voice"
}

output "twilio_status_callback_url" {
  description = "Set as the Twilio number's call status callback (HTTP POST)."
  value       = "${local.relay_public_url}/twilio/status"
}

output "function_urls" {
  description = "Internal-only HTTPS endpoints of the functions, by entry point."
  value       = { for name, fn in module.function : name => fn.url }
}

output "workflow_id" {
  description = "The post-call workflow (projects/PROJECT/locations/REGION/workflows/post-call)."
  value       = google_workflows_workflow.post_call.id
}

output "bucket_names" {
  description = "Buckets: recordings, audio cache (upload the phrase cache here), function sources (upload the archives here), access logs."
  value = {
    recordings      = google_storage_bucket.recordings.name
    audio_cache     = google_storage_bucket.audio_cache.name
    function_source = google_storage_bucket.function_source.name
    access_logs     = google_storage_bucket.access_logs.name
  }
}

output "image_repositories" {
  description = "Artifact Registry repositories: relay images, function images."
  value = {
    relay     = "${google_artifact_registry_repository.relay.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.relay.repository_id}"
    functions = "${google_artifact_registry_repository.functions.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.functions.repository_id}"
  }
}

output "secret_ids" {
  description = "Secret Manager secrets whose versions are added by hand (gcloud secrets versions add)."
  value       = { for key, secret in google_secret_manager_secret.this : key => secret.secret_id }
}

output "calendar_service_accounts" {
  description = "Service accounts that read and write the sales reps' calendars: share each rep's calendar with them (make changes to events)."
  value       = [for name in ["crm_action", "calendar_action", "sync_crm"] : google_service_account.function[name].email]
}

output "service_accounts" {
  description = "Service account of every component."
  value = merge(
    { for name, account in google_service_account.function : name => account.email },
    {
      relay    = google_service_account.relay.email
      workflow = google_service_account.workflow.email
      pusher   = google_service_account.pusher.email
      builder  = google_service_account.builder.email
    },
  )
}
