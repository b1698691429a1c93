# Buckets: call recordings (expire after retention_days), the relay's audio cache of common phrases,
# and the function source archives. All with uniform bucket-level access, public access prevention
# and versioning. topology.tf puts the recordings and audio cache URIs into the relay's environment.

resource "google_storage_bucket" "recordings" {
  project                     = var.project_id
  name                        = "${var.project_id}-callbot-recordings"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  # Live and noncurrent versions alike are deleted once retention_days old.
  lifecycle_rule {
    condition {
      age        = var.retention_days
      with_state = "ANY"
    }
    action {
      type = "Delete"
    }
  }

  # The parts of a recording (the relay composes them into <call>.wav when the call ends, then deletes
  # them): their noncurrent versions, and the parts of a call whose relay died, go after a day.
  lifecycle_rule {
    condition {
      age            = 1
      matches_prefix = ["recordings/parts/"]
      with_state     = "ANY"
    }
    action {
      type = "Delete"
    }
  }

  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }

  depends_on = [google_project_service.this]
}

resource "google_storage_bucket" "audio_cache" {
  project                     = var.project_id
  name                        = "${var.project_id}-callbot-audio-cache"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }

  depends_on = [google_project_service.this]
}

resource "google_storage_bucket" "function_source" {
  project                     = var.project_id
  name                        = "${var.project_id}-callbot-function-source"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }

  depends_on = [google_project_service.this]
}

# Usage logs of the buckets above (who fetched which recording), kept a year.
resource "google_storage_bucket" "access_logs" {
  #checkov:skip=CKV_GCP_62:This is the usage-log sink of the other buckets; logging its own access into itself would be circular (CKV_GCP_63 forbids a bucket logging to itself) and a further log bucket would only move the question. It holds request logs only, no call data.
  project                     = var.project_id
  name                        = "${var.project_id}-callbot-access-logs"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age        = 365
      with_state = "ANY"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.this]
}

# Cloud Storage writes usage logs as this group.
resource "google_storage_bucket_iam_member" "access_logs_writer" {
  bucket = google_storage_bucket.access_logs.name
  role   = "roles/storage.objectCreator"
  member = "group:cloud-storage-analytics@google.com"
}
