"""How `tests/unit/terraform_config.py` reads Terraform, on a small configuration written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.terraform_config import (
    checkov_skips,
    dynamic_blocks,
    file_argument,
    keys_of,
    load_module,
    load_tree,
    nested,
    quoted_strings,
    roles_in,
    whole_reference,
)

TOPOLOGY = """
locals {
  topics = ["callbot-turns", "callbot-dead-letter"]
  push_subscriptions = {
    "callbot-turns-agent-turn" = { topic = "callbot-turns", function = "agent_turn", ordered = true, ack_deadline_s = 60 }
  }
  functions = {
    agent_turn = { trigger = "pubsub", source_dir = "functions/agent_turn", min_instances = 0, max_instances = 5, memory = "512Mi", timeout_s = 60 }
  }
  # the relay's URL is known only once it is deployed
  common_env    = { CALLBOT_ENVIRONMENT = var.environment }
  component_env = { relay = { CALLBOT_PUBLIC_URL = "https://${var.domain}" }, agent_turn = {} }
  secrets       = toset(["twilio-auth-token", "salesforce-private-key"])
  runtime_roles = ["roles/datastore.user", "roles/pubsub.publisher"]
}
"""

MAIN = """
locals {
  http_functions = { for name, f in local.functions : name => f if f.trigger == "http" }
  relay_env      = merge(local.common_env, local.component_env["relay"])
}

variable "relay_min_instances" {
  type        = number
  description = "instances kept warm"
  default     = 1
}

module "function" {
  for_each    = local.functions
  source      = "./modules/function"
  entry_point = each.key
}

resource "google_pubsub_topic" "topic" {
  for_each = toset(local.topics)
  name     = each.value
}

resource "google_cloud_run_v2_service" "relay" {
  name = "relay"
  template {
    timeout          = "3600s"
    session_affinity = true
    scaling {
      min_instance_count = var.relay_min_instances
    }
    containers {
      image = "relay"
      resources {
        cpu_idle = false
      }
      startup_probe {
        http_get {
          path = "/healthz"
        }
      }
      dynamic "env" {
        for_each = local.relay_env
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }
}

resource "google_workflows_workflow" "post_call" {
  name            = "post-call"
  source_contents = file("${path.module}/../workflows/post_call.yaml")
  user_env_vars = {
    CALLBOT_SUMMARIZE_CALL_URL = module.function["summarize_call"].url
    CALLBOT_FUNCTION_AUTH      = "OIDC"
  }
}

resource "google_project_iam_member" "runtime" {
  # checkov:skip=CKV_GCP_49: the runtime account needs these on the project
  for_each = toset(local.runtime_roles)
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:runtime@example.iam.gserviceaccount.com"
}

resource "google_project_iam_member" "deployer" {
  project = var.project_id
  role    = "roles/run.admin" # checkov:skip=CKV_GCP_41
  member  = "serviceAccount:deployer@example.iam.gserviceaccount.com"
}
"""

MODULE = """
resource "google_cloudfunctions2_function" "function" {
  name = var.name
  build_config {
    entry_point = var.entry_point
  }
}
"""


@pytest.fixture
def terraform(tmp_path: Path) -> Path:
    root = tmp_path / "terraform"
    (root / "modules/function").mkdir(parents=True)
    (root / "topology.tf").write_text(TOPOLOGY)
    (root / "main.tf").write_text(MAIN)
    (root / "modules/function/main.tf").write_text(MODULE)
    (root / ".terraform/modules/cached").mkdir(parents=True)
    (root / ".terraform/modules/cached/main.tf").write_text('resource "x" "y" {}\n')
    return root


def test_files_of_a_directory_are_merged(terraform):
    module = load_module(terraform)
    assert module.locals["topics"] == ["callbot-turns", "callbot-dead-letter"]
    assert "http_functions" in module.locals
    assert set(module.modules) == {"function"}
    assert set(module.resources) == {"google_pubsub_topic", "google_cloud_run_v2_service",
                                     "google_workflows_workflow", "google_project_iam_member"}
    assert module.variables["relay_min_instances"]["default"] == 1


def test_literals_come_without_quotes(terraform):
    locals_ = load_module(terraform).locals
    assert locals_["push_subscriptions"] == {"callbot-turns-agent-turn": {
        "topic": "callbot-turns", "function": "agent_turn", "ordered": True, "ack_deadline_s": 60}}
    assert locals_["functions"]["agent_turn"]["timeout_s"] == 60
    assert locals_["component_env"]["relay"] == {"CALLBOT_PUBLIC_URL": "https://${var.domain}"}
    assert locals_["component_env"]["agent_turn"] == {}


def test_expressions_are_text(terraform):
    module = load_module(terraform)
    assert module.modules["function"]["for_each"] == "${local.functions}"
    assert module.modules["function"]["entry_point"] == "${each.key}"
    assert module.locals["common_env"] == {"CALLBOT_ENVIRONMENT": "${var.environment}"}
    assert whole_reference(module.modules["function"]["for_each"], "local") == "functions"
    assert whole_reference("${local.functions.agent_turn}", "local") is None


def test_locals_are_followed_through_other_locals(terraform):
    module = load_module(terraform)
    relay = module.resources_of("google_cloud_run_v2_service")["relay"]
    assert module.referenced_locals(relay) == {"relay_env", "common_env", "component_env"}
    assert module.referenced_locals(module.resources_of("google_pubsub_topic")["topic"]["for_each"]) == {"topics"}


def test_variables_resolve_to_their_default(terraform):
    module = load_module(terraform)
    [scaling] = nested(module.resources_of("google_cloud_run_v2_service")["relay"], "template", "scaling")
    assert scaling["min_instance_count"] == "${var.relay_min_instances}"
    assert module.resolve(scaling["min_instance_count"]) == 1
    assert module.resolve("${local.topics}") == ["callbot-turns", "callbot-dead-letter"]
    assert module.resolve("${var.unknown}") == "${var.unknown}"


def test_nested_and_dynamic_blocks(terraform):
    relay = load_module(terraform).resources_of("google_cloud_run_v2_service")["relay"]
    [resources] = nested(relay, "template", "containers", "resources")
    assert resources["cpu_idle"] is False
    assert nested(relay, "template", "containers", "startup_probe", "http_get") == [{"path": "/healthz"}]
    assert nested(relay, "template", "containers", "liveness_probe") == []
    [container] = nested(relay, "template", "containers")
    [env] = dynamic_blocks(container, "env")
    assert env["for_each"] == "${local.relay_env}"


@pytest.mark.parametrize("declared", [
    ["twilio-auth-token", "salesforce-private-key"],
    {"twilio-auth-token": {"label": "x"}, "salesforce-private-key": {"label": "y"}},
    '${toset(["twilio-auth-token", "salesforce-private-key"])}',
])
def test_secret_keys_however_declared(declared):
    assert keys_of(declared) == {"twilio-auth-token", "salesforce-private-key"}


def test_secret_keys_of_the_fixture(terraform):
    assert keys_of(load_module(terraform).locals["secrets"]) == {"twilio-auth-token", "salesforce-private-key"}


def test_roles_are_found_in_literals_and_locals(terraform):
    module = load_module(terraform)
    runtime = module.resources_of("google_project_iam_member")["runtime"]
    assert runtime["role"] == "${each.value}"
    assert module.referenced_locals(runtime["for_each"]) == {"runtime_roles"}
    assert roles_in(module.locals["runtime_roles"]) == {"roles/datastore.user", "roles/pubsub.publisher"}
    assert roles_in(module.resources_of("google_project_iam_member")["deployer"]) == {"roles/run.admin"}


def test_quoted_strings_of_an_expression():
    assert quoted_strings('${module.function["summarize_call"].url}') == ["summarize_call"]


def test_file_arguments_resolve_against_the_module(terraform):
    workflow = load_module(terraform).resources_of("google_workflows_workflow")["post_call"]
    assert file_argument(workflow["source_contents"], terraform) == (
        terraform.parent / "workflows/post_call.yaml").resolve()
    assert workflow["user_env_vars"]["CALLBOT_SUMMARIZE_CALL_URL"] == '${module.function["summarize_call"].url}'
    assert file_argument("${var.source}", terraform) is None


def test_the_tree_skips_downloaded_modules(terraform):
    directories = [module.directory for module in load_tree(terraform)]
    assert directories == [terraform, terraform / "modules/function"]
    functions = load_tree(terraform)[1].resources_of("google_cloudfunctions2_function")
    assert nested(functions["function"], "build_config") == [{"entry_point": "${var.entry_point}"}]


def test_checkov_skips_with_and_without_reason(terraform):
    skips = [(path.name, check, reason) for path, _, check, reason in checkov_skips(terraform)]
    assert ("main.tf", "CKV_GCP_49", "the runtime account needs these on the project") in skips
    assert ("main.tf", "CKV_GCP_41", "") in skips
