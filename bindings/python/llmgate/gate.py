"""llmgate.Gate: what every process opens on the shared state directory."""
import os

from . import _json
from . import _llmgate
from .cache import Cache
from .keys import Keys
from .limiter import Limiter
from .response import ChatStream, Response


class Gate:
    """Opens (creating if needed) the state directory and its databases.

    Options are keywords named as the C++ Options fields (options.h documents each), with
    durations in seconds: state_dir, base_url, api_key, organization, project,
    azure_api_version, limits ("rpm=500,tpm=200000", or a list of specs), limits_from_env,
    limits_file, default_scope, cache_enabled, cache_namespace, cache_max_bytes,
    cache_default_ttl, cache_normalize_whitespace, cache_single_flight, max_attempts,
    connect_timeout, request_timeout, call_timeout, verify_tls, ca_file, learn_limits,
    default_completion_tokens, share_with_group, sync_full, busy_timeout, log (callable
    (level, message)), log_level, on_wait (callable(event)), on_retry (callable(event)),
    tokenizer (callable(model, text) -> int). Callbacks run on library threads, with the GIL.

    The key pool (gate.keys): keys (a list of keys, each a str or a dict with key, label,
    base_url, organization, project, limits), keys_file, keys_from_env, key_policy
    ("most_headroom" or "round_robin"), key_max_in_flight, key_failure_threshold,
    key_failure_cooldown (seconds).

    Calls take the request as a dict (or JSON text) and keyword call options: timeout
    (seconds, the whole call), max_attempts, headers (dict), idempotency_key,
    skip_cache_read, skip_cache_write, cache_ttl, cache_namespace. They return the answer as
    a dict, or a Response with return_response=True. Every call that can block releases
    the GIL. A Gate is safe to share between threads; use one per process.
    """

    def __init__(self, state_dir=None, **options):
        if state_dir is not None:
            options["state_dir"] = os.fspath(state_dir)
        limits = options.get("limits")
        if limits is not None and not isinstance(limits, str):
            options["limits"] = ",".join(limits)
        if options.get("keys_file") is not None:
            options["keys_file"] = os.fspath(options["keys_file"])
        self._g = _llmgate.Gate({k: v for k, v in options.items() if v is not None})
        self.cache = Cache(self._g)
        self.limiter = Limiter(self._g)
        self.keys = Keys(self._g)

    @property
    def state_dir(self):
        return self._g.state_dir

    @property
    def closed(self):
        return self._g.closed

    def close(self):
        """Writes what is pending and closes; an open stream keeps working until it ends."""
        self._g.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<llmgate.Gate closed>" if self.closed else f"<llmgate.Gate {self.state_dir!r}>"

    @staticmethod
    def _answer(native, return_response):
        response = Response(native)
        return response if return_response else response.json()

    def chat(self, request, *, return_response=False, **call_options):
        """POST /chat/completions."""
        return self._answer(self._g.chat(_json.encode(request), call_options), return_response)

    def embeddings(self, request, *, return_response=False, **call_options):
        """POST /embeddings."""
        return self._answer(self._g.embeddings(_json.encode(request), call_options), return_response)

    def images(self, request, *, return_response=False, **call_options):
        """POST /images/generations; its "n" counts against the images dimension (IPM)."""
        return self._answer(self._g.images(_json.encode(request), call_options), return_response)

    def responses(self, request, *, return_response=False, **call_options):
        """POST /responses."""
        return self._answer(self._g.responses(_json.encode(request), call_options), return_response)

    def request(self, method, path, body=None, *, content_type="application/json", cacheable=False,
                return_response=False, **call_options):
        """Any other endpoint (path relative to the base URL: "/models", "/files"). Counted
        as one request; not cached unless cacheable. Returns the parsed JSON answer
        (return_response=True for an answer that is not JSON)."""
        data = b"" if body is None else _json.encode(body)
        native = self._g.request(method, path, data, content_type, cacheable, call_options)
        return self._answer(native, return_response)

    def chat_stream(self, request, **call_options):
        """Streams a chat completion: iterate over the returned ChatStream for the chunks
        (dicts) as they arrive. The request is sent (and the cache consulted) right away."""
        return ChatStream(self._g.open_chat_stream(_json.encode(request), call_options))

    def stats(self):
        """{"client": this process's call counters, "shared": every process's (retries,
        http_429, failures, waits, wait_millis, single_flight_waits), "cache": the shared cache
        counters, "keys": every key's dict as gate.keys.list() gives them}."""
        return self._g.stats()
