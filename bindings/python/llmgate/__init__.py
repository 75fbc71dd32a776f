"""llmgate: a shared response cache, rate limits and key pool for OpenAI-compatible APIs.

Every process on a host that opens a Gate on the same state directory shares one cache and
one set of limits (SQLite databases in WAL mode), whatever its language:

    import llmgate

    with llmgate.Gate(limits="rpm=500") as gate:
        answer = gate.chat({"model": "gpt-4o-mini",
                            "messages": [{"role": "user", "content": "Hi"}]})
        for chunk in gate.chat_stream({...}):
            ...
"""
from . import _llmgate
from .errors import (AuthenticationError, Cancelled, DataLoss, Error, FailedPrecondition,
                     InternalError, InvalidRequest, NotFound, PermissionDenied, QuotaExhausted,
                     RateLimited, RequestTooLarge, Timeout, Unavailable, _from_status)
from .gate import Gate
from .response import ChatStream, Response

Reservation = _llmgate.Reservation
Denial = _llmgate.Denial
__version__ = _llmgate.__version__

_llmgate._set_error_factory(_from_status)

__all__ = [
    "Gate", "Response", "ChatStream", "Reservation", "Denial",
    "Error", "RateLimited", "QuotaExhausted", "RequestTooLarge", "InvalidRequest",
    "AuthenticationError", "PermissionDenied", "Unavailable", "Timeout", "Cancelled", "NotFound",
    "FailedPrecondition", "DataLoss", "InternalError",
]
