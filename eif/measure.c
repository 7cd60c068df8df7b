/*
 * One pass over an EIF's bytes on two cores.  The calling thread reads each
 * chunk and feeds PCR0 (PCR1 is a copy of that state taken after ramdisk 0,
 * never a second hash); a hasher thread feeds PCR2 and the CRC; when
 * building, a writer thread writes the output.  Writing costs as much CPU
 * as a third of the hashing, so it gets its own thread and the kernel
 * spreads the three over the cores, instead of one fixed thread carrying
 * it on top of a hash.  Chunks travel through a small ring: a slot is
 * refilled only when both consumers are done with it.
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
#define NBUF 8

struct slot {
	uint8_t *data;
	size_t len;
	unsigned flags;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[NBUF];
	uint64_t produced;        /* chunks filled by the reader */
	uint64_t hashed, written; /* chunks each consumer is done with */
	bool done;                /* no more chunks will be produced */
	int err;                  /* the writer's first error */
	int out_fd;
	uint32_t crc;
	sha384_context pcr2;
};

/* Waits for chunk *next of the ring; NULL when the reader is done. */
static struct slot *next_chunk(struct pipe *p, const uint64_t *next)
{
	pthread_mutex_lock(&p->mu);
	while (*next == p->produced && !p->done)
		pthread_cond_wait(&p->cv, &p->mu);
	struct slot *s = *next == p->produced ? NULL : &p->slot[*next % NBUF];
	pthread_mutex_unlock(&p->mu);
	return s;
}

/* Marks chunk *next done (and records the writer's error e, if any). */
static void chunk_done(struct pipe *p, uint64_t *next, int e)
{
	pthread_mutex_lock(&p->mu);
	if (e < 0 && p->err == 0)
		p->err = e;
	(*next)++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *hasher(void *arg)
{
	struct pipe *p = arg;
	struct slot *s;
	while ((s = next_chunk(p, &p->hashed))) {
		if (s->flags & EIF_FEED_CRC)
			p->crc = crc32_update(p->crc, s->data, s->len);
		if (s->flags & EIF_FEED_PCR2)
			sha384_update(&p->pcr2, s->data, s->len);
		chunk_done(p, &p->hashed, 0);
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct pipe *p = arg;
	struct slot *s;
	int e = 0;
	while ((s = next_chunk(p, &p->written))) {
		/* After a failure keep consuming, so the reader never waits. */
		if (e == 0)
			e = write_all(p->out_fd, s->data, s->len);
		chunk_done(p, &p->written, e);
	}
	return NULL;
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

/* The chunk count both consumers are past (the writer's only if it runs). */
static uint64_t slowest(const struct pipe *p)
{
	return p->out_fd >= 0 && p->written < p->hashed ? p->written : p->hashed;
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
	sha384_init(&p->pcr2);
	sha384_context pcr0, pcr1;
	sha384_init(&pcr0);
	sha384_init(&pcr1);
	uint64_t total = 0, done = 0;
	for (size_t i = 0; i < n; i++)
		total += pieces[i].len;

	pthread_t th_hash, th_write;
	int r = -pthread_create(&th_hash, NULL, hasher, p);
	bool hashing = r == 0, writing = false;
	if (r == 0 && out_fd >= 0) {
		r = -pthread_create(&th_write, NULL, writer, p);
		writing = r == 0;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct eif_piece *pc = &pieces[i];
		for (uint64_t pos = 0; pos < pc->len && r == 0;) {
			pthread_mutex_lock(&p->mu);
			while (p->produced - slowest(p) == NBUF)
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
			/* The consumers only read s until they are done with it,
			 * which cannot happen before this slot is reused, NBUF
			 * chunks on. */
			if (pc->flags & EIF_FEED_PCR0)
				sha384_update(&pcr0, s->data, s->len);
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
	if (hashing)
		pthread_join(th_hash, NULL);
	if (writing)
		pthread_join(th_write, NULL);
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
