"""gate.cache: the persistent response cache shared by every process of the state directory."""
from . import _json


class Cache:
    """A request is named by its endpoint path ("/chat/completions") and its JSON body.

    Keyword controls of get/put/invalidate: skip_read, skip_write, ttl (seconds; 0 = never
    expires), namespace. SQLite work runs without the GIL.
    """

    def __init__(self, native_gate):
        self._g = native_gate

    def get(self, path, request, **control):
        """The stored answer as a dict, or None on a miss."""
        hit = self._g.cache_get(path, _json.encode(request), control)
        return None if hit is None else _json.decode(hit)

    def put(self, path, request, response, **control):
        """Stores a complete, successful answer (a dict, or JSON text)."""
        self._g.cache_put(path, _json.encode(request), _json.encode(response), control)

    def invalidate(self, path, request, **control):
        self._g.cache_invalidate(path, _json.encode(request), control)

    def purge(self, namespace=None):
        """Removes every entry (or those of one namespace); returns how many went."""
        return self._g.cache_purge(namespace)

    def remove_expired(self):
        return self._g.cache_remove_expired()

    def flush(self):
        """Writes pending access times and counters now."""
        self._g.cache_flush()

    def stats(self):
        """Counters shared by every process: entries, bytes, hits, misses, tokens_saved,
        evictions, expirations, errors, rebuilds."""
        return self._g.cache_stats()
