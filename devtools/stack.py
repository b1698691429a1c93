"""The local stack behind `callbot dev up|down|status`: both emulators, the local Salesforce, Google
Calendar (seeded with the demo company) and Twilio Messaging servers, one functions-framework
process per function (Pub/Sub push subscriptions feed the Pub/Sub-triggered ones, delivered by
`devtools/pubsub_push.py` rather than by the emulator, whose push sends two requests at a time),
workflows-emulator running the post-call workflow against the HTTP ones, the relay and the call
console under uvicorn (the console with the admin role for whoever opens it). The demo
company's knowledge base (`knowledge_base/`) is ingested into the Firestore emulator.

Every process runs in its own process group and is recorded in `<state dir>/stack.json`; `down`
stops the groups. If `up` fails or is interrupted, whatever it had started is stopped again.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from callbot.bus import topology
from callbot.post_call.settings import DEV_SENDGRID_API_KEY
from callbot.production_settings import FUNCTIONS as DEPLOYED_FUNCTIONS
from callbot.settings import DEV_TWILIO_AUTH_TOKEN
from devtools import whisper_base
from devtools.emulators import KINDS, settle_emulators, spawn_emulators
from devtools.processes import (
    Child,
    free_port,
    group_alive,
    patched_environ,
    signals_deferred,
    spawn,
    stop_groups,
    wait_http_ok,
    wait_listening,
    wait_logged,
)
from devtools.pubsub_push import READY as PUSH_READY
from devtools.workflows_emulator import spawn_workflows_emulator, wait_workflows_emulator

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = ROOT / ".callbot" / "stack"
STORES = {f"{kind}-emulator" for kind in KINDS}  # stopped last: every other process writes to them
PROJECT_ID = "callbot-local"
# every function, with its functions-framework signature type: Pub/Sub push (cloudevent) or HTTP
FUNCTIONS = {name: "cloudevent" if name in topology.PUSHED_FUNCTIONS else "http" for name in DEPLOYED_FUNCTIONS}
DEV_SALES_DESK = "+14155550100"  # where handovers go locally: nobody answers, the report shows it
DEV_FRENCH_LINE = "+33155550100"  # calls to this number are answered in French
# what the demo company's callers may name besides the company and its reps: plans and integrations
# (devtools/demo_company.yaml's documents), hinted to the relay's recognizer
DEMO_PRODUCT_WORDS = ("Team plan", "Business plan", "Salesforce", "HubSpot", "Google Calendar", "Outlook")


@dataclass
class StackInfo:
    """Where everything of a running stack is; what `dev status --json` prints."""

    project_id: str
    firestore: str
    pubsub: str
    relay_url: str
    relay_public_url: str
    twilio_auth_token: str
    functions: dict[str, str] = field(default_factory=dict)
    processes: dict[str, dict] = field(default_factory=dict)
    log_dir: str = ""
    stt_engine: str = "scripted"
    tts_engine: str = "tone"
    recordings_dir: str = ""
    salesforce_url: str = ""  # the local Salesforce server (its /__admin/records/{Object} show what was written)
    calendar_url: str = ""  # the local Google Calendar server (/__admin/events)
    twilio_url: str = ""  # the local Twilio Messaging server (/__admin/messages: the SMS sent)
    sendgrid_url: str = ""  # the local SendGrid server (/__admin/messages: the invitations emailed)
    workflows_url: str = ""  # workflows-emulator running workflows/post_call.yaml
    console_url: str = ""  # the call console (/calls/{CallSid}: one call's page)

    def call_page(self, call_id: str) -> str:
        return f"{self.console_url}/calls/{call_id}"

    def emulator_env(self) -> dict[str, str]:
        return {"FIRESTORE_EMULATOR_HOST": self.firestore, "PUBSUB_EMULATOR_HOST": self.pubsub,
                "CALLBOT_PROJECT_ID": self.project_id, "GOOGLE_CLOUD_PROJECT": self.project_id}


def _state_file(state_dir: Path) -> Path:
    return state_dir / "stack.json"


def load(state_dir: Path = DEFAULT_STATE_DIR) -> StackInfo | None:
    path = _state_file(state_dir)
    if not path.exists():
        return None
    return StackInfo(**json.loads(path.read_text()))


def status(state_dir: Path = DEFAULT_STATE_DIR) -> dict[str, object]:
    info = load(state_dir)
    if info is None:
        return {"running": False}
    alive = {name: group_alive(p["pid"]) for name, p in info.processes.items()}
    return {"running": all(alive.values()), "alive": alive, **asdict(info)}


def up(state_dir: Path = DEFAULT_STATE_DIR, stt: str = "whisper", tts: str = "hibari",
       settings: dict[str, str] | None = None, function_settings: dict[str, str] | None = None) -> StackInfo:
    """Start the stack unless a healthy one is already recorded in `state_dir`.

    `stt` and `tts` pick the relay's speech engines; `settings` adds relay settings (environment
    variables, e.g. shorter call timers for tests), `function_settings` settings of the functions
    (e.g. `CALLBOT_LLM_PROVIDER`)."""
    current = status(state_dir)
    if current.get("running"):
        return load(state_dir)  # type: ignore[return-value]
    if current.get("processes"):
        down(state_dir)  # a half-dead stack: clear it before starting again
    log_dir = state_dir / "logs"
    started: list[Child] = []
    with _stop_on_failure(started):
        # every child is recorded in `started` before an interruption can land (signals_deferred),
        # so that _stop_on_failure stops it
        emulators = spawn_emulators(KINDS, log_dir, started)
        relay_port = free_port()
        relay_url = f"http://127.0.0.1:{relay_port}"
        info = StackInfo(project_id=PROJECT_ID, firestore="", pubsub="",
                         relay_url=relay_url, relay_public_url=relay_url,
                         twilio_auth_token=DEV_TWILIO_AUTH_TOKEN, log_dir=str(log_dir),
                         stt_engine=stt, tts_engine=tts, recordings_dir=str(state_dir / "recordings"))
        relay_env = _relay_env(info, state_dir, relay_port, settings)
        _build_audio_cache(relay_env)
        _start_local_servers(info, state_dir, log_dir, started)
        # the functions are started with the emulators' addresses: an emulator whose port was taken
        # meanwhile is started again on another one first
        hosts = settle_emulators(emulators, log_dir, started)
        info.firestore, info.pubsub = hosts["firestore"], hosts["pubsub"]
        env = _common_env(info)
        info.functions = {name: f"http://127.0.0.1:{free_port()}/" for name in FUNCTIONS}
        with signals_deferred():
            workflows, info.workflows_url = spawn_workflows_emulator(log_dir, info.functions)
            started.append(workflows)
        function_env = {**env, **_adapter_settings(info), **(function_settings or {})}
        for name in FUNCTIONS:
            port = int(info.functions[name].rstrip("/").rsplit(":", 1)[1])
            with signals_deferred():
                started.append(_spawn_function(name, name, port, log_dir, function_env))
        with patched_environ(info.emulator_env()):
            topology.apply(PROJECT_ID, info.functions, push_endpoints=False)
            _ingest_knowledge(info)
        with signals_deferred():
            pusher = _spawn_pubsub_push(info, log_dir, env)
            started.append(pusher)
        with signals_deferred():
            relay = _spawn_relay("relay", relay_port, log_dir, {**env, **relay_env})
            started.append(relay)
        with signals_deferred():
            console, info.console_url = _spawn_console(info, log_dir, env)
            started.append(console)
        for child in started:
            if child.name in FUNCTIONS:
                _wait_port(info.functions[child.name], child)
            elif child is workflows:
                wait_workflows_emulator(workflows, info.workflows_url)
            elif child is pusher:
                wait_logged(pusher, PUSH_READY)
            elif child.name in LOCAL_SERVERS:
                wait_http_ok(f"{getattr(info, LOCAL_SERVERS[child.name])}/__admin/health", 30, child)
        wait_http_ok(f"{relay_url}/healthz", 60, relay)
        wait_http_ok(f"{info.console_url}/healthz", 60, console)
        info.processes = {c.name: {"pid": c.pid, "log": str(c.log_path)} for c in started}
        state_dir.mkdir(parents=True, exist_ok=True)
        _state_file(state_dir).write_text(json.dumps(asdict(info), indent=2))
    return info


def spawn_relay(info: StackInfo, state_dir: Path, name: str, settings: dict[str, str] | None,
                started: list[Child]) -> tuple[Child, str]:
    """One more relay instance on the running stack `info` (its own port and instance name, the same
    emulators, speech engines and audio cache, and `settings`), healthy; the process and its URL.
    Not recorded in the stack's state: it is appended to `started` as soon as it runs, and whoever
    keeps that list stops it (tests of a relay stopped with calls on it)."""
    port = free_port()
    env = {**_common_env(info), **_relay_env(info, state_dir, port, settings)}
    child = _spawn_relay(name, port, Path(info.log_dir), env)
    started.append(child)
    wait_http_ok(f"http://127.0.0.1:{port}/healthz", 60, child)
    return child, f"http://127.0.0.1:{port}"


def spawn_function(info: StackInfo, function: str, name: str, settings: dict[str, str] | None,
                   started: list[Child]) -> tuple[Child, str]:
    """One more process of `function` on the running stack `info`, with the stack's settings and
    `settings` (e.g. another `CALLBOT_PROJECT_ID`, so that it serves topics of its own), listening;
    the process and its URL. Appended to `started` as soon as it runs, like `spawn_relay`."""
    port = free_port()
    env = {**_common_env(info), **_adapter_settings(info), **(settings or {})}
    child = _spawn_function(function, name, port, Path(info.log_dir), env)
    started.append(child)
    url = f"http://127.0.0.1:{port}/"
    _wait_port(url, child)
    return child, url


def _spawn_function(function: str, name: str, port: int, log_dir: Path, env: dict[str, str]) -> Child:
    """One functions-framework process standing for all of the function's instances: production runs
    one request per instance, up to `max_instances` at once, so the process gets that many threads
    (gunicorn's `THREADS`; its default, 4 per core, would queue a burst that production serves at
    once), and `devtools/pubsub_push.py` pushes it at most that many messages at a time."""
    threads = {"THREADS": str(DEPLOYED_FUNCTIONS[function].max_instances)}
    return spawn(name, [sys.executable, "-m", "functions_framework", "--target", function, "--source",
                        str(ROOT / f"functions/{function}/main.py"), "--signature-type", FUNCTIONS[function],
                        "--host", "127.0.0.1", "--port", str(port)], log_dir, env={**threads, **env}, cwd=ROOT)


def _spawn_pubsub_push(info: StackInfo, log_dir: Path, env: dict[str, str]) -> Child:
    """The push delivery of the Pub/Sub-triggered functions (the emulator's subscriptions, pulled)."""
    pushed = {name: url for name, url in info.functions.items() if name in topology.PUSHED_FUNCTIONS}
    return spawn("pubsub-push", [sys.executable, "-m", "devtools.pubsub_push", "--project", info.project_id,
                                 "--functions", json.dumps(pushed)], log_dir, env=env, cwd=ROOT)


def _common_env(info: StackInfo) -> dict[str, str]:
    """What every process of the stack reads; each turn's trace goes to the stack's traces folder,
    which the call console shows."""
    return {**info.emulator_env(), "CALLBOT_ENVIRONMENT": "dev", "CALLBOT_LOG_LEVEL": "INFO",
            "CALLBOT_TRACE_EXPORTER": "file", "CALLBOT_TRACE_DIR": str(Path(info.log_dir).parent / "traces")}


def _relay_env(info: StackInfo, state_dir: Path, port: int, settings: dict[str, str] | None) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}"
    return {"CALLBOT_PUBLIC_URL": url, "CALLBOT_RELAY_INSTANCE": f"local-{port}",
            "CALLBOT_STT_ENGINE": info.stt_engine, "CALLBOT_TTS_ENGINE": info.tts_engine,
            "CALLBOT_RECORDINGS_URI": info.recordings_dir, "CALLBOT_AUDIO_CACHE_URI": str(state_dir / "audio-cache"),
            "CALLBOT_TRANSFER_NUMBER": DEV_SALES_DESK, "CALLBOT_STT_VOCABULARY": json.dumps(demo_vocabulary()),
            "CALLBOT_NUMBER_LANGUAGES": json.dumps({DEV_FRENCH_LINE: "fr-FR"}),
            "CALLBOT_WHISPER_MULTILINGUAL_MODEL_DIR": str(whisper_base.MODEL_DIR), **(settings or {})}


def demo_vocabulary() -> list[str]:
    """The relay's STT vocabulary on the local stack: the demo company's name, reps and products."""
    from devtools.demo_company import seed

    company = seed()
    return [company.company, *(rep.name for rep in company.reps), *DEMO_PRODUCT_WORDS]


def _spawn_relay(name: str, port: int, log_dir: Path, env: dict[str, str]) -> Child:
    return spawn(name, [sys.executable, "-m", "uvicorn", "stream_relay.app:create_app", "--factory", "--host",
                        "127.0.0.1", "--port", str(port), "--no-access-log", "--ws-ping-interval", "0",
                        "--ws-max-size", "65536", "--ws-per-message-deflate", "false"],  # as stream_relay/Dockerfile
                 log_dir, env=env, cwd=ROOT)


def _spawn_console(info: StackInfo, log_dir: Path, env: dict[str, str]) -> tuple[Child, str]:
    """The call console on the emulators and the relay's recordings, admin for whoever opens it."""
    port = free_port()
    console_env = {**env, "CALLBOT_CONSOLE_AUTH": "dev_admin", "CALLBOT_RECORDINGS_URI": info.recordings_dir}
    child = spawn("console", [sys.executable, "-m", "uvicorn", "console.bootstrap:create_app", "--factory",
                              "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
                  log_dir, env=console_env, cwd=ROOT)
    return child, f"http://127.0.0.1:{port}"


LOCAL_SERVERS = {"fake-salesforce": "salesforce_url", "fake-calendar": "calendar_url", "fake-twilio": "twilio_url",
                 "fake-sendgrid": "sendgrid_url"}
DEV_INVITATION_FROM = "meetings@northwind.example"


def _start_local_servers(info: StackInfo, state_dir: Path, log_dir: Path, started: list[Child]) -> None:
    """The local Salesforce and Google Calendar servers, seeded with the demo company, and the local
    Twilio Messaging and SendGrid servers."""
    from datetime import UTC, datetime

    from devtools.demo_company import calendar_seed, salesforce_seed

    state_dir.mkdir(parents=True, exist_ok=True)
    seeds = {"fake-salesforce": ("devtools.fake_salesforce", salesforce_seed()),
             "fake-calendar": ("devtools.fake_google_calendar", calendar_seed(datetime.now(UTC)))}
    commands = {}
    for name, (module, data) in seeds.items():
        seed_file = state_dir / f"{name}-seed.json"
        seed_file.write_text(json.dumps(data))
        commands[name] = [sys.executable, "-m", module, "--seed", str(seed_file)]
    commands["fake-twilio"] = [sys.executable, "-m", "devtools.fake_twilio"]
    commands["fake-sendgrid"] = [sys.executable, "-m", "devtools.fake_sendgrid"]
    for name, argv in commands.items():
        port = free_port()
        setattr(info, LOCAL_SERVERS[name], f"http://127.0.0.1:{port}")
        with signals_deferred():
            started.append(spawn(name, [*argv, "--port", str(port)], log_dir, cwd=ROOT))


def _adapter_settings(info: StackInfo) -> dict[str, str]:
    """The action functions' real adapters, pointed at the local servers and the emulator (and the
    demo company's seed, for a function switched to a memory backend by `function_settings`)."""
    from devtools.demo_company import (
        DEV_SALESFORCE_CLIENT_ID,
        DEV_SALESFORCE_USER,
        calendar_reps,
        memory_settings,
    )

    return {**memory_settings(),
            "CALLBOT_CRM_BACKEND": "salesforce", "CALLBOT_SALESFORCE_LOGIN_URL": info.salesforce_url,
            "CALLBOT_SALESFORCE_CLIENT_ID": DEV_SALESFORCE_CLIENT_ID,
            "CALLBOT_SALESFORCE_USERNAME": DEV_SALESFORCE_USER["Username"],
            "CALLBOT_SALESFORCE_PASSWORD": DEV_SALESFORCE_USER["Password"],
            "CALLBOT_SALESFORCE_SECURITY_TOKEN": DEV_SALESFORCE_USER["SecurityToken"],
            "CALLBOT_CALENDAR_BACKEND": "google", "CALLBOT_GOOGLE_CALENDAR_ROOT_URL": f"{info.calendar_url}/",
            "CALLBOT_CALENDAR_AUTH": "delegation",  # acting as each rep, who invites the caller
            "CALLBOT_CALENDAR_REPS": json.dumps([rep.model_dump() for rep in calendar_reps("google")]),
            "CALLBOT_KNOWLEDGE_BACKEND": "firestore",
            # the post-call functions: the workflow on the emulator, SMS to the local Twilio server,
            # invitations owed (none while the calendar acts as each rep) to the local SendGrid server
            "CALLBOT_WORKFLOW_ENGINE": "emulator", "CALLBOT_WORKFLOWS_EMULATOR_URL": info.workflows_url,
            "CALLBOT_TWILIO_API_URL": info.twilio_url, "CALLBOT_TWILIO_AUTH_TOKEN": DEV_TWILIO_AUTH_TOKEN,
            "CALLBOT_SENDGRID_API_URL": info.sendgrid_url, "CALLBOT_SENDGRID_API_KEY": DEV_SENDGRID_API_KEY,
            "CALLBOT_INVITATION_FROM": DEV_INVITATION_FROM}


def _ingest_knowledge(info: StackInfo) -> None:
    """The demo company's documents into the emulator's knowledge base (the local embedding model)."""
    from callbot.knowledge.firestore_vectors import FirestoreKnowledge
    from callbot.knowledge.ingest import ingest
    from devtools.demo_company import KNOWLEDGE_BASE, embedder

    store = FirestoreKnowledge.from_project(info.project_id, embedder("local")[0])
    ingest(store, store.embedder, KNOWLEDGE_BASE)


def _build_audio_cache(relay_env: dict[str, str]) -> None:
    """Synthesize the common phrases for the chosen TTS engine into the local cache (idempotent)."""
    from callbot.blobs import open_blob_store
    from callbot.settings import RelaySettings
    from stream_relay.audio_cache import build_audio_cache
    from stream_relay.speech.tts_engines import make_tts

    with patched_environ(relay_env):
        settings = RelaySettings()
    # asyncio.run takes over SIGINT while it runs and loses it when the coroutine ends before the
    # cancellation lands: a Ctrl-C then would let `up` carry on; deferred, it lands right after
    with signals_deferred():
        asyncio.run(build_audio_cache(make_tts(settings), open_blob_store(settings.audio_cache_uri),
                                      settings.languages))


def down(state_dir: Path = DEFAULT_STATE_DIR) -> list[str]:
    """Stop every process group of the stack; return the names stopped."""
    info = load(state_dir)
    if info is None:
        return []
    _stop({name: process["pid"] for name, process in info.processes.items()})
    _state_file(state_dir).unlink(missing_ok=True)
    return list(info.processes)


@contextmanager
def _stop_on_failure(started: list[Child]) -> Iterator[None]:
    """Stop what was started if the block fails, is interrupted (Ctrl-C) or the launcher is
    terminated (SIGTERM, turned into SystemExit here)."""
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    except BaseException:
        _stop({child.name: child.pid for child in started})
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(pids: dict[str, int]) -> None:
    """Stop a stack's process groups (by name): every process that uses the emulators together (the
    relay, the functions, the local servers), then the emulators they write to."""
    stop_groups([pid for name, pid in pids.items() if name not in STORES])
    stop_groups([pid for name, pid in pids.items() if name in STORES])


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _wait_port(url: str, child: Child, timeout_s: float = 60) -> None:
    parts = urlsplit(url)
    wait_listening(parts.hostname, parts.port, child, timeout_s)
