"""This terminal's own platform secret: trade a one-time enrolment code for it, rotate it.

A county's central service (gov-central) gives each terminal its own secret, so a token of one
terminal is refused for another's records and heartbeats. The installer types the one-time code
shown in the console's 终端注册 page into `terminal sync enrol CODE`; the secret comes back over
HTTPS and is kept in `platform.credentials` (owner-only, written safely), the file push, catalog
and progress requests already sign their tokens with. `terminal sync rotate` asks for a new one
with the current one (the platform honours the old for a few minutes).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

from sync.client import ClientSettings, PlatformClient
from terminal.config import Config
from terminal.errors import ConfigError, PlatformError
from terminal.safewrite import write_atomic

log = logging.getLogger(__name__)

CODE = re.compile(r"[A-Za-z0-9-]{4,64}")
SECRET = re.compile(r"[\x21-\x7e]{16,256}")  # printable ASCII, one line, as sync.auth.read_secret reads it


def _credentials_file(config: Config) -> Path:
    if config.platform.credentials is None:
        raise ConfigError("platform.credentials is not set: name the file this terminal's secret is kept in",
                          advice_zh="请先在配置文件中设置 platform.credentials（保存本终端密钥的文件）。")
    return Path(config.platform.credentials)


def _keep(config: Config, client: PlatformClient, path: str, body: dict[str, str] | None) -> Path:
    """Ask, check the answer, and keep the secret it names."""
    answer = client.request("POST", path, json_body=body)
    if answer.status_code != 200:
        raise PlatformError(f"{path} answered HTTP {answer.status_code}",
                            advice_zh="平台拒绝了注册请求：注册码可能已用过、已过期或不是本终端的，请在管理平台重新生成。")
    data = answer.json()
    secret = data.get("secret") if isinstance(data, dict) else None
    if not isinstance(secret, str) or not SECRET.fullmatch(secret) or data.get("terminal_id") != config.terminal.id:
        raise PlatformError(f"{path} answered something that is not this terminal's secret")
    target = _credentials_file(config)
    write_atomic(target, secret.encode("ascii") + b"\n", mode=0o600)
    log.info("event=platform.secret_kept via=%s terminal=%s", path, config.terminal.id)
    return target


def enrol(config: Config, code: str) -> Path:
    """Trade the console's one-time `code` for this terminal's own secret; returns the file it is in."""
    if not CODE.fullmatch(code):
        raise ConfigError("an enrolment code is 4-64 letters, digits and dashes, as the console shows it")
    target = _credentials_file(config)
    # No secret yet: the enrolment request carries none (the code is the proof).
    settings = dataclasses.replace(ClientSettings.from_config(config, secret=b""), attempts=1)
    client = PlatformClient(settings)
    try:
        _keep(config, client, "/v1/enrol", {"terminal_id": config.terminal.id, "code": code})
    finally:
        client.close()
    return target


def rotate(config: Config) -> Path:
    """Ask for a new secret, signed with the current one, and keep it."""
    client = PlatformClient(dataclasses.replace(ClientSettings.from_config(config), attempts=1))
    try:
        return _keep(config, client, "/v1/enrol/rotate", None)
    finally:
        client.close()
