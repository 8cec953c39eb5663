/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ref_data.c - libFuzzer target for smtpref's content side:
 * ref_data.c (DATA, dot-unstuffing, line and size limits) and ref_bdat.c
 * (BDAT chunk counting), through a real session (fuzz_ref.h).
 *
 * Input: a mode byte, a seed byte for the piece sizes, then the content.
 * The session gets EHLO, MAIL (with the parameters the mode picks: none,
 * BODY=8BITMIME, BODY=BINARYMIME, or SMTPUTF8 and a small SIZE=) and
 * RCPT, each of which must get one 250, and then:
 *   DATA mode: 354 and the content in pieces, then CRLF. If it is
 *   still in DATA after that, no reply may have come since the 354, and
 *   ".CRLF" must then end it with exactly one reply, back in READY.
 *   BDAT mode: the content cut into chunks (sizes from the seed), each
 *   "BDAT n" with its octets in pieces, LAST on the final one; each chunk
 *   gets exactly one reply, none before its last octet, and LAST ends in
 *   READY.
 *   raw mode: the content as it is, in pieces (commands and all).
 * fuzz_ref.c checks every reply's shape, the session's invariants after
 * every step, and a clean close at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_ref.h"
#include "fuzz_util.h"
#include "ref_smtp.h"

enum fz_data_mode {
	FZ_DATA,
	FZ_BDAT,
	FZ_RAW,
};

struct fz_rand {
	uint32_t	x;
};

static const char *const fz_data_mail[] = {
	"MAIL FROM:<alice@smtpref.test>",
	"MAIL FROM:<alice@smtpref.test> BODY=8BITMIME",
	"MAIL FROM:<alice@smtpref.test> BODY=BINARYMIME",
	"MAIL FROM:<alice@smtpref.test> SMTPUTF8 SIZE=100",
};

/* fz_data_next - xorshift32: the same input cuts the same way. */
static uint32_t
fz_data_next(struct fz_rand *r)
{
	r->x ^= r->x << 13;
	r->x ^= r->x >> 17;
	r->x ^= r->x << 5;
	return r->x;
}

/* fz_data_pieces - write p[0..n) in pieces of 1 to max octets, letting
 * the session run after each. */
static void
fz_data_pieces(struct fz_ref *f, struct fz_rand *r, const uint8_t *p,
    size_t n, size_t max)
{
	size_t off, k;

	for (off = 0; off < n && f->s != NULL; off += k) {
		k = 1 + fz_data_next(r) % max;
		if (k > n - off)
			k = n - off;
		if (!fz_ref_write(f, p + off, k))
			return;
		fz_ref_pump(f);
	}
}

/* fz_data_expect - the last command got exactly one reply, code. */
static void
fz_data_expect(const struct fz_ref *f, size_t k, int code, const char *what)
{
	if (k != 1 || f->last_code != code)
		FZ_FAIL("%s: %zu replies, last %d, want one %d", what, k,
		    f->last_code, code);
}

/* fz_data_data - DATA, the content, and the end of data. */
static void
fz_data_data(struct fz_ref *f, struct fz_rand *r, const uint8_t *p,
    size_t n, size_t max)
{
	size_t before;

	fz_data_expect(f, fz_ref_cmd(f, "DATA"), 354, "DATA");
	fz_data_pieces(f, r, p, n, max);
	if (f->s == NULL || f->s->state != REF_SMTP_DATA)
		return;		/* the content ended it: commands followed */
	if (f->last_code != 354)
		FZ_FAIL("a %d reply while still in DATA", f->last_code);
	/* End the line first: with it, what was sent may already be the
	 * terminator (a lone "." after the 354). */
	fz_ref_write(f, "\r\n", 2);
	fz_ref_pump(f);
	if (f->s == NULL || f->s->state != REF_SMTP_DATA)
		return;
	if (f->last_code != 354)
		FZ_FAIL("a %d reply while still in DATA", f->last_code);
	before = f->nreplies;
	fz_ref_write(f, ".\r\n", 3);
	fz_ref_pump(f);
	if (f->nreplies - before != 1 || f->s == NULL ||
	    f->s->state != REF_SMTP_READY)
		FZ_FAIL("end of data: %zu replies, state %s",
		    f->nreplies - before, f->s != NULL ?
		    ref_smtp_state_str(f->s->state) : "freed");
}

/* fz_data_bdat - the content as chunks. */
static void
fz_data_bdat(struct fz_ref *f, struct fz_rand *r, const uint8_t *p,
    size_t n, size_t max)
{
	char cmd[64];
	size_t before, k;
	bool last;

	do {
		k = n == 0 ? 0 : fz_data_next(r) % (n + 1);
		if (fz_data_next(r) % 4 == 0)
			k = n;
		last = k == n;
		snprintf(cmd, sizeof(cmd), "BDAT %zu%s\r\n", k,
		    last ? " LAST" : "");
		before = f->nreplies;
		if (!fz_ref_write(f, cmd, strlen(cmd)))
			FZ_FAIL("session gone before a chunk");
		fz_ref_pump(f);
		if (k > 0) {
			if (f->nreplies != before || f->s == NULL ||
			    f->s->state != REF_SMTP_BDAT)
				FZ_FAIL("BDAT %zu: a reply before the octets",
				    k);
			fz_data_pieces(f, r, p, k, max);
		}
		if (f->nreplies - before != 1 || f->s == NULL)
			FZ_FAIL("BDAT %zu%s: %zu replies", k,
			    last ? " LAST" : "", f->nreplies - before);
		if (!last && (f->last_code != 250 ||
		    f->s->state != REF_SMTP_RCPT))
			FZ_FAIL("BDAT %zu: %d, state %s", k, f->last_code,
			    ref_smtp_state_str(f->s->state));
		p += k;
		n -= k;
	} while (!last);
	if (f->s->state != REF_SMTP_READY)
		FZ_FAIL("after BDAT LAST: state %s",
		    ref_smtp_state_str(f->s->state));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_ref f;
	struct fz_rand r;
	enum fz_data_mode mode;
	unsigned mail;
	size_t max;

	if (size < 2)
		return 0;
	mode = (enum fz_data_mode)((data[0] & 3) % 3);
	mail = (data[0] >> 2) & 3;
	/* Pieces from one octet (every split of the framing) to 16K. */
	max = (size_t)1 << (data[1] % 15);
	r.x = 0x9e3779b9u ^ data[1] ^ ((uint32_t)size << 8);
	data += 2;
	size -= 2;

	fz_ref_open(&f);
	fz_data_expect(&f, fz_ref_cmd(&f, "EHLO client.test"), 250, "EHLO");
	fz_data_expect(&f, fz_ref_cmd(&f, fz_data_mail[mail]), 250, "MAIL");
	fz_data_expect(&f, fz_ref_cmd(&f, "RCPT TO:<bob@smtpref.test>"), 250,
	    "RCPT");
	if (mode == FZ_DATA && mail == 2)
		mode = FZ_RAW;		/* BINARYMIME: DATA is 503 */
	switch (mode) {
	case FZ_DATA:
		fz_data_data(&f, &r, data, size, max);
		break;
	case FZ_BDAT:
		fz_data_bdat(&f, &r, data, size, max);
		break;
	case FZ_RAW:
		fz_data_pieces(&f, &r, data, size, max);
		break;
	}
	fz_ref_close(&f);
	return 0;
}
