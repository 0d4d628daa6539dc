"""One request to the gateway, sent again on network errors, timeouts, 408, 429 and 5xx."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional, Sequence

from .errors import TrackingError
from .retry import RetryPolicy, is_retriable_status, parse_retry_after


class Transport:
    def __init__(self, endpoint: str, headers: Dict[str, str], timeout: float, retry: RetryPolicy, closing: threading.Event) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._headers = headers
        self._timeout = timeout
        self._retry = retry
        # Set by close(): retry waits end early and nothing more is sent.
        self._closing = closing

    def post(self, path: str, body: Callable[[str], Dict[str, Any]], event_ids: Sequence[str]) -> Dict[str, Any]:
        """POSTs ``body(sent_at)`` (rebuilt per attempt, so sent_at is fresh) until it is answered 2xx or
        a failure is final; returns the answer, raises TrackingError with the number of attempts."""
        attempt = 0
        retries = 0
        while True:
            attempt += 1
            try:
                return self._send(path, body(iso_time(time.time())), event_ids)
            except TrackingError as error:
                error.attempts = attempt
                retry_after = error.retry_after
                honoured = self._retry.honours_retry_after(retry_after)
                if not error.retriable or (not honoured and retries >= self._retry.max_retries) or self._closing.is_set():
                    raise
                delay = self._retry.delay(retries, retry_after)
                if not honoured:
                    retries += 1
                if self._closing.wait(delay):
                    raise

    def _send(self, path: str, body: Dict[str, Any], event_ids: Sequence[str]) -> Dict[str, Any]:
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        request = urllib.request.Request(self._endpoint + path, data=data, method="POST", headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return _json(response.read())
        except urllib.error.HTTPError as answer:
            payload = _json(answer.read())
            error = TrackingError(
                str(payload.get("error") or f"the gateway answered HTTP {answer.code}"),
                status=answer.code,
                error_code=str(payload.get("error_code") or ("SERVICE_UNAVAILABLE" if answer.code >= 500 else "INVALID_REQUEST")),
                retriable=is_retriable_status(answer.code),
                details=payload.get("details") if isinstance(payload.get("details"), list) else None,
                event_ids=event_ids,
                retry_after=parse_retry_after(answer.headers.get("Retry-After")),
            )
            raise error from None
        except (socket.timeout, TimeoutError) as cause:
            raise TrackingError(f"no answer within {self._timeout} s", status=None, error_code="TIMEOUT", retriable=True, event_ids=event_ids) from cause
        except (urllib.error.URLError, ConnectionError, OSError) as cause:
            raise TrackingError(f"cannot reach the gateway: {cause}", status=None, error_code="NETWORK_ERROR", retriable=True, event_ids=event_ids) from cause


def _json(raw: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}



def iso_time(seconds: float) -> str:
    """UTC, millisecond precision, as the gateway reads occurred_at and sent_at."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"
