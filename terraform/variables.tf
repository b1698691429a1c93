# Inputs of one environment (staging or prod); terraform.tfvars.example lists them with examples.
# Secret values are not inputs: they are added to Secret Manager by hand (README.md).

# --- project -----------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "The Google Cloud project of this environment (one project per environment)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "Region of the relay, the functions, the workflow, the buckets and the image repositories."
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as us-central1 or europe-west1."
  }
}

variable "environment" {
  type        = string
  description = "Which environment this project is: staging or prod (dev is the local stack, never deployed)."

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be staging or prod."
  }
}

variable "firestore_location" {
  type        = string
  description = "Location of the Firestore database (a multi-region such as nam5 or eur3, or a region). Cannot be changed once created."
  default     = "nam5"

  validation {
    condition     = can(regex("^[a-z0-9-]+$", var.firestore_location))
    error_message = "firestore_location must be a Firestore location id such as nam5, eur3 or us-central1."
  }
}

# --- what is deployed --------------------------------------------------------------------------

variable "relay_image" {
  type        = string
  description = "Container image of the stream relay, preferably pinned by digest (REGION-docker.pkg.dev/PROJECT/callbot/relay@sha256:...)."

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$", var.relay_image))
    error_message = "relay_image must be a full image reference with a tag or a sha256 digest."
  }
}

variable "console_image" {
  type        = string
  description = "Container image of the call console, preferably pinned by digest (REGION-docker.pkg.dev/PROJECT/callbot/console@sha256:...)."

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$", var.console_image))
    error_message = "console_image must be a full image reference with a tag or a sha256 digest."
  }
}

variable "function_source_versions" {
  type        = map(string)
  description = "Version of each function's source archive, by entry point: the function is built from gs://<function source bucket>/functions/<entry point>/<version>.zip (README.md: what an archive holds). scripts/package_functions.py writes them, one digest per archive, as dist/functions/source_versions.tfvars.json."

  validation {
    condition     = alltrue([for version in values(var.function_source_versions) : can(regex("^[A-Za-z0-9._-]{1,64}$", version))])
    error_message = "Each function source version must be 1-64 letters, digits, dots, underscores or hyphens."
  }

  validation {
    condition     = length(setsubtract(keys(var.functions), keys(var.function_source_versions))) == 0
    error_message = "function_source_versions has no version for: ${join(", ", setsubtract(keys(var.functions), keys(var.function_source_versions)))}."
  }
}

# --- telephony ---------------------------------------------------------------------------------

variable "twilio_account_sid" {
  type        = string
  description = "Twilio account SID (not a secret); its auth token lives in Secret Manager."

  validation {
    condition     = can(regex("^AC[0-9a-f]{32}$", var.twilio_account_sid))
    error_message = "twilio_account_sid must be AC followed by 32 lowercase hex digits."
  }
}

variable "sms_from" {
  type        = string
  description = "E.164 sender of the meeting confirmation SMS; empty: the number the caller called."
  default     = ""

  validation {
    condition     = var.sms_from == "" || can(regex("^\\+[1-9][0-9]{6,14}$", var.sms_from))
    error_message = "sms_from must be empty or an E.164 number such as +14155550100."
  }
}

variable "transfer_number" {
  type        = string
  description = "E.164 number of the sales desk the relay dials when a caller asks for a person."

  validation {
    condition     = can(regex("^\\+[1-9][0-9]{6,14}$", var.transfer_number))
    error_message = "transfer_number must be an E.164 number such as +14155550100."
  }
}

variable "relay_public_url" {
  type        = string
  description = "The URL Twilio calls (signatures are checked against it). Empty: the relay's own Cloud Run URL, https://callbot-relay-<project number>.<region>.run.app; set it when a custom domain fronts the relay."
  default     = ""

  validation {
    condition     = var.relay_public_url == "" || can(regex("^https://[a-z0-9.-]+(:[0-9]+)?/?$", var.relay_public_url))
    error_message = "relay_public_url must be empty or an https:// origin without a path."
  }
}

# --- CRM and calendars -------------------------------------------------------------------------

variable "salesforce_login_url" {
  type        = string
  description = "Salesforce OAuth server: https://login.salesforce.com, https://test.salesforce.com for a sandbox, or the org's My Domain."
  default     = "https://login.salesforce.com"

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+/?$", var.salesforce_login_url))
    error_message = "salesforce_login_url must be an https:// origin."
  }
}

variable "salesforce_client_id" {
  type        = string
  description = "Consumer key of the Salesforce connected app used for the JWT bearer flow (its private key lives in Secret Manager)."

  validation {
    condition     = length(trimspace(var.salesforce_client_id)) > 0
    error_message = "salesforce_client_id must not be empty."
  }
}

variable "salesforce_username" {
  type        = string
  description = "Salesforce integration user the JWT bearer flow signs in as."

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.salesforce_username))
    error_message = "salesforce_username must look like a Salesforce username (user@domain)."
  }
}

variable "calendar_reps" {
  type        = string
  description = "JSON list of the sales reps meetings are booked with: [{\"name\", \"email\", \"calendar_id\" (optional), \"timezone\"}]. Each rep's calendar must be shared with the calendar service accounts (output calendar_service_accounts)."

  validation {
    condition     = can(length(jsondecode(var.calendar_reps))) && can([for rep in jsondecode(var.calendar_reps) : rep.email])
    error_message = "calendar_reps must be a JSON list of objects, each with at least an email."
  }
}

variable "calendar_auth" {
  type        = string
  description = "Who books the meetings (docs/runbook.md, Set up the calendars): delegation (a service account with Workspace domain-wide delegation acts as the rep or organizer), organizer_oauth (the organizer's refresh token, secret callbot-calendar-organizer-oauth), or service_account (the functions' own accounts; Google refuses them attendees, so the caller is not invited)."
  default     = "service_account"

  validation {
    condition     = contains(["service_account", "delegation", "organizer_oauth"], var.calendar_auth)
    error_message = "calendar_auth must be service_account, delegation or organizer_oauth."
  }
}

variable "calendar_organizer_id" {
  type        = string
  description = "Email of the organizer whose primary calendar holds every meeting and invites the rep (delegation or organizer_oauth); empty: each meeting in its rep's calendar."
  default     = ""

  validation {
    condition     = var.calendar_organizer_id == "" || can(regex("^[^@\\s]+@[^@\\s]+$", var.calendar_organizer_id))
    error_message = "calendar_organizer_id must be an email address, or empty."
  }
}

variable "calendar_delegation_account" {
  type        = string
  description = "delegation: email of the delegate service account whose client id the Workspace admin authorized; the calendar functions sign as it (Service Account Token Creator on it, docs/runbook.md)."
  default     = ""

  validation {
    condition     = var.calendar_delegation_account == "" || endswith(var.calendar_delegation_account, ".gserviceaccount.com")
    error_message = "calendar_delegation_account must be a service account email, or empty."
  }
}

variable "invitation_from" {
  type        = string
  description = "calendar_auth service_account: the verified SendGrid sender the caller's calendar invitation is emailed from after the call (docs/runbook.md, Set up the calendars); empty: no invitation is emailed."
  default     = ""

  validation {
    condition     = var.invitation_from == "" || can(regex("^[^@\\s]+@[^@\\s]+$", var.invitation_from))
    error_message = "invitation_from must be an email address, or empty."
  }
}

# --- company -----------------------------------------------------------------------------------

variable "company_name" {
  type        = string
  description = "Company name the agent speaks for."

  validation {
    condition     = length(trimspace(var.company_name)) > 0
    error_message = "company_name must not be empty."
  }
}

variable "company_timezone" {
  type        = string
  description = "IANA time zone the agent speaks times in."
  default     = "America/New_York"

  validation {
    condition     = can(regex("^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.company_timezone))
    error_message = "company_timezone must be an IANA zone such as America/New_York."
  }
}

# --- operations --------------------------------------------------------------------------------

variable "alert_email" {
  type        = string
  description = "Email address alerts (failed calls, dead-lettered messages) are sent to."

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an email address."
  }
}

variable "retention_days" {
  type        = number
  description = "Days calls, transcripts and recordings are kept (Firestore TTL on expire_at, bucket lifecycle)."
  default     = 30

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 3650 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days between 1 and 3650."
  }
}

variable "log_level" {
  type        = string
  description = "Log level of every component."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "llm_location" {
  type        = string
  description = "Vertex AI region of the Gemini models (agent_turn, summarize_call)."
  default     = "us-central1"

  validation {
    condition     = can(regex("^(global|[a-z]+-[a-z]+[0-9]+)$", var.llm_location))
    error_message = "llm_location must be global or a Vertex AI region such as us-central1."
  }
}

# --- who uses the call console -----------------------------------------------------------------

variable "console_admins" {
  type        = list(string)
  description = "Who may open the call console and reveal callers' numbers and emails (audited): Google accounts' emails, or @domain for everyone of a Workspace domain. Each is let through Identity-Aware Proxy."
  default     = []

  validation {
    condition     = alltrue([for entry in var.console_admins : can(regex("^([^@\\s]+@|@)[a-z0-9.-]+\\.[a-z]+$", lower(entry)))])
    error_message = "console_admins entries must be emails or @domain."
  }
}

variable "console_reviewers" {
  type        = list(string)
  description = "Who may open the call console with numbers and emails masked: emails, or @domain. Each is let through Identity-Aware Proxy."
  default     = []

  validation {
    condition     = alltrue([for entry in var.console_reviewers : can(regex("^([^@\\s]+@|@)[a-z0-9.-]+\\.[a-z]+$", lower(entry)))])
    error_message = "console_reviewers entries must be emails or @domain."
  }
}

variable "console_max_instances" {
  type        = number
  description = "Upper bound on call console instances (it scales to zero when nobody looks)."
  default     = 3

  validation {
    condition     = var.console_max_instances >= 1 && floor(var.console_max_instances) == var.console_max_instances
    error_message = "console_max_instances must be a whole number, at least 1."
  }
}

# --- relay sizing ------------------------------------------------------------------------------

variable "relay_concurrency" {
  type        = number
  description = "Calls (requests) one relay instance takes at once. The relay's event loop is one thread: see bench/README.md (bench.relay_capacity) for how the default was measured, and re-measure on the instance type before raising it."
  default     = 20

  validation {
    condition     = var.relay_concurrency >= 1 && var.relay_concurrency <= 1000 && floor(var.relay_concurrency) == var.relay_concurrency
    error_message = "relay_concurrency must be a whole number between 1 and 1000."
  }
}

variable "relay_min_instances" {
  type        = number
  description = "Relay instances kept running (at least 1: the first ring must not wait for a cold start)."
  default     = 1

  validation {
    condition     = var.relay_min_instances >= 1 && floor(var.relay_min_instances) == var.relay_min_instances
    error_message = "relay_min_instances must be a whole number, at least 1."
  }
}

variable "relay_max_instances" {
  type        = number
  description = "Upper bound on relay instances."
  default     = 10

  validation {
    condition     = var.relay_max_instances >= var.relay_min_instances && floor(var.relay_max_instances) == var.relay_max_instances
    error_message = "relay_max_instances must be a whole number, at least relay_min_instances."
  }
}

variable "relay_cpu" {
  type        = string
  description = "vCPUs of a relay instance (always allocated)."
  default     = "2"

  validation {
    condition     = contains(["1", "2", "4", "8"], var.relay_cpu)
    error_message = "relay_cpu must be 1, 2, 4 or 8."
  }
}

variable "relay_memory" {
  type        = string
  description = "Memory of a relay instance, e.g. 2Gi."
  default     = "2Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.relay_memory))
    error_message = "relay_memory must be a quantity in Mi or Gi, e.g. 2Gi."
  }
}
