# The functions (topology.tf, var.functions), one module instance each. A function is built from
# gs://<function source bucket>/<source_dir>/<its version in function_source_versions>.zip (README.md:
# the archive).

module "function" {
  source   = "./modules/function"
  for_each = var.functions

  name                  = each.key
  project_id            = var.project_id
  region                = var.region
  service_account_email = google_service_account.function[each.key].email

  source_bucket         = google_storage_bucket.function_source.name
  source_object         = "${each.value.source_dir}/${var.function_source_versions[each.key]}.zip"
  build_service_account = google_service_account.builder.id
  docker_repository     = google_artifact_registry_repository.functions.id

  env        = local.component_env[each.key]
  secret_env = { for env_name, key in local.component_secrets[each.key] : env_name => google_secret_manager_secret.this[key].secret_id }
  secret_access = [
    for reader, binding in google_secret_manager_secret_iam_member.accessor : binding.id
    if local.secret_readers[reader].component == each.key
  ]

  min_instances = each.value.min_instances
  max_instances = each.value.max_instances
  memory        = each.value.memory
  timeout_s     = each.value.timeout_s

  depends_on = [
    google_project_service.this,
    google_storage_bucket_iam_member.builder_source,
    google_project_iam_member.builder_function_sources,
    google_artifact_registry_repository_iam_member.builder_images,
    google_project_iam_member.builder_log_writer,
  ]
}
