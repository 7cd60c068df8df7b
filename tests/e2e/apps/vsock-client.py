#!/usr/bin/env python3
"""Host side of tests/e2e/emu-vsock.sh: stream pseudo-random bytes into the
enclave's echo server through carve-vsock ("CONNECT <port>" on DIR/vsock)
and compare the SHA-256 of what was sent with what came back.

usage: vsock-client.py UDS|tcp:HOSTPORT PORT CONNECTIONS BYTES_EACH
(tcp:HOSTPORT: through carve-run --forward HOSTPORT:PORT, no CONNECT line)
Prints one line per connection: "<n> <bytes> <sha-sent> <sha-received>";
exit 0 when every connection got back exactly what it sent, in order."""
import hashlib, os, socket, sys, threading, time

def connect(uds, port, deadline):
    while True:
        if uds.startswith("tcp:"):
            s = socket.create_connection(("127.0.0.1", int(uds[4:])))
            # The backend connects it to the guest; a refusal closes it at once.
            s.settimeout(0.5)
            try:
                if s.recv(1, socket.MSG_PEEK) == b"":
                    s.close()
                    time.sleep(0.2)
                    continue
            except socket.timeout:
                pass
            s.settimeout(None)
            return s
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(uds)
            s.sendall(b"CONNECT %d\n" % port)
            line = b""
            while not line.endswith(b"\n"):
                c = s.recv(1)
                if not c:
                    break
                line += c
            if line == b"OK %d\n" % port:
                return s
        except OSError:
            pass
        s.close()
        if time.monotonic() > deadline:
            raise SystemExit("vsock-client: nobody accepted on vsock port %d" % port)
        time.sleep(0.2)

def run(uds, port, size, idx, results):
    s = connect(uds, port, time.monotonic() + 120)
    sent, got = hashlib.sha256(), hashlib.sha256()
    seed = hashlib.sha256(b"carve-%d" % idx).digest()
    chunk = (seed * (65536 // len(seed) + 1))[:65536]
    def writer():
        left, n = size, 0
        while left:
            # vary the bytes per chunk so reordering would show
            piece = bytes([(n + idx) & 0xFF]) + chunk[1:min(left, len(chunk))]
            s.sendall(piece)
            sent.update(piece)
            left -= len(piece)
            n += 1
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=writer)
    t.start()
    total = 0
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        got.update(b)
        total += len(b)
    t.join()
    s.close()
    results[idx] = (total, sent.hexdigest(), got.hexdigest())

def main():
    uds, port, conns, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    results = {}
    threads = [threading.Thread(target=run, args=(uds, port, size, i, results)) for i in range(conns)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - start
    ok = True
    for i in range(conns):
        total, a, b = results.get(i, (0, "-", "-"))
        print(i, total, a, b)
        ok &= total == size and a == b
    print("throughput %.1f MB/s both ways (%d x %d bytes in %.2f s)" % (2 * conns * size / secs / 1e6, conns, size, secs))
    return 0 if ok else 1

sys.exit(main())
