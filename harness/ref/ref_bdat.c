/* SPDX-License-Identifier: ISC */
/*
 * ref_bdat.c - BDAT (RFC 3030): chunk counting, the reply per chunk, the
 * end of the message at LAST.
 *
 * Replies: 250 2.0.0 "n octets received" per chunk; at LAST 250 2.0.0
 * "Ok: queued as ID", or 552 5.3.4 when the whole message is over SIZE
 * (every chunk is read first: RFC 1870 6 refuses at the end); 503 5.5.1
 * out of sequence (before EHLO, MAIL or RCPT; BDAT after LAST is "need
 * MAIL"), sent after the chunk was read and thrown away (3030 2: pipelined
 * chunks behind a failed one are read and refused the same way); 501
 * 5.5.4 for a bad BDAT line, whose chunk cannot be read since its size is
 * unknown (3030 2 sets no rule: the octets that follow are taken as
 * commands, which the client then sees refused). DATA after BDAT and
 * BODY=BINARYMIME with DATA are refused in ref_data_check.
 */
#include "ref_bdat.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ref_conf.h"
#include "ref_data.h"
#include "ref_server.h"
#include "ref_sess.h"
#include "ref_smtp.h"
#include "ref_store.h"
#include "sc_limits.h"

/* ref_bdat_parse - chunk-size [SP "LAST"] (3030 2 bdat-cmd). */
static int
ref_bdat_parse(const char *arg, size_t len, uint64_t *n, bool *last)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && arg[i] >= '0' && arg[i] <= '9'; i++) {
		if (i >= REF_BDAT_DIGITS_MAX ||
		    v > (UINT64_MAX - (uint64_t)(arg[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(arg[i] - '0');
	}
	if (i == 0)
		return -1;
	*n = v;
	*last = false;
	if (i == len)
		return 0;
	if (len - i == 5 && strncasecmp(arg + i, " LAST", 5) == 0) {
		*last = true;
		return 0;
	}
	return -1;
}

/* ref_bdat_check - offered, and a chunk size we can count. */
bool
ref_bdat_check(struct ref_sess *s, const char *arg, size_t len)
{
	uint64_t n;
	bool last;

	if (!ref_smtp_advertises(s, "CHUNKING")) {
		ref_smtp_reply(s, 502, "5.5.1",
		    "Error: command not implemented");
		return false;
	}
	if (ref_bdat_parse(arg, len, &n, &last) == -1) {
		ref_smtp_reply(s, 501, "5.5.4", "Syntax: BDAT size [LAST]");
		return false;
	}
	return true;
}

/* ref_bdat_refuse - the deferred refusal of this chunk. */
static void
ref_bdat_refuse(struct ref_sess *s, int code, const char *enh,
    const char *text)
{
	s->chunk.code = code;
	snprintf(s->chunk.enh, sizeof(s->chunk.enh), "%s", enh);
	snprintf(s->chunk.text, sizeof(s->chunk.text), "%s", text);
}

/* ref_bdat_reply - a chunk's reply; bdat-no-reply-per-chunk keeps all
 * but LAST's. */
static void
ref_bdat_reply(struct ref_sess *s, int code, const char *enh,
    const char *text)
{
	if (!s->chunk.last && REF_FAULT(s, BDAT_NO_REPLY_PER_CHUNK))
		return;
	ref_smtp_reply(s, code, enh, "%s", text);
}

/* ref_bdat_verdict - after LAST's reply: log line, end of transaction. */
static void
ref_bdat_verdict(struct ref_sess *s, int code)
{
	struct ref_tx *tx = s->tx;

	ref_sess_log(s, "ev=message id=%s size=%llu rcpts=%zu code=%d bdat=1",
	    tx->id, (unsigned long long)tx->size, tx->nrcpts, code);
	ref_smtp_tx_end(s);
}

/* ref_bdat_stored_reply - LAST's 250 or 451, stored or not. */
static void
ref_bdat_stored_reply(struct ref_sess *s, bool ok)
{
	struct ref_tx *tx = s->tx;
	char text[REF_REPLY_TEXT_MAX];

	if (ok) {
		tx->msg = NULL;		/* committed, freed */
		snprintf(text, sizeof(text), "Ok: queued as %s", tx->id);
		ref_bdat_reply(s, 250, "2.0.0", text);
	} else {
		ref_bdat_reply(s, 451, "4.3.0",
		    "Error: local error in processing");
	}
	ref_bdat_verdict(s, ok ? 250 : 451);
}

/* ref_bdat_stored - the group commit's result for a held message. */
void
ref_bdat_stored(struct ref_sess *s, bool ok)
{
	ref_bdat_stored_reply(s, ok);
	ref_smtp_after_cmd(s);
}

/*
 * ref_bdat_message_end - LAST read: the one verdict on the message. A
 * message to keep is held for the group commit at the end of the event
 * loop round (ref_server.c), which answers through ref_bdat_stored.
 */
static void
ref_bdat_message_end(struct ref_sess *s)
{
	struct ref_tx *tx = s->tx;

	if (!ref_data_size_ok(s)) {
		ref_bdat_reply(s, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
		ref_bdat_verdict(s, 552);
	} else if (tx->msg != NULL && !tx->store_failed) {
		ref_sess_commit_hold(s);
	} else {
		/* --sink, or a failed write (tx_end removes the file) */
		ref_bdat_stored_reply(s, !tx->store_failed);
	}
}

/* ref_bdat_chunk_end - all n octets read: the chunk's one reply. */
static void
ref_bdat_chunk_end(struct ref_sess *s)
{
	struct ref_bdat *c = &s->chunk;
	char text[REF_REPLY_TEXT_MAX];

	if (c->code != 0) {
		ref_bdat_reply(s, c->code, c->enh, c->text);
		if (c->code == 451)
			ref_smtp_tx_end(s);	/* 3030 2: it failed */
		else
			ref_smtp_enter_state(s, c->back);
	} else if (c->last) {
		ref_bdat_message_end(s);
		if (s->commit_pending)
			return;		/* ref_bdat_stored ends the command */
	} else {
		snprintf(text, sizeof(text), "%llu octets received",
		    (unsigned long long)c->size);
		ref_bdat_reply(s, 250, "2.0.0", text);
		ref_smtp_enter_state(s, REF_SMTP_RCPT);
	}
	ref_smtp_after_cmd(s);
}

/* ref_bdat_do - take or throw away the chunk that follows. */
void
ref_bdat_do(struct ref_sess *s, const char *arg, size_t len)
{
	struct ref_bdat *c = &s->chunk;

	memset(c, 0, sizeof(*c));
	(void)ref_bdat_parse(arg, len, &c->size, &c->last);
	c->left = c->size;
	if (c->left > 0 && REF_FAULT(s, BDAT_MISCOUNT))
		c->left--;
	c->back = s->state;
	if (s->state == REF_SMTP_INIT)
		ref_bdat_refuse(s, 503, "5.5.1",
		    "Error: send HELO/EHLO first");
	else if (s->tx == NULL)
		ref_bdat_refuse(s, 503, "5.5.1", "Error: need MAIL command");
	else if (s->tx->nrcpts == 0)
		ref_bdat_refuse(s, 503, "5.5.1", "Error: need RCPT command");
	else if (ref_data_begin(s) == -1)
		ref_bdat_refuse(s, 451, "4.3.0",
		    "Error: cannot store the message");
	else
		s->tx->bdat = true;
	ref_smtp_enter_state(s, REF_SMTP_BDAT);
	if (c->left == 0)
		ref_bdat_chunk_end(s);
}

/* ref_bdat_dot_end - fault bdat-dot-ends: where CRLF.CRLF ends in
 * p[0..n), or 0. XXX only within one read; enough for a fault. */
static size_t
ref_bdat_dot_end(const char *p, size_t n)
{
	static const char eod[] = "\r\n.\r\n";
	size_t i;

	for (i = 0; i + sizeof(eod) - 1 <= n; i++)
		if (memcmp(p + i, eod, sizeof(eod) - 1) == 0)
			return i + sizeof(eod) - 1;
	return 0;
}

/* ref_bdat_feed - count, keep (or drop) the chunk's octets. */
size_t
ref_bdat_feed(struct ref_sess *s, const char *p, size_t n)
{
	struct ref_bdat *c = &s->chunk;
	size_t take = n, dot;

	if ((uint64_t)take > c->left)
		take = (size_t)c->left;
	if (c->code == 0) {
		dot = REF_FAULT(s, BDAT_DOT_ENDS) ? ref_bdat_dot_end(p, take) :
		    0;
		if (dot != 0) {
			/* the rest of the chunk is read as commands */
			take = dot;
			c->left = take;
			c->last = true;
		}
		s->tx->size += dot != 0 ? dot - 3 : take;
		ref_data_store(s, p, dot != 0 ? dot - 3 : take);
	}
	c->left -= take;
	if (c->left == 0)
		ref_bdat_chunk_end(s);
	return take;
}
