#!/usr/bin/env bash
# bench/init-size.sh — the size of carve's init (build/enclave/init).
# Goal (issue 3): <= 64 KiB stripped.  References: AWS's init built static
# with musl is 55,192 bytes stripped; the glibc blob nitro-cli ships is
# 742,968 bytes.
set -euo pipefail
B=${B:-build}
bin=$B/enclave/init
elf=$B/obj/musl/init/init.elf
[ -f "$bin" ] || { echo "init-size: $bin is missing (make $bin)" >&2; exit 1; }
bytes=$(stat -c %s "$bin")
read -r text data bss _ < <(size "$elf" | tail -n 1)
printf 'init\tstripped static-pie\t%s\tbytes\tgoal <= 65536; AWS init musl 55192, glibc blob 742968\n' "$bytes"
printf 'init\ttext / data / bss\t%s / %s / %s\tbytes\t-\n' "$text" "$data" "$bss"
if ! file "$bin" | grep -q 'static-pie linked'; then
	echo "init-size: $bin is not a static-pie" >&2
	exit 1
fi
[ "$bytes" -le 65536 ] || { echo "init-size: $bytes bytes is over the 64 KiB goal" >&2; exit 1; }
