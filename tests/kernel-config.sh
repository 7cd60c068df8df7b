#!/usr/bin/env bash
# tests/kernel-config.sh — TAP: the built kernel's .config has every option
# the fragments request (olddefconfig drops options silently), the checker
# itself catches drops, and the command line keeps what real Nitro needs.
#
#   tests/kernel-config.sh [CONFIG]     default build/kernel/bzImage.config
set -uo pipefail
export LC_ALL=C
cfg=${1:-build/kernel/bzImage.config}
check=kernel-config/check-config.sh
frags=(kernel-config/base.config kernel-config/x86_64.config)
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
t() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }

if [ ! -r "$cfg" ]; then
	notok "$cfg is missing (run make kernel)"
else
	# One TAP line per requested option, renumbered into this stream.
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok * - }" ;;
		"not ok "*) notok "${line#not ok * - }" ;;
		esac
	done < <("$check" --tap "$cfg" "${frags[@]}")
	t "$cfg is a 6.12 x86_64 configuration" grep -q '^# Linux/x86 6\.12\.[0-9]* Kernel Configuration' "$cfg"
fi

# The checker must fail for the reasons it exists.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
