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
