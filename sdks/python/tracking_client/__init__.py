"""Python client of the tracking platform's gateway. Standard library only."""

from importlib.metadata import PackageNotFoundError, version

try:
    # One source of truth: the version in pyproject.toml, as installed.
    __version__ = version("tracking-platform-client")
except PackageNotFoundError:  # run from a checkout without installing
    __version__ = "0.0.0+source"

from .client import FlushResult, TrackingClient  # noqa: E402
from .errors import CLIENT_ERROR_CODES, GATEWAY_ERROR_CODES, TrackingBulkError, TrackingError  # noqa: E402
from .retry import RetryPolicy  # noqa: E402

__all__ = ["TrackingClient", "FlushResult", "TrackingError", "TrackingBulkError", "RetryPolicy", "GATEWAY_ERROR_CODES", "CLIENT_ERROR_CODES", "__version__"]
