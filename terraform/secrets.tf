# Secret Manager secrets. Terraform declares the secrets and who may read them, never their values:
# no google_secret_manager_secret_version here, so no secret ever lands in the Terraform state.
# Versions are added by hand (README.md), and a new version reaches new instances ("latest") with
# no code or configuration change.
locals {
  secrets = {
    twilio_auth_token = {
      secret_id   = "callbot-twilio-auth-token"
      description = "Twilio auth token: the relay checks webhook signatures with it, send_confirmation sends SMS."
    }
    salesforce_private_key = {
      secret_id   = "callbot-salesforce-private-key"
      description = "PEM private key of the Salesforce connected app (JWT bearer flow) of crm_action and sync_crm."
    }
    calendar_organizer_oauth = {
      secret_id   = "callbot-calendar-organizer-oauth"
      description = "calendar_auth organizer_oauth: the organizer's authorized-user JSON (client id, client secret, refresh token) the calendar functions book with; the text unused in the other set-ups (a function starts only once its secrets have a version)."
    }
    sendgrid_api_key = {
      secret_id   = "callbot-sendgrid-api-key"
      description = "SendGrid API key (Mail Send) of send_confirmation, which emails the calendar invitation when calendar_auth is service_account; the text unused in the other set-ups (a function starts only once its secrets have a version)."
    }
  }

  # Service account member of every component, relay and functions. From the accounts themselves,
  # never from module.function: the functions wait on the bindings made with these (a cycle).
  component_members = merge(
    { relay = local.relay_member, console = local.console_member },
    { for name, account in google_service_account.function : name => "serviceAccount:${account.email}" },
  )

  # "<component>/<secret key>" for every secret a component reads (component_secrets).
  secret_readers = merge([
    for component, secrets in local.component_secrets : {
      for key in distinct(values(secrets)) : "${component}/${key}" => {
        component = component
        secret    = key
      }
    }
  ]...)
}

resource "google_secret_manager_secret" "this" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = each.value.secret_id

  annotations = {
    description = each.value.description
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.this]
}

# Each secret is readable by exactly the service accounts of the components that read it.
resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_readers

  project   = var.project_id
  secret_id = google_secret_manager_secret.this[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.component_members[each.value.component]
}
