"""Spoken prompts for elderly mode (长辈模式): offline espeak-ng with its Mandarin voice.

Speaking never blocks the screen: each prompt is a child process, and a new prompt stops the one
still talking. Only fixed prompts are spoken (never a name, number or anything personal: a
bystander can hear them). Without espeak-ng, or with `display.speech = false`, it stays silent.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

log = logging.getLogger(__name__)

VOICES = ("cmn", "zh")  # espeak-ng's Mandarin voice, then its older Chinese one
WORDS_PER_MINUTE = 140  # slower than espeak's 175: elderly listeners


class Speaker:
    def __init__(self, enabled: bool, binary: str = "espeak-ng") -> None:
        self.binary = shutil.which(binary) if enabled else None
        self.voice = self._voice() if self.binary else ""
        self.spoken: list[str] = []  # what was said this run (fixed prompts only), for tests and the demo
        self._process: subprocess.Popen[bytes] | None = None

    def _voice(self) -> str:
        assert self.binary is not None
        try:
            listed = subprocess.run([self.binary, "--voices=zh"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.TimeoutExpired):
            return VOICES[-1]
        names = {line.split()[1] for line in listed.splitlines()[1:] if len(line.split()) > 1}
        return next((v for v in VOICES if v in names), VOICES[-1])

    @property
    def available(self) -> bool:
        return self.binary is not None

    def say(self, prompt: str) -> None:
        """Start speaking `prompt` (a fixed sentence) and return at once."""
        if self.binary is None or not prompt:
            return
        self.stop()
        self.spoken.append(prompt)
        try:
            self._process = subprocess.Popen([self.binary, "-v", self.voice, "-s", str(WORDS_PER_MINUTE), prompt],
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        except OSError as error:
            log.warning("event=speech_failed problem=%s", type(error).__name__)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
