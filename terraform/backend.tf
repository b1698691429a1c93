# The state lives in a GCS bucket created by hand, one prefix per environment. `terraform init`
# names them: -backend-config=bucket=PROJECT-tfstate -backend-config=prefix=callbot/ENV
# (or -backend=false for offline checks).
terraform {
  backend "gcs" {}
}
