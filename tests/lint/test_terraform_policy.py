"""What `terraform/` must keep that neither its variable validations nor checkov check: a relay that
stays up and holds a call for its whole length, push subscriptions that authenticate and can
dead-letter, and no broad roles."""

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
BROAD_ROLE = re.compile(r"roles/(editor|owner|viewer|\w+\.admin)\b")
PERMISSION = re.compile(r"[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+")  # no wildcards


def _parse(path: Path) -> dict[str, Any]:
    with path.open() as file:
        return hcl2.load(file, serialization_options=OPTIONS)


@pytest.fixture(scope="module")
def root() -> list[dict[str, Any]]:
    return [_parse(path) for path in sorted(TERRAFORM.glob("*.tf"))]


@pytest.fixture(scope="module")
def resources(root) -> dict[str, dict[str, Any]]:
    """The root module's resources, as `type.name` -> body."""
    return {f"{kind}.{name}": body for parsed in root for block in parsed.get("resource", [])
            for kind, named in block.items() for name, body in named.items()}


def test_the_relay_stays_up_and_holds_calls(root, resources):
    [template] = resources["google_cloud_run_v2_service.relay"]["template"]
    assert template["timeout"] == "3600s", "a media stream lasts the whole call"
    assert template["session_affinity"] is True
    assert "max_instance_request_concurrency" in template
    [scaling] = template["scaling"]
    assert scaling["min_instance_count"] == "${var.relay_min_instances}"
    variables = {name: body for parsed in root for block in parsed.get("variable", [])
                 for name, body in block.items()}
    assert variables["relay_min_instances"]["default"] >= 1, "the first ring must not wait for a cold start"
    [container] = template["containers"]
    assert [block["cpu_idle"] for block in container["resources"]] == [False]
    assert container.get("startup_probe") and container.get("liveness_probe")


def test_push_subscriptions_authenticate_and_dead_letter(resources):
    push = resources["google_pubsub_subscription.push"]
    [config] = push["push_config"]
    assert config.get("oidc_token"), "a push without an OIDC token"
    assert push.get("dead_letter_policy") and push.get("retry_policy")


def test_pubsub_can_forward_to_the_dead_letter_topic_and_sign_pushes(resources):
    """Dead-lettering needs the Pub/Sub service agent to publish to the dead-letter topic and to
    subscribe on the subscriptions it forwards from; OIDC pushes need it to mint the pusher's tokens."""
    granted = {body["role"] for key, body in resources.items()
               if "_iam_" in key and body.get("member") == "${local.pubsub_agent_member}"}
    assert {"roles/pubsub.publisher", "roles/pubsub.subscriber",
            "roles/iam.serviceAccountTokenCreator"} <= granted


def test_no_broad_roles():
    parsed = [_parse(path) for path in sorted(TERRAFORM.rglob("*.tf")) if ".terraform" not in path.parts]
    assert BROAD_ROLE.findall(json.dumps(parsed)) == []
    custom = [body for module in parsed for block in module.get("resource", [])
              for body in block.get("google_project_iam_custom_role", {}).values()]
    assert custom, "the relay's custom roles are gone: check this test still looks at them"
    for role in custom:
        broad = [permission for permission in role["permissions"]
                 if not PERMISSION.fullmatch(permission) or permission.endswith(".setIamPolicy")]
        assert broad == [], role["role_id"]



def test_vertex_ai_callers_may_only_predict(root, resources):
    """Calling Gemini (generateContent) and the embedding model (predict) checks one permission,
    aiplatform.endpoints.predict, on the publisher model: roles/aiplatform.user would also let them
    create and delete endpoints, datasets, jobs and models."""
    assert "roles/aiplatform." not in json.dumps(root)
    predict = {f"${{{address}.name}}" for address, body in resources.items()
               if address.startswith("google_project_iam_custom_role.")
               and body["permissions"] == ["aiplatform.endpoints.predict"]}
    grants = [body for address, body in resources.items()
              if address.startswith("google_project_iam_member.") and body["role"] in predict]
    assert [grant["for_each"] for grant in grants] == ["${toset(local.vertex_ai_callers)}"]
    [callers] = [block["vertex_ai_callers"] for parsed in root for block in parsed.get("locals", [])
                 if "vertex_ai_callers" in block]
    # the components whose generated settings choose Vertex AI
    assert "var.components" in callers and '"CALLBOT_LLM_PROVIDER"' in callers
    assert '"CALLBOT_EMBEDDING_BACKEND"' in callers
    components = json.loads((TERRAFORM / "topology.auto.tfvars.json").read_text())["components"]
    assert sorted(name for name, component in components.items()
                  if "vertexai" in (component["env"].get("CALLBOT_LLM_PROVIDER"),
                                    component["env"].get("CALLBOT_EMBEDDING_BACKEND"))) == \
        ["agent_turn", "knowledge_action", "summarize_call"]
