#!/usr/bin/env bash
# elfdeps resolves like ld.so, checked in a fake sysroot built here: RPATH
# (used only without RUNPATH, also inherited from the executable), RUNPATH,
# $ORIGIN, ld.so.conf with include globs, default directories, symlink
# chains including symlinked directories, wrong-class candidates skipped,
# and the errors for a missing library and a malformed ELF.
set -uo pipefail
. tests/eif-tap.sh
ELFDEPS=${ELFDEPS:-build/bin/elfdeps}
R=$T/root
mkdir -p "$R"/{app,opt/rp,opt/run,conf/lib,usr/lib/x86_64-linux-gnu,etc/ld.so.conf.d,lib32skip,usr/lib64}
so() { # so NAME OUT [ldflags...]
	local name=$1 out=$2; shift 2
	echo "int f_$name(void){return 1;}" >"$T/$name.c"
	gcc -shared -fPIC -o "$out" "$T/$name.c" "$@"
}
# Libraries in five places; the executable needs four of them.
so rp "$R/opt/rp/librp.so"
so run "$R/opt/run/librun.so"
so conf "$R/conf/lib/libconf.so.1.2"
ln -s libconf.so.1.2 "$R/conf/lib/libconf.so.1"
so def "$R/usr/lib/x86_64-linux-gnu/libdef.so"
so orig "$R/app/liborig.so"
# liboth needs libdeep through its own RUNPATH.
mkdir -p "$R/opt/deep"
so deep "$R/opt/deep/libdeep.so"
echo 'int f_deep(void); int f_other(void){return f_deep();}' >"$T/other.c"
gcc -shared -fPIC -o "$R/opt/run/libother.so" "$T/other.c" -L"$R/opt/deep" -ldeep -Wl,--enable-new-dtags,-rpath,/opt/deep
printf 'include ld.so.conf.d/*.conf\n' >"$R/etc/ld.so.conf"
printf '# comment\n/conf/lib\n' >"$R/etc/ld.so.conf.d/x.conf"
# Debian's merged /usr: /lib -> usr/lib.
ln -s usr/lib "$R/lib"
# A 32-bit-looking decoy earlier in the search path must be skipped: a file
# that is an ELF but of another class.
printf '\177ELF\001\001\001' >"$R/opt/rp/libdef.so"; head -c 60 /dev/zero >>"$R/opt/rp/libdef.so"
echo 'int f_rp(void),f_run(void),f_conf(void),f_def(void),f_orig(void),f_other(void);
int main(void){return f_rp()+f_run()+f_conf()+f_def()+f_orig()+f_other();}' >"$T/main.c"
# RPATH via --disable-new-dtags; $ORIGIN for liborig.
gcc -o "$R/app/main" "$T/main.c" -L"$R/opt/rp" -L"$R/opt/run" -L"$R/conf/lib" -L"$R/usr/lib/x86_64-linux-gnu" \
	-L"$R/app" -lrp -lrun -l:libconf.so.1 -ldef -lorig -lother -Wl,-rpath-link,"$R/opt/deep" \
	-Wl,--disable-new-dtags,-rpath,/opt/rp:/opt/run:'$ORIGIN' 2>"$T/gccerr"
check "fixture builds" "$?" 0
# The interpreter, as a symlink chain inside the sysroot.
mkdir -p "$R/usr/lib/x86_64-linux-gnu" && cp /lib64/ld-linux-x86-64.so.2 "$R/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s usr/lib64 "$R/lib64"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/usr/lib64/ld-linux-x86-64.so.2"
so c "$R/usr/lib/x86_64-linux-gnu/libc.so.6"

"$ELFDEPS" --sysroot "$R" --list "$R/app/main" >"$T/list" 2>"$T/err"
check "resolves (exit 0)" "$?" 0
has() { if grep -qxF -- "$2" "$T/list"; then ok "$1"; else nok "$1"; sed 's/^/#   /' "$T/list" "$T/err"; fi; }
has "interpreter symlinked dir /lib64" "/lib64 -> usr/lib64"
has "interpreter symlink" "/usr/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
has "/lib -> usr/lib followed" "/lib -> usr/lib"
has "interpreter file" "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
has "RPATH" "/opt/rp/librp.so"
has "RPATH (second entry)" "/opt/run/librun.so"
has "\$ORIGIN" "/app/liborig.so"
has "ld.so.conf include glob, symlink chain" "/conf/lib/libconf.so.1 -> libconf.so.1.2"
has "ld.so.conf target file" "/conf/lib/libconf.so.1.2"
has "default dir; wrong-class decoy in RPATH skipped" "/usr/lib/x86_64-linux-gnu/libdef.so"
has "a library's own RUNPATH" "/opt/deep/libdeep.so"
grep -q '/opt/rp/libdef.so' "$T/list" && nok "decoy not chosen" || ok "decoy not chosen"
"$ELFDEPS" --sysroot "$R" --prefix rootfs "$R/app/main" >"$T/spec"
grep -qxF "slink rootfs/lib64 usr/lib64 0 0" "$T/spec" && ok "spec: slink line" || nok "spec: slink line"
grep -qxF "file rootfs/opt/rp/librp.so $R/opt/rp/librp.so 0755 0 0" "$T/spec" && ok "spec: file line" || nok "spec: file line"
# The image has no ld.so.cache: ld.so.conf directories become LD_LIBRARY_PATH.
"$ELFDEPS" --sysroot "$R" --exe-dir /app --ld-path-out "$T/ldpath" "$R/app/main" >/dev/null
check "ld.so.conf directory reported for LD_LIBRARY_PATH" "$(cat "$T/ldpath")" "/conf/lib"
# liborig comes through the executable's $ORIGIN: fine where the app stays,
# an error when it will run from / (as eif/mkeif places it).
"$ELFDEPS" --sysroot "$R" --exe-dir / "$R/app/main" >/dev/null 2>"$T/err"
check "\$ORIGIN of an executable moved to /: exit 4" "$?" 4
grep -q 'liborig.so is found through \$ORIGIN of the executable' "$T/err" && ok "\$ORIGIN error names the library" || { nok "\$ORIGIN error names the library"; cat "$T/err"; }

# Configuration files that include each other are read once each (they
# were read again along every include path: 10 such files took hours).
mkdir -p "$R/etc/loop"
for i in 0 1 2 3 4 5 6 7 8 9; do printf 'include loop/*.conf\n/conf/lib\n' >"$R/etc/loop/$i.conf"; done
cp "$R/etc/ld.so.conf" "$T/ld.so.conf.saved"
printf 'include loop/*.conf\n' >"$R/etc/ld.so.conf"
timeout 20 "$ELFDEPS" --sysroot "$R" --list "$R/app/main" >"$T/list" 2>"$T/err"
check "10 ld.so.conf files including each other: exit 0 within 20 s" "$?" 0
has "ld.so.conf include cycle: its directory still searched" "/conf/lib/libconf.so.1.2"
cp "$T/ld.so.conf.saved" "$R/etc/ld.so.conf"

# Under --sysroot, absolute symlinks resolve inside the root, never on the
# host (where these targets do not exist): a library, and the directory
# ld.so.conf includes from.
mkdir -p "$R/opt/real" "$R/etc/carve-ldconf"
mv "$R/opt/run/librun.so" "$R/opt/real/librun.so"
ln -s /opt/real/librun.so "$R/opt/run/librun.so"
mv "$R/etc/ld.so.conf.d/x.conf" "$R/etc/carve-ldconf/x.conf"
rmdir "$R/etc/ld.so.conf.d"
ln -s /etc/carve-ldconf "$R/etc/ld.so.conf.d"
"$ELFDEPS" --sysroot "$R" --list "$R/app/main" >"$T/list" 2>"$T/err"
check "absolute symlinks inside the sysroot: exit 0" "$?" 0
has "library behind an absolute symlink, resolved in the root" "/opt/real/librun.so"
has "ld.so.conf include through an absolute symlink, resolved in the root" "/conf/lib/libconf.so.1.2"
rm "$R/opt/run/librun.so" "$R/etc/ld.so.conf.d"
mv "$R/opt/real/librun.so" "$R/opt/run/librun.so"
mkdir "$R/etc/ld.so.conf.d"
mv "$R/etc/carve-ldconf/x.conf" "$R/etc/ld.so.conf.d/x.conf"

# Errors.
rm "$R/opt/deep/libdeep.so"
"$ELFDEPS" --sysroot "$R" "$R/app/main" >/dev/null 2>"$T/err"
check "missing library: exit 4" "$?" 4
grep -q "library libdeep.so (needed by /opt/run/libother.so) not found" "$T/err" && ok "missing library named with its user" || { nok "missing library named with its user"; cat "$T/err"; }
printf '\177ELF\002\001\001' >"$T/bad.elf"; head -c 57 /dev/urandom >>"$T/bad.elf"
printf '\377\377\377\377' | dd of="$T/bad.elf" bs=1 seek=32 conv=notrunc 2>/dev/null
"$ELFDEPS" "$T/bad.elf" >/dev/null 2>"$T/err"
check "malformed ELF: exit 3" "$?" 3
check "malformed ELF: one line" "$(wc -l <"$T/err")" 1
"$ELFDEPS" "$T/main.c" >/dev/null 2>"$T/err"
check "not an ELF: exit 3" "$?" 3
# Past the reader's caps: exit 3, saying which cap (not "Argument list too long").
python3 - "$T" <<'PY'
import struct, sys
def elf(phdrs, phnum, body=b''):
    # ELF64 little-endian x86-64 header, program headers at 64.
    h = b'\x7fELF\x02\x01\x01' + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 3, 62, 1, 0, 64, 0, 0, 64,
                                                       56, phnum, 0, 0, 0)
    return h + phdrs + body
open(sys.argv[1] + '/phdrs.elf', 'wb').write(elf(b'', 1025))  # refused before they are read
dyn = struct.pack('<QQ', 5, 0) + struct.pack('<QQ', 10, 3) + struct.pack('<QQ', 1, 1) * 257 + bytes(16)
start = 64 + 2 * 56
body = b'\0a\0' + bytes(5) + dyn
load = struct.pack('<IIQQQQQQ', 1, 4, start, 0, 0, len(body), len(body), 8)
dynamic = struct.pack('<IIQQQQQQ', 2, 4, start + 8, 8, 8, len(dyn), len(dyn), 8)
open(sys.argv[1] + '/needed.elf', 'wb').write(elf(load + dynamic, 2, body))
PY
"$ELFDEPS" "$T/phdrs.elf" >/dev/null 2>"$T/err"
check "1025 program headers: exit 3, the cap named" "$?:$(cat "$T/err")" \
	"3:elfdeps: cannot package $T/phdrs.elf: more than 1024 program headers (elfdeps' limit)"
"$ELFDEPS" "$T/needed.elf" >/dev/null 2>"$T/err"
check "257 DT_NEEDED entries: exit 3, the cap named" "$?:$(cat "$T/err")" \
	"3:elfdeps: cannot package $T/needed.elf: more than 256 DT_NEEDED entries (elfdeps' limit)"
# --ld-path-out is written atomically (common/atomicfile.h: through a
# symlink, which stays a link), and failing to write it is an output error
# (exit 5).
echo keep >"$T/victim"
ln -s "$T/victim" "$T/ldlink"
"$ELFDEPS" --ld-path-out "$T/ldlink" build/enclave/hello >/dev/null
check "--ld-path-out: exit 0, written through a symlink" "$?:$(wc -c <"$T/victim"):$(test -L "$T/ldlink" && echo link)" \
	"0:0:link"
"$ELFDEPS" --ld-path-out "$T/no/such/dir/ldpath" build/enclave/hello >/dev/null 2>"$T/err"
check "--ld-path-out unwritable: exit 5" "$?" 5
"$ELFDEPS" --ld-path-out "$T/ldpath" build/enclave/hello >"$T/static"
check "static-pie: nothing to add" "$(wc -c <"$T/static")" 0
check "static-pie: no LD_LIBRARY_PATH" "$(wc -c <"$T/ldpath")" 0
echo "1..$n"
