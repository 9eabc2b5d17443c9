"""Push: deliver queued records to the platform, resuming half-finished uploads where they stopped.

Per record: PUT the manifest (the platform answers how many bytes of each attachment it already
holds), upload what is missing in chunks with Content-Range, then POST complete for the receipt.
Every step is idempotent under the record id, so a crash or a lost answer at any point is repaired
by doing the same steps again. The protocol is in docs/sync-protocol.md.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from sync.client import PlatformClient, backoff_delay, byte_count, byte_counts, receipt_of
from sync.outbox import MAX_RETRY_SECONDS, Outbox, RecordGone, RecordInfo, RecordQuarantined
from terminal import events
from terminal.errors import PlatformError

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 1024 * 1024
MIN_CHUNK = 16 * 1024
PARALLEL_UPLOADS = 3  # attachments of one record uploaded at once
PARALLEL_RECORDS = 2  # records pushed at once
RECORD_BACKOFF_CAP = MAX_RETRY_SECONDS  # the outbox also clamps retry times a clock jump left too far ahead


class RecordRefused(PlatformError):
    """The platform refused this record for good (409 different content, 4xx bad request)."""


@dataclass
class RoundResult:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Pusher:
    """Drains the outbox to the platform; one instance per process, `round()` from the sync loop."""

    def __init__(self, outbox: Outbox, client: PlatformClient, *, chunk_size: int = DEFAULT_CHUNK,
                 retry_base: float = 30.0, parallel: int = PARALLEL_UPLOADS,
                 records_at_once: int = PARALLEL_RECORDS) -> None:
        self.outbox = outbox
        self.client = client
        self.chunk_size = chunk_size
        self.parallel = parallel
        self.records_at_once = records_at_once
        self.retry_base = retry_base  # first pause before a failed record is tried again
        self.stop: threading.Event = client.stop

    def round(self, limit: int | None = None, on_record: Callable[[], object] | None = None) -> RoundResult:
        """Push every due record once (or `limit` of them); failures wait for a later round.

        `records_at_once` workers claim records from the outbox (a claim is atomic, so no record is
        sent twice at once), which hides the per-record commits on both sides behind the uploads.
        """
        result = RoundResult()
        lock = threading.Lock()
        unwell = threading.Event()  # the platform failed: stop instead of failing every record in turn
        taken = [0]

        def next_record() -> RecordInfo | None:
            with lock:
                if self.stop.is_set() or unwell.is_set() or (limit is not None and taken[0] >= limit):
                    return None
                record = self.outbox.claim(skip=list(result.failed))
                taken[0] += record is not None
                return record

        def work() -> None:
            # One upload pool per record worker for the whole round: starting threads for every record
            # cost more than the hashing and decryption of its pages.
            with ThreadPoolExecutor(self.parallel, thread_name_prefix="push") as uploads:
                while (record := next_record()) is not None:
                    deliver(record, uploads)

        def deliver(record: RecordInfo, uploads: ThreadPoolExecutor) -> None:
            try:
                receipt = self.push_record(record, uploads)
            except RecordQuarantined as error:  # set aside with an event and an alarm; the round goes on
                with lock:
                    result.failed[record.record_id] = error.message
                return
            except RecordGone:
                log.info("push.skipped record=%s reason=acknowledged_elsewhere", record.record_id)
                return
            except PlatformError as error:
                retry_in = backoff_delay(record.attempts + 1, self.retry_base, RECORD_BACKOFF_CAP)
                self.outbox.release(record.record_id, error.message, retry_in)
                with lock:
                    result.failed[record.record_id] = error.message
                events.record(events.EventId.PUSH_FAILED, record=record.record_id, problem=error.message)
                log.warning("push.failed record=%s problem=%s retry_in=%.0f", record.record_id, error.message,
                            retry_in)
                if not isinstance(error, RecordRefused):
                    unwell.set()
                return
            if self.outbox.mark_delivered(record.record_id, receipt, "push", record.manifest_sha256):
                events.record(events.EventId.CASE_DELIVERED, record=record.record_id, via="push")
            with lock:
                result.delivered.append(record.record_id)
            if on_record and self.records_at_once == 1:
                on_record()

        if self.records_at_once > 1:
            # `on_record` (a watchdog ping) runs on the calling thread, while the workers make progress.
            with ThreadPoolExecutor(self.records_at_once, thread_name_prefix="push-record") as pool:
                futures = [pool.submit(work) for _ in range(self.records_at_once)]
                seen = 0
                while not all(future.done() for future in futures):
                    wait(futures, timeout=1.0)  # all done, or a second passed
                    if on_record and len(result.delivered) > seen:
                        seen = len(result.delivered)
                        on_record()
                for future in futures:
                    future.result()
        else:
            work()
        if result.delivered:
            self.outbox.note("last_push", utc_now())
        return result

    def push_record(self, record: RecordInfo, uploads: ThreadPoolExecutor | None = None) -> str:
        """Deliver one claimed record; returns the platform's receipt. `uploads` sends files in parallel."""
        rid = record.record_id
        answer = self._call("PUT", f"/v1/records/{rid}", rid, body=self.outbox.manifest(rid),
                            headers={"Content-Type": "application/json", "X-Manifest-SHA256": record.manifest_sha256})
        if (receipt := receipt_of(answer)) is not None:
            return receipt
        received = byte_counts(answer.get("received", {}))
        missing = [item for item in self.outbox.attachments(rid) if received.get(item.name, 0) < item.size]
        if len(missing) > 1 and uploads is not None:
            # A few uploads at once hide the platform's per-file fsync; errors surface after all have stopped.
            futures = [uploads.submit(self._upload, rid, i.name, i.sha256, received.get(i.name, 0)) for i in missing]
            wait(futures)
            for future in futures:
                future.result()
        else:
            for item in missing:
                self._upload(rid, item.name, item.sha256, received.get(item.name, 0))
        done = self._call("POST", f"/v1/records/{rid}/complete", rid, body=b"",
                          headers={"X-Manifest-SHA256": record.manifest_sha256})
        receipt = receipt_of(done)
        if receipt is None:
            raise PlatformError(f"platform completed {rid} without a receipt")
        return receipt

    def _upload(self, rid: str, name: str, sha256: str, offset: int) -> None:
        data = self.outbox.attachment(rid, name)
        total = len(data)
        restarted = False
        while offset < total:
            end = min(total, offset + self.chunk_size)
            response = self.client.request(
                "PUT", f"/v1/records/{rid}/attachments/{name}", idempotency_key=rid, body=data[offset:end],
                headers={"Content-Range": f"bytes {offset}-{end - 1}/{total}", "X-Content-SHA256": sha256,
                         "Content-Type": "application/octet-stream"})
            if response.status_code == 413 and self.chunk_size > MIN_CHUNK:
                self.chunk_size = max(MIN_CHUNK, self.chunk_size // 2)
                log.info("push.chunk_smaller size=%d", self.chunk_size)
                continue
            if response.status_code in (409, 416) and "received" in _json(response):
                offset = byte_count(_json(response)["received"])  # the platform holds a different amount: resume there
                continue
            if response.status_code == 422 and not restarted:
                restarted, offset = True, 0  # the platform found the assembled file corrupt and reset it
                continue
            offset = byte_count(self._check(response, rid).get("received"))

    def _call(self, method: str, path: str, rid: str, *, body: bytes, headers: dict[str, str]) -> dict:
        return self._check(self.client.request(method, path, idempotency_key=rid, body=body, headers=headers), rid)

    @staticmethod
    def _check(response: requests.Response, rid: str) -> dict:
        if response.status_code in (200, 201):
            return _json(response)
        problem = _json(response).get("error", "")
        if response.status_code == 409:
            raise RecordRefused(f"platform refused {rid}: different content under this id (409 {problem})")
        if response.status_code in (401, 403):
            raise PlatformError(f"platform refused our credentials (HTTP {response.status_code})",
                                advice_zh="终端与政务服务平台的认证失败，请联系技术人员。")
        if 400 <= response.status_code < 500:
            raise RecordRefused(f"platform refused {rid}: HTTP {response.status_code} {problem}")
        raise PlatformError(f"platform answered HTTP {response.status_code} {problem}")


def _json(response: requests.Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
