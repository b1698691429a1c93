# Identities and least privilege. One service account per component: the relay, each function, the
# post-call workflow, the Pub/Sub pusher and the function builder. No
# basic roles (owner, editor, viewer) and no project-wide admin roles: a role is granted on the topic,
# subscription, bucket, secret or service it is about, and at the project only where that is the
# narrowest scope that exists (Firestore, Vertex AI, Speech, Workflows invoker, log writing).
# Secret accessors are in secrets.tf, the invokers of the functions at the end of this file.

resource "google_service_account" "relay" {
  project      = var.project_id
  account_id   = "callbot-relay"
  display_name = "callbot stream relay (Cloud Run)"

  depends_on = [google_project_service.this]
}

# Each function's own account. Made here, not in modules/function: the grants to it (secret accessors,
# secrets.tf) are inputs of the function's module, so the account must be known before the module.
resource "google_service_account" "function" {
  for_each = var.functions

  project      = var.project_id
  account_id   = "fn-${replace(each.key, "_", "-")}"
  display_name = "callbot function ${each.key}"

  depends_on = [google_project_service.this]
}

resource "google_service_account" "workflow" {
  project      = var.project_id
  account_id   = "callbot-post-call-workflow"
  display_name = "callbot post-call workflow"

  depends_on = [google_project_service.this]
}

resource "google_service_account" "pusher" {
  project      = var.project_id
  account_id   = "callbot-pubsub-pusher"
  display_name = "callbot Pub/Sub push subscriptions (OIDC identity towards the functions)"

  depends_on = [google_project_service.this]
}

resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "callbot-function-builder"
  display_name = "callbot Cloud Build of the functions"

  depends_on = [google_project_service.this]
}

# The Pub/Sub service agent: forwards undeliverable messages to the dead-letter topic and mints the
# push subscriptions' OIDC tokens.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [google_project_service.this]
}

locals {
  pubsub_agent_member = "serviceAccount:${google_project_service_identity.pubsub.email}"
  relay_member        = "serviceAccount:${google_service_account.relay.email}"
  workflow_member     = "serviceAccount:${google_service_account.workflow.email}"
  pusher_member       = "serviceAccount:${google_service_account.pusher.email}"
  builder_member      = "serviceAccount:${google_service_account.builder.email}"

  # Where Cloud Functions (gen2) copies each function's source, and its build reads it from.
  gcf_sources_bucket = "gcf-v2-sources-${data.google_project.this.number}-${var.region}"

  # Project-level roles, "<component>/<role>" => role. Firestore and Speech have no narrower scope;
  # none of these is an admin role. Vertex AI callers get the custom role below instead.
  project_roles = merge(
    {
      "relay/roles/datastore.user" = "roles/datastore.user"
      # Speech-to-Text v2 (CALLBOT_GOOGLE_STT_API=v2) checks speech.recognizers.recognize.
      "relay/roles/speech.client"                 = "roles/speech.client"
      "post_call_trigger/roles/workflows.invoker" = "roles/workflows.invoker"
      "workflow/roles/logging.logWriter"          = "roles/logging.logWriter"
      # the call console reads calls, events and latency across calls, and writes nothing
      "console/roles/datastore.viewer" = "roles/datastore.viewer"
    },
    { for name, _ in var.functions : "${name}/roles/datastore.user" => "roles/datastore.user" },
  )

  members = merge(local.component_members, { workflow = local.workflow_member })

  # Components that write each turn's trace to Cloud Trace, as their settings say (the console only
  # links to the traces).
  trace_writers = [
    for name, component in var.components : name
    if lookup(component.env, "CALLBOT_TRACE_EXPORTER", "") == "cloud" && name != "console"
  ]

  # Components that call Gemini or the embedding model on Vertex AI, as their settings say
  # (callbot/production_settings.py, through var.components).
  vertex_ai_callers = [
    for name, component in var.components : name
    if lookup(component.env, "CALLBOT_LLM_PROVIDER", "") == "vertexai" || lookup(component.env, "CALLBOT_EMBEDDING_BACKEND", "") == "vertexai"
  ]

  # Topics each component publishes to.
  publishers = {
    relay             = ["callbot-turns", "callbot-call-events"]
    agent_turn        = ["callbot-replies", "callbot-crm-actions", "callbot-calendar-actions", "callbot-knowledge-actions", "callbot-dead-letter"]
    crm_action        = ["callbot-turns", "callbot-dead-letter"]
    calendar_action   = ["callbot-turns", "callbot-dead-letter"]
    knowledge_action  = ["callbot-turns", "callbot-dead-letter"]
    post_call_trigger = ["callbot-dead-letter"]
    console           = ["callbot-call-events"] # RerunPostCall, carried out by post_call_trigger
  }
  topic_publishers = merge([
    for component, topics in local.publishers : {
      for topic in topics : "${component}/${topic}" => { component = component, topic = topic }
    }
  ]...)

  http_functions = { for name, fn in var.functions : name => fn if fn.trigger == "http" }
}

# Calling Gemini and the embedding model checks aiplatform.endpoints.predict on the publisher model
# (Vertex AI's access control: "make prompt requests"), nothing else; roles/aiplatform.user would
# also manage endpoints, models, datasets and jobs. Granted at the project: publisher models have no
# IAM policy of their own.
resource "google_project_iam_custom_role" "vertex_ai_predict" {
  project     = var.project_id
  role_id     = "callbotVertexAiPredict"
  title       = "callbot Vertex AI predictions"
  description = "Call Gemini and the text embedding model (generateContent, predict) and nothing else."
  permissions = ["aiplatform.endpoints.predict"]

  depends_on = [google_project_service.this]
}

resource "google_project_iam_member" "vertex_ai_predict" {
  for_each = toset(local.vertex_ai_callers)

  project = var.project_id
  role    = google_project_iam_custom_role.vertex_ai_predict.name
  member  = local.members[each.key]
}

# Writing spans has no narrower scope than the project.
resource "google_project_iam_member" "trace_writer" {
  for_each = toset(local.trace_writers)

  project = var.project_id
  role    = "roles/cloudtrace.agent"
  member  = local.members[each.key]
}

resource "google_project_iam_member" "component" {
  for_each = local.project_roles

  project = var.project_id
  role    = each.value
  member  = local.members[split("/", each.key)[0]]
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.topic_publishers

  project = var.project_id
  topic   = google_pubsub_topic.this[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = local.members[each.value.component]
}

# --- the relay's own reply subscriptions -------------------------------------------------------
# Each relay instance creates "callbot-replies-<instance>" on the replies topic when it starts and
# deletes it when it stops (stream_relay/replies.py). Pub/Sub checks pubsub.subscriptions.create on
# the project (a condition on the new subscription's name never matches there), so creating is
# granted at the project; what keeps the relay to the replies topic is attaching, granted on that
# topic only. Reading, consuming and deleting are limited to its own subscriptions by name.

resource "google_project_iam_custom_role" "reply_subscription_create" {
  project     = var.project_id
  role_id     = "callbotRelaySubscriptionCreate"
  title       = "callbot relay creates subscriptions"
  description = "Create a subscription; the topic it attaches to needs pubsub.topics.attachSubscription, which the relay holds on the replies topic only."
  permissions = ["pubsub.subscriptions.create"]

  depends_on = [google_project_service.this]
}

resource "google_project_iam_custom_role" "reply_subscriptions" {
  project     = var.project_id
  role_id     = "callbotRelayReplySubscriptions"
  title       = "callbot relay reply subscriptions"
  description = "Read, consume and delete the relay's per-instance subscriptions on the replies topic."
  permissions = [
    "pubsub.subscriptions.consume",
    "pubsub.subscriptions.delete",
    "pubsub.subscriptions.get",
  ]

  depends_on = [google_project_service.this]
}

resource "google_project_iam_custom_role" "reply_topic_attach" {
  project     = var.project_id
  role_id     = "callbotReplyTopicAttach"
  title       = "callbot attach to the replies topic"
  description = "Attach a subscription to a topic; granted on the replies topic only."
  permissions = ["pubsub.topics.attachSubscription"]

  depends_on = [google_project_service.this]
}

resource "google_project_iam_member" "relay_subscription_create" {
  project = var.project_id
  role    = google_project_iam_custom_role.reply_subscription_create.name
  member  = local.relay_member
}

resource "google_project_iam_member" "relay_reply_subscriptions" {
  project = var.project_id
  role    = google_project_iam_custom_role.reply_subscriptions.name
  member  = local.relay_member

  condition {
    title       = "callbot-replies-subscriptions"
    description = "Only the relay's own per-instance reply subscriptions."
    expression  = "resource.name.startsWith(\"projects/${var.project_id}/subscriptions/callbot-replies-\")"
  }
}

resource "google_pubsub_topic_iam_member" "relay_reply_attach" {
  project = var.project_id
  topic   = google_pubsub_topic.this["callbot-replies"].name
  role    = google_project_iam_custom_role.reply_topic_attach.name
  member  = local.relay_member
}

# --- the relay's buckets -----------------------------------------------------------------------

# A call's recording is written in parts during the call, then composed into one object (which reads
# the parts) and the parts deleted: objectUser (create, get, list, delete), not objectCreator.
resource "google_storage_bucket_iam_member" "relay_recordings" {
  bucket = google_storage_bucket.recordings.name
  role   = "roles/storage.objectUser"
  member = local.relay_member
}

resource "google_storage_bucket_iam_member" "relay_audio_cache" {
  bucket = google_storage_bucket.audio_cache.name
  role   = "roles/storage.objectViewer"
  member = local.relay_member
}

# --- building the functions --------------------------------------------------------------------
# Cloud Build runs each function's build as the builder: it reads the source archive (the copy Cloud
# Functions makes of it), writes the image and its build logs. Granted before any function is
# deployed (functions.tf).

resource "google_project_iam_member" "builder_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = local.builder_member
}

# A gen2 function's source is copied from our bucket to the one Cloud Functions keeps per project and
# region, gcf-v2-sources-<project number>-<region>, and the build reads it from there. That bucket is
# made by Cloud Functions on the first deployment, so it cannot be granted on before the functions
# exist: the grant is at the project, limited to that bucket by name.
resource "google_project_iam_member" "builder_function_sources" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = local.builder_member

  condition {
    title       = "gcf-v2-sources"
    description = "Only the bucket Cloud Functions copies function sources to."
    expression  = "resource.name == \"projects/_/buckets/${local.gcf_sources_bucket}\" || resource.name.startsWith(\"projects/_/buckets/${local.gcf_sources_bucket}/objects/\")"
  }
}

resource "google_storage_bucket_iam_member" "builder_source" {
  bucket = google_storage_bucket.function_source.name
  role   = "roles/storage.objectViewer"
  member = local.builder_member
}

resource "google_artifact_registry_repository_iam_member" "builder_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.repository_id
  role       = "roles/artifactregistry.writer"
  member     = local.builder_member
}

# --- Pub/Sub: push with OIDC, dead-lettering -----------------------------------------------------

resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.pusher.id
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent_member
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter" {
  project = var.project_id
  topic   = google_pubsub_topic.this[var.dead_letter_topic].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent_member
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_push" {
  for_each = google_pubsub_subscription.push

  project      = var.project_id
  subscription = each.value.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent_member
}

# --- who may invoke the functions ----------------------------------------------------------------
# Every function is internal-only (ingress) and IAM-protected: the Pub/Sub-triggered ones are
# invoked by the pusher's push subscriptions, the workflow's steps by the workflow only.

resource "google_cloud_run_v2_service_iam_member" "pusher_invoker" {
  for_each = { for name, sub in var.push_subscriptions : sub.function => sub }

  project  = var.project_id
  location = var.region
  name     = module.function[each.key].service_name
  role     = "roles/run.invoker"
  member   = local.pusher_member
}

resource "google_cloud_run_v2_service_iam_member" "workflow_invoker" {
  for_each = local.http_functions

  project  = var.project_id
  location = var.region
  name     = module.function[each.key].service_name
  role     = "roles/run.invoker"
  member   = local.workflow_member
}

# --- Data Access audit logs ----------------------------------------------------------------------
# Firestore holds calls and transcripts, Secret Manager the credentials: record who read and wrote
# them. "datastore.googleapis.com" configures the Firestore API's audit logs too.

resource "google_project_iam_audit_config" "firestore" {
  project = var.project_id
  service = "datastore.googleapis.com"

  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }

  depends_on = [google_project_service.this]
}

resource "google_project_iam_audit_config" "secret_manager" {
  project = var.project_id
  service = "secretmanager.googleapis.com"

  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }

  depends_on = [google_project_service.this]
}
