output "function_name" {
  description = "Name of the function."
  value       = google_cloudfunctions2_function.this.name
}

output "url" {
  description = "HTTPS endpoint of the function (its Cloud Run service URL): push endpoint, OIDC audience and the workflow's target."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "service_name" {
  description = "The Cloud Run service behind the function, for roles/run.invoker bindings."
  value       = google_cloudfunctions2_function.this.service_config[0].service
}

output "service_account_email" {
  description = "Email of the function's service account."
  value       = google_service_account.this.email
}

output "service_account_member" {
  description = "IAM member of the function's service account."
  value       = "serviceAccount:${google_service_account.this.email}"
}
