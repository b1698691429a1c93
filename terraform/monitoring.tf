# Alerts on failed calls and on dead-lettered messages, by email. Both rest on the components'
# structured JSON logs (callbot/logs.py): Cloud Logging keeps each line's fields under jsonPayload.

locals {
  # A call the relay closed on an error ("call closed" with ended_by=error, call_session.py), or a
  # post-call run that failed for good (record_post_call: "post-call work failed at <step>: ...").
  failed_calls_filter = join(" OR ", [
    "(jsonPayload.message=\"call closed\" AND jsonPayload.ended_by=\"error\")",
    "(severity>=ERROR AND jsonPayload.message=~\"^post-call work failed at \")",
  ])

  # A function gave up on a message and parked it on the dead-letter topic (callbot/bus/entry.py).
  dead_lettered_filter = "jsonPayload.logger=\"callbot.bus.entry\" AND jsonPayload.message=~\"^message dead-lettered\""
}

resource "google_monitoring_notification_channel" "email" {
  project      = var.project_id
  display_name = "callbot ${var.environment} alerts"
  type         = "email"

  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.this]
}

resource "google_logging_metric" "failed_calls" {
  project     = var.project_id
  name        = "callbot-failed-calls"
  description = "Calls that ended on an error, and post-call runs that failed (status post_call_failed)."
  filter      = local.failed_calls_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "callbot failed calls"
  }

  depends_on = [google_project_service.this]
}

resource "google_logging_metric" "dead_lettered" {
  project     = var.project_id
  name        = "callbot-dead-lettered-messages"
  description = "Messages a function dead-lettered (permanent failure)."
  filter      = local.dead_lettered_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "callbot dead-lettered messages"
  }

  depends_on = [google_project_service.this]
}

# A new log-based metric can take up to ten minutes before an alert policy may name it: created
# sooner, the policy fails with "Cannot find metric(s) that match type" (terraform-provider-google
# #11102). The policies wait that long after the metrics are created, and again whenever one of them
# is re-created; later applies do not wait. A built-in terraform_data with a local sleep, so that no
# further provider (hashicorp/time) has to be installed, locked and served offline for this.
resource "terraform_data" "log_metrics_usable" {
  triggers_replace = [
    google_logging_metric.failed_calls.id,
    google_logging_metric.dead_lettered.id,
  ]

  provisioner "local-exec" {
    command = "sleep 600"
  }
}

resource "google_monitoring_alert_policy" "failed_calls" {
  project               = var.project_id
  display_name          = "callbot ${var.environment}: failed calls"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = [google_monitoring_notification_channel.email.id]

  conditions {
    display_name = "a call or its post-call run failed"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.failed_calls.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A call ended on an error, or its post-call run failed. Logs: `jsonPayload.message=\"call closed\" AND jsonPayload.ended_by=\"error\"`, or `post-call work failed at`; the call id is on every line. Re-run a failed post-call run with `callbot post-call rerun CALL_SID`."
  }

  depends_on = [terraform_data.log_metrics_usable]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  project               = var.project_id
  display_name          = "callbot ${var.environment}: dead-lettered messages"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = [google_monitoring_notification_channel.email.id]

  conditions {
    display_name = "a function dead-lettered a message"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.dead_lettered.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  # Messages Pub/Sub itself forwarded after max_delivery_attempts failed deliveries.
  conditions {
    display_name = "Pub/Sub forwarded a message to the dead-letter topic"

    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND resource.type=\"pubsub_subscription\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Messages reached the dead-letter topic: they are kept 7 days on the `${keys(var.pull_subscriptions)[0]}` subscription, each DeadLettered message with its source and reason."
  }

  depends_on = [terraform_data.log_metrics_usable]
}
