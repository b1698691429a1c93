# Every Google API the deployment and the running system use. Left enabled on destroy: other
# things in the project may use them too.
locals {
  apis = toset([
    "aiplatform.googleapis.com",           # Vertex AI: Gemini (agent_turn, summarize_call), embeddings (knowledge_action)
    "artifactregistry.googleapis.com",     # relay and function images
    "calendar-json.googleapis.com",        # Google Calendar (crm_action, calendar_action, sync_crm)
    "cloudbuild.googleapis.com",           # builds of the functions
    "cloudfunctions.googleapis.com",       # the functions (gen2)
    "cloudresourcemanager.googleapis.com", # project IAM bindings and custom roles
    "cloudtrace.googleapis.com",           # each caller turn's trace (relay, agent_turn, action functions)
    "firestore.googleapis.com",            # calls, events, checkpoints, knowledge base
    "iap.googleapis.com",                  # Identity-Aware Proxy in front of the call console
    "iam.googleapis.com",                  # service accounts
    "iamcredentials.googleapis.com",       # OIDC tokens of the push subscriptions and the workflow
    "logging.googleapis.com",              # logs and log-based metrics
    "monitoring.googleapis.com",           # alert policies, notification channel
    "pubsub.googleapis.com",               # the message bus
    "run.googleapis.com",                  # the relay, and the services behind the functions
    "secretmanager.googleapis.com",        # Twilio auth token, Salesforce private key
    "speech.googleapis.com",               # streaming Speech-to-Text (relay)
    "storage.googleapis.com",              # recordings, audio cache, function sources
    "texttospeech.googleapis.com",         # Text-to-Speech (relay)
    "workflowexecutions.googleapis.com",   # post_call_trigger starts executions
    "workflows.googleapis.com",            # the post-call workflow
  ])
}

resource "google_project_service" "this" {
  for_each = local.apis

  project            = var.project_id
  service            = each.key
  disable_on_destroy = false
}
