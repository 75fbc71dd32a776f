"""The exceptions llmgate raises: one class per status code, under llmgate.Error.

    Error
     ├── RateLimited          throttled (429 rate_limit_exceeded); retry_after says when
     ├── QuotaExhausted       billing quota gone (429 insufficient_quota); retrying won't help
     ├── RequestTooLarge      more than a whole limit; it can never pass
     ├── InvalidRequest       bad JSON, 400/404/422, a bad option or limit spec (also ValueError)
     ├── AuthenticationError  401: the key is invalid or revoked
     ├── PermissionDenied     403
     ├── Unavailable          5xx, network failures, a busy database; retry with backoff
     ├── Timeout              the call's deadline passed, or no quota before it (also TimeoutError)
     ├── Cancelled
     ├── NotFound
     ├── FailedPrecondition   the environment is wrong: network filesystem, read-only state
     ├── DataLoss             a database is corrupt
     └── InternalError
"""


class Error(Exception):
    """An llmgate failure.

    Attributes: code ("RESOURCE_EXHAUSTED", ...), message, retry_after (seconds or None),
    http_status (0 when no HTTP answer was involved), request_id and error_code (the
    server's x-request-id and error.code, "" when none). str() gives the whole text.
    """

    code = None

    def __init__(self, text, *, code=None, message=None, retry_after=None, http_status=0,
                 request_id="", error_code=""):
        super().__init__(text)
        if code is not None:
            self.code = code
        self.message = text if message is None else message
        self.retry_after = retry_after
        self.http_status = http_status
        self.request_id = request_id
        self.error_code = error_code


class RateLimited(Error):
    code = "RESOURCE_EXHAUSTED"


class QuotaExhausted(Error):
    code = "QUOTA_EXHAUSTED"


class RequestTooLarge(Error):
    code = "REQUEST_TOO_LARGE"


class InvalidRequest(Error, ValueError):
    code = "INVALID_ARGUMENT"


class AuthenticationError(Error):
    code = "UNAUTHENTICATED"


class PermissionDenied(Error):
    code = "PERMISSION_DENIED"


class Unavailable(Error):
    code = "UNAVAILABLE"


class Timeout(Error, TimeoutError):
    code = "DEADLINE_EXCEEDED"


class Cancelled(Error):
    code = "CANCELLED"


class NotFound(Error):
    code = "NOT_FOUND"


class FailedPrecondition(Error):
    code = "FAILED_PRECONDITION"


class DataLoss(Error):
    code = "DATA_LOSS"


class InternalError(Error):
    code = "INTERNAL"


_BY_CODE = {cls.code: cls for cls in (
    RateLimited, QuotaExhausted, RequestTooLarge, InvalidRequest, AuthenticationError,
    PermissionDenied, Unavailable, Timeout, Cancelled, NotFound, FailedPrecondition, DataLoss,
    InternalError)}


def _from_status(code, message, retry_after, http_status, request_id, error_code, text):
    """Called by the native module for every failed status."""
    cls = _BY_CODE.get(code, Error)
    return cls(text, code=code, message=message, retry_after=retry_after,
               http_status=http_status, request_id=request_id, error_code=error_code)
