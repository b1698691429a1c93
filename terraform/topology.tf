# The shape of the system, generated from the Python side: topology.auto.tfvars.json sets the
# variables below from callbot/bus/topology.py (topics, subscriptions, delivery policy) and
# callbot/production_settings.py (the functions, what every component reads, the post-call
# workflow's variables). Change those and run `python scripts/generate_topology.py`; never set these
# variables in an environment's tfvars. The other files only iterate over them.
#
# What differs between environments is here, in local.deployment_settings; every component's
# environment is local.component_env[name], its secrets local.component_secrets[name] (env var
# name -> key of local.secrets, secrets.tf).

variable "topics" {
  type        = list(string)
  description = "Pub/Sub topics: the topic map of callbot/messages.py. Generated (topology.auto.tfvars.json)."
}

variable "dead_letter_topic" {
  type        = string
  description = "The topic push subscriptions forward a message to once max_delivery_attempts deliveries failed. Generated (topology.auto.tfvars.json)."

  validation {
    condition     = contains(var.topics, var.dead_letter_topic)
    error_message = "dead_letter_topic must be one of topics."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of a message to a push subscription before it is dead-lettered. Generated (topology.auto.tfvars.json)."

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

variable "retry_minimum_backoff" {
  type        = string
  description = "Shortest wait before Pub/Sub delivers a message again, e.g. 1s. Generated (topology.auto.tfvars.json)."
}

variable "retry_maximum_backoff" {
  type        = string
  description = "Longest wait before Pub/Sub delivers a message again, e.g. 60s. Generated (topology.auto.tfvars.json)."
}

variable "push_subscriptions" {
  type = map(object({
    topic          = string
    function       = string
    ordered        = bool
    ack_deadline_s = number
  }))
  description = "Push subscriptions to the Pub/Sub-triggered functions, by name: topic, the function pushed to, per-key ordering, ack deadline. Generated (topology.auto.tfvars.json)."
}

variable "pull_subscriptions" {
  type = map(object({
    topic = string
  }))
  description = "Pull subscriptions, by name: the dead-letter audit subscription. Generated (topology.auto.tfvars.json)."
}

variable "functions" {
  type = map(object({
    trigger       = string
    source_dir    = string
    min_instances = number
    max_instances = number
    memory        = string
    timeout_s     = number
  }))
  description = "The Cloud Functions by entry point: trigger (pubsub: behind a push subscription; http: a step of the post-call workflow), source folder, instances, memory, timeout. Generated (topology.auto.tfvars.json)."
}

variable "components" {
  type = map(object({
    env            = map(string)
    deployment_env = list(string)
    secret_env     = map(string)
  }))
  description = "What each component (relay and functions) reads: env, values fixed for every environment; deployment_env, names of local.deployment_settings; secret_env, env var name -> key of local.secrets. Generated (topology.auto.tfvars.json)."

  validation {
    condition     = length(setsubtract(flatten(values(var.components)[*].deployment_env), keys(local.deployment_settings))) == 0
    error_message = "components ask for settings local.deployment_settings (topology.tf) does not give: ${join(", ", setsubtract(flatten(values(var.components)[*].deployment_env), keys(local.deployment_settings)))}."
  }

  validation {
    condition     = length(setsubtract(flatten([for component in values(var.components) : values(component.secret_env)]), keys(local.secrets))) == 0
    error_message = "components ask for secrets local.secrets (secrets.tf) does not declare: ${join(", ", setsubtract(flatten([for component in values(var.components) : values(component.secret_env)]), keys(local.secrets)))}."
  }
}

variable "post_call_workflow" {
  type = object({
    source       = string
    env          = map(string)
    step_url_env = map(string)
  })
  description = "The post-call workflow: its source (from the repository root), fixed env, and the env var holding each step function's URL (env var -> function). Generated (topology.auto.tfvars.json)."
}

locals {
  # The settings whose value only the deployment knows, by env var name: inputs, and the names and
  # URLs of what this configuration declares. Which component reads which: var.components.
  deployment_settings = {
    CALLBOT_ENVIRONMENT                 = var.environment
    CALLBOT_PROJECT_ID                  = var.project_id
    CALLBOT_COMPANY_NAME                = var.company_name
    CALLBOT_COMPANY_TIMEZONE            = var.company_timezone
    CALLBOT_LOG_LEVEL                   = var.log_level
    CALLBOT_CALL_RETENTION_DAYS         = tostring(var.retention_days)
    CALLBOT_PUBLIC_URL                  = local.relay_public_url
    CALLBOT_RECORDINGS_URI              = "gs://${google_storage_bucket.recordings.name}/recordings"
    CALLBOT_AUDIO_CACHE_URI             = "gs://${google_storage_bucket.audio_cache.name}/phrases"
    CALLBOT_TRANSFER_NUMBER             = var.transfer_number
    CALLBOT_TWILIO_ACCOUNT_SID          = var.twilio_account_sid
    CALLBOT_SMS_FROM                    = var.sms_from
    CALLBOT_LLM_LOCATION                = var.llm_location
    CALLBOT_SALESFORCE_LOGIN_URL        = var.salesforce_login_url
    CALLBOT_SALESFORCE_CLIENT_ID        = var.salesforce_client_id
    CALLBOT_SALESFORCE_USERNAME         = var.salesforce_username
    CALLBOT_CALENDAR_REPS               = var.calendar_reps
    CALLBOT_CALENDAR_AUTH               = var.calendar_auth
    CALLBOT_CALENDAR_ORGANIZER_ID       = var.calendar_organizer_id
    CALLBOT_CALENDAR_DELEGATION_ACCOUNT = var.calendar_delegation_account
    CALLBOT_INVITATION_FROM             = var.invitation_from
    CALLBOT_WORKFLOW_ID                 = local.post_call_workflow_id
    CALLBOT_WORKFLOW_LOCATION           = var.region
    CALLBOT_CONSOLE_IAP_AUDIENCE        = local.console_iap_audience
    CALLBOT_CONSOLE_ADMINS              = jsonencode(var.console_admins)
    CALLBOT_CONSOLE_REVIEWERS           = jsonencode(var.console_reviewers)
  }

  component_env = {
    for name, component in var.components : name => merge(
      component.env,
      { for setting in component.deployment_env : setting => local.deployment_settings[setting] },
    )
  }

  component_secrets = { for name, component in var.components : name => component.secret_env }
}
