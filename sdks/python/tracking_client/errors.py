"""Errors the client raises: what failed, whether trying again can help, and which events it concerns."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

#: The gateway's error codes (seed 000 and the gateway's own), plus the client's.
GATEWAY_ERROR_CODES = (
    "INVALID_REQUEST",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "CUSTOMER_NOT_FOUND",
    "NOT_FOUND",
    "CONFLICT",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "RATE_LIMITED",
    "SERVICE_UNAVAILABLE",
    "INTERNAL_ERROR",
)
CLIENT_ERROR_CODES = ("NETWORK_ERROR", "TIMEOUT", "CLIENT_CLOSED", "QUEUE_FULL", "INVALID_EVENT")


class TrackingError(Exception):
    """An event (or request) the gateway did not accept.

    ``status`` is the HTTP status, or ``None`` when no answer came; ``error_code`` one of
    GATEWAY_ERROR_CODES or CLIENT_ERROR_CODES; ``details`` the gateway's per-field reasons
    (``events[i].field`` inside a bulk); ``retriable`` whether sending the same again can succeed.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int],
        error_code: str,
        retriable: bool,
        details: Optional[List[Dict[str, Any]]] = None,
        event_ids: Sequence[str] = (),
        attempts: int = 1,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.retriable = retriable
        self.details = details or []
        self.event_ids = list(event_ids)
        self.attempts = attempts
        #: Seconds the gateway asked to wait before trying again (Retry-After), if it said.
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"TrackingError({self.args[0]!r}, status={self.status}, error_code={self.error_code!r}, retriable={self.retriable})"


class TrackingBulkError(TrackingError):
    """Some events of a bulk request were refused: ``failures`` names each by its position."""

    def __init__(self, message: str, *, failures: List[Dict[str, Any]], answer: Dict[str, Any], event_ids: Sequence[str]) -> None:
        super().__init__(message, status=200, error_code="INVALID_REQUEST", retriable=False, details=failures, event_ids=event_ids)
        self.failures = failures
        self.answer = answer
