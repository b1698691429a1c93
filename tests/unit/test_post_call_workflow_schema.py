"""workflows/post_call.yaml read as data: valid against the published workflow schema, the steps called
in order with their URLs from the workflow's environment, every HTTP call retried and authenticated,
and nothing in it that workflows-emulator would evaluate differently from Cloud Workflows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from callbot.post_call import FAILED, PIPELINE, PROCESSED, Step
from devtools.workflows_emulator import AUTH_VARIABLE, MAIN_PARAM, ROOT, URL_VARIABLES, WORKFLOW_FILE

SCHEMA = ROOT / ".venv-workflows/lib/python3.11/site-packages/workflows_emulator/workflow-schema.json"
EXPRESSION = re.compile(r"\$\{(.*?)\}")


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW_FILE.read_text())


def walk(steps: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every step (name, body) in `steps`, depth first, including those nested in try, except, switch
    and for blocks."""
    for item in steps:
        ((name, body),) = item.items()
        yield name, body
        yield from nested(body)


def nested(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    if "steps" in body:
        yield from walk(body["steps"])
    if "try" in body:
        inner = body["try"]
        yield from walk(inner["steps"]) if "steps" in inner else nested(inner)
    if "except" in body:
        yield from walk(body["except"].get("steps", []))
    if "for" in body:
        yield from walk(body["for"]["steps"])
    for condition in body.get("switch", []):
        yield from nested(condition)


def calls(steps: list[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    return [body for _, body in walk(steps) if body.get("call") == target]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"{SCHEMA} is missing: run `make install` (.venv-workflows)")
def test_the_workflow_is_valid_against_the_schema_the_emulator_enforces(workflow):
    import jsonschema

    jsonschema.validate(workflow, json.loads(SCHEMA.read_text()))


def test_main_takes_the_execution_argument_as_args(workflow):
    assert workflow["main"]["params"] == [MAIN_PARAM]


def test_the_steps_are_called_in_order_with_their_urls_from_the_environment(workflow):
    (run_steps,) = [body for name, body in walk(workflow["main"]["steps"]) if name == "run_steps"]
    step_calls = calls(run_steps["try"]["steps"], "call_step")

    assert [call["args"]["step"] for call in step_calls] == list(PIPELINE)
    for call in step_calls:
        assert call["args"]["url"] == f'${{sys.get_env("{URL_VARIABLES[call["args"]["step"]]}")}}'
        assert call["args"]["body"] == "${request}"
    init = {key: value for item in workflow["main"]["steps"][0]["init"]["assign"] for key, value in item.items()}
    assert init["request"] == {"call_id": "${call_id}",
                               "execution": '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}'}


def test_record_post_call_is_told_the_outcome_on_both_paths(workflow):
    main_steps = workflow["main"]["steps"]
    (run_steps,) = [body for name, body in walk(main_steps) if name == "run_steps"]
    records = [call for call in calls(main_steps, "call_step") if call["args"]["step"] == Step.RECORD]
    record_url = f'${{sys.get_env("{URL_VARIABLES[Step.RECORD]}")}}'

    assert [call["args"]["body"]["status"] for call in records] == [FAILED, PROCESSED]
    assert all(call["args"]["url"] == record_url for call in records)
    failure, success = (call["args"]["body"] for call in records)
    assert {"call_id", "step", "error"} <= failure.keys()
    assert success["results"] == "${results}"
    except_steps = run_steps["except"]["steps"]
    assert list(except_steps[-1].values()) == [{"raise": "${e}"}], "the execution must fail after recording"
    assert main_steps[-1]["done"]["return"]["status"] == PROCESSED


def test_every_http_call_is_retried_and_authenticated(workflow):
    elsewhere = [name for key, sub in workflow.items() if key != "call_step"
                 for name, body in walk(sub["steps"]) if str(body.get("call", "")).startswith("http.")]
    assert elsewhere == [], "every HTTP call goes through call_step"

    (post,) = workflow["call_step"]["steps"][0].values()
    assert post["retry"] == {"predicate": "${retry_transient}", "max_retries": 4,
                             "backoff": {"initial_delay": 1, "max_delay": 16, "multiplier": 2}}
    assert "except" in post
    posts = dict(walk(post["try"]["steps"]))
    assert {name for name, body in posts.items() if body.get("call") == "http.post"} == {
        "post_anonymous", "post_signed"}
    assert posts["post_signed"]["args"]["auth"] == {"type": "OIDC"}
    (anonymous_branch,) = posts["anonymous_when_local"]["switch"]
    assert anonymous_branch["condition"] == f'${{sys.get_env("{AUTH_VARIABLE}", "OIDC") == "none"}}'
    assert "auth" not in posts["post_anonymous"]["args"]


def test_the_retry_predicate_knows_the_transient_codes_and_tags(workflow):
    predicate = workflow["retry_transient"]
    assert predicate["params"] == ["e"]
    text = " ".join(strings(predicate))
    assert {"codes": [429, 500, 502, 503, 504]} in predicate["steps"][0]["known_codes"]["assign"]
    for tag in ("ConnectionError", "ConnectionFailedError", "TimeoutError"):
        assert f'"{tag}" in e.tags' in text


def test_expressions_avoid_what_the_emulator_evaluates_as_python(workflow):
    """The emulator evaluates `${...}` as Python: true/false/null literals (and list or map literals,
    which Cloud Workflows expressions handle differently) stay outside expressions."""
    expressions = [code for text in strings(workflow) for code in EXPRESSION.findall(text)]
    assert expressions
    for code in expressions:
        unquoted = re.sub(r'"[^"]*"', '""', code)
        assert not re.search(r"\b(true|false|null)\b", unquoted), code
        assert "[" not in unquoted and "{" not in unquoted, code
