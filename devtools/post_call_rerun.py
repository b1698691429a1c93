"""`callbot post-call rerun`: run a call's post-call workflow again (safe: every step is idempotent),
on the local stack's workflows-emulator when a stack runs, else on Cloud Workflows in the
environment's project, and wait for the run's outcome."""

from __future__ import annotations

from callbot.errors import PermanentError
from callbot.post_call import FAILED, PROCESSED, runs
from callbot.post_call.records import FirestoreCallRecords
from callbot.post_call.settings import PostCallSettings
from callbot.workflows.factory import workflow_runner
from devtools.errors import UsageError
from devtools.finished_call import wait_outcome
from devtools.target import Target


def settings(where: Target) -> PostCallSettings:
    """The post-call settings for `where`: the stack's emulator, else the environment's (CALLBOT_*)
    with the project `where` names."""
    if where.stack is not None:
        return PostCallSettings(workflow_engine="emulator", workflows_emulator_url=where.stack.workflows_url,
                                project_id=where.project_id)
    return PostCallSettings(project_id=where.project_id)


def start(where: Target, call_sid: str) -> tuple[FirestoreCallRecords, str]:
    """Start a new post-call run of `call_sid`; the call records it is followed on, and the execution."""
    runner = workflow_runner(settings(where))  # settings first: a bad CALLBOT_* variable reads nothing
    records = FirestoreCallRecords.from_project(where.project_id)
    try:
        return records, runs.rerun(records, runner, call_sid)
    except PermanentError as exc:  # no such call
        raise UsageError(f"{exc} in project {where.project_id}: pass the CallSid of a call recorded there") from exc


def outcome(records: FirestoreCallRecords, call_sid: str, timeout_s: float) -> tuple[bool, str]:
    """Whether the latest run processed the call (waited for up to `timeout_s`), and a line saying
    how it ended."""
    try:
        post_call = wait_outcome(records, call_sid, timeout_s=timeout_s).post_call
    except TimeoutError:
        return False, f"{call_sid}: no outcome within {timeout_s:.0f} s; see the workflow's logs"
    failed = f" at {post_call.failed_step}: {post_call.error}" if post_call.status == FAILED else ""
    return post_call.status == PROCESSED, f"{call_sid}: {post_call.status}{failed}"
