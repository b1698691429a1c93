"""How the Google Calendar adapter runs a request: a connection the server closed while idle."""

import pytest

from callbot.calendar.slots import Rep


def test_a_request_on_a_connection_the_server_closed_is_repeated_at_once():
    """Idle kept-alive connections get closed by the server; the next request fails to write on it.
    That is repeated once on a new connection, instead of failing the action (and waiting for
    Pub/Sub's redelivery)."""
    from callbot.calendar.google_calendar import GoogleCalendar
    from callbot.errors import RetryableError

    class Request:
        def __init__(self, failures):
            self.failures, self.calls = list(failures), 0

        def execute(self, num_retries=0):
            self.calls += 1
            if self.failures:
                raise self.failures.pop(0)
            return {"ok": True}

    calendar = GoogleCalendar(service=None, reps=[Rep("Alex Kim", "alex@example.com", "alex@example.com",
                                                      "America/New_York")])
    stale = Request([BrokenPipeError(32, "Broken pipe")])
    assert calendar._run(stale) == {"ok": True} and stale.calls == 2
    down = Request([ConnectionResetError(), ConnectionResetError()])
    with pytest.raises(RetryableError):
        calendar._run(down)  # a second failure is not a stale connection: Pub/Sub retries later
