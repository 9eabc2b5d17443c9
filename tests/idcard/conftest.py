"""Fixtures for the ID-card tests: a simulator on a real pty and a reader driver talking to it."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.idcard import IdCardSettings, ReaderEvent
from drivers.idcard.driver import IdCardReader
from drivers.idcard.simulator import SamSimulator
from terminal.devices import parse_address
from terminal.events import EVENTS


class Events:
    """Collects reader events from the driver thread; `next()` waits for one with a timeout."""

    def __init__(self) -> None:
        self.queue: queue.Queue[ReaderEvent] = queue.Queue()

    def __call__(self, event: ReaderEvent) -> None:
        self.queue.put(event)

    def next(self, timeout: float = 5.0) -> ReaderEvent:
        return self.queue.get(timeout=timeout)

    def kinds(self, count: int, timeout: float = 5.0) -> list[str]:
        return [self.next(timeout).kind for _ in range(count)]


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a state the code under test reaches on another thread (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


@pytest.fixture
def make_simulator(tmp_path: Path) -> Iterator[Callable[..., SamSimulator]]:
    made: list[SamSimulator] = []

    def make(**kwargs: object) -> SamSimulator:
        kwargs.setdefault("link", tmp_path / "terminal-idcard")
        simulator = SamSimulator(**kwargs).start()  # type: ignore[arg-type]  # test options are the simulator keywords
        made.append(simulator)
        return simulator

    yield make
    for simulator in made:
        simulator.stop()


@pytest.fixture
def make_reader() -> Iterator[Callable[..., tuple[IdCardReader, Events]]]:
    made: list[IdCardReader] = []

    def make(path: str, *, timeout: float = 1.0, start: bool = True, **kwargs: object) -> tuple[IdCardReader, Events]:
        events = Events()
        settings = IdCardSettings(parse_address(path, "idcard"), poll_interval=0.02, timeout=timeout,
                                  **kwargs)  # type: ignore[arg-type]  # read_fingerprint only
        reader = IdCardReader(settings, EVENTS, on_event=events)
        made.append(reader)
        if start:
            reader.start()
        return reader, events

    yield make
    for reader in made:
        reader.stop()
