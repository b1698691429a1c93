# Pinned versions of Terraform and the Google providers. The Google Cloud footprint (topics,
# functions, relay on Cloud Run, Firestore, secrets, IAM, monitoring) is declared in the topic-wise
# files of this folder; README.md says what is where.
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
