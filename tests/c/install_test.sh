#!/usr/bin/env bash
# The installed C API: <llmgate/c.h> from the prefix, and a C program that links nothing
# but -lllmgate (as pkg-config says). Builds c_api_test.c that way and runs it.
# Usage: install_test.sh BUILD_DIR MOCK_OPENAI
set -euo pipefail
build_dir=$1
mock=$2
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/llmgate-c-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The default component only: headers and libraries, not the Python package.
cmake --install "$build_dir" --prefix "$work/prefix" --component Unspecified >/dev/null
libdir=$(ls -d "$work"/prefix/lib* | head -n1)
test -f "$work/prefix/include/llmgate/c.h"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
for word in $(pkg-config --libs llmgate); do
  case $word in -L*|-lllmgate) ;; *) echo "unexpected in pkg-config --libs: $word" >&2; exit 1 ;; esac
done
cc -std=c11 -Wall -Wextra -Werror "$source_dir/c_api_test.c" -o "$work/c_api_test" $(pkg-config --cflags --libs llmgate)
LD_LIBRARY_PATH="$libdir" "$work/c_api_test" "$mock"
