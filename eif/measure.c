/*
 * One pass over an EIF's bytes on two cores.  The calling thread reads each
 * chunk and feeds PCR0 (PCR1 is a copy of that state taken after ramdisk 0,
 * never a second hash); a worker feeds PCR2 and writes the output when
 * building.  The CRC goes to whichever thread does not write: reading and
 * writing cost about the same, and the CRC is small next to either hash.
 * Chunks travel through a small ring so reading and both hashes overlap.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "crc32.h"
#include "eif.h"
#include "preadfull.h"

void eif_pcr_extend(const uint8_t digest[SHA384_LEN], uint8_t pcr[SHA384_LEN])
{
	uint8_t buf[2 * SHA384_LEN] = {0};
	memcpy(buf + SHA384_LEN, digest, SHA384_LEN);
	sha384(buf, sizeof(buf), pcr);
}

void eif_pcr_of(const void *data, size_t len, uint8_t pcr[SHA384_LEN])
{
	uint8_t d[SHA384_LEN];
	sha384(data, len, d);
	eif_pcr_extend(d, pcr);
}

#define CHUNK (1u << 20)
#define NBUF 4

struct slot {
	uint8_t *data;
	size_t len;
	unsigned flags;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[NBUF];
	uint64_t produced, consumed; /* chunk counters */
	bool done;                   /* no more chunks will be produced */
	int err;                     /* worker's first error */
	int out_fd;
	bool worker_crc; /* else the reading thread computes it */
	uint32_t crc;
	sha384_context pcr2;
};

static void *worker(void *arg)
{
	struct pipe *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->consumed == p->produced && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->consumed == p->produced) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		struct slot *s = &p->slot[p->consumed % NBUF];
		pthread_mutex_unlock(&p->mu);

		if (p->worker_crc && (s->flags & EIF_FEED_CRC))
			p->crc = crc32_update(p->crc, s->data, s->len);
		if (s->flags & EIF_FEED_PCR2)
			sha384_update(&p->pcr2, s->data, s->len);
		/* Only this thread sets err, so reading it here needs no lock. */
		int e = p->out_fd >= 0 && p->err == 0 ? write_all(p->out_fd, s->data, s->len) : 0;

		pthread_mutex_lock(&p->mu);
		if (e < 0)
			p->err = e;
		p->consumed++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Fills s from the piece at position pos; -EIO if a file ended early. */
static int fill(struct slot *s, const struct eif_piece *pc, uint64_t pos)
{
	uint64_t left = pc->len - pos;
	s->len = left < CHUNK ? (size_t)left : CHUNK;
	s->flags = pc->flags & ~(unsigned)EIF_CUT_PCR1;
	if (pc->mem) {
		memcpy(s->data, pc->mem + pos, s->len);
		return 0;
	}
	return pread_full(pc->fd, s->data, s->len, pc->off + pos);
}

int eif_stream(const struct eif_piece *pieces, size_t n, int out_fd, struct eif_digests *dg,
	       void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	struct pipe *p = calloc(1, sizeof(*p));
	uint8_t *mem = malloc((size_t)NBUF * CHUNK);
	if (!p || !mem) {
		free(p);
		free(mem);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (unsigned i = 0; i < NBUF; i++)
		p->slot[i].data = mem + (size_t)i * CHUNK;
	p->out_fd = out_fd;
	p->worker_crc = out_fd < 0;
	sha384_init(&p->pcr2);
	sha384_context pcr0, pcr1;
	sha384_init(&pcr0);
	sha384_init(&pcr1);
	uint64_t total = 0, done = 0;
	for (size_t i = 0; i < n; i++)
		total += pieces[i].len;

	pthread_t th;
	int r = -pthread_create(&th, NULL, worker, p);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct eif_piece *pc = &pieces[i];
		for (uint64_t pos = 0; pos < pc->len && r == 0;) {
			pthread_mutex_lock(&p->mu);
			while (p->produced - p->consumed == NBUF)
				pthread_cond_wait(&p->cv, &p->mu);
			r = p->err;
			pthread_mutex_unlock(&p->mu);
			if (r < 0)
				break;
			struct slot *s = &p->slot[p->produced % NBUF];
			if ((r = fill(s, pc, pos)) < 0)
				break;
			pthread_mutex_lock(&p->mu);
			p->produced++;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			/* The worker only reads s until it is consumed, which
			 * cannot happen before this slot is reused, NBUF chunks on. */
			if (pc->flags & EIF_FEED_PCR0)
				sha384_update(&pcr0, s->data, s->len);
			if (!p->worker_crc && (pc->flags & EIF_FEED_CRC))
				p->crc = crc32_update(p->crc, s->data, s->len);
			pos += s->len;
			done += s->len;
			if (progress)
				progress(done, total, arg);
		}
		if (r == 0 && (pc->flags & EIF_CUT_PCR1))
			pcr1 = pcr0;
	}
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(th, NULL);
	if (r == 0)
		r = p->err;
	if (r == 0) {
		uint8_t d[SHA384_LEN];
		sha384_out(&pcr0, d);
		eif_pcr_extend(d, dg->pcr0);
		sha384_out(&pcr1, d);
		eif_pcr_extend(d, dg->pcr1);
		sha384_out(&p->pcr2, d);
		eif_pcr_extend(d, dg->pcr2);
		dg->crc = p->crc;
	}
out:
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(mem);
	free(p);
	return r;
}

/*
 * The pieces of a checked file: header without its CRC field, then each
 * section header (CRC only) and its data (CRC and, for kernel, cmdline and
 * ramdisks, the PCRs).
 */
static size_t plan(int fd, const struct eif_info *info, struct eif_piece *pc)
{
	size_t n = 0;
	unsigned ramdisk = 0;
	pc[n++] = (struct eif_piece){NULL, fd, 0, EIF_CRC_OFFSET, EIF_FEED_CRC};
	for (unsigned i = 0; i < info->n; i++) {
		const struct eif_section *s = &info->s[i];
		unsigned f = EIF_FEED_CRC;
		if (s->type == EIF_SECTION_KERNEL || s->type == EIF_SECTION_CMDLINE)
			f |= EIF_FEED_PCR0;
		if (s->type == EIF_SECTION_RAMDISK)
			f |= EIF_FEED_PCR0 | (ramdisk++ == 0 ? EIF_CUT_PCR1 : EIF_FEED_PCR2);
		pc[n++] = (struct eif_piece){NULL, fd, s->offset, EIF_SECTION_HEADER_SIZE, EIF_FEED_CRC};
		pc[n++] = (struct eif_piece){NULL, fd, s->offset + EIF_SECTION_HEADER_SIZE, s->size, f};
	}
	return n;
}

int eif_measure(int fd, const struct eif_info *info, struct eif_digests *dg,
		struct eif_diag *d,
		void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	struct eif_piece pc[1 + 2 * EIF_MAX_SECTIONS];
	int r = eif_stream(pc, plan(fd, info, pc), -1, dg, progress, arg);
	if (r < 0)
		return r;
	if (dg->crc != info->h.crc) {
		d->problem = EIF_E_CRC;
		snprintf(d->msg, sizeof(d->msg), "CRC mismatch: header says %08x, contents give %08x",
			 info->h.crc, dg->crc);
		return -EBADMSG;
	}
	return 0;
}
