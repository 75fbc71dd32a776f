"""One answer of the API, and a chat stream read chunk by chunk."""
from . import _json


class Response:
    """What a call returned: the body and what llmgate knows about it.

    body (bytes), text, json(), http_status (200 for a cache hit), headers (a list of
    (name, value)), header(name), request_id ("" for a cache hit), from_cache, usage
    (dict: prompt_tokens, completion_tokens, total_tokens, images), attempts, key_label.
    """

    __slots__ = ("_r",)

    def __init__(self, native):
        self._r = native

    body = property(lambda self: self._r.body)
    http_status = property(lambda self: self._r.http_status)
    headers = property(lambda self: self._r.headers)
    request_id = property(lambda self: self._r.request_id)
    from_cache = property(lambda self: self._r.from_cache)
    usage = property(lambda self: self._r.usage)
    attempts = property(lambda self: self._r.attempts)
    key_label = property(lambda self: self._r.key_label)

    @property
    def text(self):
        return self._r.body.decode("utf-8", errors="replace")

    def json(self):
        return _json.decode(self._r.body)

    def header(self, name, default=None):
        """The first header of that name (case-insensitive)."""
        name = name.lower()
        for key, value in self._r.headers:
            if key.lower() == name:
                return value
        return default

    def __repr__(self):
        source = "cache" if self.from_cache else f"HTTP {self.http_status}"
        return f"<llmgate.Response {source}, {len(self.body)} bytes>"


class ChatStream:
    """Iterates over the chat.completion.chunk dicts of a stream as the server sends them.

    Waiting for the next chunk releases the GIL. After the last chunk, `response` holds the
    assembled chat.completion. close() (or leaving a `with` block) stops reading.
    """

    def __init__(self, native):
        self._s = native

    def __iter__(self):
        return self

    def __next__(self):
        chunk = self._s.next()
        if chunk is None:
            raise StopIteration
        return _json.decode(chunk)

    @property
    def response(self):
        """The assembled answer, once the stream has ended."""
        return Response(self._s.response)

    def close(self):
        self._s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
