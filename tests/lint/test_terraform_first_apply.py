"""What a first apply in a fresh project, and every plan after it, need from `terraform/` that
neither checkov nor a provider-less parse checks: facts of Google's services that the provider
does not enforce at plan time (python-hcl2 on the configuration, no provider needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


@pytest.fixture(scope="module")
def root() -> list[dict[str, Any]]:
    parsed = []
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as file:
            parsed.append(hcl2.load(file, serialization_options=OPTIONS))
    return parsed


@pytest.fixture(scope="module")
def resources(root) -> dict[str, dict[str, Any]]:
    """The root module's resources, as `type.name` -> body."""
    return {f"{kind}.{name}": body for parsed in root for block in parsed.get("resource", [])
            for kind, named in block.items() for name, body in named.items()}


@pytest.fixture(scope="module")
def local_values(root) -> dict[str, Any]:
    return {name: value for parsed in root for block in parsed.get("locals", []) for name, value in block.items()}


def resolved(text: str, local_values: dict[str, Any]) -> str:
    """`text` with its ${local.NAME} replaced by the locals' (string) values."""
    return re.sub(r"\$\{local\.(\w+)\}", lambda match: str(local_values[match[1]]), text)


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {address: body for address, body in resources.items() if address.split(".")[0] == kind}


def test_vector_indexes_list_the_document_key_before_the_vector_field(resources):
    """Firestore adds `__name__` to a composite index, before the vector field, and the provider
    reads it back there; `fields` forces a new index, so an index declared without it is destroyed
    and re-created on every apply."""
    indexes = {address: [field["field_path"] for field in body["fields"]]
               for address, body in of_type(resources, "google_firestore_index").items()
               if any("vector_config" in field for field in body["fields"])}
    assert indexes, "no vector index: check this test still looks at the knowledge base's"
    for address, paths in indexes.items():
        body = resources[address]
        assert "vector_config" in body["fields"][-1], f"{address}: the vector field comes last"
        assert paths[-2] == "__name__", f"{address}: fields {paths} need __name__ just before the vector field"
        assert body["fields"][-2].get("order") == "ASCENDING", address


def test_function_builds_can_read_the_source_cloud_functions_copies(resources, local_values):
    """A gen2 function's build reads the source from the bucket Cloud Functions copies it to,
    gcf-v2-sources-<project number>-<region>, not from ours: the builder must read that bucket, which
    exists only once a first function is deployed (so the grant is at the project, on its name)."""
    bucket = "gcf-v2-sources-${data.google_project.this.number}-${var.region}"
    grants = [body for body in of_type(resources, "google_project_iam_member").values()
              if body["member"] == "${local.builder_member}" and body["role"] == "roles/storage.objectViewer"]
    assert [resolved(grant["condition"][0]["expression"], local_values) for grant in grants] == [
        (f'resource.name == "projects/_/buckets/{bucket}" || '
         f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/")')]


def _custom_roles_granting(resources, permission: str) -> set[str]:
    return {f"${{{address}.name}}" for address, body in of_type(resources, "google_project_iam_custom_role").items()
            if permission in body["permissions"]}


def test_the_relay_may_create_its_reply_subscriptions(resources):
    """Pub/Sub checks pubsub.subscriptions.create on the project, where a condition on the new
    subscription's name never matches: that permission is granted at the project without one. What
    keeps the relay to the replies topic is pubsub.topics.attachSubscription, on that topic only."""
    creating = _custom_roles_granting(resources, "pubsub.subscriptions.create")
    grants = [body for body in of_type(resources, "google_project_iam_member").values()
              if body["member"] == "${local.relay_member}" and body["role"] in creating]
    assert grants and all("condition" not in grant for grant in grants), grants
    attaching = _custom_roles_granting(resources, "pubsub.topics.attachSubscription")
    attach_grants = [body for kind in ("google_project_iam_member", "google_pubsub_topic_iam_member")
                     for body in of_type(resources, kind).values() if body["role"] in attaching]
    assert [grant["topic"] for grant in attach_grants] == ['${google_pubsub_topic.this["callbot-replies"].name}']


def test_alert_policies_wait_until_their_log_metrics_are_usable(resources):
    """A log-based metric can take up to ten minutes to be usable after its creation: an alert policy
    on it created sooner fails ("Cannot find metric(s) that match type", terraform-provider-google
    #11102). Each policy waits on a sleep that runs again whenever one of its metrics is re-created."""
    waiters = of_type(resources, "terraform_data")
    for address, policy in of_type(resources, "google_monitoring_alert_policy").items():
        metrics = set(re.findall(r"google_logging_metric\.(\w+)", json.dumps(policy["conditions"])))
        if not metrics:
            continue
        waits = [waiters[ref.strip("${}")] for ref in policy.get("depends_on", [])
                 if ref.startswith("${terraform_data.")]
        assert waits, f"{address} does not wait for {sorted(metrics)}"
        triggered = set(re.findall(r"google_logging_metric\.(\w+)\.id", json.dumps([w["triggers_replace"] for w in waits])))
        assert metrics <= triggered, address
        sleeps = [re.fullmatch(r"sleep (\d+)", p["local-exec"]["command"]) for w in waits for p in w["provisioner"]]
        assert sleeps and all(sleep and int(sleep[1]) >= 600 for sleep in sleeps), address


def test_every_setting_and_secret_a_component_reads_is_declared(local_values):
    """The generated topology names what each component reads; a name topology.tf or secrets.tf does
    not declare stops the plan (the validation of var.components)."""
    components = json.loads((TERRAFORM / "topology.auto.tfvars.json").read_text())["components"]
    asked = {name for component in components.values() for name in component["deployment_env"]}
    assert asked - set(local_values["deployment_settings"]) == set()
    secrets = {key for component in components.values() for key in component["secret_env"].values()}
    assert secrets - set(local_values["secrets"]) == set()
