# Image repositories: the relay's images (pushed by the build) and the functions' images (written by
# the Cloud Build of each function deployment, as the builder service account).

resource "google_artifact_registry_repository" "relay" {
  #checkov:skip=CKV_GCP_84:Holds only the relay's container images (code and dependencies, no customer data, no secrets); Google-managed encryption at rest is sufficient.
  project       = var.project_id
  location      = var.region
  repository_id = "callbot"
  description   = "Stream relay images."
  format        = "DOCKER"

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 20
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      tag_state  = "ANY"
      older_than = "7776000s" # 90 days; the 20 most recent are kept regardless
    }
  }

  depends_on = [google_project_service.this]
}

resource "google_artifact_registry_repository" "functions" {
  #checkov:skip=CKV_GCP_84:Holds only images Cloud Build makes from the function sources (code and dependencies, no customer data, no secrets); Google-managed encryption at rest is sufficient.
  project       = var.project_id
  location      = var.region
  repository_id = "callbot-functions"
  description   = "Images built by Cloud Functions from the function source archives."
  format        = "DOCKER"

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 10
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      tag_state  = "ANY"
      older_than = "2592000s" # 30 days; the 10 most recent are kept regardless
    }
  }

  depends_on = [google_project_service.this]
}
