#!/usr/bin/env bash
# tests/nsm-testchain.sh DIR — make the test certificate chains the nsm
# verifier tests sign documents with (openssl; ECDSA P-384, SHA-384):
#   root, root2 (an unrelated root)
#   int      CA, pathlen 0, issued by root          leaf  (CA:FALSE) by int
#   intshort like int but valid 1 day               leaf2 by intshort (30 days)
#   leafca   CA:TRUE "leaf" by int
#   int0 (pathlen 0) -> int2 (CA) -> leaf3          path length violated
#   notca    CA:FALSE intermediate by root          leaf4 by notca
#   leafku   leaf without digitalSignature by int
#   canoku   CA intermediate without keyUsage by root   leaf5 by canoku
#   leafnoku leaf without keyUsage by int
# Each NAME gets NAME.der (certificate, DER) and NAME.key.der (PKCS#8).
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
cat >ext.cnf <<'CNF'
[ca0]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
[leafca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
[notca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyCertSign
[leafku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
[canoku]
basicConstraints = critical,CA:TRUE
[leafnoku]
basicConstraints = critical,CA:FALSE
CNF
serial=1
key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.pem" 2>/dev/null
	openssl pkey -in "$1.pem" -outform DER -out "$1.key.der"
}
selfsigned() { # NAME
	key "$1"
	openssl req -x509 -new -key "$1.pem" -subj "/CN=carve test $1" -days 3650 -sha384 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$1.crt"
	openssl x509 -in "$1.crt" -outform DER -out "$1.der"
}
issue() { # NAME ISSUER DAYS SECTION
	key "$1"
	openssl req -new -key "$1.pem" -subj "/CN=carve test $1" -out "$1.csr"
	serial=$((serial + 1))
	openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.pem" -set_serial "$serial" -days "$3" -sha384 \
		-extfile ext.cnf -extensions "$4" -out "$1.crt" 2>/dev/null
	openssl x509 -in "$1.crt" -outform DER -out "$1.der"
}
selfsigned root
selfsigned root2
issue int root 30 ca0
issue leaf int 30 leaf
issue intshort root 1 ca0
issue leaf2 intshort 30 leaf
issue leafca int 30 leafca
issue int0 root 30 ca0
issue int2 int0 30 ca
issue leaf3 int2 30 leaf
issue notca root 30 notca
issue leaf4 notca 30 leaf
issue leafku int 30 leafku
issue canoku root 30 canoku
issue leaf5 canoku 30 leaf
issue leafnoku int 30 leafnoku
