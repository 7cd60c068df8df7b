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

# A tree deeper than the walk allows is refused with one line, not a crash
# (it used to recurse with ~12 KiB of stack a level: 800 levels, SIGSEGV).
mk_deep() { # mk_deep DIR LEVELS (changes directory: run it in a subshell)
	local i
	mkdir -p "$1" && cd "$1" || return
	for ((i = 0; i < $2; i++)); do mkdir a && cd a || return; done
}
( mk_deep "$T/deep" 800 )
"$MKCPIO" --tree "$T/deep" -o "$T/deep.cpio" 2>"$T/err"
rc=$?
check "800-level tree: exit 3" "$rc" 3
grep -qx "mkcpio: cannot add tree $T/deep: $T/deep\(/a\)\{129\}: more than 128 levels of directories or symbolic links" "$T/err" &&
	ok "800-level tree: one line naming the limit" || { nok "800-level tree: one line naming the limit"; head -c 300 "$T/err" | sed 's/^/#   /'; }
( mk_deep "$T/ok" 128 )
"$MKCPIO" --tree "$T/ok" -o "$T/ok.cpio" 2>"$T/err"
check "128 levels below the root are archived" "$?:$(cpio -it <"$T/ok.cpio" 2>/dev/null | wc -l)" "0:128"

echo "1..$n"
