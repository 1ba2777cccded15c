"""A client-side deadline for statements: a test cannot switch it off with SET statement_timeout."""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from types import TracebackType

from dbharness.pg import psycopg

GRACE_S = 0.5  # the server's own statement_timeout, when still set, fires first with the same error


class Watchdog:
    """Cancels the statement running on a connection once it has run for `seconds`."""

    def __init__(self, conn: psycopg.Connection, seconds: float) -> None:
        self.conn = conn
        self.seconds = seconds + GRACE_S
        self.deadline: float | None = None
        self.fired = False
        self._cv = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Watchdog:
        if self.seconds > GRACE_S:  # a test_timeout of 0 means none
            self._thread.start()
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify()

    def arm(self) -> None:
        """A statement starts now."""
        with self._cv:
            self.deadline = time.monotonic() + self.seconds
            self._cv.notify()

    def disarm(self) -> None:
        """The statement ended."""
        with self._cv:
            self.deadline = None

    def _loop(self) -> None:
        with self._cv:
            while not self._stopped:
                if self.deadline is None:
                    self._cv.wait()
                    continue
                remaining = self.deadline - time.monotonic()
                if remaining > 0:
                    self._cv.wait(remaining)
                    continue
                self.deadline = None
                self.fired = True
                with suppress(psycopg.Error, OSError):
                    self.conn.cancel_safe(timeout=5)
