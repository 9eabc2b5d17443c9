"""Technician diagnostics mode without the screen: who may enter, when it closes, what it saw.

The card challenge-response, the PIN hashes and the growing lockout belong to
`drivers.smartcard.technician.TechnicianAuth`; this module decides which of its logins applies
(card plus PIN, or PIN alone where `technician.allow_pin_only` says so), closes the mode after
`technician.idle_seconds` without a touch, and writes every entry, refusal, lockout, exit and
self-test to the event log. Nothing here names a person: a card is logged by the first 8 hex
digits of its random card ID, a login by how it was made.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from drivers.smartcard import NoCard, SmartCardSettings, open_smartcard
from drivers.smartcard.technician import (
    STORE_NAME,
    AuthError,
    LockedOut,
    TechnicianAuth,
    TechnicianCard,
    TechnicianLogin,
)
from terminal.config import Config
from terminal.diagnostics import CheckResult
from terminal.errors import DeviceMissing, TerminalError
from terminal.events import EventId, record

log = logging.getLogger(__name__)

CardOpener = Callable[[], TechnicianCard]


class CardRequired(AuthError):
    """No technician card on the reader and PIN-only entry is not allowed here."""

    advice_zh = "请把技术人员卡放到读卡器上，再输入密码。"


def technician_auth(config: Config, **kwargs: Any) -> TechnicianAuth:
    """The technician card store in the data folder (`kwargs`: clock, policy, scrypt_n)."""
    return TechnicianAuth(config.storage.data_dir / STORE_NAME, **kwargs)


def card_from_config(config: Config) -> CardOpener:
    """Open the technician card application on the configured PC/SC reader (raises NoCard / DeviceMissing).

    A simulated reader counts as empty: its card would be a new random one each time, which no
    terminal can have enrolled, so on a laptop (`sim`) only PIN-alone entry can work.
    """
    address = config.devices.smartcard.address

    def open_card() -> TechnicianCard:
        if address.is_simulated:
            raise NoCard("the simulated technician card reader holds no enrolled card", device="smartcard")
        channel = open_smartcard(SmartCardSettings(address))
        try:
            return TechnicianCard(channel)
        except TerminalError:
            channel.close()
            raise

    return open_card


def _card_field(login: TechnicianLogin) -> dict[str, str]:
    """The card's random ID, shortened, for the event log (nothing for a PIN-only login)."""
    return {"card": login.card_id[:8]} if login.card_id else {}


class TechnicianGate:
    """Login, idle exit and the event trail of one diagnostics session (thread-safe: logins run off the UI thread)."""

    def __init__(self, config: Config, auth: TechnicianAuth, open_card: CardOpener, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allow_pin_only = config.technician.allow_pin_only
        self.idle_seconds = config.technician.idle_seconds
        self.auth = auth
        self.open_card = open_card
        self.clock = clock
        self._lock = threading.Lock()
        self._login: TechnicianLogin | None = None
        self._last_touch = 0.0

    @classmethod
    def from_config(cls, config: Config) -> TechnicianGate:
        return cls(config, technician_auth(config), card_from_config(config))

    @property
    def logged_in(self) -> bool:
        return self._login is not None

    def _card_or_none(self) -> TechnicianCard | None:
        """The card on the reader; None when there is none (or no reader) and PIN alone is allowed."""
        try:
            return self.open_card()
        except (NoCard, DeviceMissing):
            if self.allow_pin_only:
                return None
            raise CardRequired("no technician card on the reader") from None

    def login(self, pin: str) -> TechnicianLogin:
        """Check the card on the reader (if any) and the PIN; raises an AuthError whose advice_zh says why."""
        card: TechnicianCard | None = None
        try:
            card = self._card_or_none()
            login = self.auth.login(card, pin) if card is not None else self.auth.verify_pin_only(pin)
        except LockedOut as refused:
            record(EventId.TECH_LOCKOUT, retry_after_s=round(refused.retry_after), attempt="refused_unchecked")
            raise
        except TerminalError as refused:  # AuthError, or a card/reader error while proving the card
            record(EventId.TECH_LOGIN_FAILED, reason=type(refused).__name__)
            wait = self.auth.retry_after()
            if wait > 0:
                record(EventId.TECH_LOCKOUT, retry_after_s=round(wait))
            raise
        finally:
            if card is not None:
                card.channel.close()
        with self._lock:
            self._login = login
            self._last_touch = self.clock()
        record(EventId.TECH_LOGIN, method="card+pin" if login.card_id else "pin-only", **_card_field(login))
        return login

    def touch(self) -> None:
        """Any technician activity restarts the idle clock."""
        with self._lock:
            self._last_touch = self.clock()

    def idle_remaining(self) -> float:
        with self._lock:
            if self._login is None:
                return 0.0
            return max(0.0, self._last_touch + self.idle_seconds - self.clock())

    def tick(self) -> bool:
        """Called periodically: logs out after the idle time; True if it just did."""
        if self._login is not None and self.idle_remaining() <= 0:
            self.logout("idle")
            return True
        return False

    def logout(self, reason: str) -> None:
        with self._lock:
            login, self._login = self._login, None
        if login is not None:
            record(EventId.TECH_LOGOUT, reason=reason, **_card_field(login))

    def self_test(self, device: str, action: str, outcome: str) -> None:
        """Record one technician action (a check, a test page, a beep) with its outcome in a word.

        Not activity by itself: a check that ends late must not keep an abandoned session open.
        """
        record(EventId.SELF_TEST, device=device, action=action, outcome=outcome)


@dataclass(frozen=True)
class DeviceState:
    """The latest result for a device and since when it has had this status."""

    result: CheckResult
    since: datetime


class DeviceStates:
    """Keeps, per device, when its status last changed, so the dashboard can say "故障 since 10:42"."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self._states: dict[str, DeviceState] = {}
        self._lock = threading.Lock()

    def update(self, results: list[CheckResult]) -> dict[str, DeviceState]:
        now = self._now()
        with self._lock:
            for result in results:
                previous = self._states.get(result.device)
                unchanged = previous is not None and previous.result.status == result.status
                self._states[result.device] = DeviceState(result, previous.since if unchanged and previous else now)
            return dict(self._states)

    def get(self, device: str) -> DeviceState | None:
        with self._lock:
            return self._states.get(device)
