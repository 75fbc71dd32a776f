#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer project
# with find_package(llmgate) (shared and static) and with pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/llmgate-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib* | head -n1)
test -L "$libdir/libllmgate.so"
readelf -d "$libdir/libllmgate.so" | grep -q 'SONAME.*libllmgate.so.0'

cmake -S "$source_dir/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" -j2 >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/consumer/consumer_shared" "$work/state-shared"
"$work/consumer/consumer_static" "$work/state-static"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
c++ -std=c++17 "$source_dir/consumer/main.cc" -o "$work/consumer_pc" $(pkg-config --cflags --libs llmgate)
LD_LIBRARY_PATH="$libdir" "$work/consumer_pc" "$work/state-pc"
echo "install test passed"
