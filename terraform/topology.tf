# The shape of the system as data: topics and subscriptions (the same as callbot/bus/topology.py
# and callbot/messages.py), the functions, and what every component finds in its environment.
# The other files only iterate over these maps. Values are literals, except the variables (and
# the relay's public URL, see relay.tf) interpolated into environment values.
#
# Every component's environment is merge(common_env, component_env[name]); its secrets are
# component_secrets[name]: env var name -> key of local.secrets (secrets.tf).
locals {
  topics = [
    "callbot-turns",
    "callbot-replies",
    "callbot-call-events",
    "callbot-dead-letter",
    "callbot-crm-actions",
    "callbot-calendar-actions",
    "callbot-knowledge-actions",
  ]

  dead_letter_topic = "callbot-dead-letter"

  # Push subscriptions of our own to the Pub/Sub-triggered functions (no Eventarc trigger), so that
  # the turns topic keeps its per-call ordering on the way to agent_turn.
  push_subscriptions = {
    "callbot-turns-agent-turn" = {
      topic          = "callbot-turns"
      function       = "agent_turn"
      ordered        = true
      ack_deadline_s = 60
    }
    "callbot-crm-actions-crm-action" = {
      topic          = "callbot-crm-actions"
      function       = "crm_action"
      ordered        = false
      ack_deadline_s = 60
    }
    "callbot-calendar-actions-calendar-action" = {
      topic          = "callbot-calendar-actions"
      function       = "calendar_action"
      ordered        = false
      ack_deadline_s = 60
    }
    "callbot-knowledge-actions-knowledge-action" = {
      topic          = "callbot-knowledge-actions"
      function       = "knowledge_action"
      ordered        = false
      ack_deadline_s = 60
    }
    "callbot-call-events-post-call-trigger" = {
      topic          = "callbot-call-events"
      function       = "post_call_trigger"
      ordered        = false
      ack_deadline_s = 60
    }
  }

  pull_subscriptions = {
    "callbot-dead-letter-audit" = {
      topic = "callbot-dead-letter"
    }
  }

  max_delivery_attempts = 10
  retry_minimum_backoff = "1s"
  retry_maximum_backoff = "60s"

  # Keyed by entry point. Pub/Sub-triggered functions time out within their subscription's ack
  # deadline; the workflow's steps within its 300 s HTTP timeout.
  functions = {
    agent_turn = {
      trigger       = "pubsub"
      source_dir    = "functions/agent_turn"
      min_instances = 1
      max_instances = 50
      memory        = "512Mi"
      timeout_s     = 60
    }
    crm_action = {
      trigger       = "pubsub"
      source_dir    = "functions/crm_action"
      min_instances = 0
      max_instances = 20
      memory        = "512Mi"
      timeout_s     = 60
    }
    calendar_action = {
      trigger       = "pubsub"
      source_dir    = "functions/calendar_action"
      min_instances = 0
      max_instances = 20
      memory        = "512Mi"
      timeout_s     = 60
    }
    knowledge_action = {
      trigger       = "pubsub"
      source_dir    = "functions/knowledge_action"
      min_instances = 0
      max_instances = 20
      memory        = "512Mi"
      timeout_s     = 60
    }
    post_call_trigger = {
      trigger       = "pubsub"
      source_dir    = "functions/post_call_trigger"
      min_instances = 0
      max_instances = 10
      memory        = "512Mi"
      timeout_s     = 60
    }
    summarize_call = {
      trigger       = "http"
      source_dir    = "functions/summarize_call"
      min_instances = 0
      max_instances = 20
      memory        = "512Mi"
      timeout_s     = 300
    }
    sync_crm = {
      trigger       = "http"
      source_dir    = "functions/sync_crm"
      min_instances = 0
      max_instances = 10
      memory        = "512Mi"
      timeout_s     = 300
    }
    send_confirmation = {
      trigger       = "http"
      source_dir    = "functions/send_confirmation"
      min_instances = 0
      max_instances = 10
      memory        = "512Mi"
      timeout_s     = 120
    }
    record_post_call = {
      trigger       = "http"
      source_dir    = "functions/record_post_call"
      min_instances = 0
      max_instances = 10
      memory        = "512Mi"
      timeout_s     = 60
    }
  }

  common_env = {
    CALLBOT_ENVIRONMENT         = "${var.environment}"
    CALLBOT_PROJECT_ID          = "${var.project_id}"
    CALLBOT_COMPANY_NAME        = "${var.company_name}"
    CALLBOT_COMPANY_TIMEZONE    = "${var.company_timezone}"
    CALLBOT_LOG_LEVEL           = "${var.log_level}"
    CALLBOT_CALL_RETENTION_DAYS = "${var.retention_days}"
  }

  # Bucket names here are the ones storage.tf declares.
  component_env = {
    relay = {
      CALLBOT_PUBLIC_URL         = "${local.relay_public_url}"
      CALLBOT_STT_ENGINE         = "google"
      CALLBOT_TTS_ENGINE         = "google"
      CALLBOT_RECORDINGS_URI     = "gs://${var.project_id}-callbot-recordings/recordings"
      CALLBOT_AUDIO_CACHE_URI    = "gs://${var.project_id}-callbot-audio-cache/phrases"
      CALLBOT_TRANSFER_NUMBER    = "${var.transfer_number}"
      CALLBOT_TWILIO_ACCOUNT_SID = "${var.twilio_account_sid}"
    }
    agent_turn = {
      CALLBOT_LLM_PROVIDER = "vertexai"
      CALLBOT_LLM_LOCATION = "${var.llm_location}"
    }
    crm_action = {
      CALLBOT_CRM_BACKEND          = "salesforce"
      CALLBOT_CALENDAR_BACKEND     = "google"
      CALLBOT_SALESFORCE_LOGIN_URL = "${var.salesforce_login_url}"
      CALLBOT_SALESFORCE_CLIENT_ID = "${var.salesforce_client_id}"
      CALLBOT_SALESFORCE_USERNAME  = "${var.salesforce_username}"
      CALLBOT_CALENDAR_REPS        = "${var.calendar_reps}"
    }
    calendar_action = {
      CALLBOT_CALENDAR_BACKEND = "google"
      CALLBOT_CALENDAR_REPS    = "${var.calendar_reps}"
    }
    knowledge_action = {
      CALLBOT_KNOWLEDGE_BACKEND = "firestore"
      CALLBOT_EMBEDDING_BACKEND = "vertexai"
    }
    post_call_trigger = {
      CALLBOT_WORKFLOW_ENGINE   = "cloud"
      CALLBOT_WORKFLOW_ID       = "post-call"
      CALLBOT_WORKFLOW_LOCATION = "${var.region}"
    }
    summarize_call = {
      CALLBOT_LLM_PROVIDER = "vertexai"
      CALLBOT_LLM_LOCATION = "${var.llm_location}"
    }
    sync_crm = {
      CALLBOT_CRM_BACKEND          = "salesforce"
      CALLBOT_CALENDAR_BACKEND     = "google"
      CALLBOT_SALESFORCE_LOGIN_URL = "${var.salesforce_login_url}"
      CALLBOT_SALESFORCE_CLIENT_ID = "${var.salesforce_client_id}"
      CALLBOT_SALESFORCE_USERNAME  = "${var.salesforce_username}"
      CALLBOT_CALENDAR_REPS        = "${var.calendar_reps}"
    }
    send_confirmation = {
      CALLBOT_TWILIO_ACCOUNT_SID = "${var.twilio_account_sid}"
      CALLBOT_SMS_FROM           = "${var.sms_from}"
    }
    record_post_call = {}
  }

  component_secrets = {
    relay = {
      CALLBOT_TWILIO_AUTH_TOKEN = "twilio_auth_token"
    }
    agent_turn        = {}
    crm_action        = { CALLBOT_SALESFORCE_PRIVATE_KEY = "salesforce_private_key" }
    calendar_action   = {}
    knowledge_action  = {}
    post_call_trigger = {}
    summarize_call    = {}
    sync_crm          = { CALLBOT_SALESFORCE_PRIVATE_KEY = "salesforce_private_key" }
    send_confirmation = {
      CALLBOT_TWILIO_AUTH_TOKEN = "twilio_auth_token"
    }
    record_post_call = {}
  }
}
