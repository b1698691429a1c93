"""Where the commands that read or change a project's data work (`callbot kb`, `callbot post-call
rerun`): the running local stack's emulators, else the Google Cloud project the environment names
(CALLBOT_PROJECT_ID or GOOGLE_CLOUD_PROJECT) with its Application Default Credentials. Both are
checked before anything is read or started, so that a missing one is a sentence, not a traceback
from the first client call."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from devtools import stack
from devtools.errors import CommandError

LOGIN = "gcloud auth application-default login"


@dataclass(frozen=True)
class Target:
    project_id: str
    stack: stack.StackInfo | None = None  # None: the Google Cloud project


def current(state_dir: Path = stack.DEFAULT_STATE_DIR) -> Target:
    """The local stack recorded in `state_dir` when it runs (its emulators' variables are then set
    in this process), else the environment's project; CommandError when neither can be used."""
    if stack.status(state_dir).get("running"):
        info = stack.load(state_dir)
        assert info is not None  # running means recorded
        os.environ.update(info.emulator_env())
        return Target(info.project_id, info)
    project = os.environ.get("CALLBOT_PROJECT_ID") or os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not project:
        raise CommandError("no local stack is running and no Google Cloud project is named: start a stack "
                           "with `callbot dev up`, or set CALLBOT_PROJECT_ID to work on a project")
    missing = google_credentials_missing()
    if missing:
        raise CommandError(f"no local stack is running, and project {project} cannot be reached: {missing}; "
                           f"start a stack with `callbot dev up`, or log in with `{LOGIN}`")
    return Target(project)


def google_credentials_missing() -> str | None:
    """Why Google's clients would find no credentials here, or None when they would."""
    import google.auth
    from google.auth.exceptions import GoogleAuthError

    try:
        google.auth.default()
    except GoogleAuthError as exc:
        return f"no Application Default Credentials ({type(exc).__name__})"
    return None
