"""Requests in (dict, str or bytes) and answers out (dicts), as JSON text for the library."""
import json


def encode(request):
    """A request as UTF-8 JSON bytes. Dicts and lists are serialized; str and bytes are
    passed as they are (the library checks and canonicalizes them)."""
    if isinstance(request, (dict, list)):
        return json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if isinstance(request, str):
        return request.encode("utf-8")
    if isinstance(request, (bytes, bytearray, memoryview)):
        return bytes(request)
    raise TypeError(f"a request is a dict, str or bytes, not {type(request).__name__}")


def decode(body):
    """An answer's JSON as Python objects."""
    return json.loads(body)
