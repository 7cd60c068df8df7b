#!/usr/bin/env bash
# mkcpio as a command: which side a failure is blamed on (input: exit 3,
# output: exit 4, nothing left at OUT) and hostile trees.
set -uo pipefail
. tests/eif-tap.sh
MKCPIO=${MKCPIO:-build/bin/mkcpio}

# An output that cannot grow past 100 KiB (SIGXFSZ ignored: writes fail
# with EFBIG) is the output's fault, not a 300 KB input's.
head -c 300000 /dev/zero >"$T/big.bin"
echo "file big.bin $T/big.bin 0644 0 0" >"$T/big.spec"
msg=$( (trap '' XFSZ; ulimit -f 100; "$MKCPIO" --spec "$T/big.spec" -o "$T/out.cpio" 2>&1; echo "exit $?") )
check "output write error: 'cannot write OUT', exit 4" "$msg" \
	"mkcpio: cannot write $T/out.cpio: File too large"$'\n'"exit 4"
check "output write error: nothing left at OUT" "$(ls "$T" | grep -c '^out\.cpio')" 0

echo "1..$n"
