"""Typed errors shared by the core, the drivers and the sync code.

Every error carries a plain Chinese sentence for the person in front of the terminal
(what happened and what to do next) and an English one for logs and technicians.
Messages never contain personal data.
"""

from __future__ import annotations


class TerminalError(Exception):
    """Base of every error the terminal raises on purpose."""

    advice_zh = "操作没有成功，请稍后再试，或到窗口请工作人员帮助。"

    def __init__(self, message: str, *, advice_zh: str | None = None, device: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.device = device
        if advice_zh is not None:
            self.advice_zh = advice_zh

    def for_people(self) -> str:
        """The sentence shown on screen and printed by the CLI, Chinese then English."""
        return f"{self.advice_zh} ({self.message})"


class ConfigError(TerminalError):
    """The configuration file has an unknown key or a bad value."""

    advice_zh = "终端配置有误，请联系技术人员。"


class DeviceError(TerminalError):
    """Base of device problems; `device` names the device kind (idcard, printer, ...)."""

    advice_zh = "设备暂时不能使用，请到窗口请工作人员帮助。"


class DeviceMissing(DeviceError):
    """The device is not connected or its port does not exist."""

    advice_zh = "设备没有连接，请到窗口办理或请工作人员帮助。"


class DeviceFault(DeviceError):
    """The device answered but reports a fault (paper out, SAM failed, cover open, ...)."""

    advice_zh = "设备出现故障，请到窗口办理或请工作人员帮助。"


class ProtocolError(DeviceError):
    """The device sent bytes that do not form a valid answer."""

    advice_zh = "设备通信出错，请稍后再试。"


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    advice_zh = "设备没有响应，请稍后再试。"


class StorageFull(TerminalError):
    """Not enough free space to accept a new case safely."""

    advice_zh = "终端存储空间不足，暂时不能受理新的申请，请到窗口办理。"


class PlatformError(TerminalError):
    """The central platform could not be reached or refused a request."""

    advice_zh = "暂时连不上政务服务平台，您的申请已保存，网络恢复后会自动提交。"
