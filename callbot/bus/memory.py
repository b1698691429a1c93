"""An in-memory `Publisher` that records what was published, for unit tests."""

from __future__ import annotations

from concurrent.futures import Future

from callbot.messages import Message


class RecordingPublisher:
    """Records every published message, in order; can be told to fail the next publishes."""

    def __init__(self) -> None:
        self.published: list[Message] = []
        self.fail_next: list[Exception] = []

    def publish(self, message: Message) -> Future[str]:
        future: Future[str] = Future()
        if self.fail_next:
            future.set_exception(self.fail_next.pop(0))
            return future
        self.published.append(message)
        future.set_result(str(len(self.published)))
        return future

    def of_type(self, cls: type[Message]) -> list[Message]:
        return [m for m in self.published if isinstance(m, cls)]
