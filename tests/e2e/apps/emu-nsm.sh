#!/bin/busybox sh
# In-enclave script of tests/e2e/emu-nsm.sh: exercises QEMU's virtual NSM
# through build/enclave/nsm (libnsm).  Every line starts with "emu-".
B=/bin/busybox
N=/bin/nsm
for i in 0 1 2 3 4 8; do echo "emu-pcr$i $($N pcr read $i)"; done
echo "emu-random $($N random 16)"
$N describe | $B sed 's/^/emu-describe /'
echo "emu-extend16 $($N pcr extend 16 abcd)"
$N pcr lock 16 && echo "emu-lock16 ok"
if $N pcr extend 16 abcd >/dev/null 2>&1; then echo "emu-extend-locked accepted"; else echo "emu-extend-locked refused"; fi
echo "emu-pcr16 $($N pcr read 16)"
if $N attest --nonce 0102 -o /tmp/doc; then
	echo emu-doc-begin
	$B base64 /tmp/doc | $B sed 's/^/emu-doc /'
	echo emu-doc-end
fi
echo "emu-nsm done"
# The app is the console's session leader: its exit hangs the tty up, which
# discards what the (slow, emulated) UART has not sent yet.  Let it drain.
$B sleep 1
