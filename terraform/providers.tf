# Both providers act on the one project of this environment (one project per environment) and put
# the same labels on every resource that takes labels.
locals {
  labels = {
    app         = "callbot"
    environment = var.environment
  }
}

provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}

# Only for google_project_service_identity (the Pub/Sub service agent), which is beta-only.
provider "google-beta" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}

data "google_project" "this" {
  project_id = var.project_id
}
