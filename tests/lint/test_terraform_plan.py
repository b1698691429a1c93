"""`terraform init`, `validate` and `plan -refresh=false` of the root module pass offline, against the
fake Google providers (`devtools/fake_terraform_provider`: the real providers' schemas, no cloud);
broken copies of the root module prove that each class of defect fails them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from devtools.fake_terraform_provider.generate import PACKAGES, required_sources, used_types
from devtools.fake_terraform_provider.offline import OfflineTerraform, Step
from devtools.fake_terraform_provider.schema import committed_schemas

PLANNED = re.compile(r"^Plan: (?P<add>\d+) to add, 0 to change, 0 to destroy\.$", re.MULTILINE)

SMALL_MODULE = """
terraform {
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}

provider "google" {
  project = "demo"
  region  = "us-central1"
}

data "google_project" "this" {
  project_id = "demo"
}

resource "google_pubsub_topic" "calls" {
  name = "calls-${data.google_project.this.number}"
}

resource "google_pubsub_subscription" "calls" {
  name  = "calls"
  topic = google_pubsub_topic.calls.id
  push_config {
    push_endpoint = "https://example.com/push"
  }
}

output "subscription" {
  value = google_pubsub_subscription.calls.id
}
"""

# Each a file added to a copy of the root module, and what Terraform must say about it.
BROKEN = {
    "cycle": ("""
resource "google_pubsub_topic" "broken_a" {
  name   = "broken-a"
  labels = { peer = google_pubsub_topic.broken_b.name }
}

resource "google_pubsub_topic" "broken_b" {
  name   = "broken-b"
  labels = { peer = google_pubsub_topic.broken_a.name }
}
""", "Cycle: "),
    "unknown argument": ("""
resource "google_pubsub_topic" "broken" {
  name           = "broken"
  retention_days = 7
}
""", 'An argument named "retention_days" is not expected here.'),
    "missing required argument": ("""
resource "google_pubsub_subscription" "broken" {
  name = "broken"
}
""", 'The argument "topic" is required, but no definition was found.'),
    "bad reference": ("""
resource "google_pubsub_topic" "broken" {
  name = google_service_account.relay.mail
}
""", 'This object has no argument, nested block, or exported attribute named "mail"'),
    "undeclared reference": ("""
resource "google_pubsub_topic" "broken" {
  name = google_pubsub_topic.no_such_topic.name
}
""", "Reference to undeclared resource"),
    "missing required block": ("""
resource "google_cloud_run_v2_service" "broken" {
  name     = "broken"
  location = "us-central1"
}
""", 'At least 1 "template" blocks are required.'),
    "type error": ("""
resource "google_pubsub_topic" "broken" {
  name   = "broken"
  labels = ["callbot"]
}
""", 'Inappropriate value for attribute "labels": map of string required'),
    "block given as an argument": ("""
resource "google_pubsub_subscription" "broken" {
  name        = "broken"
  topic       = "broken"
  push_config = { push_endpoint = "https://example.com" }
}
""", 'An argument named "push_config" is not expected here. Did you mean to define a block'),
}


@pytest.fixture(scope="module")
def terraform() -> Iterator[OfflineTerraform]:
    try:
        offline = OfflineTerraform()
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    with offline:
        yield offline


def _report(steps: list[Step]) -> str:
    return "\n".join(f"$ terraform {step.command} -> {step.returncode}\n{step.output[-4000:]}" for step in steps)


def test_the_root_module_validates_and_plans(terraform):
    steps = terraform.check(terraform.copy_root_module())
    assert [step.ok for step in steps] == [True, True, True], _report(steps)
    planned = PLANNED.search(steps[-1].output)
    assert planned and int(planned["add"]) > 100, _report(steps)
    assert "Warning:" not in steps[1].output + steps[2].output, _report(steps)


def test_a_small_valid_module_plans_with_unknowns_and_read_data(terraform):
    steps = terraform.check(terraform.module("small", {"main.tf": SMALL_MODULE}))
    assert [step.ok for step in steps] == [True, True, True], _report(steps)
    plan = steps[-1].output
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in plan
    assert 'name             = "calls-fake-number"' in plan  # the data source was read
    assert "id                   = (known after apply)" in plan  # computed and unset: unknown
    assert 'push_endpoint = "https://example.com/push"' in plan


@pytest.mark.parametrize("defect", BROKEN)
def test_a_broken_copy_fails(terraform, defect):
    extra, message = BROKEN[defect]
    module = terraform.copy_root_module(re.sub(r"\W", "-", defect))
    (module / "broken.tf").write_text(extra)
    steps = terraform.check(module)
    assert not steps[-1].ok, _report(steps)
    assert message in " ".join(steps[-1].output.split()), _report(steps)


def test_every_required_provider_has_a_fake():
    assert required_sources() <= {package.source for package in PACKAGES}


def test_the_committed_schemas_cover_every_type_terraform_uses():
    """A new resource or data source type needs `python -m devtools.fake_terraform_provider generate`."""
    schemas = {schema.name: schema for schema in committed_schemas()}
    assert sorted(schemas) == sorted(package.name for package in PACKAGES)
    assert {schema.generated_from for schema in schemas.values()} == {package.requirement for package in PACKAGES}
    used = used_types()
    known = {"resource": set().union(*(schema.resources for schema in schemas.values())),
             "data": set().union(*(schema.data_sources for schema in schemas.values()))}
    missing = {kind: sorted(used[kind] - known[kind]) for kind in used if used[kind] - known[kind]}
    assert missing == {}, "regenerate: .venv/bin/python -m devtools.fake_terraform_provider generate"
