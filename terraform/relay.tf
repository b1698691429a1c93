# The stream relay on Cloud Run: the only process that touches audio. Twilio posts its webhooks to
# it and holds a media-stream WebSocket per call, so it is public (it checks Twilio's signature on
# every request), always on (min instances, CPU always allocated), and keeps a call on one instance
# (session affinity, requests up to an hour).

locals {
  relay_service_name = "callbot-relay"

  # The URL Twilio calls and signatures are checked against. The service's own uri attribute cannot
  # be used: it is known only after the service exists, and the service's environment needs it (a
  # cycle). Cloud Run's deterministic URL, built from the project number, is the same address and
  # is known before; relay_public_url overrides it (custom domain).
  relay_public_url = var.relay_public_url != "" ? trimsuffix(var.relay_public_url, "/") : "https://${local.relay_service_name}-${data.google_project.this.number}.${var.region}.run.app"

  relay_env     = local.component_env["relay"]
  relay_secrets = local.component_secrets["relay"]
}

resource "google_cloud_run_v2_service" "relay" {
  project             = var.project_id
  location            = var.region
  name                = local.relay_service_name
  description         = "callbot stream relay: Twilio webhooks and media streams, speech, barge-in, call control."
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.environment == "prod"

  template {
    service_account                  = google_service_account.relay.email
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    timeout                          = "3600s"
    session_affinity                 = true
    max_instance_request_concurrency = var.relay_concurrency

    scaling {
      min_instance_count = var.relay_min_instances
      max_instance_count = var.relay_max_instances
    }

    containers {
      image = var.relay_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.relay_cpu
          memory = var.relay_memory
        }
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.relay_env

        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.relay_secrets

        content {
          name = env.key

          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.this[env.value].secret_id
              version = "latest"
            }
          }
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

      # Lenient: a failed liveness check restarts the instance and drops its calls.
      liveness_probe {
        period_seconds    = 15
        timeout_seconds   = 5
        failure_threshold = 4

        http_get {
          path = "/healthz"
        }
      }
    }
  }

  depends_on = [
    google_project_service.this,
    google_secret_manager_secret_iam_member.accessor,
  ]
}

# Twilio must reach the webhooks and the media stream without Google credentials. (checkov's
# CKV_GCP_102 inspects only the v1 google_cloud_run_service_iam_* resources; the skip records the
# decision for when it covers v2.)
resource "google_cloud_run_v2_service_iam_member" "relay_public" {
  #checkov:skip=CKV_GCP_102:Twilio calls the relay's webhooks and opens its media-stream WebSocket without Google credentials, so the service must be invokable by allUsers; the relay rejects every request whose X-Twilio-Signature does not verify against the auth token.
  project  = var.project_id
  location = google_cloud_run_v2_service.relay.location
  name     = google_cloud_run_v2_service.relay.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
