/* SPDX-License-Identifier: ISC */
/*
 * fuzz_reply.c - libFuzzer target for the SMTP reply parser (smtp_reply.c).
 *
 * Input: one header byte h; (h & 15) bytes that give chunk sizes (b + 1,
 * used in turn); the rest is what a server sent. The rest is parsed twice,
 * fed whole and fed in those chunks with smtp_rparser_next() drained
 * after every feed, and the two runs must agree reply for reply (STYLE 20:
 * the result never depends on how the bytes were split). Every reply is
 * checked for shape, its raw bytes and the pending tail must add up to
 * the input, and EHLO lookup and the flag names run on each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"
#include "sc_limits.h"
#include "smtp_reply.h"

#define FZ_REPLIES_MAX	8192	/* more than max_len can make */

/* One run: the replies in order and what stayed pending. */
struct fz_run {
	struct smtp_reply	*v;
	size_t			 n;
	const char		*pending;
	size_t			 npending;
};

static const char *const fz_keywords[] = {
	"SIZE", "PIPELINING", "8BITMIME", "STARTTLS", "AUTH", "CHUNKING",
	"SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES", "X", NULL
};

/* fz_reply_check_flags_str - the flag names fit any buffer. */
static void
fz_reply_check_flags_str(unsigned flags)
{
	static const size_t sizes[] = { 1, 2, 5, 16, 64, 512 };
	char buf[512 + 1];
	size_t i, size;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		memset(buf, 'Z', sizeof(buf));
		smtp_reply_flags_str(flags, buf, size);
		if (memchr(buf, '\0', size) == NULL)
			FZ_FAIL("flags_str(0x%x, %zu): not terminated", flags,
			    size);
		if (buf[size] != 'Z')
			FZ_FAIL("flags_str(0x%x, %zu): wrote past size",
			    flags, size);
	}
	smtp_reply_flags_str(flags, buf, 0);	/* must not touch buf */
}

/* fz_reply_in_line - is p inside the text of one of r's lines? */
static bool
fz_reply_in_line(const struct smtp_reply *r, const char *p, size_t *idx)
{
	size_t i;

	for (i = 0; i < r->nlines; i++)
		if (p >= r->lines[i].text &&
		    p <= r->lines[i].text + r->lines[i].len) {
			*idx = i;
			return true;
		}
	return false;
}

/* fz_reply_check_ehlo - every keyword found lies in a line 2..n. */
static void
fz_reply_check_ehlo(const struct smtp_reply *r)
{
	const char *line, *params;
	size_t i, idx;

	for (i = 0; fz_keywords[i] != NULL; i++) {
		line = smtp_ehlo_find(r, fz_keywords[i], &params);
		if (line == NULL) {
			if (params != NULL)
				FZ_FAIL("ehlo_find(%s): params without line",
				    fz_keywords[i]);
			continue;
		}
		if (r->code != 250)
			FZ_FAIL("ehlo_find(%s) in a %d reply", fz_keywords[i],
			    r->code);
		if (!fz_reply_in_line(r, line, &idx) || idx == 0 ||
		    line != r->lines[idx].text)
			FZ_FAIL("ehlo_find(%s): not a keyword line",
			    fz_keywords[i]);
		if (params == NULL || params < line ||
		    params > line + r->lines[idx].len ||
		    strncasecmp(line, fz_keywords[i],
		    strlen(fz_keywords[i])) != 0)
			FZ_FAIL("ehlo_find(%s): bad params", fz_keywords[i]);
	}
	(void)smtp_ehlo_find(r, "", NULL);
}

/* fz_reply_check - the shape smtp_reply.h promises. */
static void
fz_reply_check(const struct smtp_reply *r)
{
	size_t i;

	if (r->rawlen == 0 || r->raw == NULL || r->raw[r->rawlen] != '\0')
		FZ_FAIL("reply without raw bytes");
	if (r->nlines == 0 || r->nlines > SC_REPLY_LINES_MAX)
		FZ_FAIL("reply with %zu lines", r->nlines);
	for (i = 0; i < r->nlines; i++) {
		if (r->lines[i].text[r->lines[i].len] != '\0')
			FZ_FAIL("line %zu not terminated", i);
		if (r->lines[i].last != (i + 1 == r->nlines))
			FZ_FAIL("line %zu: last is %d of %zu", i,
			    r->lines[i].last, r->nlines);
	}
	if (r->code < -1 || r->code > 999)
		FZ_FAIL("code %d", r->code);
	if (!(r->flags & SMTP_REPLY_F_BAD_CODE) &&
	    (r->code < 200 || r->code > 559))
		FZ_FAIL("code %d without BAD_CODE", r->code);
	if (smtp_reply_has_enh(r) && r->enh_class != 2 &&
	    r->enh_class != 4 && r->enh_class != 5)
		FZ_FAIL("enhanced class %d", r->enh_class);
	/* A reply ends at its first final line: only the last raw LF may
	 * close a line that is not "NNN-". */
	if (r->raw[r->rawlen - 1] != '\n' &&
	    !(r->flags & SMTP_REPLY_F_HUGE_LINE))
		FZ_FAIL("reply cut inside a line without HUGE_LINE");
	fz_reply_check_flags_str(r->flags);
	fz_reply_check_ehlo(r);
}

/* fz_reply_take - drain every complete reply into run. */
static void
fz_reply_take(struct smtp_rparser *rp, struct fz_run *run)
{
	struct smtp_reply r;

	while (smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY) {
		if (run->n == FZ_REPLIES_MAX)
			FZ_FAIL("more than %d replies", FZ_REPLIES_MAX);
		fz_reply_check(&r);
		run->v[run->n++] = r;
	}
	if (r.raw != NULL || r.nlines != 0)
		FZ_FAIL("NEED_MORE left the reply filled");
}

/* fz_reply_run - parse p in chunks of the sizes in cut (ncut 0: whole). */
static struct smtp_rparser *
fz_reply_run(const uint8_t *p, size_t n, const uint8_t *cut, size_t ncut,
    struct fz_run *run)
{
	struct smtp_rparser *rp;
	size_t off, k, i = 0;

	rp = smtp_rparser_new();
	run->v = calloc(FZ_REPLIES_MAX, sizeof(*run->v));
	run->n = 0;
	for (off = 0; off < n; off += k) {
		k = ncut == 0 ? n : (size_t)cut[i++ % ncut] + 1;
		if (k > n - off)
			k = n - off;
		if (smtp_rparser_feed(rp, p + off, k) == -1)
			FZ_FAIL("feed refused %zu bytes at %zu", k, off);
		fz_reply_take(rp, run);
	}
	run->pending = smtp_rparser_pending(rp, &run->npending);
	return rp;
}

/* fz_reply_same - two replies are equal in every field. */
static bool
fz_reply_same(const struct smtp_reply *a, const struct smtp_reply *b)
{
	size_t i;

	if (a->code != b->code || a->flags != b->flags ||
	    a->enh_class != b->enh_class || a->enh_subject != b->enh_subject ||
	    a->enh_detail != b->enh_detail || a->nlines != b->nlines ||
	    a->rawlen != b->rawlen || memcmp(a->raw, b->raw, a->rawlen) != 0)
		return false;
	for (i = 0; i < a->nlines; i++)
		if (a->lines[i].len != b->lines[i].len ||
		    memcmp(a->lines[i].text, b->lines[i].text,
		    a->lines[i].len) != 0)
			return false;
	return true;
}

/* fz_reply_free_run - clear every reply. */
static void
fz_reply_free_run(struct fz_run *run)
{
	size_t i;

	for (i = 0; i < run->n; i++)
		smtp_reply_clear(&run->v[i]);
	free(run->v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_run whole, split;
	struct smtp_rparser *a, *b;
	const uint8_t *cut, *p;
	size_t ncut, n, i, off;

	if (size == 0)
		return 0;
	ncut = data[0] & 15;
	if (ncut > size - 1)
		ncut = size - 1;
	cut = data + 1;
	p = data + 1 + ncut;
	n = size - 1 - ncut;

	a = fz_reply_run(p, n, NULL, 0, &whole);
	b = fz_reply_run(p, n, cut, ncut, &split);
	if (whole.n != split.n)
		FZ_FAIL("%zu replies whole, %zu split", whole.n, split.n);
	for (i = 0; i < whole.n; i++)
		if (!fz_reply_same(&whole.v[i], &split.v[i]))
			FZ_FAIL("reply %zu differs when split", i);
	if (whole.npending != split.npending ||
	    memcmp(whole.pending, split.pending, whole.npending) != 0)
		FZ_FAIL("pending bytes differ when split");
	/* Nothing lost, nothing made up: raw bytes + pending = input. */
	for (i = off = 0; i < whole.n; i++) {
		if (whole.v[i].rawlen > n - off ||
		    memcmp(whole.v[i].raw, p + off, whole.v[i].rawlen) != 0)
			FZ_FAIL("reply %zu: raw is not the input", i);
		off += whole.v[i].rawlen;
	}
	if (whole.npending != n - off ||
	    memcmp(whole.pending, p + off, whole.npending) != 0)
		FZ_FAIL("pending is not the rest of the input");
	smtp_rparser_reset(a);
	smtp_rparser_pending(a, &n);
	if (n != 0)
		FZ_FAIL("reset left %zu bytes", n);
	fz_reply_free_run(&whole);
	fz_reply_free_run(&split);
	smtp_rparser_free(a);
	smtp_rparser_free(b);
	return 0;
}
