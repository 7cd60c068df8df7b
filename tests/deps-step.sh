#!/usr/bin/env bash
# mk/deps.sh with apt-get, apt-cache and id stubbed (nothing is installed or
# downloaded): the root install path with stale package lists, a failed or
# interrupted source fetch, and concurrent `libs` runs over a cache holding
# stand-in entries.
set -uo pipefail
. tests/eif-tap.sh
set -m # background jobs get a process group of their own, with SIGINT as a terminal sends it

mkdir -p "$T/stub" "$T/cache" "$T/build" "$T/out"
# apt-get: private-config calls (Dir::Etc::SourceList) fail or hang, per
# $STUB_PRIVATE; `install` fails (a 404) until `update` ran once.
cat >"$T/stub/apt-get" <<EOF
#!/bin/sh
echo "\$*" | sed 's/.* \(update\|install\).*/\1/' >>"$T/apt.calls"
case "\$*" in
*SourceList*) [ "\$STUB_PRIVATE" = hang ] && sleep 30; exit 1 ;;
*" update"*) touch "$T/updated" ;;
*" install "*) [ -e "$T/updated" ] || { echo "E: 404  Not Found"; exit 100; } ;;
esac
EOF
printf '#!/bin/sh\necho "  Candidate: 1.0"\n' >"$T/stub/apt-cache"
printf '#!/bin/sh\necho 0\n' >"$T/stub/id"
chmod +x "$T/stub/"*
deps() { env PATH="$T/stub:$PATH" DEPS_LOCK="$T/deps.lock" CACHE_DIR="$T/cache" BUILD="$T/build" mk/deps.sh "$@"; }

# --- root, stale lists: apt names a candidate, the install 404s ---
printf 'pkg base carve-test-absent-package 1.0\n' >"$T/deps.lock"
deps packages base >/dev/null 2>"$T/err"
check "stale lists: the install succeeds after one update" "$?:$(paste -sd' ' "$T/apt.calls")" \
	"0:install update install"

# --- a failed source fetch: one line, nothing left behind ---
grep -E '^src (bearssl|libcbor) ' deps.lock >"$T/deps.lock"
STUB_PRIVATE=fail deps libs "$T/out" >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$(grep -c 'cannot' "$T/err")" = 1 ] && grep -q 'cannot update the private apt indexes' "$T/err"; then
	ok "failed fetch: exit $rc, one error line"
else
	nok "failed fetch: exit $rc, one error line"; sed 's/^/#   /' "$T/err"
fi
check "failed fetch: no temp dir left in the cache or OUT" "$(ls -A "$T/cache" "$T/out" | grep '^\.' | grep -v '\.lock$' | paste -sd' ')" ""

# --- an interrupted fetch (Ctrl-C): nothing left behind ---
STUB_PRIVATE=hang deps libs "$T/out" >/dev/null 2>"$T/err" &
pid=$!
for _ in $(seq 250); do [ "$(ls -A "$T/cache" | grep -c '^\.bearssl\.')" = 1 ] && break; sleep 0.02; done
sleep 0.3
kill -INT -- "-$pid"
wait "$pid"
check "interrupted fetch: exit 130" "$?" 130
check "interrupted fetch: no temp dir left in the cache or OUT" "$(ls -A "$T/cache" "$T/out" | grep '^\.' | grep -v '\.lock$' | paste -sd' ')" ""

# --- concurrent `libs` runs: stand-in cache entries (many headers, so the
# copies overlap), four runs at once; each must see complete output ---
for lib in bearssl libcbor; do
	dir=$(STUB_PRIVATE=fail deps libs "$T/out" 2>&1 | sed -n "s/.*$lib: building .*(cache miss: \(.*\))$/\1/p")
	[ -n "$dir" ] || { nok "concurrent libs: cannot find $lib's cache key"; break; }
	for f in host musl; do
		mkdir -p "$dir/$f/include/$lib" "$dir/$f/lib"
		echo "$lib $f" >"$dir/$f/lib/lib$lib.a"
		for i in $(seq 400); do echo "$i" >"$dir/$f/include/$lib/h$i.h"; done
	done
done
for i in 1 2 3 4; do deps libs "$T/out" >/dev/null 2>"$T/err$i" & done
rcs=
for i in 1 2 3 4; do wait -n; rcs+="$?"; done
check "concurrent libs: all exit 0" "$rcs" 0000
check "concurrent libs: OUT holds host and musl, nothing else" "$(ls -A "$T/out" | grep -v '^\.libs\.lock$' | paste -sd' ')" "host musl"
check "concurrent libs: each flavour complete" \
	"$(for f in host musl; do find "$T/out/$f" -type f | wc -l; cat "$T/out/$f/lib/"*.a; done | paste -sd' ')" \
	"802 bearssl host libcbor host 802 bearssl musl libcbor musl"

# --- blanks in the checkout path or CACHE_DIR: one line, at once ---
mkdir "$T/a b"
{ printf 'Makefile\0'; find . -path ./build -prune -o -name '*.mk' -print0; } | cpio -p0dm --quiet "$T/a b"
make -C "$T/a b" -n all >/dev/null 2>"$T/err"
check "checkout path with a blank: make stops with one line" "$?:$(sed 's/^Makefile:[0-9]*: //' "$T/err")" \
	"2:*** carve: the checkout path '$T/a b' contains whitespace, which make cannot handle; clone it elsewhere.  Stop."
make -n all CACHE_DIR="$T/a b" >/dev/null 2>"$T/err"
check "CACHE_DIR with a blank: make stops with one line" "$?:$(grep -c 'carve: the cache directory .* contains whitespace' "$T/err")" "2:1"
STUB_PRIVATE=fail env PATH="$T/stub:$PATH" DEPS_LOCK="$T/deps.lock" CACHE_DIR="$T/a b" BUILD="$T/build" \
	mk/deps.sh libs "$T/out" 2>"$T/err"
check "CACHE_DIR with a blank: deps.sh libs stops with one line" "$?:$(wc -l <"$T/err"):$(grep -c 'contains whitespace' "$T/err")" "1:1:1"

echo "1..$n"
