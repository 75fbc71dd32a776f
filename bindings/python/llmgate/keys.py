"""gate.keys: the API key pool, shared by every process of the state directory."""


class Keys:
    """The keys a gate spreads its calls over, and what every process knows about them.

    A process calls only with the keys it was given (Gate(api_key=..., keys=[...],
    keys_file=...), $OPENAI_API_KEYS, $OPENAI_API_KEY, or add()); their health is shared by
    fingerprint ("key:" + 16 hex digits) and shown by label ("sk-…abcd" unless given).
    Nothing here returns a key itself. Methods that name a key take its fingerprint or its
    label; an unknown one raises NotFound. SQLite work runs without the GIL.

    A key's dict: fingerprint, label, group, state ("active", "cooling_down", "disabled"),
    disabled_reason, cooldown_until_micros, in_flight, requests, successes, http_429,
    auth_errors, quota_errors, server_errors, network_errors, other_errors, tokens_in,
    tokens_out, success_rate, latency_p50_ms, latency_p90_ms, latency_p99_ms, last_error,
    last_error_micros, last_error_request_id (the fields of the C API's JSON).
    """

    def __init__(self, native_gate):
        self._g = native_gate

    def add(self, key, *, label=None, base_url=None, organization=None, project=None, limits=None):
        """Adds a key for this process's calls (and records it for every process); adding a
        key twice does nothing. limits: the key's own limits without scopes
        ("rpm=500,tpm=30000", or a list of specs). Raises InvalidRequest for an empty key or
        a bad spec."""
        spec = {"key": key, "label": label, "base_url": base_url, "organization": organization,
                "project": project, "limits": limits}
        self._g.keys_add({k: v for k, v in spec.items() if v is not None})

    def list(self):
        """Every key recorded in the state directory, by label, as dicts."""
        return self._g.keys_list()

    def health(self, key):
        """One key (fingerprint or label) as a dict."""
        return self._g.keys_health(key)

    def disable(self, key, reason=""):
        """Disables a key for every process until enable(), across restarts ("disabled by
        hand" when no reason is given)."""
        self._g.keys_disable(key, reason)

    def enable(self, key):
        """Enables a key again, clearing any cool-down and its count of failures in a row."""
        self._g.keys_enable(key)
