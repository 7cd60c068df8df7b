/*
 * entropy.h — seed the kernel RNG from the NSM before the app runs.
 *
 * On 4.14-era enclave kernels /dev/random could block for minutes at boot
 * (init.md §6.1).  When /dev/nsm exists, init asks the NSM (libnsm's
 * GetRandom) for 256 bytes and adds them to the input pool with
 * RNDADDENTROPY, credited at 8 bits per byte, so getrandom() and
 * /dev/random are ready when the app starts.
 */
#ifndef CARVE_INIT_ENTROPY_H
#define CARVE_INIT_ENTROPY_H

/*
 * Seeds from the NSM when /dev/nsm exists.  Returns the number of bytes
 * credited (0: no NSM here) or a negative errno after printing what failed.
 */
long entropy_seed(void);

/*
 * Prints one line: how many bytes were credited and which hwrng the kernel
 * uses (/sys/class/misc/hw_random/rng_current; so call it once sysfs is
 * mounted).
 */
void entropy_report(long credited);

#endif
