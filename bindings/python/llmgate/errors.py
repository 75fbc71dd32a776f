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


_BY_CODE = {}


def _error_class(name, code, *also):
    """The subclass of Error for one status code, registered for _from_status.

    The same class as `class <name>(Error, *also): code = <code>` would make; `also` names the
    built-in exceptions it is too (ValueError, TimeoutError), for code that catches those.
    One line a class keeps the list of classes and the code table from drifting apart.
    """
    cls = type(name, (Error,) + also, {"code": code, "__module__": __name__})
    _BY_CODE[code] = cls
    return cls


RateLimited = _error_class("RateLimited", "RESOURCE_EXHAUSTED")
QuotaExhausted = _error_class("QuotaExhausted", "QUOTA_EXHAUSTED")
RequestTooLarge = _error_class("RequestTooLarge", "REQUEST_TOO_LARGE")
InvalidRequest = _error_class("InvalidRequest", "INVALID_ARGUMENT", ValueError)
AuthenticationError = _error_class("AuthenticationError", "UNAUTHENTICATED")
PermissionDenied = _error_class("PermissionDenied", "PERMISSION_DENIED")
Unavailable = _error_class("Unavailable", "UNAVAILABLE")
Timeout = _error_class("Timeout", "DEADLINE_EXCEEDED", TimeoutError)
Cancelled = _error_class("Cancelled", "CANCELLED")
NotFound = _error_class("NotFound", "NOT_FOUND")
FailedPrecondition = _error_class("FailedPrecondition", "FAILED_PRECONDITION")
DataLoss = _error_class("DataLoss", "DATA_LOSS")
InternalError = _error_class("InternalError", "INTERNAL")


def _from_status(code, message, retry_after, http_status, request_id, error_code, text):
    """Called by the native module for every failed status."""
    cls = _BY_CODE.get(code, Error)
    return cls(text, code=code, message=message, retry_after=retry_after,
               http_status=http_status, request_id=request_id, error_code=error_code)
