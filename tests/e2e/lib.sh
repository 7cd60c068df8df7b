# tests/e2e/lib.sh — shared helpers for the end-to-end suites (source it
# from the checkout root).  TAP output; a VM boot that fails prints the
# failed VM's console log and launcher messages as "# " comments.
#
#   e2e_require FILE...              every prerequisite exists, else "not ok" + exit 1
#   e2e_mkeif OUT [mkeif args]       package an EIF (log next to it)
#   e2e_boot NAME EIF [carve-run args]
#                                    boot under emu/carve-run; sets E2E_RC and
#                                    leaves $E2E_DIR/NAME.{console,stderr}
#   e2e_ok / e2e_fail NAME           one TAP result (e2e_fail NAME prints NAME's logs)
#   e2e_check DESC NAME CMD...       ok if CMD succeeds, else not ok + NAME's logs
#   e2e_done                         plan line; exit status = any failure
#
# Environment: E2E_TIMEOUT (seconds per boot, default 180: TCG on a loaded
# 2-core host), CARVE_QEMU (else the path recorded in build/emu/qemu.path).
set -uo pipefail
export LC_ALL=C
# One directory per run: several people may run `make test` in this checkout
# at once.  Removed when the suite passes, kept (and named) when it fails.
mkdir -p build/e2e
E2E_DIR=${E2E_DIR:-$(mktemp -d "build/e2e/$(basename "$0" .sh).XXXXXX")}
E2E_TIMEOUT=${E2E_TIMEOUT:-180}
_e2e_n=0
_e2e_failed=0
if [ -z "${CARVE_QEMU:-}" ] && [ -s build/emu/qemu.path ]; then
	CARVE_QEMU=$(cat build/emu/qemu.path)
	export CARVE_QEMU
fi

e2e_ok() {
	_e2e_n=$((_e2e_n + 1))
	echo "ok $_e2e_n - $1"
}

e2e_logs() { # e2e_logs NAME: the VM's console and the launcher's messages as comments
	local f
	for f in "$E2E_DIR/$1.stderr" "$E2E_DIR/$1.console"; do
		[ -e "$f" ] || continue
		echo "# --- $f (last 60 lines) ---"
		tail -n 60 "$f" | sed 's/^/# /'
	done
}

e2e_fail() { # e2e_fail DESC [NAME]
	_e2e_n=$((_e2e_n + 1))
	_e2e_failed=1
	echo "not ok $_e2e_n - $1"
	[ $# -ge 2 ] && e2e_logs "$2"
	return 0
}

e2e_check() { # e2e_check DESC NAME CMD...
	local desc=$1 name=$2
	shift 2
	if "$@"; then e2e_ok "$desc"; else e2e_fail "$desc" "$name"; fi
}

e2e_require() {
	local f missing=()
	for f in "$@"; do [ -e "$f" ] || missing+=("$f"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	e2e_fail "prerequisites exist (missing: ${missing[*]})"
	e2e_done
}

e2e_mkeif() { # e2e_mkeif OUT ARGS...
	local out=$1
	shift
	mkdir -p "$(dirname "$out")"
	if ! eif/mkeif "$@" -o "$out" >"$out.log" 2>&1; then
		e2e_fail "package $(basename "$out") with eif/mkeif"
		sed 's/^/# /' "$out.log"
		return 1
	fi
}

e2e_boot() { # e2e_boot NAME EIF [carve-run args]; E2E_RC = its exit status
	local name=$1 eif=$2
	shift 2
	rm -f "$E2E_DIR/$name.console" "$E2E_DIR/$name.stderr"
	emu/carve-run --console-log "$E2E_DIR/$name.console" --timeout "$E2E_TIMEOUT" "$@" "$eif" \
		>/dev/null 2>"$E2E_DIR/$name.stderr"
	E2E_RC=$?
	echo "$E2E_RC" >"$E2E_DIR/$name.rc"
	return 0
}

# e2e_boot_bg NAME EIF [args]: the same in the background; e2e_rc NAME after `wait`.
e2e_boot_bg() { e2e_boot "$@" & }
e2e_rc() { cat "$E2E_DIR/$1.rc" 2>/dev/null || echo 255; }

e2e_done() {
	echo "1..$_e2e_n"
	if [ "$_e2e_failed" -eq 0 ]; then
		rm -rf "$E2E_DIR"
	else
		echo "# logs kept in $E2E_DIR"
	fi
	exit "$_e2e_failed"
}

# e2e_sh_eif OUT NAME SCRIPT: busybox as the root filesystem, running
# "sh -c SCRIPT" (a static ELF app is renamed to /NAME, which busybox would
# take for an applet name; a directory keeps /bin/busybox).
e2e_sh_eif() {
	local root=$E2E_DIR/$2-root
	rm -rf "$root" && mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/" ||
		{ e2e_fail "assemble the $2 root filesystem"; return 1; }
	e2e_mkeif "$1" --app "$root" --name "$2" --cmd /bin/busybox --cmd sh --cmd -c --cmd "$3"
}

# e2e_nsm_eif OUT: busybox + build/enclave/nsm + tests/e2e/apps/emu-nsm.sh as
# the root filesystem (same inputs, same bytes: suites may each build it).
e2e_nsm_eif() {
	local root=$E2E_DIR/emu-nsm-root
	rm -rf "$root" && mkdir -p "$root/bin" &&
		cp /bin/busybox build/enclave/nsm "$root/bin/" &&
		cp tests/e2e/apps/emu-nsm.sh "$root/run.sh" && chmod 755 "$root/run.sh" ||
		{ e2e_fail "assemble the NSM test root filesystem"; return 1; }
	e2e_mkeif "$1" --app "$root" --name emu-nsm --cmd /bin/busybox --cmd sh --cmd /run.sh
}

# e2e_line NAME KEY: the rest of the console line starting with KEY (CRs dropped).
e2e_line() {
	tr -d '\r' <"$E2E_DIR/$1.console" | awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'
}
