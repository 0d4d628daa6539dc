"""When to send a request again: exponential backoff with full jitter, or the server's Retry-After."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable, Optional


def is_retriable_status(status: int) -> bool:
    """408, 429 and 5xx can succeed later (the gateway answers 503 when Kafka did not acknowledge);
    any other 4xx says the request itself is wrong and would be refused again."""
    return status in (408, 429) or status >= 500


def parse_retry_after(header: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After in seconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3); None if absent or unreadable."""
    if header is None:
        return None
    value = header.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class RetryPolicy:
    """Full jitter, uniform in [0, min(max_delay, base_delay * 2**retry)], spreads clients that failed
    together better than equal jitter. A Retry-After up to ``max_retry_after`` (the gateway's hourly
    limit answers up to 3600 s) is the server's schedule: waited out in full, not counted as a retry."""

    max_retries: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 3600.0
    random: Callable[[], float] = field(default=random.random)

    def honours_retry_after(self, retry_after: Optional[float]) -> bool:
        return retry_after is not None and retry_after <= self.max_retry_after

    def delay(self, retry: int, retry_after: Optional[float] = None) -> float:
        if retry_after is not None:
            # Never earlier than asked; the rate-limit window reopens for every client at once, so add jitter.
            return min(retry_after, self.max_retry_after) + self.random() * self.base_delay
        return self.random() * min(self.max_delay, self.base_delay * 2 ** min(retry, 30))
