"""cloudbuild.yaml: valid YAML, the steps in order, deployment gated on main, substitutions declared and
documented, shell scripts that parse, and names that agree with terraform/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG_TEXT = (ROOT / "cloudbuild.yaml").read_text(encoding="utf-8")
CONFIG = yaml.safe_load(CONFIG_TEXT)
STEPS = {step["id"]: step for step in CONFIG["steps"]}
HEADER = "\n".join(line for line in CONFIG_TEXT.splitlines() if line.startswith("#"))
BUILT_IN = {"PROJECT_ID", "BUILD_ID", "PROJECT_NUMBER", "LOCATION", "TRIGGER_NAME", "COMMIT_SHA", "REVISION_ID",
            "SHORT_SHA", "REPO_NAME", "REPO_FULL_NAME", "BRANCH_NAME", "TAG_NAME", "REF_NAME",
            "TRIGGER_BUILD_CONFIG_PATH", "SERVICE_ACCOUNT_EMAIL", "SERVICE_ACCOUNT"}
# what Cloud Build substitutes: $$ (a literal $), $NAME and ${NAME}
REFERENCE = re.compile(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
EXPECTED_ORDER = ["identity", "install", "lint", "lint-terraform", "test", "build-relay-image", "push-relay-image",
                  "console-requirements", "build-console-image", "push-console-image", "package-functions", "upload-functions", "audio-cache", "terraform-inputs", "terraform-init",
                  "terraform-lock-save", "terraform-plan", "terraform-apply", "smoke-test"]
NOT_MAIN = 'if [ "$BRANCH_NAME" != "main" ] || [ -n "${_PR_NUMBER}" ]; then'



def script(step_id: str) -> str:
    return STEPS[step_id]["args"][-1]


def references(text: str) -> set[str]:
    return {m.group(2) or m.group(3) for m in REFERENCE.finditer(text) if m.group(1) != "$"}


def substituted(text: str) -> str:
    """The text as Cloud Build hands it to the step, with placeholder values."""
    return REFERENCE.sub(lambda m: "$" if m.group(1) == "$" else "value", text)


def test_steps_run_in_order():
    assert [step["id"] for step in CONFIG["steps"]] == EXPECTED_ORDER
    assert not any("waitFor" in step for step in CONFIG["steps"])  # one after another
    assert int(CONFIG["timeout"].rstrip("s")) >= 3600


@pytest.mark.parametrize("step_id", ["upload-functions", "audio-cache", "terraform-lock-save", "terraform-apply",
                                     "smoke-test"])
def test_steps_that_write_run_on_main_only(step_id):
    text = script(step_id)
    assert text.lstrip().startswith(NOT_MAIN), text
    assert "exit 0; fi" in text.splitlines()[0]


def test_a_pull_request_pushes_no_image_and_plans_its_tag():
    text = script("push-relay-image")
    gate = text.index(NOT_MAIN)
    assert gate < text.index("docker push") and gate < text.index("exit 0")
    assert 'echo "$$image" > dist/relay_image.txt' in text[gate:text.index("exit 0")]


def test_a_pull_request_build_runs_as_the_read_only_planner():
    """The repository's code, this file included, runs with the build's account: a pull request's
    build refuses to start as any account but callbot-planner, and takes no state lock."""
    assert EXPECTED_ORDER[0] == "identity"
    text = script("identity")
    assert 'planner="callbot-planner@$PROJECT_ID.iam.gserviceaccount.com"' in text
    assert 'if [ -n "${_PR_NUMBER}" ] && [ "$SERVICE_ACCOUNT_EMAIL" != "$$planner" ]; then' in text
    assert "exit 1" in text
    plan = script("terraform-plan")
    assert f"{NOT_MAIN} lock=-lock=false; fi" in plan and "$$lock" in plan


def test_the_environments_variables_come_from_the_state_bucket():
    """They are not committed: the build reads them beside the state, and fails saying where."""
    inputs = script("terraform-inputs")
    assert 'gcloud storage cp "gs://${_TF_STATE_BUCKET}/callbot/${_ENVIRONMENT}.tfvars" dist/environment.tfvars' in inputs
    assert "-var-file=/workspace/dist/environment.tfvars" in script("terraform-plan")
    assert not list(ROOT.joinpath("terraform").glob("*.tfvars")), "an environment's tfvars is committed"
    assert set(re.findall(r"-var-file=(\S+)", CONFIG_TEXT)) == {
        "/workspace/dist/environment.tfvars", "/workspace/dist/functions/source_versions.tfvars.json"}


def test_each_function_is_deployed_at_its_own_version():
    plan = script("terraform-plan")
    assert "-var-file=/workspace/dist/functions/source_versions.tfvars.json" in plan
    assert "version.txt" not in CONFIG_TEXT


def test_the_provider_lock_file_is_kept_from_the_first_build_on_main():
    inputs, init, save = script("terraform-inputs"), script("terraform-init"), script("terraform-lock-save")
    lock_object = "gs://${_TF_STATE_BUCKET}/callbot/.terraform.lock.hcl"
    # committed, else the bucket's, else none (and init makes one)
    assert "if [ -f terraform/.terraform.lock.hcl ]; then" in inputs
    assert f'gcloud storage cp "{lock_object}" terraform/.terraform.lock.hcl' in inputs
    assert '[ "$$(cat dist/lock_source.txt)" = none ] || lockfile=-lockfile=readonly' in init
    assert "$$lockfile" in init
    assert f'gcloud storage cp --no-clobber terraform/.terraform.lock.hcl "{lock_object}"' in save
    assert EXPECTED_ORDER.index("terraform-lock-save") == EXPECTED_ORDER.index("terraform-init") + 1


def test_apply_applies_the_reviewed_plan():
    assert "-out=/workspace/dist/tfplan" in script("terraform-plan")
    assert "apply -input=false -lock-timeout=5m -auto-approve /workspace/dist/tfplan" in script("terraform-apply")
    assert "exit" not in script("terraform-plan")  # every branch is planned


def test_state_lives_in_the_bucket_given_as_a_substitution():
    assert '[ -n "${_TF_STATE_BUCKET}" ] || { echo "_TF_STATE_BUCKET is required"' in script("terraform-inputs")
    init = script("terraform-init")
    assert "-backend-config=bucket=${_TF_STATE_BUCKET}" in init
    assert "-backend-config=prefix=callbot/${_ENVIRONMENT}" in init


def test_relay_image_goes_to_artifact_registry_and_is_deployed_by_digest():
    image = "${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}/relay:$SHORT_SHA"
    assert image in script("build-relay-image") and image in script("push-relay-image")
    assert "-f stream_relay/Dockerfile" in script("build-relay-image")
    assert "RepoDigests" in script("push-relay-image")
    assert '-var=relay_image="$$(cat dist/relay_image.txt)"' in script("terraform-plan")
    assert "docker push" in script("push-relay-image")


def test_ci_runs_the_whole_suite_with_the_emulators_image():
    assert STEPS["test"]["name"].endswith("google-cloud-cli:emulators")
    assert "make test PYTHON=python3" in script("test")
    assert "make install PYTHON=python3" in script("install")


def test_every_substitution_is_declared_used_and_documented():
    declared = set(CONFIG["substitutions"])
    used = {name for name in references(CONFIG_TEXT.split("\nsubstitutions:")[0]) if name.startswith("_")}
    assert used == declared
    for name in declared:
        assert re.fullmatch(r"_[A-Z0-9_]+", name)
        assert re.search(rf"^#\s+{name}\s", HEADER, re.MULTILINE), f"{name} is not documented in the header"
    assert {"_REGION", "_REPOSITORY", "_TF_STATE_BUCKET", "_ENVIRONMENT"} <= declared


def test_every_other_reference_is_a_built_in_substitution():
    """Cloud Build refuses a build whose config names an unknown $VARIABLE: shell variables need $$."""
    steps_text = yaml.safe_dump(CONFIG["steps"])
    unknown = {name for name in references(steps_text) if not name.startswith("_")} - BUILT_IN
    assert not unknown, f"write these as $${sorted(unknown)} if they are shell variables"


@pytest.mark.parametrize("step_id", [s for s in EXPECTED_ORDER if STEPS[s]["entrypoint"] in ("bash", "sh") and (
    "-c" in STEPS[s]["args"][:-1] or "-euc" in STEPS[s]["args"][:-1])])
def test_step_scripts_parse(step_id):
    shell = STEPS[step_id]["entrypoint"]
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    result = subprocess.run([shell, "-n", "-c", substituted(script(step_id))], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


def test_names_agree_with_terraform():
    terraform = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "terraform").glob("*.tf")}
    variables = set(re.findall(r'^variable "([a-z0-9_]+)"', terraform["variables.tf"], re.MULTILINE))
    passed = set(re.findall(r"-var=([a-z0-9_]+)=", script("terraform-plan")))
    assert passed == {"project_id", "region", "environment", "relay_image", "console_image"}
    assert passed | {"function_source_versions"} <= variables
    assert 'output "relay_public_url"' in terraform["outputs.tf"]
    assert 'name                        = "${var.project_id}-callbot-function-source"' in terraform["storage.tf"]
    assert "gs://$PROJECT_ID-callbot-function-source/" in script("upload-functions")
    assert 'name                        = "${var.project_id}-callbot-audio-cache"' in terraform["storage.tf"]
    assert re.search(r'CALLBOT_AUDIO_CACHE_URI += "gs://\$\{google_storage_bucket\.audio_cache\.name\}/phrases"',
                     terraform["topology.tf"])
    assert "--store gs://$PROJECT_ID-callbot-audio-cache/phrases" in script("audio-cache")
    assert 'repository_id = "callbot"' in terraform["artifact_registry.tf"]
    assert CONFIG["substitutions"]["_REPOSITORY"] == "callbot"
    assert CONFIG["substitutions"]["_TWILIO_AUTH_TOKEN_SECRET"] in terraform["secrets.tf"]


def test_the_console_image_goes_to_artifact_registry_without_the_speech_packages():
    image = "${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}/console:$SHORT_SHA"
    assert image in script("build-console-image") and image in script("push-console-image")
    assert "-f console/Dockerfile" in script("build-console-image")
    assert "function_requirements" in script("console-requirements")
    compile(script("console-requirements"), "console-requirements", "exec")
    assert "-C dist/console requirements.txt" in script("build-console-image")
    assert '-var=console_image="$$(cat dist/console_image.txt)"' in script("terraform-plan")
    dockerfile = (ROOT / "console" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER console$", dockerfile, re.MULTILINE)
    assert "exec uvicorn console.bootstrap:create_app --factory --host 0.0.0.0" in dockerfile


def test_the_relay_image_runs_the_relay_as_an_unprivileged_user():
    dockerfile = (ROOT / "stream_relay" / "Dockerfile").read_text(encoding="utf-8")
    assert re.findall(r"^FROM .*$", dockerfile, re.MULTILINE) == ["FROM python:3.11-slim"]
    assert "RUN pip install -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile
    assert re.search(r"^USER relay$", dockerfile, re.MULTILINE)
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "exec uvicorn stream_relay.app:create_app --factory --host 0.0.0.0" in cmd
    assert '--port \\"$PORT\\"' in cmd and "--ws-ping-interval 0" in cmd
    assert "--ws-per-message-deflate false" in cmd  # deflating every audio frame cost a sixth of the relay's CPU
