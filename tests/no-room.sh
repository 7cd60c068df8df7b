# tests/no-room.sh — sourced by test scripts that check a full stdout.
# no_room FILE CMD ARGS...: runs CMD with stdout appending to FILE, first
# filled to the size limit (RLIMIT_FSIZE 16 KiB, SIGXFSZ ignored: writes to
# stdout fail with EFBIG, smaller output files can still be written); prints
# CMD's stderr, then "exit STATUS".
no_room() {
	local file=$1
	shift
	head -c 16384 /dev/zero >"$file"
	(trap '' XFSZ; ulimit -f 16; "$@" 2>&1 >>"$file"; echo "exit $?")
}
