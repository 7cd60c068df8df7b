#!/usr/bin/env bash
# Reproducibility: two fresh clones of the committed tree, at different
# paths, built at different times under different TZ and umask, package
# the hello demo (with their own init and tools) into byte-identical EIFs.
# The kernel and cmdline are the same PLACEHOLDER files for both: this is
# about carve's own outputs (the kernel room checks the kernel's).
set -uo pipefail
. tests/eif-tap.sh
root=$(pwd)
printf 'PLACEHOLDER KERNEL: not bootable, tests only\n' >"$T/placeholder-bzImage"
printf 'console=ttyS0 placeholder-cmdline\n' >"$T/placeholder-cmdline"
targets="build/bin/eiftool build/bin/mkcpio build/bin/elfdeps build/enclave/hello build/enclave/init"
build() { # build DIR UMASK TZ
	local dir=$1
	git clone -q --no-hardlinks "$root" "$dir" || return 1
	(
		cd "$dir" && umask "$2" && export TZ=$3 && unset SOURCE_DATE_EPOCH &&
			make -s deps >build.log 2>&1 && make -s -j2 $targets >>build.log 2>&1 &&
			eif/mkeif --app build/enclave/hello --kernel "$T/placeholder-bzImage" \
				--cmdline-file "$T/placeholder-cmdline" -o build/hello.eif >mkeif.log 2>&1
	)
}
build "$T/a/carve" 022 UTC
check "clone 1 builds and packages" "$?" 0
sleep 2
build "$T/bb/another/longer-path/carve" 077 Pacific/Kiritimati
check "clone 2 (other path, umask 077, TZ=+14, later) builds and packages" "$?" 0
for f in build/enclave/init build/enclave/hello build/hello.eif build/hello.pcrs.json; do
	a=$(sha256sum 2>/dev/null <"$T/a/carve/$f" | cut -d' ' -f1)
	b=$(sha256sum 2>/dev/null <"$T/bb/another/longer-path/carve/$f" | cut -d' ' -f1)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "identical $f ($a)"; else
		nok "identical $f"; printf '#   clone 1: %s\n#   clone 2: %s\n' "${a:-missing}" "${b:-missing}"; fi
done
for d in a/carve bb/another/longer-path/carve; do
	if [ -s "$T/$d/build.log" ] && grep -q 'Error' "$T/$d/build.log"; then
		tail -5 "$T/$d/build.log" | sed 's/^/# build: /'
	fi
done
echo "1..$n"
