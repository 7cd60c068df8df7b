# tests/eif-tap.sh — TAP helpers shared by the tests/eif-*.sh scripts (sourced).
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
# check NAME GOT EXPECTED
check() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1"; printf '#   got:      %s\n#   expected: %s\n' "$2" "$3"; fi; }
# pcr KEY FILE: a 96-hex value from eiftool's JSON
pcr() { sed -n "s/.*\"$1\": \"\([0-9a-f]*\)\".*/\1/p" "$2"; }
# be FILE OFFSET LEN: a big-endian integer read with od
be() { od -An -v -tu1 -j "$2" -N "$3" "$1" | awk '{for(i=1;i<=NF;i++) v=v*256+$i} END {printf "%d", v}'; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/no-room.sh"
