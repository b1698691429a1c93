# One Cloud Function (gen2), run as the service account it is given. Every function is an
# internal-only HTTP endpoint: Pub/Sub-triggered ones are reached through push subscriptions declared by the caller
# (no Eventarc trigger), HTTP ones by the post-call workflow; who may invoke it is granted by the
# caller too (roles/run.invoker on the service named by output service_name).

locals {
  slug = replace(var.name, "_", "-")
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = "callbot-${local.slug}"
  description = "callbot ${var.name}"

  build_config {
    runtime           = var.runtime
    entry_point       = var.name
    service_account   = var.build_service_account
    docker_repository = var.docker_repository

    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email          = var.service_account_email
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    min_instance_count             = var.min_instances
    max_instance_count             = var.max_instances
    available_memory               = var.memory
    timeout_seconds                = var.timeout_s
    environment_variables          = var.env

    dynamic "secret_environment_variables" {
      for_each = var.secret_env

      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  depends_on = [terraform_data.secret_access]
}

# Carries the secret bindings into the dependency graph of the function.
resource "terraform_data" "secret_access" {
  input = var.secret_access
}
