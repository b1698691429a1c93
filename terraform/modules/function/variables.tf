variable "name" {
  type        = string
  description = "Entry point of the function (a folder of functions/ with a main.py), e.g. agent_turn; also names the function and its service account."

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{1,40}$", var.name))
    error_message = "name must be a Python identifier in lowercase, at most 41 characters."
  }
}

variable "project_id" {
  type        = string
  description = "Project the function and its service account live in."
}

variable "region" {
  type        = string
  description = "Region of the function."
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime."
  default     = "python311"

  validation {
    condition     = can(regex("^python3[0-9]+$", var.runtime))
    error_message = "runtime must be a Python runtime such as python311."
  }
}

variable "service_account_email" {
  type        = string
  description = "Email of the service account the function runs as. Made by the caller, not here: the caller's grants to it (secret accessors) are inputs of this module, and would otherwise wait on this module's outputs (a cycle)."
}

variable "source_bucket" {
  type        = string
  description = "Bucket holding the function's source archive."
}

variable "source_object" {
  type        = string
  description = "Object name of the source archive (a zip with main.py at its root)."

  validation {
    condition     = endswith(var.source_object, ".zip")
    error_message = "source_object must be a .zip archive."
  }
}

variable "build_service_account" {
  type        = string
  description = "Service account Cloud Build runs the function's build as (projects/PROJECT/serviceAccounts/EMAIL)."
}

variable "docker_repository" {
  type        = string
  description = "Artifact Registry repository the built image goes to (projects/PROJECT/locations/REGION/repositories/REPO)."
}

variable "env" {
  type        = map(string)
  description = "Environment variables of the function."
  default     = {}
}

variable "secret_env" {
  type        = map(string)
  description = "Environment variables read from Secret Manager: env var name -> secret id (latest version, in this project)."
  default     = {}
}

variable "secret_access" {
  type        = list(string)
  description = "IDs of the IAM bindings that let the function's service account read its secrets. Only orders the deployment after them (a revision whose secrets cannot be read fails to start)."
  default     = []
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm."
  default     = 0

  validation {
    condition     = var.min_instances >= 0 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number, 0 or more."
  }
}

variable "max_instances" {
  type        = number
  description = "Upper bound on instances."

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number, at least 1."
  }
}

variable "memory" {
  type        = string
  description = "Memory of an instance, e.g. 512Mi."
  default     = "512Mi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory must be a quantity in Mi or Gi, e.g. 512Mi."
  }
}

variable "timeout_s" {
  type        = number
  description = "Request timeout in seconds."
  default     = 60

  validation {
    condition     = var.timeout_s >= 1 && var.timeout_s <= 3600
    error_message = "timeout_s must be between 1 and 3600."
  }
}
