#!/usr/bin/env bash
# Installs the Python package alone (component "python") into a temporary prefix, then
# imports it from there with a clean environment and uses it.
# Usage: install_test.sh BUILD_DIR PYTHON
set -euo pipefail
build_dir=$1
python=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/llmgate-py-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" --component python >/dev/null
init=$(find "$work/prefix" -path '*/llmgate/__init__.py' | head -n1)
test -n "$init" || { echo "no llmgate package under $work/prefix" >&2; exit 1; }
site=$(dirname "$(dirname "$init")")
module=$(ls "$site"/llmgate/_llmgate*.so)
# Self-contained: the module needs no libllmgate.so (nor anything else missing).
if ldd "$module" | grep -E 'libllmgate|not found'; then
  echo "the installed module depends on a library it cannot find or should not need" >&2
  exit 1
fi

cd "$work"  # nothing from the source or build tree on sys.path
env -i PATH=/usr/bin:/bin HOME="$work" PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 "$python" - "$work/state" "$site" <<'PY'
import sys
import llmgate

state_dir, site = sys.argv[1:3]
assert llmgate.__file__.startswith(site), llmgate.__file__
with llmgate.Gate(state_dir, limits="rpm=60") as gate:
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    gate.cache.put("/chat/completions", request, {"choices": []})
    assert gate.cache.get("/chat/completions", request) == {"choices": []}
    assert gate.limiter.try_acquire("global", {"requests": 1})
print("llmgate", llmgate.__version__, "installed at", site, "works")
PY
