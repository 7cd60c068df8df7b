#!/usr/bin/env bash
# bench/run.sh BENCH... — run every benchmark and print one table.
# Each benchmark prints rows: name<TAB>metric<TAB>value<TAB>unit<TAB>reference
set -uo pipefail
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
status=0
for b in "$@"; do
	echo "# running $b" >&2
	if ! "$b" >>"$rows"; then
		printf '%s\tFAILED\t-\t-\tsee stderr above\n' "$(basename "$b")" >>"$rows"
		status=1
	fi
done
{
	printf 'benchmark\tmetric\tvalue\tunit\treference\n'
	cat "$rows"
} | awk -F'\t' '
	{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }; n = NR; if (NF > nf) nf = NF }
	END { for (r = 1; r <= n; r++) { line = ""; for (i = 1; i <= nf; i++) line = line sprintf("%-" w[i] + 2 "s", cell[r, i]); sub(/ +$/, "", line); print line } }'
exit $status
