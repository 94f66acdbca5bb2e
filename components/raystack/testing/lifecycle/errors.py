"""What a simulated run can fail with."""

from __future__ import annotations

import logging


class EngineError(Exception):
    """A run failed as `pulumi preview` / `up` / `destroy` would: the message names the URN or the
    invoke and the real API's error name (``ResourceNotFoundException``, ``InvalidSubnet.Conflict``...)."""


class CloudError(Exception):
    """A simulated API refused a call. ``code`` is the real API's error name."""

    def __init__(self, code: str, message: str, source: str):
        super().__init__(f"{code}: {message} [{source}]")
        self.code = code
        self.source = source


class NotModelled(Exception):
    """The harness met a behaviour no cited source describes: it refuses to guess kindly."""

    def __init__(self, what: str):
        super().__init__(f"unknown: not modelled: {what}")


class AwaitFailed(Exception):
    """pulumi-kubernetes' await timed out: the object exists, the resource is kept with init errors."""


class _QuietFailedRegistrations(logging.Filter):
    """The SDK leaves the futures of registrations the harness failed unretrieved, and asyncio logs each one
    when it is collected ("Future exception was never retrieved"): the run already raised EngineError."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, (EngineError, NotModelled, CloudError, AwaitFailed))


logging.getLogger("asyncio").addFilter(_QuietFailedRegistrations())
