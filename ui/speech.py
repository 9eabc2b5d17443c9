"""The kiosk's voice: screens read aloud in Mandarin (elderly mode, audio navigation).

What is said is made speakable here (terminal/spoken.py: case numbers digit by digit, dates as
月/日) and spoken by the speech process (`python -m terminal.spoken`: pypinyin and espeak-ng's
`cmn-latn-pinyin` voice), so the kiosk never holds pypinyin's 55 MB. Nothing here blocks the
screen: `say` hands the words to a worker thread, which starts the speech process when first
needed and passes on only the newest words (a new screen stops the old utterance). Without
espeak-ng, without a Mandarin voice, or with `display.speech = false`, the kiosk stays silent and
the log says so once. `spoken` keeps the last words said, a bounded history for tests and the demo.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import subprocess
import sys
import threading
from collections import deque

from terminal.spoken import DEFAULT_VOLUME, speakable

log = logging.getLogger(__name__)

HISTORY = 64            # utterances kept in `spoken` (a kiosk runs for months)
VOLUME_STEP = 40        # one press of 大声/小声, in espeak-ng amplitude (0-200)
VOLUMES = (40, 200)     # quietest and loudest allowed


class Speaker:
    def __init__(self, enabled: bool, binary: str = "espeak-ng") -> None:
        self.enabled = enabled and shutil.which(binary) is not None
        self.spoken: deque[str] = deque(maxlen=HISTORY)
        self.volume = DEFAULT_VOLUME
        self.voice = ""          # the voice the speech process chose ("" before it answered, or none)
        self.last = ""           # the last words asked for: 再听一遍 says them again
        self.said = 0            # utterances so far (a test waits for the next one)
        self._requests: queue.Queue[dict[str, object] | None] = queue.Queue()
        self._process: subprocess.Popen[str] | None = None
        self._worker: threading.Thread | None = None
        if not self.enabled:
            log.warning("event=speech_unavailable reason=%s", "disabled" if not enabled else "no_espeak_ng")

    @property
    def available(self) -> bool:
        return self.enabled

    def say(self, text: str) -> None:
        """Start saying `text` (screen words; made speakable here) and return at once."""
        words = speakable(text)
        if not words:
            return
        self.last, self.said = words, self.said + 1
        self.spoken.append(words)
        self._send({"say": words, "volume": self.volume})

    def repeat(self) -> None:
        """再听一遍: the last words again."""
        if self.last:
            self.say(self.last)

    def louder(self, steps: int = 1) -> int:
        """Change the volume by `steps` (negative: quieter); returns the new volume."""
        self.volume = max(VOLUMES[0], min(VOLUMES[1], self.volume + steps * VOLUME_STEP))
        return self.volume

    def stop(self) -> None:
        self._send({"stop": True})

    def close(self) -> None:
        """At exit: stop the worker and the speech process."""
        if self._worker is not None:
            self._requests.put(None)
            self._worker.join(timeout=5)
            self._worker = None

    def _send(self, request: dict[str, object]) -> None:
        if not self.enabled:
            return
        self._requests.put(request)
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="speech", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            request = self._requests.get()
            while request is not None and not self._requests.empty():  # only the newest words matter
                request = self._requests.get_nowait()
            if request is None:
                break
            self._deliver(request)
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=5)

    def _deliver(self, request: dict[str, object]) -> None:
        process = self._process if self._process is not None and self._process.poll() is None else self._start()
        if process is None or process.stdin is None:
            return
        try:
            process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            process.stdin.flush()
        except OSError:
            self._process = None  # gone: started again for the next words

    def _start(self) -> subprocess.Popen[str] | None:
        try:
            process = subprocess.Popen([sys.executable, "-m", "terminal.spoken"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
            assert process.stdout is not None
            self.voice = json.loads(process.stdout.readline() or "{}").get("voice", "")
        except (OSError, ValueError) as error:
            self.enabled = False  # silent from now on: said once
            log.warning("event=speech_unavailable reason=%s", type(error).__name__)
            return None
        if not self.voice:
            self.enabled = False
            log.warning("event=speech_unavailable reason=no_mandarin_voice")
            process.terminate()
            return None
        log.info("event=speech_ready voice=%s", self.voice)
        self._process = process
        return process
