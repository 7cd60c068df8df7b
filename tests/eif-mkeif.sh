#!/usr/bin/env bash
# eif/mkeif end to end, with a clearly named PLACEHOLDER kernel and cmdline
# (these EIFs are never booted here; tests/e2e boots real ones): ramdisk
# layout, cmd/env, static and dynamic ELFs (the packaged dynamic app is run
# in a chroot of its own ramdisk to prove the closure is complete),
# directories, errors with no partial output, verify mode, determinism.
set -uo pipefail
root=$(pwd)
. tests/eif-tap.sh
has() { if grep -qxF -- "$2" "$3"; then ok "$1"; else nok "$1"; sed 's/^/#   /' "$3" | head -20; fi; }

printf 'PLACEHOLDER KERNEL: not bootable, tests only\n' >"$T/placeholder-bzImage"
printf 'console=ttyS0 placeholder-cmdline\n' >"$T/placeholder-cmdline"
printf 'PLACEHOLDER INIT\n' >"$T/placeholder-init"
# run_as: a prefix for mk, set for the cases that must not run as root.
run_as=()
mk() { "${run_as[@]}" eif/mkeif --kernel "$T/placeholder-bzImage" --cmdline-file "$T/placeholder-cmdline" \
	--init "$T/placeholder-init" "$@"; }
# ramdisk K (0 or 1) of an EIF built by eiftool (sections: kernel, cmdline,
# metadata, ramdisks) written to a file.
ramdisk() {
	local off size
	off=$(be "$1" $((28 + 8 * (3 + $2))) 8)
	size=$(be "$1" $((284 + 8 * (3 + $2))) 8)
	tail -c +$((off + 12 + 1)) "$1" | head -c "$size" >"$3"
}
# in_chroot NAME ROOTFS EXPECTED CMD: CMD's output in a chroot of ROOTFS is
# EXPECTED.  chroot needs root: without it the case says it did not run.
in_chroot() {
	if [ "$(id -u)" != 0 ]; then
		echo "# SKIP-NOTICE: $1: needs root"
	else
		check "$1" "$(chroot "$2" "$4" 2>&1)" "$3"
	fi
}
list() { (cd "$2" && cpio -i --quiet --no-absolute-filenames -d -m <"$1" 2>/dev/null); (cd "$2" && find . | sort) >"$3"; }

# --- static ELF (the hello demo) ---
mk --app build/enclave/hello -o "$T/hello.eif" >"$T/out" 2>"$T/err"
check "static ELF: exit 0" "$?" 0
for f in hello.eif hello.pcrs.json hello.manifest.json; do
	[ -s "$T/$f" ] && ok "static ELF: wrote $f" || nok "static ELF: wrote $f"
done
grep -q "^  sha256 $(sha256sum <"$T/hello.eif" | cut -d' ' -f1)\$" "$T/out" && ok "prints the file's sha256" || nok "prints the file's sha256"
grep -qE '^  PCR2   [0-9a-f]{96}$' "$T/out" && ok "prints PCR2" || nok "prints PCR2"
build/bin/eiftool describe "$T/hello.eif" >/dev/null && ok "describe accepts it" || nok "describe accepts it"
ramdisk "$T/hello.eif" 0 "$T/rd0"
ramdisk "$T/hello.eif" 1 "$T/rd1"
mkdir "$T/x0" "$T/x1"
cpio -itv <"$T/rd0" >"$T/l0" 2>/dev/null
grep -q '^crw-------.*5,   1 .* dev/console$' "$T/l0" && ok "bootstrap: dev/console c 5:1 0600" || nok "bootstrap: dev/console c 5:1 0600"
grep -q '^crw-rw-rw-.*1,   3 .* dev/null$' "$T/l0" && ok "bootstrap: dev/null c 1:3 0666" || nok "bootstrap: dev/null c 1:3 0666"
grep -q '^-rwxr-xr-x .* init$' "$T/l0" && ok "bootstrap: init 0755" || nok "bootstrap: init 0755"
list "$T/rd1" "$T/x1" "$T/l1"
for p in ./rootfs/hello ./rootfs/dev ./rootfs/proc ./rootfs/sys ./rootfs/run ./rootfs/tmp ./rootfs/var ./cmd ./env; do
	has "app ramdisk has $p" "$p" "$T/l1"
done
check "cmd defaults to /NAME" "$(cat "$T/x1/cmd")" "/hello"
cmp -s "$T/x1/rootfs/hello" build/enclave/hello && ok "app bytes copied" || nok "app bytes copied"
check "bootstrap ramdisk in PCR1 only: manifest bootstrap sha" \
	"$(sed -n 's/.*"bootstrap_ramdisk": {"Sha256": "\([0-9a-f]*\)"}.*/\1/p' "$T/hello.manifest.json")" \
	"$(sha256sum <"$T/rd0" | cut -d' ' -f1)"

mk --app build/enclave/hello --json -o "$T/j/hello.eif" >"$T/j.json"
check "--json prints the manifest" "$(cat "$T/j.json")" "$(cat "$T/j/hello.manifest.json")"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert len(m["Measurements"]["PCR2"]) == 96' "$T/j.json"
check "--json output parses as JSON" "$?" 0

# --- cmd with blanks, env, init.conf, name ---
printf 'log=debug\n' >"$T/init.conf"
mk --app build/enclave/hello --name demo --cmd /hello --cmd 'two words' --cmd '' \
	--env A=1 --env 'B=x y' --init-conf "$T/init.conf" -o "$T/demo.eif" >/dev/null
check "options: exit 0" "$?" 0
ramdisk "$T/demo.eif" 1 "$T/rd2"
mkdir "$T/x2" && list "$T/rd2" "$T/x2" "$T/l2"
check "cmd: one argv element per line" "$(od -c "$T/x2/cmd" | head -2)" "$(printf '/hello\ntwo words\n\n' | od -c | head -2)"
check "env: KEY=VALUE lines" "$(cat "$T/x2/env")" "$(printf 'A=1\nB=x y')"
check "init.conf packed" "$(cat "$T/x2/init.conf")" "log=debug"
has "--name places the app at rootfs/NAME" ./rootfs/demo "$T/l2"

# --- dynamic ELFs: glibc and musl; the closure must run in a chroot ---
printf '#include <stdio.h>\n#include <zlib.h>\nint main(void){printf("dyn %%s\\n", zlibVersion());return 0;}\n' >"$T/dyn.c"
if gcc -o "$T/dyn" "$T/dyn.c" -lz 2>"$T/gccerr"; then
	mk --app "$T/dyn" -o "$T/dyn.eif" >/dev/null 2>"$T/err"
	check "dynamic glibc ELF: exit 0" "$?" 0
	ramdisk "$T/dyn.eif" 1 "$T/rd3"
	mkdir "$T/x3" && list "$T/rd3" "$T/x3" "$T/l3"
	grep -q 'libz.so' "$T/l3" && ok "dynamic: DT_NEEDED libz packed" || nok "dynamic: DT_NEEDED libz packed"
	grep -q 'libc.so.6' "$T/l3" && ok "dynamic: libc packed" || nok "dynamic: libc packed"
	[ -L "$T/x3/rootfs/lib64" ] || [ -e "$T/x3/rootfs/lib64/ld-linux-x86-64.so.2" ] &&
		ok "dynamic: PT_INTERP path present" || nok "dynamic: PT_INTERP path present"
	in_chroot "dynamic glibc app starts from its own ramdisk (chroot)" "$T/x3/rootfs" \
		"dyn $(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' /usr/include/zlib.h)" /dyn
else
	nok "dynamic glibc ELF: cannot compile the probe: $(head -1 "$T/gccerr")"
fi
printf '#include <stdio.h>\nint main(void){puts("musl dyn");return 0;}\n' >"$T/mdyn.c"
if musl-gcc -o "$T/mdyn" "$T/mdyn.c" 2>"$T/gccerr" && readelf -l "$T/mdyn" | grep -q 'ld-musl'; then
	mk --app "$T/mdyn" -o "$T/mdyn.eif" >/dev/null
	ramdisk "$T/mdyn.eif" 1 "$T/rd4"
	mkdir "$T/x4" && list "$T/rd4" "$T/x4" "$T/l4"
	in_chroot "dynamic musl app starts from its own ramdisk (chroot)" "$T/x4/rootfs" "musl dyn" /mdyn
else
	nok "dynamic musl ELF: cannot build a dynamic musl probe"
fi

# --- directory app ---
mkdir -p "$T/tree/bin" "$T/tree/etc"
cp build/enclave/hello "$T/tree/bin/hello"
echo hi >"$T/tree/etc/motd"
mk --app "$T/tree" --cmd /bin/hello -o "$T/tree.eif" >/dev/null
check "directory app: exit 0" "$?" 0
ramdisk "$T/tree.eif" 1 "$T/rd5"
mkdir "$T/x5" && list "$T/rd5" "$T/x5" "$T/l5"
has "directory: rootfs/etc/motd" ./rootfs/etc/motd "$T/l5"
has "directory: rootfs/bin/hello" ./rootfs/bin/hello "$T/l5"
has "directory: rootfs/proc added" ./rootfs/proc "$T/l5"

# --- errors: one line naming the input, exit code, nothing written ---
err() { # err NAME CODE PATTERN mkeif-args...
	local name=$1 code=$2 pat=$3; shift 3
	rm -f "$T"/bad.*
	mk "$@" -o "$T/bad.eif" >/dev/null 2>"$T/err"
	local rc=$?
	if [ "$rc" = "$code" ] && grep -q -- "$pat" "$T/err" && [ "$(wc -l <"$T/err")" = 1 ] &&
		[ -z "$(ls "$T"/bad.* 2>/dev/null)" ]; then
		ok "error: $name"
	else
		nok "error: $name (exit $rc, want $code)"
		sed 's/^/#   /' "$T/err"
		ls "$T"/bad.* 2>/dev/null | sed 's/^/#   left: /'
	fi
}
err "missing app" 3 "cannot package $T/nope: no such file" --app "$T/nope"
err "not an ELF" 3 "not an ELF file" --app "$T/placeholder-cmdline"
# Root reads any file: as root, the unreadable-app case runs as nobody, with
# the scratch directory opened to it for the inputs and the output.
chmod 000 "$T/dyn.c"
if [ "$(id -u)" = 0 ]; then
	run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp)
	chmod 1777 "$T"
fi
err "unreadable app" 3 "cannot package $T/dyn.c: permission denied" --app "$T/dyn.c"
run_as=()
chmod 700 "$T"
chmod 644 "$T/dyn.c"
err "directory without --cmd" 2 "needs --cmd" --app "$T/tree"
err "bad env" 2 "bad --env" --app build/enclave/hello --env =x
err "missing explicit init" 3 "cannot read init $T/none" --app build/enclave/hello --init "$T/none"
# an unresolvable library
mkdir "$T/lib"
printf 'int gone(void){return 1;}\n' >"$T/gone.c"
printf 'int gone(void);int main(void){return gone();}\n' >"$T/usegone.c"
gcc -shared -fPIC -o "$T/lib/libgone.so" "$T/gone.c" && gcc -o "$T/usegone" "$T/usegone.c" -L"$T/lib" -lgone
rm "$T/lib/libgone.so"
err "unresolvable library" 3 "library libgone.so (needed by" --app "$T/usegone"
# OUT a node a rename would replace: refused, the node left alone
mkfifo "$T/fifo.eif"
mk --app build/enclave/hello -o "$T/fifo.eif" >/dev/null 2>"$T/err"
check "FIFO output: exit 5, one line, FIFO kept" "$?:$(wc -l <"$T/err"):$(stat -c %F "$T/fifo.eif")" "5:1:fifo"
grep -q "cannot write $T/fifo.eif: not a regular file" "$T/err" && ok "FIFO output: names it" || nok "FIFO output: names it"
# OUT a symlink: written through, the link stays
mkdir "$T/linked" && ln -s linked/real.eif "$T/link.eif"
mk --app build/enclave/hello -o "$T/link.eif" >/dev/null 2>"$T/err"
check "symlink output: exit 0, link kept, target written" \
	"$?:$(stat -c %F "$T/link.eif"):$(cmp -s "$T/linked/real.eif" "$T/hello.eif" && echo same)" "0:symbolic link:same"
# a default input that does not exist yet
out=$(eif/mkeif --app build/enclave/hello --kernel "$T/placeholder-bzImage" --init "$T/placeholder-init" \
	--cmdline-file "$T/placeholder-cmdline" -o "$T/ok.eif" 2>&1 >/dev/null)
check "explicit inputs need nothing from other rooms" "$out" ""
if [ ! -e build/kernel/bzImage ]; then
	out=$(eif/mkeif --app build/enclave/hello -o "$T/bad.eif" 2>&1)
	check "missing default kernel: 'not yet available'" "$?:$(echo "$out" | grep -c 'not yet available: kernel')" "4:1"
else
	eif/mkeif --app build/enclave/hello -o "$T/defaults.eif" >/dev/null 2>"$T/err"
	check "defaults (the kernel room's bzImage and cmdline, init) work" "$?" 0
fi

# --- verify mode ---
mk --app build/enclave/hello --expect "$T/hello.pcrs.json" -o "$T/v/hello.eif" >"$T/vout" 2>&1
check "verify: same inputs match" "$?" 0
mk --app build/enclave/hello --env X=1 --expect "$T/hello.pcrs.json" -o "$T/v2/hello.eif" >"$T/vout" 2>&1
check "verify: changed app ramdisk exits 6" "$?" 6
grep -q "input differs: app_ramdisk" "$T/vout" && ok "verify: names the app ramdisk" || nok "verify: names the app ramdisk"
grep -q "input differs: bootstrap_ramdisk" "$T/vout" && nok "verify: bootstrap not blamed" || ok "verify: bootstrap not blamed"
grep -q "PCR1 differs" "$T/vout" && nok "verify: PCR1 unchanged" || ok "verify: PCR1 unchanged"
# The expected file is the output's own (-o defaults to it): it is read
# before the rebuild replaces it, so a change is still seen.
mkdir -p "$T/self" && cp "$T/hello.pcrs.json" "$T/hello.manifest.json" "$T/self/"
mk --app build/enclave/hello --env X=2 --expect "$T/self/hello.pcrs.json" -o "$T/self/hello.eif" >"$T/vout" 2>&1
check "verify: expected file replaced by this build still exits 6" "$?" 6

# --- concurrent builds of one OUT (make -j eif run): each succeeds, and the
# published EIF and its two JSON files come from one and the same build ---
mkdir "$T/conc"
for i in 1 2 3 4; do
	mk --app build/enclave/hello --env "RUN=$i" -o "$T/conc/hello.eif" >/dev/null 2>"$T/conc.err$i" &
done
rcs=
for i in 1 2 3 4; do wait -n; rcs+="$?"; done
check "concurrent builds of one OUT: all exit 0" "$rcs" 0000
mf=$T/conc/hello.manifest.json
check "concurrent builds: the manifest names the published EIF" \
	"$(sed -n 's/.*"Eif": {"File": "hello.eif", "Sha256": "\([0-9a-f]*\)"}.*/\1/p' "$mf")" \
	"$(sha256sum <"$T/conc/hello.eif" | cut -d' ' -f1)"
check "concurrent builds: .pcrs.json is that build's" "$(pcr PCR2 "$T/conc/hello.pcrs.json")" "$(pcr PCR2 "$mf")"
check "concurrent builds: no temporary files left" "$(ls -A "$T/conc" | grep -v '^\.hello\.eif\.lock$' | sort | paste -sd' ')" \
	"hello.eif hello.manifest.json hello.pcrs.json"

# --- determinism: same inputs, another time and umask ---
(umask 077; sleep 1; TZ=Asia/Tokyo mk --app build/enclave/hello -o "$T/again/hello.eif" >/dev/null)
check "rebuild is byte-identical" "$(sha256sum <"$T/again/hello.eif")" "$(sha256sum <"$T/hello.eif")"

echo "1..$n"
