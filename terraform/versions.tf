# The Google Cloud footprint (topics, functions, relay on Cloud Run, Firestore, secrets, IAM) is
# declared in this folder; until the deploy issue lands it holds only the pinned versions.
terraform {
  required_version = ">= 1.11, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 7.0"
    }
  }
}
