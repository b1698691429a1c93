# Topics and subscriptions from topology.tf (generated from callbot/bus/topology.py, which the
# local stack applies to the emulator). The relay makes its per-instance reply subscriptions itself.

resource "google_pubsub_topic" "this" {
  #checkov:skip=CKV_GCP_83:Encrypted at rest with Google-managed keys. Messages are transient (delivered in seconds, kept at most 7 days on the dead-letter audit subscription); the call data itself lives in Firestore and Cloud Storage, so customer-managed keys are a project-wide key-management decision for all three, not one to take per topic.
  for_each = toset(var.topics)

  project = var.project_id
  name    = each.key

  depends_on = [google_project_service.this]
}

# Push to each Pub/Sub-triggered function's HTTPS endpoint with an OIDC token of the pusher service
# account. A message that fails max_delivery_attempts times is forwarded to the dead-letter topic.
resource "google_pubsub_subscription" "push" {
  for_each = var.push_subscriptions

  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.this[each.value.topic].id
  ack_deadline_seconds       = each.value.ack_deadline_s
  enable_message_ordering    = each.value.ordered
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = module.function[each.value.function].url

    oidc_token {
      service_account_email = google_service_account.pusher.email
      audience              = module.function[each.value.function].url
    }
  }

  retry_policy {
    minimum_backoff = var.retry_minimum_backoff
    maximum_backoff = var.retry_maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.this[var.dead_letter_topic].id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # Never expire for lack of activity (the default is 31 days).
  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_service_account_iam_member.pubsub_agent_token_creator,
    google_cloud_run_v2_service_iam_member.pusher_invoker,
  ]
}

# Dead letters are kept here, 7 days, for inspection; the alert in monitoring.tf watches them.
resource "google_pubsub_subscription" "pull" {
  for_each = var.pull_subscriptions

  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.this[each.value.topic].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}
