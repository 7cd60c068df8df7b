#!/usr/bin/env bash
# SHA-384 throughput on one 256 MiB buffer: BearSSL (host gcc build and the
# musl build that enclave code uses), OpenSSL's libcrypto in process, and the
# `openssl dgst -sha384` command — all in the same run, same bytes.
# This table decides common/sha384.h's host backend (SHA384_IMPL).
set -euo pipefail
B=${B:-build}
f=$(mktemp /dev/shm/carve-bench-sha.XXXXXX 2>/dev/null || mktemp)
trap 'rm -f "$f"' EXIT
head -c $((256 << 20)) /dev/urandom >"$f"
read -r host_bear d1 < <("$B/bench/sha384-host" "$f" bearssl)
read -r host_ossl d2 < <("$B/bench/sha384-host" "$f" openssl)
read -r musl_bear d3 < <("$B/bench/sha384-musl" "$f" bearssl)
t0=$(date +%s.%N)
d4=$(openssl dgst -sha384 -r "$f" | cut -d' ' -f1)
t1=$(date +%s.%N)
cli=$(awk -v s=$((256 << 20)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", s / (b - a) / 1e6 }')
if [ "$d1" != "$d4" ] || [ "$d2" != "$d4" ] || [ "$d3" != "$d4" ]; then
	echo "sha384: implementations disagree: $d1 $d2 $d3 $d4" >&2
	exit 1
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf 'sha384 256MiB\tBearSSL host (gcc)\t%s\tMB/s\t%s of openssl dgst\n' "$host_bear" "$(ratio "$host_bear" "$cli")"
printf 'sha384 256MiB\tBearSSL enclave (musl)\t%s\tMB/s\t%s of openssl dgst\n' "$musl_bear" "$(ratio "$musl_bear" "$cli")"
printf 'sha384 256MiB\tOpenSSL libcrypto in-process\t%s\tMB/s\t%s of openssl dgst\n' "$host_ossl" "$(ratio "$host_ossl" "$cli")"
printf 'sha384 256MiB\topenssl dgst -sha384 (CLI)\t%s\tMB/s\treference\n' "$cli"
