#!/usr/bin/env bash
# tests/kernel-config.sh — TAP: the built kernel's .config has every option
# the fragments request (olddefconfig drops options silently), the image
# carries no build path, user, host or time, the checker itself catches
# drops, and the command line keeps what real Nitro needs.
#
#   tests/kernel-config.sh [CONFIG]     default build/kernel/bzImage.config
#
# The fragments are the build's: KERNEL_FRAGMENTS, which make exports from
# kernel-config/build.mk (run it standalone with that variable set).
set -uo pipefail
export LC_ALL=C
cfg=${1:-build/kernel/bzImage.config}
check=kernel-config/check-config.sh
read -ra frags <<<"${KERNEL_FRAGMENTS:-}"
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
t() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -r "$cfg" ]; then
	notok "$cfg is missing (run make kernel)"
elif [ ${#frags[@]} -eq 0 ]; then
	notok "KERNEL_FRAGMENTS is empty: run through make test, or set it to the build's fragments"
else
	# One TAP line per requested option, renumbered into this stream.  The
	# checker's status counts too: exit 2 (an unreadable fragment, say)
	# prints no option at all, which must not read as nothing to check.
	"$check" --tap "$cfg" "${frags[@]}" >"$tmp/options" 2>"$tmp/options.err"
	rc=$?
	options=0
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok * - }"; options=$((options + 1)) ;;
		"not ok "*) notok "${line#not ok * - }"; options=$((options + 1)) ;;
		esac
	done <"$tmp/options"
	t "check-config.sh ran (exit 0 or 1, got $rc) on ${frags[*]}" test "$rc" -le 1
	sed 's/^/# /' "$tmp/options.err"
	t "the fragments request at least one option (got $options)" test "$options" -gt 0
	t "$cfg is a 6.12 x86_64 configuration" grep -q '^# Linux/x86 6\.12\.[0-9]* Kernel Configuration' "$cfg"
fi

# The image names no build path, user, host or time (reproducibility): the
# compressed payload (a Zstandard frame, magic 28 b5 2f fd, or for the LZ4
# bench variant a legacy LZ4 frame, 02 21 4c 18) is unpacked and searched.
img=${cfg%.config}
if [ -r "$img" ]; then
	vmlinux=$(mktemp)
	# Both tools complain about the size word the kernel appends after the
	# frame; the payload is complete by then, so only the output counts.
	off=$(grep -obUaP '\x28\xb5\x2f\xfd' "$img" | head -1 | cut -d: -f1)
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$img" | zstd -dc >"$vmlinux" 2>/dev/null
	else
		off=$(grep -obUaP '\x02\x21\x4c\x18' "$img" | head -1 | cut -d: -f1)
		[ -n "$off" ] && { tail -c +$((off + 1)) "$img" | lz4 -dc >"$vmlinux" 2>/dev/null; }
	fi
	if [ -s "$vmlinux" ]; then
		t "$img unpacks to a vmlinux with a Linux version string" grep -qa 'Linux version 6\.12' "$vmlinux"
		stamp=$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" '+%a %b %e %H:%M:%S UTC %Y')
		t "version string names carve@carve, not the builder" grep -qaF "(carve@carve) (" "$vmlinux"
		t "version string is build #1 at SOURCE_DATE_EPOCH ($stamp)" grep -qaF "#1 SMP $stamp" "$vmlinux"
		cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carve}
		for leak in "$PWD/" "$cache/" "($(id -un)@" "@$(hostname))"; do
			t "vmlinux does not contain '$leak'" bash -c '! grep -qaF -- "$1" "$2"' _ "$leak" "$vmlinux"
		done
	else
		notok "$img: cannot find and unpack its Zstandard or LZ4 payload"
	fi
	rm -f "$vmlinux"
else
	notok "$img is missing (run make kernel)"
fi

# The checker must fail for the reasons it exists.
printf 'CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=32\nCONFIG_D=y\n' >"$tmp/frag1"
printf 'CONFIG_D=n\n' >"$tmp/frag2"
printf 'CONFIG_A=y\nCONFIG_C=32\n# CONFIG_D is not set\n' >"$tmp/good"
printf 'CONFIG_C=32\n' >"$tmp/dropped"
printf 'CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=32\n' >"$tmp/unwanted"
printf 'CONFIG_A=y\nCONFIG_C=64\n' >"$tmp/changed"
t "checker accepts a config that matches (later fragment overrides)" \
	"$check" "$tmp/good" "$tmp/frag1" "$tmp/frag2"
t "checker rejects a dropped option and names it" \
	bash -c '! "$1" "$2" "$3" 2>"$4" && grep -q "CONFIG_A requested y, dropped" "$4"' _ \
	"$check" "$tmp/dropped" "$tmp/frag1" "$tmp/err1"
t "checker rejects an option that must stay unset" \
	bash -c '! "$1" "$2" "$3" 2>"$4" && grep -q "CONFIG_B requested not set, is y" "$4"' _ \
	"$check" "$tmp/unwanted" "$tmp/frag1" "$tmp/err2"
t "checker rejects a changed value" \
	bash -c '! "$1" "$2" "$3" 2>"$4" && grep -q "CONFIG_C requested 32, is 64" "$4"' _ \
	"$check" "$tmp/changed" "$tmp/frag1" "$tmp/err3"
: >"$tmp/empty"
t "checker refuses an empty config (exit 2), which would read a fragment as the config" \
	bash -c '"$1" "$2" "$3" "$3" 2>/dev/null; [ $? -eq 2 ]' _ "$check" "$tmp/empty" "$tmp/frag1"
t "checker exits 2 on an unreadable fragment" \
	bash -c '"$1" "$2" /nonexistent 2>/dev/null; [ $? -eq 2 ]' _ "$check" "$tmp/good"

# The measured command line (README explains every change from AWS's).
cmdline=$(cat kernel-config/cmdline)
t "cmdline is one line" test "$(wc -l <kernel-config/cmdline)" -eq 1
for p in reboot=k panic=30 console=ttyS0 random.trust_cpu=on; do
	t "cmdline keeps $p" grep -qw -- "$p" <<<"$cmdline"
done
for p in nomodules pci=off; do
	t "cmdline drops $p (it would reach init's argv/environment)" bash -c '! grep -qw -- "$1" <<<"$2"' _ "$p" "$cmdline"
done
echo "1..$n"
