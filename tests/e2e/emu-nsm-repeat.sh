#!/usr/bin/env bash
# emu-nsm-repeat: regression for QEMU's virtio-nsm race with the guest's NSM
# hwrng thread on 2 vCPUs (first NSM request hung in ~1 of 5 boots without
# -global virtio-mmio.ioeventfd=off).  Boots the NSM EIF 10 times, two at a
# time, each with 2 vCPUs; every boot must complete its NSM requests.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_require build/bin/carve-vsock build/emu/qemu.path build/enclave/nsm \
	build/kernel/bzImage build/enclave/init /bin/busybox
eif=$E2E_DIR/emu-nsm-repeat.eif
e2e_nsm_eif "$eif" || e2e_done
E2E_TIMEOUT=${E2E_REPEAT_TIMEOUT:-120}
for round in 1 2 3 4 5; do
	e2e_boot_bg "repeat-$round-a" "$eif" --cpus 2
	e2e_boot_bg "repeat-$round-b" "$eif" --cpus 2
	wait
done
for round in 1 2 3 4 5; do
	for s in a b; do
		n=repeat-$round-$s
		rc=$(e2e_rc $n)
		e2e_check "boot $round$s: NSM requests completed, exit 0 (got $rc)" $n \
			eval '[ "$rc" = 0 ] && grep -q "^emu-nsm done" "$E2E_DIR/$n.console"'
	done
done
e2e_done
