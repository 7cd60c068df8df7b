/*
 * net.h — loopback networking.
 *
 * Brings "lo" up with 127.0.0.1/8.  The kernel's addrconf gives lo ::1
 * itself when the interface goes up and IPv6 is built in, so nothing else
 * is needed for IPv6.  Returns 0 or a negative errno after printing.
 */
#ifndef CARVE_INIT_NET_H
#define CARVE_INIT_NET_H

int net_lo_up(void);

/* sethostname(name); 0 or a negative errno after printing. */
int net_set_hostname(const char *name);

#endif
