"""What the developer tools raise when a command cannot do what was asked for a reason its user can
fix. `callbot` prints the message as one line on stderr and exits non-zero; the traceback only with
`--debug`.

    CommandError      what the command needs is missing here: no local stack, no credentials (exit 1)
    └── UsageError    the arguments, or a file or name they give, are wrong (exit 2)

A message says what is wrong and how to fix it, in one sentence.
"""

from __future__ import annotations

from pydantic import ValidationError


class CommandError(Exception):
    exit_code = 1


class UsageError(CommandError):
    exit_code = 2


def refusal(exc: Exception) -> tuple[str, int]:
    """The one line `callbot` prints for `exc`, and its exit code: a CommandError's message; for
    settings that do not validate, the CALLBOT_* variables at fault (a usage error); else the
    exception's first line and where to find the rest."""
    if isinstance(exc, CommandError):
        return " ".join(str(exc).split()), exc.exit_code
    if isinstance(exc, ValidationError) and exc.title.endswith("Settings"):
        return _settings_problem(exc), UsageError.exit_code
    first = next((line for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first.strip()} (`callbot --debug ...` prints the traceback)", 1


def _settings_problem(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = "CALLBOT_" + "_".join(map(str, error["loc"])).upper()
        secret = any(word in variable for word in ("TOKEN", "PASSWORD", "SECRET", "KEY"))
        problems.append(f"{variable}={'***' if secret else repr(error['input'])}: {error['msg']}")
    variables = "that environment variable" if len(problems) == 1 else "those environment variables"
    return f"{'; '.join(problems)}; correct or unset {variables}"
