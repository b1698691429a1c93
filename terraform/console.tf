# The call console on Cloud Run: the calls, their recordings and per-turn latency, for the sales
# team and the engineers. Identity-Aware Proxy is on the service itself (iap_enabled): only the
# people in console_admins and console_reviewers get through, and the console verifies IAP's signed
# header (CALLBOT_CONSOLE_IAP_AUDIENCE) and gives each their role. Its own service account reads
# Firestore and the recordings, and may publish RerunPostCall on the call-events topic (iam.tf):
# it writes no call data.

locals {
  console_service_name = "callbot-console"
  console_member       = "serviceAccount:${google_service_account.console.email}"
  console_env          = local.component_env["console"]

  # The audience of IAP's signed header for a Cloud Run service with IAP enabled on it.
  console_iap_audience = "/projects/${data.google_project.this.number}/locations/${var.region}/services/${local.console_service_name}"

  # Who IAP lets through, as IAM members: an email is a user, @domain a Workspace domain.
  console_users = {
    for entry in distinct([for e in concat(var.console_admins, var.console_reviewers) : lower(e)]) :
    entry => startswith(entry, "@") ? "domain:${trimprefix(entry, "@")}" : "user:${entry}"
  }
}

resource "google_service_account" "console" {
  project      = var.project_id
  account_id   = "callbot-console"
  display_name = "callbot call console (Cloud Run, read-only)"

  depends_on = [google_project_service.this]
}

# IAP's service agent: IAP calls the service as this account once it has let a user through.
resource "google_project_service_identity" "iap" {
  provider = google-beta

  project = var.project_id
  service = "iap.googleapis.com"

  depends_on = [google_project_service.this]
}

resource "google_cloud_run_v2_service" "console" {
  project             = var.project_id
  location            = var.region
  name                = local.console_service_name
  description         = "callbot call console: calls, recordings, latency and outcomes, behind Identity-Aware Proxy."
  ingress             = "INGRESS_TRAFFIC_ALL"
  iap_enabled         = true
  deletion_protection = var.environment == "prod"

  template {
    service_account = google_service_account.console.email

    scaling {
      min_instance_count = 0
      max_instance_count = var.console_max_instances
    }

    containers {
      image = var.console_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle = true
      }

      dynamic "env" {
        for_each = local.console_env

        content {
          name  = env.key
          value = env.value
        }
      }

      startup_probe {
        period_seconds    = 2
        timeout_seconds   = 1
        failure_threshold = 30

        http_get {
          path = "/healthz"
        }
      }
    }
  }

  depends_on = [google_project_service.this]
}

# Only IAP's service agent may invoke the service: nobody reaches it around IAP.
resource "google_cloud_run_v2_service_iam_member" "console_iap_invoker" {
  project  = var.project_id
  location = google_cloud_run_v2_service.console.location
  name     = google_cloud_run_v2_service.console.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_project_service_identity.iap.email}"
}

# Who IAP lets through (the console then gives each their role from the same lists). The IAP
# resource is named by the project's number.
resource "google_iap_web_cloud_run_service_iam_member" "console_user" {
  for_each = local.console_users

  project                = data.google_project.this.number
  location               = google_cloud_run_v2_service.console.location
  cloud_run_service_name = google_cloud_run_v2_service.console.name
  role                   = "roles/iap.httpsResourceAccessor"
  member                 = each.value
}

# The recordings it plays: read only.
resource "google_storage_bucket_iam_member" "console_recordings" {
  bucket = google_storage_bucket.recordings.name
  role   = "roles/storage.objectViewer"
  member = local.console_member
}
