/*
 * eiftool.h — what eiftool's command files share: exit codes, progress on a
 * TTY, small-file reading, the Measurements JSON and EIF error reporting.
 * Internal to the eiftool binary (eif/eiftool*.c), not a library contract.
 */
#ifndef CARVE_EIFTOOL_H
#define CARVE_EIFTOOL_H

#include <stddef.h>
#include <stdint.h>

#include "eif.h"
#include "jsonw.h"

#ifndef CARVE_VERSION
#define CARVE_VERSION "0.0.0"
#endif

enum {
	EXIT_FAIL = 1,   /* anything else (out of memory, threads) */
	EXIT_USAGE = 2,
	EXIT_INPUT = 3,  /* an input is missing, unreadable or malformed (not an EIF rule) */
	EXIT_OUTPUT = 4, /* an output could not be written */
	EXIT_SIGN = 5,   /* key/certificate unusable or do not match */
};

struct progress {
	int last;
	const char *what;
};

/* eif_stream progress callback; arg is a struct progress or NULL. */
void show_progress(uint64_t done, uint64_t total, void *arg);
/* Progress only for people watching: a TTY and more than 64 MiB (NULL: none). */
void *progress_for(uint64_t total, struct progress *p, const char *what);
/* Reads a whole small file (at most cap bytes, else -EFBIG), NUL-terminated;
 * *out is the caller's to free.  0 or -errno. */
int read_small(const char *path, size_t cap, char **out, size_t *len);
/* The "Measurements" member nitro-cli prints; pcr8 MAY be NULL. */
void print_measurements(struct jsonw *w, const struct eif_digests *dg, const uint8_t *pcr8);
/* {"Measurements": ...} written atomically to path.  0 or -errno. */
int write_measurements_file(const char *path, const struct eif_digests *dg, const uint8_t *pcr8);
/* {"Measurements": ...} on stdout.  0, or EXIT_OUTPUT after the message. */
int print_measurements_doc(const struct eif_digests *dg, const uint8_t *pcr8);
/* "OUT.eif" -> "OUT.pcrs.json" (any other name gets ".pcrs.json" appended). */
void pcrs_path(char *out, size_t cap, const char *eif);
/* Prints an EIF problem (or an I/O error doing `what`); returns its exit code. */
int eif_fail(const char *path, const struct eif_diag *d, int r, const char *what);

/* eiftool build (eiftool_build.c). */
int cmd_build(int argc, char **argv);

#endif
