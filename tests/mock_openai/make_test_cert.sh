#!/bin/sh
# Creates a throwaway certificate authority and a server certificate it signs, valid for
# 127.0.0.1, ::1 and localhost, so tests can run the mock over HTTPS and point a client at
# the CA file (curl --cacert, a CA-file option) instead of turning verification off.
#
# Usage: make_test_cert.sh OUTDIR
# Writes OUTDIR/ca.crt, OUTDIR/ca.key, OUTDIR/server.crt and OUTDIR/server.key (PEM).
# Start the mock with: mock_openai --tls-cert OUTDIR/server.crt --tls-key OUTDIR/server.key
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# EC P-256 keys: generated instantly, unlike RSA, and accepted by every TLS client.
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$out/ca.key" -out "$out/ca.crt" -days 3650 -subj "/CN=llmgate mock_openai test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>"$work/log" || { cat "$work/log" >&2; exit 1; }

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$out/server.key" -out "$work/server.csr" -subj "/CN=localhost" \
  2>"$work/log" || { cat "$work/log" >&2; exit 1; }

cat >"$work/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EXT

# A random serial instead of -CAcreateserial, which would leave a ca.srl file behind.
serial=0x$(openssl rand -hex 16)
openssl x509 -req -in "$work/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -set_serial "$serial" \
  -days 825 -extfile "$work/server.ext" -out "$out/server.crt" \
  2>"$work/log" || { cat "$work/log" >&2; exit 1; }

chmod 600 "$out/ca.key" "$out/server.key"
