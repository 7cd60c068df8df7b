/*
 * status.h — how an app's end becomes one number and one console line.
 *
 * Shell rule (and the port-9001 protocol, HACKING.md): a normal exit gives
 * its code 0..255, death by signal N gives 128+N.
 */
#ifndef CARVE_INIT_STATUS_H
#define CARVE_INIT_STATUS_H

/* The shell status of a waitpid() status word; 255 for anything else. */
int status_from_wait(int wstatus);

/*
 * "SIGKILL", "SIGRTMIN+3", ... for sig; "signal N" style names are never
 * needed because every Linux signal 1..64 has a name here.  Writes into
 * buf (at least STATUS_SIGNAME_SIZE bytes) and returns it.
 */
#define STATUS_SIGNAME_SIZE 16
const char *status_signame(int sig, char *buf);

/* Bounded exponential backoff: 0 for attempt 0, then 10, 20, 40 ... ms,
 * never more than 1000 ms.  Used between heartbeat tries and restarts. */
unsigned backoff_ms(unsigned attempt);

#endif
