"""`callbot` answers bad input with one line on stderr that says what is wrong and how to fix it,
exits 2 for a usage error and 1 otherwise, shows a traceback only with `--debug`, and checks
everything before it starts a stack or opens a client: here `stack.up` and the Firestore clients
are fakes that record being called, and Google's credential lookup finds none."""

from __future__ import annotations

import google.auth
import pytest
from google.auth.exceptions import DefaultCredentialsError

from callbot.post_call.records import FirestoreCallRecords, MemoryCallRecords
from devtools import cli, post_call_rerun, stack, target
from devtools.simcall.scenario import DEMO_SCENARIO

FILES = {"broken.yaml": 'steps:\n  - say: "hi"\n   - hangup: {}\n',
         "jump.yaml": 'steps:\n  - say: "hi"\n  - jump: {}\n',
         "cued.yaml": "steps:\n  - cue: crm_down\n  - hangup: {}\n"}
PROJECT = {"CALLBOT_PROJECT_ID": "callbot-prod"}

# name, argv ({tmp}: a folder holding FILES), environment, exit code, what the line says
REFUSED = [
    ("call: no such scenario file", ["call", "--scenario", "{tmp}/nope.yaml"], {}, 2,
     ["scenario file {tmp}/nope.yaml does not exist", "looks like devtools/scenarios/demo.yaml"]),
    ("call: malformed YAML", ["call", "--scenario", "{tmp}/broken.yaml"], {}, 2, ["is not valid YAML", "line 3"]),
    ("call: unknown step", ["call", "--scenario", "{tmp}/jump.yaml"], {}, 2,
     ["step 1: unknown step 'jump'", "wait_bot"]),
    ("call: a cue only a test can run", ["call", "--scenario", "{tmp}/cued.yaml"], {}, 2, ["cues crm_down"]),
    ("call: report in a missing folder", ["call", "--scenario", str(DEMO_SCENARIO), "--report", "{tmp}/no/r.json"],
     {}, 2, ["the folder {tmp}/no does not exist"]),
    ("call: no scenario", ["call"], {}, 2, ["--scenario", "see `callbot call --help`"]),
    ("no command", [], {}, 2, ["required: command"]),
    ("eval: unknown provider", ["eval", "--provider", "gemini"], {}, 2, ["invalid choice: 'gemini'"]),
    ("eval: a now without its offset", ["eval", "--level", "text", "--now", "2026-12-08T09:00"], {}, 2,
     ["has no UTC offset"]),
    ("eval: a now for the stack", ["eval", "--now", "2026-12-08T09:00-05:00"], {}, 2, ["--level text only"]),
    ("dev up: unknown STT", ["dev", "up", "--stt", "deepgram"], {}, 2, ["invalid choice: 'deepgram'"]),
    ("dev up: unknown TTS", ["dev", "up", "--tts", "polly"], {}, 2, ["invalid choice: 'polly'"]),
    ("kb: unknown embedder", ["kb", "--embedder", "openai", "ask", "hi"], {}, 2, ["invalid choice: 'openai'"]),
    ("call: unknown voice", ["call", "--scenario", "x.yaml", "--voice", "human"], {}, 2, ["invalid choice: 'human'"]),
    ("eval: unknown scenario", ["eval", "--scenario", "asks_for_human", "--scenario", "no_such"], {}, 2,
     ["no scenario named no_such in tests/scenarios", "asks_for_human"]),
    ("rerun: no stack, no credentials", ["post-call", "rerun", "CA123"], PROJECT, 1,
     ["no local stack is running", "callbot-prod", "callbot dev up", "gcloud auth application-default login"]),
    ("rerun: no stack, no project", ["post-call", "rerun", "CA123"], {}, 1, ["callbot dev up", "CALLBOT_PROJECT_ID"]),
    ("rerun: negative wait", ["post-call", "rerun", "CA123", "--wait", "-5"], {}, 2, ["--wait"]),
    ("kb: no stack, no project", ["kb", "ask", "How much?"], {}, 1, ["callbot dev up"]),
    ("kb: no stack, no credentials", ["kb", "eval"], {"GOOGLE_CLOUD_PROJECT": "callbot-prod"}, 1,
     ["callbot-prod cannot be reached"]),
    ("kb: vertexai without credentials", ["kb", "--embedder", "vertexai", "--threshold", "0.6", "ask", "hi"], {}, 1,
     ["--embedder local"]),
    ("kb: vertexai without a threshold", ["kb", "--embedder", "vertexai", "ask", "hi"], {}, 2, ["--threshold"]),
    ("kb: unknown retrieval mode", ["kb", "--mode", "fuzzy", "eval"], {}, 2, ["invalid choice: 'fuzzy'"]),
    # against a running stack this would have removed every indexed document
    ("kb: ingest a missing folder", ["kb", "ingest", "{tmp}/docs"], {}, 2, ["{tmp}/docs is not a folder"]),
    ("kb: k below one", ["kb", "ask", "hi", "--k", "0"], {}, 2, ["--k"]),
    ("dev up: google speech without credentials", ["dev", "up", "--stt", "google", "--tts", "tone"], {}, 1,
     ["--stt whisper"]),
]


class Recorder:
    """Stands in for what must not run; remembers every call."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        raise AssertionError("started although the input was bad")


@pytest.fixture
def started(monkeypatch) -> dict[str, Recorder]:
    """What the CLI might start or open, each replaced by a recorder."""
    recorders = {"stack.up": Recorder(), "call records": Recorder(), "knowledge store": Recorder()}
    monkeypatch.setattr(stack, "up", recorders["stack.up"])
    monkeypatch.setattr(FirestoreCallRecords, "from_project", recorders["call records"])
    monkeypatch.setattr("devtools.kb.open_store", recorders["knowledge store"])
    return recorders


@pytest.fixture
def no_credentials(monkeypatch) -> None:
    def default(*args, **kwargs):
        raise DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", default)
    for variable in ("CALLBOT_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(variable, raising=False)


def refused(argv: list[str], capsys, tmp_path) -> tuple[int, str]:
    """Run `callbot --state-dir <empty> *argv`; its exit code and its one line on stderr."""
    code = cli.main(["--state-dir", str(tmp_path / "stack"), *argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("callbot: ")
    return code, err


@pytest.mark.parametrize("argv, env, code, says", [pytest.param(*case[1:], id=case[0]) for case in REFUSED])
def test_bad_input_is_one_line_before_anything_starts(argv, env, code, says, started, no_credentials, monkeypatch,
                                                      capsys, tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    got, err = refused([arg.format(tmp=tmp_path) for arg in argv], capsys, tmp_path)
    assert got == code
    for words in says:
        assert words.format(tmp=tmp_path) in err
    assert {name: recorder.calls for name, recorder in started.items() if recorder.calls} == {}


class RecordingRunner:
    """The workflow runner's fake: remembers the executions it was asked to start."""

    def __init__(self) -> None:
        self.started: list[dict] = []

    def start(self, argument: dict) -> str:
        self.started.append(argument)
        return f"execution-{len(self.started)}"


@pytest.fixture
def local_stack(monkeypatch) -> RecordingRunner:
    """A running local stack as `target.current` reports one, with in-memory call records (one
    call, CA1) and a recording workflow runner."""
    info = stack.StackInfo(project_id="callbot-local", firestore="127.0.0.1:1", pubsub="127.0.0.1:2",
                           relay_url="http://127.0.0.1:3", relay_public_url="http://127.0.0.1:3",
                           twilio_auth_token="token", workflows_url="http://127.0.0.1:4")
    records, runner = MemoryCallRecords({"CA1": {"status": "completed"}}), RecordingRunner()
    monkeypatch.setattr(target, "current", lambda state_dir: target.Target(info.project_id, info))
    monkeypatch.setattr(FirestoreCallRecords, "from_project", lambda project_id: records)
    monkeypatch.setattr(post_call_rerun, "workflow_runner", lambda settings: runner)
    return runner


def test_rerun_of_a_call_that_is_not_there(local_stack, capsys, tmp_path):
    code, err = refused(["post-call", "rerun", "CA404", "--wait", "0"], capsys, tmp_path)
    assert code == 2
    assert "no call CA404 in project callbot-local" in err
    assert local_stack.started == []


def test_rerun_with_a_setting_that_does_not_validate(local_stack, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CALLBOT_LLM_PROVIDER", "gemini")
    code, err = refused(["post-call", "rerun", "CA1"], capsys, tmp_path)
    assert code == 2
    assert "CALLBOT_LLM_PROVIDER='gemini'" in err and "'offline'" in err
    assert local_stack.started == []


def test_rerun_starts_the_workflow_again(local_stack, capsys, tmp_path):
    assert cli.main(["--state-dir", str(tmp_path), "post-call", "rerun", "CA1", "--wait", "0"]) == 0
    assert capsys.readouterr().out == "post-call work of CA1 started again: execution-1\n"
    assert local_stack.started == [{"call_id": "CA1", "run": 1}]


def test_dev_status_and_down_with_no_stack(capsys, tmp_path):
    assert cli.main(["--state-dir", str(tmp_path), "dev", "status"]) == 0
    assert cli.main(["--state-dir", str(tmp_path), "dev", "down"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["local stack: not running", "stopped: nothing was running"]
    assert err == ""


def test_an_unexpected_error_is_one_line_and_its_traceback_is_for_debug(monkeypatch, capsys, tmp_path):
    def broken(state_dir):
        raise RuntimeError("relay exited during start-up\nsee relay.log")

    monkeypatch.setattr(stack, "status", broken)
    code, err = refused(["dev", "status"], capsys, tmp_path)
    assert code == 1
    assert err == ("callbot: RuntimeError: relay exited during start-up (`callbot --debug ...` prints the "
                   "traceback)\n")
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "--state-dir", str(tmp_path), "dev", "status"])
