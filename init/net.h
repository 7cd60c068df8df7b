/*
 * net.h — loopback networking.
 *
 * Brings "lo" up.  The kernel gives a loopback device 127.0.0.1/8 when it
 * comes up, and ::1 too when IPv6 is built in, so setting IFF_UP is all
 * that is needed.  Returns 0 or a negative errno after printing.
 */
#ifndef CARVE_INIT_NET_H
#define CARVE_INIT_NET_H

int net_lo_up(void);

/* sethostname(name); 0 or a negative errno after printing. */
int net_set_hostname(const char *name);

#endif
