/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ref_cmd.c - libFuzzer target for smtpref's command side:
 * ref_smtp.c (framing, dispatch, the state machine), ref_param.c,
 * ref_xtext.c, ref_utf8.c, ref_auth.c, and the DATA/BDAT entry.
 *
 * Input: command lines, split on LF (a CR before the LF is dropped; each
 * line is sent with CRLF). They go one at a time, each answered before
 * the next, and every line must get exactly the replies the state allows:
 * one per command (two when the second is the 421 of max_errors, none for
 * a BDAT whose chunk is still to come), none for a content line, one for
 * the "." ending DATA or the line that completes a chunk. A first byte of
 * 0xff instead sends the rest raw in pieces (pipelined), where only the
 * total is bounded: at most one reply per CRLF, plus the greeting and a
 * 421. fuzz_ref.c checks every reply's shape, the session's invariants
 * after every step, and a clean close at the end.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_ref.h"
#include "fuzz_util.h"
#include "ref_smtp.h"

/* fz_cmd_is_cmd_state - lines are commands (or SASL responses) here. */
static bool
fz_cmd_is_cmd_state(enum ref_smtp_state st)
{
	return st == REF_SMTP_INIT || st == REF_SMTP_REFUSED ||
	    st == REF_SMTP_READY || st == REF_SMTP_MAIL ||
	    st == REF_SMTP_RCPT || st == REF_SMTP_AUTH;
}

/* fz_cmd_one_reply - k replies to something that wants one: one, or
 * one and the 421 that closes after too many errors. */
static bool
fz_cmd_one_reply(const struct fz_ref *f, size_t k)
{
	return k == 1 || (k == 2 && f->last_code == 421 && (f->s == NULL ||
	    f->s->state == REF_SMTP_CLOSING));
}

/* fz_cmd_line - send one line and check the replies it got. */
static void
fz_cmd_line(struct fz_ref *f, const char *p, size_t n)
{
	enum ref_smtp_state st0, st1;
	uint64_t left0 = 0;
	size_t k;

	st0 = f->s->state;
	if (st0 == REF_SMTP_BDAT)
		left0 = f->s->chunk.left;
	k = fz_ref_line(f, p, n);
	st1 = f->s != NULL ? f->s->state : REF_SMTP_CLOSED;
	if (fz_cmd_is_cmd_state(st0)) {
		if (k == 0 && st1 == REF_SMTP_BDAT)
			return;		/* the chunk comes next */
		if (!fz_cmd_one_reply(f, k))
			FZ_FAIL("command in state %s: %zu replies (now %s)",
			    ref_smtp_state_str(st0), k,
			    ref_smtp_state_str(st1));
	} else if (st0 == REF_SMTP_DATA) {
		if (n == 1 && p[0] == '.') {
			if (!fz_cmd_one_reply(f, k) || st1 == REF_SMTP_DATA)
				FZ_FAIL("end of data: %zu replies, state %s",
				    k, ref_smtp_state_str(st1));
		} else if (k != 0 || st1 != REF_SMTP_DATA) {
			FZ_FAIL("content line: %zu replies, state %s", k,
			    ref_smtp_state_str(st1));
		}
	} else if (st0 == REF_SMTP_BDAT && left0 > n + 2) {
		if (k != 0 || st1 != REF_SMTP_BDAT ||
		    f->s->chunk.left != left0 - n - 2)
			FZ_FAIL("chunk octets: %zu replies, state %s", k,
			    ref_smtp_state_str(st1));
	} else if (st0 == REF_SMTP_BDAT && left0 == n + 2) {
		if (!fz_cmd_one_reply(f, k) || st1 == REF_SMTP_BDAT)
			FZ_FAIL("end of chunk: %zu replies, state %s", k,
			    ref_smtp_state_str(st1));
	}
}

/* fz_cmd_lockstep - one line at a time. */
static void
fz_cmd_lockstep(struct fz_ref *f, const uint8_t *p, size_t n)
{
	const uint8_t *lf;
	size_t len;

	while (n > 0 && f->s != NULL) {
		lf = memchr(p, '\n', n);
		len = lf != NULL ? (size_t)(lf - p) : n;
		fz_cmd_line(f, (const char *)p,
		    len > 0 && p[len - 1] == '\r' ? len - 1 : len);
		if (lf == NULL)
			break;
		n -= len + 1;
		p += len + 1;
	}
}

/* fz_cmd_pipelined - everything in pieces of 1 to 64 octets. */
static void
fz_cmd_pipelined(struct fz_ref *f, const uint8_t *p, size_t n)
{
	uint32_t x = 2463534242u ^ (uint32_t)n;
	size_t off, k, crlf = 0;

	for (off = 0; off + 1 < n; off++)
		if (p[off] == '\r' && p[off + 1] == '\n')
			crlf++;
	for (off = 0; off < n && f->s != NULL; off += k) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		k = 1 + x % 64;
		if (k > n - off)
			k = n - off;
		if (!fz_ref_write(f, p + off, k))
			break;
		fz_ref_pump(f);
	}
	if (f->nreplies > crlf + 2)
		FZ_FAIL("%zu replies to %zu lines", f->nreplies, crlf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_ref f;

	fz_ref_open(&f);
	if (size > 0 && data[0] == 0xff)
		fz_cmd_pipelined(&f, data + 1, size - 1);
	else
		fz_cmd_lockstep(&f, data, size);
	fz_ref_close(&f);
	return 0;
}
