"""The Terraform in `terraform/` declares what the code expects: the Pub/Sub topology of
`callbot/bus/topology.py`, one function per folder of `functions/` with the right trigger, the settings
of `callbot/production_settings.py` for every component (secrets from Secret Manager only), the post-call workflow
and its step URLs, an always-on relay, and no broad project roles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from callbot.bus import topology
from callbot.production_settings import (
    COMPONENTS,
    PRODUCTION_SETTINGS,
    WORKFLOW_AUTH_VARIABLE,
    WORKFLOW_FILE,
    WORKFLOW_URL_VARIABLES,
    field_name,
)
from callbot.messages import Topic
from tests.unit.terraform_config import (
    TerraformModule,
    blocks,
    dynamic_blocks,
    file_argument,
    keys_of,
    load_module,
    load_tree,
    nested,
    roles_in,
)

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
TOPOLOGY_TF = TERRAFORM / "topology.tf"
FUNCTION_MODULE = TERRAFORM / "modules" / "function"

if not TOPOLOGY_TF.is_file():
    pytest.skip(f"{TOPOLOGY_TF.relative_to(ROOT)} does not exist yet: no Terraform to check",
                allow_module_level=True)

TRIGGERS = {"cloud_event": "pubsub", "http": "http"}
BROAD_ROLES = re.compile(r"^roles/(editor|owner|[\w]+\.admin)$")
PERMISSION = re.compile(r"[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+")  # no wildcards
PROJECT_IAM = ("google_project_iam_member", "google_project_iam_binding")


@pytest.fixture(scope="module")
def root() -> TerraformModule:
    return load_module(TERRAFORM)


@pytest.fixture(scope="module")
def tf_locals(root) -> dict:
    return root.locals


def _entry_points() -> dict[str, str]:
    """Each function folder's decorated entry point and its kind (`cloud_event` or `http`)."""
    found = {}
    for main in sorted((ROOT / "functions").glob("*/main.py")):
        for node in ast.walk(ast.parse(main.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Attribute) and decorator.attr in TRIGGERS
                        and isinstance(decorator.value, ast.Name) and decorator.value.id == "functions_framework"):
                    assert node.name == main.parent.name, f"{main}: entry point {node.name}"
                    found[node.name] = decorator.attr
    return found


ENTRY_POINTS = _entry_points()


def _for_each_over(module: TerraformModule, resource_type: str, local: str) -> dict[str, dict]:
    """The resources of a type whose for_each goes over `local` (directly or through other locals)."""
    return {name: body for name, body in module.resources_of(resource_type).items()
            if local in module.referenced_locals(body.get("for_each", ""))}


class FakePublisher:
    def __init__(self, requests: list):
        self.requests = requests

    def topic_path(self, project: str, topic: str) -> str:
        return f"projects/{project}/topics/{topic}"

    def create_topic(self, name: str) -> None:
        self.requests.append({"topic": name})


class FakeSubscriber(FakePublisher):
    def subscription_path(self, project: str, subscription: str) -> str:
        return f"projects/{project}/subscriptions/{subscription}"

    def create_subscription(self, request: dict) -> None:
        self.requests.append(request)

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def applied_subscriptions() -> list[dict]:
    """The subscription requests `topology.apply` makes for the local stack, every function deployed."""
    from google.cloud import pubsub_v1

    requests: list[dict] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pubsub_v1, "PublisherClient", lambda: FakePublisher(requests))
        patch.setattr(pubsub_v1, "SubscriberClient", lambda: FakeSubscriber(requests))
        topology.apply("p", {push.function: f"http://localhost/{push.function}"
                             for push in topology.PUSH_SUBSCRIPTIONS})
    return [request for request in requests if "name" in request]


# --- Pub/Sub -------------------------------------------------------------------------------------

def test_topics_are_the_topic_map(tf_locals):
    assert sorted(tf_locals["topics"]) == sorted(Topic)
    assert len(tf_locals["topics"]) == len(set(tf_locals["topics"])), "a topic is listed twice"


def test_push_subscriptions_are_the_topology(tf_locals):
    expected = {str(push.name): {"topic": str(push.topic), "function": push.function, "ordered": push.ordered,
                                 "ack_deadline_s": push.ack_deadline_s}
                for push in topology.PUSH_SUBSCRIPTIONS}
    found = {name: {key: value.get(key) for key in ("topic", "function", "ordered", "ack_deadline_s")}
             for name, value in tf_locals["push_subscriptions"].items()}
    assert found == expected


def test_pull_subscriptions_are_the_topology(tf_locals):
    expected = {str(pull.name): str(pull.topic) for pull in topology.PULL_SUBSCRIPTIONS}
    assert {name: value.get("topic") for name, value in tf_locals["pull_subscriptions"].items()} == expected


def test_delivery_policy_is_what_the_local_stack_applies(tf_locals, applied_subscriptions):
    pushed = [request for request in applied_subscriptions if "push_config" in request]
    assert pushed, "topology.apply made no push subscription"
    for request in pushed:
        dead_letter = request["dead_letter_policy"]
        assert dead_letter["dead_letter_topic"].rsplit("/", 1)[1] == tf_locals["dead_letter_topic"]
        assert dead_letter["max_delivery_attempts"] == tf_locals["max_delivery_attempts"]
        assert f"{request['retry_policy']['minimum_backoff']['seconds']}s" == tf_locals["retry_minimum_backoff"]
        assert f"{request['retry_policy']['maximum_backoff']['seconds']}s" == tf_locals["retry_maximum_backoff"]
    assert tf_locals["dead_letter_topic"] == Topic.DEAD_LETTER
    assert tf_locals["max_delivery_attempts"] == topology.MAX_DELIVERY_ATTEMPTS


def test_topics_and_subscriptions_are_declared_from_the_locals(root):
    topics = _for_each_over(root, "google_pubsub_topic", "topics")
    assert len(topics) == 1, f"google_pubsub_topic over local.topics: {sorted(topics)}"
    pull = _for_each_over(root, "google_pubsub_subscription", "pull_subscriptions")
    assert len(pull) == 1, f"google_pubsub_subscription over local.pull_subscriptions: {sorted(pull)}"
    push = _for_each_over(root, "google_pubsub_subscription", "push_subscriptions")
    assert len(push) == 1, f"google_pubsub_subscription over local.push_subscriptions: {sorted(push)}"


def test_push_subscriptions_deliver_as_declared(root):
    subscriptions = _for_each_over(root, "google_pubsub_subscription", "push_subscriptions")
    assert len(subscriptions) == 1, f"google_pubsub_subscription over local.push_subscriptions: {sorted(subscriptions)}"
    [(name, body)] = subscriptions.items()
    where = f"google_pubsub_subscription.{name}"
    assert body.get("enable_message_ordering") == "${each.value.ordered}", where
    assert body.get("ack_deadline_seconds") == "${each.value.ack_deadline_s}", where
    [dead_letter] = blocks(body, "dead_letter_policy") or [{}]
    assert {"dead_letter_topic", "max_delivery_attempts"} <= root.referenced_locals(dead_letter), \
        f"{where}: dead_letter_policy {dead_letter}"
    [retry] = blocks(body, "retry_policy") or [{}]
    assert {"retry_minimum_backoff", "retry_maximum_backoff"} <= root.referenced_locals(retry), \
        f"{where}: retry_policy {retry}"
    [push_config] = blocks(body, "push_config") or [{}]
    assert "module.function" in str(push_config.get("push_endpoint")), f"{where}: push_endpoint"
    assert blocks(push_config, "oidc_token"), f"{where}: push without an OIDC token"


def _granted_roles(module: TerraformModule, body: dict) -> set[str]:
    """The roles an IAM resource grants: its literal role, or the roles of the locals or for_each it
    takes them from."""
    source = {"role": body.get("role"), "for_each": body.get("for_each")}
    roles = roles_in(source) | roles_in(module.resolve(body.get("role", "")))
    return roles | {role for local in module.referenced_locals(source) for role in roles_in(module.locals[local])}


def _is_pubsub_agent(module: TerraformModule, body: dict) -> bool:
    members = {"member": body.get("member"), "members": body.get("members")}
    text = str(members) + "".join(str(module.locals[name]) for name in module.referenced_locals(members))
    identities = [name for name, identity in module.resources_of("google_project_service_identity").items()
                  if identity.get("service") == "pubsub.googleapis.com"]
    return "gcp-sa-pubsub" in text or any(f"google_project_service_identity.{name}." in text for name in identities)


def test_pubsub_can_forward_to_the_dead_letter_topic():
    """Dead-lettering needs the Pub/Sub service agent to publish to the dead-letter topic and to
    subscribe (acknowledge) on the subscriptions it forwards from."""
    granted: set[str] = set()
    for module in load_tree(TERRAFORM):
        for resource_type, resources in module.resources.items():
            if "_iam_" in resource_type:
                granted |= {role for body in resources.values() if _is_pubsub_agent(module, body)
                            for role in _granted_roles(module, body)}
    assert {"roles/pubsub.publisher", "roles/pubsub.subscriber"} <= granted, \
        f"roles granted to the Pub/Sub service agent: {sorted(granted)}"


# --- functions -----------------------------------------------------------------------------------

def test_functions_are_the_entry_points(tf_locals):
    assert set(tf_locals["functions"]) == set(ENTRY_POINTS)


@pytest.mark.parametrize("function", sorted(ENTRY_POINTS))
def test_function_declaration(tf_locals, function):
    declared = tf_locals["functions"].get(function)
    assert declared is not None, f"local.functions has no {function}"
    missing = {"trigger", "source_dir", "min_instances", "max_instances", "memory", "timeout_s"} - set(declared)
    assert not missing, f"local.functions.{function} lacks {sorted(missing)}"
    assert declared["trigger"] == TRIGGERS[ENTRY_POINTS[function]], f"{function}: trigger {declared['trigger']}"
    assert declared["source_dir"] == f"functions/{function}"
    assert (ROOT / declared["source_dir"] / "main.py").is_file()


@pytest.mark.parametrize("function", sorted(ENTRY_POINTS))
def test_pubsub_functions_have_one_push_subscription_on_their_topic(tf_locals, function):
    subscriptions = {name: sub for name, sub in tf_locals["push_subscriptions"].items()
                     if sub.get("function") == function}
    if ENTRY_POINTS[function] == "http":
        assert subscriptions == {}, f"{function} is an HTTP function"
        return
    expected_topics = [str(push.topic) for push in topology.PUSH_SUBSCRIPTIONS if push.function == function]
    assert [sub["topic"] for sub in subscriptions.values()] == expected_topics, function


@pytest.mark.parametrize("function", sorted(ENTRY_POINTS))
def test_pushed_functions_finish_within_the_ack_deadline(tf_locals, function):
    """Pub/Sub delivers a push again once the ack deadline passes: a function allowed to run longer
    would be invoked twice for one message."""
    timeout = tf_locals["functions"][function]["timeout_s"]
    for name, sub in tf_locals["push_subscriptions"].items():
        if sub.get("function") == function:
            assert timeout <= sub["ack_deadline_s"], f"{function}: timeout_s {timeout} > {name} ack deadline"


def test_the_function_module_is_instantiated_once_over_the_functions(root):
    calls = {name: body for name, body in root.modules.items() if body.get("source") == "./modules/function"}
    assert list(calls) == ["function"], f"module blocks with source ./modules/function: {sorted(calls)}"
    call = calls["function"]
    assert call.get("for_each") == "${local.functions}"
    for expected in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (FUNCTION_MODULE / expected).is_file(), f"{FUNCTION_MODULE.relative_to(TERRAFORM.parent)}/{expected}"
    assert {"common_env", "component_env", "component_secrets"} <= root.referenced_locals(call), \
        "module.function is not given the components' env and secrets"


def test_the_function_module_deploys_each_entry_point():
    module = load_module(FUNCTION_MODULE)
    functions = module.resources_of("google_cloudfunctions2_function")
    assert len(functions) == 1, f"google_cloudfunctions2_function in the module: {sorted(functions)}"
    [body] = functions.values()
    [build] = blocks(body, "build_config") or [{}]
    entry_point = build.get("entry_point", "")
    if entry_point != "${each.key}":
        variable = re.fullmatch(r"\$\{var\.(\w+)\}", entry_point)
        assert variable, f"build_config.entry_point = {entry_point!r}"
        root = load_module(TERRAFORM)
        assert root.modules["function"].get(variable[1]) == "${each.key}", \
            f"module.function does not set {variable[1]} = each.key"
    [service] = blocks(body, "service_config") or [{}]
    assert "environment_variables" in service, "the function gets no environment variables"
    assert dynamic_blocks(service, "secret_environment_variables") or blocks(service, "secret_environment_variables"), \
        "the function gets no secrets"


# --- settings ------------------------------------------------------------------------------------

def _provided(root: TerraformModule, component: str) -> tuple[dict, dict]:
    """The plain env and the secrets (variable -> secret key) Terraform gives a component."""
    env = {**root.literal_map(root.locals["common_env"]),
           **root.literal_map(root.literal_map(root.locals["component_env"]).get(component, {}))}
    secrets = root.literal_map(root.literal_map(root.locals["component_secrets"]).get(component, {}))
    return env, secrets


def test_every_component_has_its_env(root):
    assert set(root.literal_map(root.locals["component_env"])) == set(COMPONENTS)
    assert set(root.literal_map(root.locals["component_secrets"])) <= set(COMPONENTS)


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_production_settings_are_provided(root, component):
    env, secrets = _provided(root, component)
    wanted = PRODUCTION_SETTINGS[component]
    missing = sorted(name for name, kind in wanted.items() if kind == "env" and name not in env | secrets)
    assert missing == [], f"{component}: not set by common_env or component_env.{component}"
    secret_names = {name for name, kind in wanted.items() if kind == "secret"}
    assert sorted(secret_names - set(secrets)) == [], f"{component}: secrets missing from component_secrets"
    assert sorted(secret_names & set(env)) == [], f"{component}: secrets passed as plain env"


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_components_get_only_the_secrets_they_need(root, component):
    _, secrets = _provided(root, component)
    wanted = {name for name, kind in PRODUCTION_SETTINGS[component].items() if kind == "secret"}
    assert sorted(set(secrets) - wanted) == [], f"component_secrets.{component}"
    declared = keys_of(root.resolve(root.locals["secrets"]))
    unknown = {name: key for name, key in secrets.items() if key not in declared}
    assert unknown == {}, f"component_secrets.{component} refers to undeclared secrets (declared: {sorted(declared)})"


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_component_env_names_are_real_settings(root, component):
    """A misspelt variable would be ignored silently and the component would run on its default."""
    env, secrets = _provided(root, component)
    fields = COMPONENTS[component].model_fields
    unknown = sorted(name for name in {*env, *secrets} if name.startswith("CALLBOT_")
                     and field_name(name) not in fields)
    assert unknown == [], f"{component} ({COMPONENTS[component].__name__}) has no such settings"


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_storage_uris_name_declared_buckets(root, component):
    env, _ = _provided(root, component)
    buckets = {body.get("name") for body in root.resources_of("google_storage_bucket").values()}
    for name, value in env.items():
        if isinstance(value, str) and value.startswith("gs://"):
            bucket = value.removeprefix("gs://").split("/", 1)[0]
            assert bucket in buckets, f"{component}: {name} = {value!r}, buckets: {sorted(buckets)}"


def test_secrets_are_declared_in_secret_manager(root):
    secrets = _for_each_over(root, "google_secret_manager_secret", "secrets")
    assert len(secrets) == 1, f"google_secret_manager_secret over local.secrets: {sorted(secrets)}"


# --- post-call workflow --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workflow(root) -> dict:
    workflows = root.resources_of("google_workflows_workflow")
    assert len(workflows) == 1, f"google_workflows_workflow: {sorted(workflows)}"
    return next(iter(workflows.values()))


def test_the_workflow_is_the_post_call_file(workflow):
    source = file_argument(str(workflow.get("source_contents", "")), TERRAFORM)
    assert source == WORKFLOW_FILE, f"source_contents = {workflow.get('source_contents')!r}"
    assert source.is_file()


def test_the_workflow_gets_the_step_urls(workflow):
    env = workflow.get("user_env_vars") or {}
    assert env.get(WORKFLOW_AUTH_VARIABLE) == "OIDC"
    for step, variable in WORKFLOW_URL_VARIABLES.items():
        assert variable in env, f"user_env_vars lacks {variable}"
        referenced = set(re.findall(r'module\.function\["(\w+)"\]', str(env[variable])))
        assert referenced == {step.value}, f"{variable} = {env[variable]!r}"


def test_every_function_the_workflow_calls_is_an_http_function(tf_locals):
    called = set(re.findall(r'sys\.get_env\("(CALLBOT_\w+_URL)"\)', WORKFLOW_FILE.read_text()))
    by_variable = {variable: step.value for step, variable in WORKFLOW_URL_VARIABLES.items()}
    assert called == set(by_variable)
    for variable in called:
        function = by_variable[variable]
        assert tf_locals["functions"].get(function, {}).get("trigger") == "http", f"{variable} -> {function}"


def test_the_trigger_starts_the_declared_workflow(workflow, root):
    env, _ = _provided(root, "post_call_trigger")
    [name] = root.resources_of("google_workflows_workflow")
    for variable, attribute in (("CALLBOT_WORKFLOW_ID", "name"), ("CALLBOT_WORKFLOW_LOCATION", "region")):
        given, declared = root.resolve(env.get(variable)), root.resolve(workflow.get(attribute))
        assert given in (declared, f"${{google_workflows_workflow.{name}.{attribute}}}"), \
            f"post_call_trigger's {variable} = {given!r}, google_workflows_workflow.{name}.{attribute} = {declared!r}"


# --- relay ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def relay(root) -> dict:
    services = root.resources_of("google_cloud_run_v2_service")
    assert len(services) == 1, f"google_cloud_run_v2_service: {sorted(services)}"
    return next(iter(services.values()))


def test_the_relay_is_always_on(root, relay):
    scaling = nested(relay, "template", "scaling") + nested(relay, "scaling")
    minimums = [root.resolve(block["min_instance_count"]) for block in scaling if "min_instance_count" in block]
    assert minimums and all(isinstance(m, int) and m >= 1 for m in minimums), f"min_instance_count {minimums}"
    resources = nested(relay, "template", "containers", "resources")
    assert resources and all(block.get("cpu_idle") is False for block in resources), f"resources {resources}"


def test_the_relay_holds_calls(relay):
    [template] = blocks(relay, "template")
    assert template.get("timeout") == "3600s"
    assert template.get("session_affinity") is True
    assert "max_instance_request_concurrency" in template


def test_the_relay_has_probes(relay):
    containers = nested(relay, "template", "containers")
    assert any(blocks(container, "startup_probe") for container in containers), "no startup_probe"
    assert any(blocks(container, "liveness_probe") for container in containers), "no liveness_probe"


def test_the_relay_gets_its_env_and_secrets(root, relay):
    assert {"common_env", "component_env", "component_secrets"} <= root.referenced_locals(relay)


# --- IAM -----------------------------------------------------------------------------------------

def _custom_roles(module: TerraformModule, body: dict) -> dict[str, list[str]]:
    """The custom roles (declared in the same module) an IAM resource grants, with their permissions."""
    names = re.findall(r"google_project_iam_custom_role\.(\w+)\.", str(body.get("role", "")))
    declared = module.resources_of("google_project_iam_custom_role")
    return {name: list(declared.get(name, {}).get("permissions", ["<not declared here>"])) for name in names}


def test_no_broad_project_roles():
    found = []
    for module in load_tree(TERRAFORM):
        for resource_type in PROJECT_IAM:
            for name, body in module.resources_of(resource_type).items():
                where = f"{module.directory.relative_to(TERRAFORM.parent)}: {resource_type}.{name}"
                roles, custom = _granted_roles(module, body), _custom_roles(module, body)
                assert roles or custom, f"{where}: cannot tell which role {body.get('role')!r} is"
                found += [f"{where}: {role}" for role in sorted(roles) if BROAD_ROLES.match(role)]
                found += [f"{where}: custom role {role} with {permission}" for role, permissions in custom.items()
                          for permission in permissions if not PERMISSION.fullmatch(permission)
                          or permission.endswith(".setIamPolicy")]
    assert found == [], "broad project roles:\n" + "\n".join(found)
