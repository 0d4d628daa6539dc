"""The tracking client: seed 000's track_event and track_bulk_events, and batched delivery in the background."""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import __version__
from .errors import TrackingBulkError, TrackingError
from .retry import RetryPolicy
from .transport import Transport, iso_time

#: The distribution's name (pyproject.toml), sent with every event as library_name.
LIBRARY_NAME = "tracking-platform-client"
#: The gateway's limits on one bulk request.
MAX_BULK_EVENTS = 500
MAX_BULK_BYTES = 900_000

Event = Dict[str, Any]


@dataclass
class FlushResult:
    accepted: int = 0
    dropped: int = 0
    failed: int = 0


def _default_on_error(error: TrackingError) -> None:
    import warnings

    warnings.warn(f"tracking events not delivered ({error.error_code}): {error}", RuntimeWarning, stacklevel=2)


class TrackingClient:
    """Sends events to the gateway (``POST /api/v1/track`` and ``/api/v1/track/bulk``).

    ``track_event`` and ``track_bulk_events`` send at once and return the gateway's answer once Kafka
    has the events. ``enqueue`` queues an event for a background thread that sends bulk requests of
    up to ``flush_at`` events (or after ``flush_interval`` seconds), one at a time and in order;
    failures go to ``on_error``. Every event gets an ``event_id`` (UUID4) and ``occurred_at`` when it
    is tracked, unless given, and a fresh ``sent_at`` on every attempt (the gateway corrects clock skew
    with it), so a retried request carries the same ids and the vault keeps one copy.
    """

    def __init__(
        self,
        endpoint: str,
        customer_id: str,
        token: str,
        *,
        flush_at: int = 20,
        flush_interval: float = 5.0,
        max_queue_size: int = 10_000,
        timeout: float = 10.0,
        retry: Optional[RetryPolicy] = None,
        on_error: Callable[[TrackingError], None] = _default_on_error,
    ) -> None:
        if not 1 <= flush_at <= MAX_BULK_EVENTS:
            raise ValueError(f"flush_at must be between 1 and {MAX_BULK_EVENTS}")
        self._closing = threading.Event()
        self._transport = Transport(
            endpoint,
            {
                "Content-Type": "application/json",
                "X-Customer-ID": customer_id,
                "Authorization": f"Bearer {token}",
                "User-Agent": f"tracking-platform-client-python/{__version__}",
            },
            timeout,
            retry or RetryPolicy(),
            self._closing,
        )
        self._flush_at = flush_at
        self._flush_interval = flush_interval
        self._max_queue_size = max_queue_size
        self._on_error = on_error
        self._queue: List[Event] = []
        self._lock = threading.Condition()
        self._flush_requested = False
        self._first_queued_at = 0.0
        self._sending = 0
        self._totals = FlushResult()
        self._worker: Optional[threading.Thread] = None

    # -- seed 000's calls: send now, answer or raise ------------------------------------------------

    def track_event(self, event: Event) -> Dict[str, Any]:
        """Sends one event; returns the gateway's answer (``event_id``, ``tracking_result``, ...)."""
        self._check_open()
        prepared = _prepare(event)
        return self._transport.post("/api/v1/track", lambda sent_at: {**prepared, "sent_at": sent_at}, [prepared["event_id"]])

    def track_bulk_events(self, events: Sequence[Event], batch_id: Optional[str] = None) -> Dict[str, Any]:
        """Sends up to 500 events in one request; returns the answer, whose ``errors`` name each refused
        event by ``index``, field and reason (the others are accepted). ``event_ids`` is added to the
        answer: the id of each event sent, by position."""
        self._check_open()
        if not 1 <= len(events) <= MAX_BULK_EVENTS:
            raise TrackingError(f"a bulk request holds 1 to {MAX_BULK_EVENTS} events, not {len(events)}", status=None, error_code="INVALID_EVENT", retriable=False)
        prepared = [_prepare(event) for event in events]
        ids = [event["event_id"] for event in prepared]
        batch = batch_id or str(uuid.uuid4())
        answer = self._transport.post(
            "/api/v1/track/bulk",
            lambda sent_at: {"batch_id": batch, "events": [{**event, "sent_at": sent_at} for event in prepared]},
            ids,
        )
        return {**answer, "event_ids": ids}

    # -- batched delivery ---------------------------------------------------------------------------

    def enqueue(self, event: Event) -> str:
        """Queues an event for the background sender; returns its ``event_id``. Raises QUEUE_FULL when
        ``max_queue_size`` events wait (back-pressure instead of unbounded memory)."""
        self._check_open()
        prepared = _prepare(event)
        with self._lock:
            if len(self._queue) >= self._max_queue_size:
                raise TrackingError(f"{len(self._queue)} events are waiting to be sent", status=None, error_code="QUEUE_FULL", retriable=True, event_ids=[prepared["event_id"]])
            if not self._queue:
                self._first_queued_at = time.monotonic()
            self._queue.append(prepared)
            self._start_worker()
            if len(self._queue) >= self._flush_at:
                self._lock.notify_all()
        return prepared["event_id"]

    def flush(self, timeout: Optional[float] = None) -> FlushResult:
        """Sends everything queued now and waits until it has been answered; returns the totals since
        the client was made. Never raises for delivery failures (they go to ``on_error``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flush_requested = True
            self._lock.notify_all()
            while self._queue or self._sending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._lock.wait(remaining)
            return FlushResult(self._totals.accepted, self._totals.dropped, self._totals.failed)

    def close(self, timeout: Optional[float] = 10.0) -> FlushResult:
        """Flushes, then stops the sender; later calls raise CLIENT_CLOSED. Retry waits in progress end
        when the timeout passes, and what is still queued is reported to ``on_error``."""
        result = self.flush(timeout)
        self._closing.set()
        with self._lock:
            self._lock.notify_all()
            leftover, self._queue = self._queue, []
        if self._worker is not None:
            self._worker.join(timeout)
        if leftover:
            self._report(TrackingError("the client closed before these events were sent", status=None, error_code="CLIENT_CLOSED", retriable=False, event_ids=[e["event_id"] for e in leftover]), len(leftover))
        return result

    def __enter__(self) -> "TrackingClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closing.is_set():
            raise TrackingError("the client is closed", status=None, error_code="CLIENT_CLOSED", retriable=False)

    def _start_worker(self) -> None:
        if self._worker is None:
            # A daemon thread: a script that forgets close() still exits; close() is how to not lose events.
            self._worker = threading.Thread(target=self._run, name="tracking-client-sender", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closing.is_set() and not self._due():
                    waited = None if not self._queue else max(0.0, self._first_queued_at + self._flush_interval - time.monotonic())
                    self._lock.wait(waited)
                if self._closing.is_set():
                    return
                batch = self._take_batch()
                self._sending += 1
                if self._queue:
                    self._first_queued_at = time.monotonic()
                else:
                    self._flush_requested = False
            try:
                self._deliver(batch)
            finally:
                with self._lock:
                    self._sending -= 1
                    self._lock.notify_all()

    def _due(self) -> bool:
        """A batch leaves when it is full, when asked to, or when its first event has waited flush_interval."""
        if not self._queue:
            return False
        return len(self._queue) >= self._flush_at or self._flush_requested or time.monotonic() - self._first_queued_at >= self._flush_interval

    def _take_batch(self) -> List[Event]:
        batch: List[Event] = []
        size = 0
        while self._queue and len(batch) < self._flush_at:
            event_bytes = len(json.dumps(self._queue[0], separators=(",", ":")))
            if batch and size + event_bytes > MAX_BULK_BYTES:
                break
            batch.append(self._queue.pop(0))
            size += event_bytes
        return batch

    def _deliver(self, batch: List[Event]) -> None:
        ids = [event["event_id"] for event in batch]
        try:
            if len(batch) == 1:
                answer = self._transport.post("/api/v1/track", lambda sent_at: {**batch[0], "sent_at": sent_at}, ids)
                dropped = 0 if answer.get("tracking_result", {}).get("allowed", True) else 1
                self._count(accepted=1 - dropped, dropped=dropped)
                return
            batch_id = str(uuid.uuid4())
            answer = self._transport.post("/api/v1/track/bulk", lambda sent_at: {"batch_id": batch_id, "events": [{**event, "sent_at": sent_at} for event in batch]}, ids)
        except TrackingError as error:
            self._report(error, len(batch))
            return
        errors = answer.get("errors") or []
        refused = sorted({int(entry.get("index", -1)) for entry in errors if isinstance(entry, dict)})
        self._count(accepted=int(answer.get("events_processed", 0)), dropped=int(answer.get("events_dropped", 0)))
        if refused:
            failures = [{**entry, "event_id": ids[entry["index"]]} for entry in errors if isinstance(entry, dict) and 0 <= entry.get("index", -1) < len(ids)]
            self._report(TrackingBulkError(f"{len(refused)} of {len(batch)} events refused by the gateway", failures=failures, answer=answer, event_ids=[ids[i] for i in refused if 0 <= i < len(ids)]), len(refused))

    def _count(self, accepted: int = 0, dropped: int = 0) -> None:
        with self._lock:
            self._totals.accepted += accepted
            self._totals.dropped += dropped

    def _report(self, error: TrackingError, events: int) -> None:
        with self._lock:
            self._totals.failed += events
        try:
            self._on_error(error)
        except Exception:  # noqa: BLE001 - a failing callback must not stop the sender
            pass


def _prepare(event: Event) -> Event:
    if not isinstance(event, dict) or not isinstance(event.get("event_type"), str) or not event["event_type"]:
        raise TrackingError("an event needs an event_type string", status=None, error_code="INVALID_EVENT", retriable=False)
    prepared = copy.deepcopy(event)
    prepared.setdefault("event_id", str(uuid.uuid4()))
    prepared.setdefault("occurred_at", iso_time(time.time()))
    # Kept on the record by the gateway: which client, in which release, sent the event.
    prepared.setdefault("library_name", LIBRARY_NAME)
    prepared.setdefault("library_version", __version__)
    return prepared

