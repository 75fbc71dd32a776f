"""gate.limiter: the cross-process rate limiter (RPM, RPD, TPM, TPD, IPM, your own dimensions)."""


def _scopes(scopes):
    return [scopes] if isinstance(scopes, str) else list(scopes)


class Limiter:
    """A request draws a cost ({"requests": 1, "tokens": 1200}) from every one of its scopes
    ("global", "key:…", "model:gpt-4o", ...). Waiting and SQLite work run without the GIL.
    """

    def __init__(self, native_gate):
        self._g = native_gate

    def acquire(self, scopes, cost, *, timeout=None, max_wait=None, on_wait=None):
        """Books the earliest slot within `timeout` seconds (default 600) and sleeps until it
        starts; returns a Reservation. Raises Timeout when none comes in time, RequestTooLarge
        when the cost exceeds a whole limit. on_wait(event) is told of every wait."""
        return self._g.limiter_acquire(_scopes(scopes), dict(cost), timeout, max_wait, on_wait)

    def try_acquire(self, scopes, cost, *, max_wait=None):
        """A Reservation (starting now, or within max_wait seconds), or a Denial naming the
        limit and when it could pass. A denial is falsy; it is not an exception."""
        return self._g.limiter_try_acquire(_scopes(scopes), dict(cost), max_wait)

    def reconcile(self, reservation, actual):
        """Charges or refunds the difference to the actual cost; returns the updated
        Reservation. Dimensions not named keep their reservation."""
        return self._g.limiter_reconcile(reservation, dict(actual))

    def cancel(self, reservation):
        """Refunds a request that never went out."""
        self._g.limiter_cancel(reservation)

    def usage(self, scope=""):
        """Every limit of `scope` ("" = every scope) as dicts: scope, dimension, name, limit,
        window (s), burst, kind, calendar_offset (s), source, used, remaining, reset (epoch s)."""
        return self._g.limiter_usage(scope)

    def set_limits(self, specs):
        """Stores limits for every process, in LLMGATE_LIMITS syntax ("rpm=500,tpm=200000")."""
        if not isinstance(specs, str):
            specs = ",".join(specs)
        self._g.limiter_set_limits(specs)

    def block(self, scope, until):
        """Holds `scope` for every process until `until` (seconds since the epoch)."""
        self._g.limiter_block(scope, float(until))
