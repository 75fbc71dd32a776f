#!/usr/bin/env bash
# One entry point for a fresh Debian machine (run as root, or with sudo available):
#   ./run.sh demo    install what is needed, build, and run the demo
#   ./run.sh test    install what is needed, build, and run every test
#   ./run.sh build   install and build only
#   ./run.sh bench   install, build, and run the benchmarks
#   ./run.sh sanitize  install, build with ASan and UBSan (Debug, in BUILD_DIR-sanitize), run
#                      every test
# BUILD_DIR (default: build) and BUILD_TYPE (default: RelWithDebInfo) can be set.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl openssl
  libsqlite3-dev libsqlitecpp-dev libxxhash-dev libcurl4-openssl-dev libsimdjson-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
  pybind11-dev python3-dev
  gnuplot-nox locales
)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# A locale whose decimal point is a comma, so that the tests that JSON numbers ignore the C
# locale a host program may set run instead of skipping.
ensure_comma_locale() {
  locale -a 2>/dev/null | grep -qix 'de_DE.utf8' && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo localedef -i de_DE -f UTF-8 de_DE.UTF-8
}

# Configures BUILD_DIR (with any further cmake arguments) and builds it.
build() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

# Runs every test of BUILD_DIR, each within $1 seconds.
run_tests() {
  ensure_comma_locale
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout "$1"
}

case "${1:-demo}" in
  demo)
    install_packages
    build
    "$BUILD_DIR/tools/llmgate_demo" "${@:2}"
    ;;
  test)
    install_packages
    build
    run_tests 600
    ;;
  build)
    install_packages
    build
    ;;
  bench)
    install_packages
    build
    "$BUILD_DIR/bench/llmgate_bench" --benchmark_format=json --benchmark_min_time=2 "${@:2}"
    "$BUILD_DIR/bench/llmgate_cache_load_bench"
    ;;
  sanitize)
    install_packages
    BUILD_DIR="$BUILD_DIR-sanitize"
    # Debug: with the sanitizers, an optimized build takes several times as long to compile.
    BUILD_TYPE=Debug
    build -DLLMGATE_SANITIZE=ON -DLLMGATE_BUILD_BENCH=OFF
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_tests 900
    ;;
  *)
    echo "usage: $0 demo|test|build|bench|sanitize" >&2
    exit 2
    ;;
esac
