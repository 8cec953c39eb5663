/* SPDX-License-Identifier: ISC */
/*
 * ref_data.c - smtpref's DATA: 354, the content, the end-of-data reply.
 *
 * End of data is found by smtp_unstuff (CRLF.CRLF only, 5321 4.1.1.4);
 * bare CR or LF anywhere in the content refuses the message after the
 * real terminator (5321 2.3.8), so framing never depends on them. The
 * smuggling faults accept impostor terminators, matched on the raw
 * octets. Content is counted, measured per line (4.5.3.1.6) and written
 * to the store while it may still be taken (RFC 1870 SIZE).
 */
#include "ref_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ref_conf.h"
#include "ref_server.h"
#include "ref_smtp.h"
#include "ref_store.h"
#include "sc_limits.h"
#include "sc_util.h"

/* The DATA buffer: single-threaded, so one for all sessions. The decoder
 * may emit one held CR more than it consumed. */
static char ref_data_scratch[REF_INBUF_MAX + 8];

/* ref_data_check - a transaction with recipients (5321 3.3). */
bool
ref_data_check(struct ref_sess *s, const char *arg, size_t len)
{
	if (s->tx == NULL) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: need MAIL command");
		return false;
	}
	if (s->tx->nrcpts == 0 && !REF_FAULT(s, DATA_WITHOUT_RCPT)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: need RCPT command");
		return false;
	}
	/* RFC 3030 2: no DATA once BDAT has started the message */
	if (s->tx->bdat && !REF_FAULT(s, DATA_AFTER_BDAT_OK)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: DATA after BDAT");
		return false;
	}
	/* RFC 3030 3: BODY=BINARYMIME content goes by BDAT only */
	if (s->tx->opt.binarymime && !REF_FAULT(s, BINARYMIME_DATA_OK)) {
		ref_smtp_reply(s, 503, "5.6.1",
		    "Error: BODY=BINARYMIME needs BDAT, not DATA");
		return false;
	}
	if (s->tx->last_rcpt_failed && REF_FAULT(s, PIPE_DATA_LAST_RCPT)) {
		ref_smtp_reply(s, 554, "5.5.1", "Error: no valid recipients");
		return false;
	}
	return true;
}

/* ref_data_new_id - a queue id unique in this process. */
static void
ref_data_new_id(struct ref_sess *s, char *buf, size_t size)
{
	snprintf(buf, size, "%08llX%06lX", (unsigned long long)time(NULL),
	    ++s->srv->next_msg & 0xffffff);
}

/* ref_data_received - the trace header (5321 4.4). */
static int
ref_data_received(struct ref_sess *s, struct ref_tx *tx)
{
	char date[64], *hdr, *forc;
	int rc;

	ref_store_date(date, sizeof(date));
	forc = tx->nrcpts == 1 ? xasprintf("\r\n\tfor <%s>", tx->rcpts[0]) :
	    xstrdup("");
	hdr = xasprintf("Received: from %s (%s)\r\n\tby %s with %s id %s%s;"
	    "\r\n\t%s\r\n", s->helo[0] != '\0' ? s->helo : "unknown",
	    s->peer, s->conf->hostname,
	    /* RFC 3848: ESMTPS after STARTTLS; RFC 6531 3.7.3: UTF8SMTP(S)
	     * when MAIL had SMTPUTF8 */
	    !s->esmtp ? "SMTP" : tx->opt.smtputf8 ?
	    (s->tls ? "UTF8SMTPS" : "UTF8SMTP") :
	    (s->tls ? "ESMTPS" : "ESMTP"), tx->id, forc, date);
	rc = ref_store_write(tx->msg, hdr, strlen(hdr));
	free(hdr);
	free(forc);
	return rc;
}

/* ref_data_begin - queue id, store, Received:, once per message. */
int
ref_data_begin(struct ref_sess *s)
{
	struct ref_tx *tx = s->tx;

	if (tx->started)
		return 0;
	ref_data_new_id(s, tx->id, sizeof(tx->id));
	if (s->srv->store != NULL) {
		tx->msg = ref_store_begin(s->srv->store, tx->id);
		if (tx->msg == NULL || ref_data_received(s, tx) == -1) {
			ref_store_abort(tx->msg);
			tx->msg = NULL;
			return -1;
		}
	}
	tx->started = true;
	return 0;
}

/* ref_data_do - 354 and content mode. */
void
ref_data_do(struct ref_sess *s, const char *arg, size_t len)
{
	struct ref_tx *tx = s->tx;

	if (ref_data_begin(s) == -1) {
		ref_smtp_reply(s, 451, "4.3.0",
		    "Error: cannot store the message");
		return;
	}
	smtp_unstuff_init(&tx->un);
	memcpy(tx->hist, "\r\n", 2);	/* DATA's CRLF: a line start */
	tx->nhist = 2;
	ref_smtp_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	ref_smtp_enter_state(s, REF_SMTP_DATA);
}

/* The end-of-data impostors the smuggling faults accept. */
static const struct {
	enum ref_fault	 fault;
	const char	*pat;
} ref_data_fake_eods[] = {
	{ REF_FAULT_SMUGGLE_LF, "\n.\n" },
	{ REF_FAULT_SMUGGLE_CR, "\r.\r" },
	{ REF_FAULT_SMUGGLE_LF_CR, "\n.\r\n" },
	{ REF_FAULT_DOT_LINE_ENDS, "\r\n..\r\n" },
};

/*
 * ref_data_match - where pat ends in hist+p, as an offset into p (0: no
 * match). hist holds the raw octets before p.
 */
static size_t
ref_data_match(const struct ref_tx *tx, const char *p, size_t n,
    const char *pat)
{
	size_t plen = strlen(pat), i, j, total = tx->nhist + n;
	unsigned char c;

	for (j = 0; j + plen <= total; j++) {
		if (j + plen <= tx->nhist)
			continue;	/* wholly in the past */
		for (i = 0; i < plen; i++) {
			c = j + i < tx->nhist ? tx->hist[j + i] :
			    (unsigned char)p[j + i - tx->nhist];
			if (c != (unsigned char)pat[i])
				break;
		}
		if (i == plen)
			return j + plen - tx->nhist;
	}
	return 0;
}

/* ref_data_fake_eod - the earliest impostor end of data, or 0. */
static size_t
ref_data_fake_eod(struct ref_sess *s, const char *p, size_t n)
{
	size_t k, end, best = 0;

	for (k = 0; k < sizeof(ref_data_fake_eods) /
	    sizeof(ref_data_fake_eods[0]); k++) {
		if (!s->conf->faults[ref_data_fake_eods[k].fault])
			continue;
		end = ref_data_match(s->tx, p, n, ref_data_fake_eods[k].pat);
		if (end != 0 && (best == 0 || end < best))
			best = end;
	}
	return best;
}

/* ref_data_hist - remember the last raw octets consumed. */
static void
ref_data_hist(struct ref_tx *tx, const char *p, size_t n)
{
	size_t keep = sizeof(tx->hist);

	if (n >= keep) {
		memcpy(tx->hist, p + n - keep, keep);
		tx->nhist = keep;
		return;
	}
	if (tx->nhist + n > keep) {
		memmove(tx->hist, tx->hist + (tx->nhist + n - keep),
		    keep - n);
		tx->nhist = keep - n;
	}
	memcpy(tx->hist + tx->nhist, p, n);
	tx->nhist += n;
}

/*
 * ref_data_size_ok - the message so far is within SIZE (RFC 1870 6: the
 * limit holds at the end of data even when MAIL declared no SIZE=).
 */
bool
ref_data_size_ok(const struct ref_sess *s)
{
	if (ref_smtp_size_ok(s, s->tx->size))
		return true;
	return !s->tx->opt.size_declared && REF_FAULT(s, SIZE_END_IGNORED);
}

/* ref_data_store - keep content while the message may still be taken. */
void
ref_data_store(struct ref_sess *s, const char *p, size_t n)
{
	struct ref_tx *tx = s->tx;

	if (tx->msg == NULL || tx->store_failed || n == 0 ||
	    !ref_data_size_ok(s))
		return;
	if (ref_store_write(tx->msg, p, n) == -1)
		tx->store_failed = true;
}

/* ref_data_content - decoded content: count, measure lines, store. */
static void
ref_data_content(struct ref_sess *s, const char *p, size_t n)
{
	struct ref_tx *tx = s->tx;
	const char *lf;
	size_t seg;

	while (n > 0) {
		lf = memchr(p, '\n', n);
		seg = lf != NULL ? (size_t)(lf - p) + 1 : n;
		tx->linelen += seg;
		tx->size += seg;
		ref_data_store(s, p, seg);
		if (lf != NULL) {
			if (tx->linelen > tx->longest)
				tx->longest = tx->linelen;
			tx->linelen = 0;
		}
		p += seg;
		n -= seg;
	}
}

/* ref_data_text_max - longest text line, CRLF included (4.5.3.1.6). */
static size_t
ref_data_text_max(const struct ref_sess *s)
{
	if (REF_FAULT(s, SHORT_TEXT_LINE))
		return REF_FAULT_TEXT_LINE_MAX;
	return SMTP_TEXT_LINE_MAX;
}

/*
 * ref_data_verdict - after the message's one reply (5321 4.1.1.4): its log
 * line and the end of the transaction.
 */
static void
ref_data_verdict(struct ref_sess *s, int code)
{
	struct ref_tx *tx = s->tx;

	ref_sess_log(s, "ev=message id=%s size=%llu rcpts=%zu code=%d",
	    tx->id, (unsigned long long)tx->size, tx->nrcpts, code);
	if (REF_FAULT(s, TWO_REPLIES_DATA))
		ref_smtp_reply(s, 250, "2.0.0", "Ok");
	ref_smtp_tx_end(s);
	ref_smtp_after_cmd(s);
}

/* ref_data_stored - 250 or 451 for a message stored (or not). */
void
ref_data_stored(struct ref_sess *s, bool ok)
{
	struct ref_tx *tx = s->tx;

	if (ok) {
		tx->msg = NULL;		/* committed, freed */
		ref_smtp_reply(s, 250, "2.0.0", "Ok: queued as %s", tx->id);
	} else {
		ref_smtp_reply(s, 451, "4.3.0",
		    "Error: local error in processing");
	}
	ref_data_verdict(s, ok ? 250 : 451);
}

/*
 * ref_data_end - the end of data. A message to keep is held for the
 * group commit at the end of the event-loop round (ref_server.c), which
 * answers through ref_data_stored: no 250 before it is durable.
 */
static void
ref_data_end(struct ref_sess *s)
{
	struct ref_tx *tx = s->tx;

	if (tx->linelen > tx->longest)
		tx->longest = tx->linelen;
	if (tx->un.flags & (SMTP_UNSTUFF_F_BARE_LF | SMTP_UNSTUFF_F_BARE_CR)) {
		ref_smtp_reply(s, 554, "5.6.0", "Message refused: bare CR or "
		    "LF in content (RFC 5321 2.3.8)");
		ref_data_verdict(s, 554);
	} else if (tx->un.flags & SMTP_UNSTUFF_F_NUL) {
		ref_smtp_reply(s, 554, "5.6.0",
		    "Message refused: NUL octet in content");
		ref_data_verdict(s, 554);
	} else if (tx->longest > ref_data_text_max(s)) {
		ref_smtp_reply(s, 552, "5.6.0", "Message refused: text line "
		    "over %zu octets", ref_data_text_max(s));
		ref_data_verdict(s, 552);
	} else if (!ref_data_size_ok(s)) {
		ref_smtp_reply(s, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
		ref_data_verdict(s, 552);
	} else if (tx->msg != NULL && !tx->store_failed) {
		ref_sess_commit_hold(s);
	} else {
		/* --sink, or a failed write (tx_end removes the file) */
		ref_data_stored(s, !tx->store_failed);
	}
}

/* ref_data_feed - content bytes until the end of data. */
size_t
ref_data_feed(struct ref_sess *s, const char *p, size_t n)
{
	struct ref_tx *tx = s->tx;
	size_t lim = n, fake, used, olen;

	if (n > REF_INBUF_MAX)
		lim = n = REF_INBUF_MAX;
	fake = ref_data_fake_eod(s, p, n);
	if (fake != 0)
		lim = fake;
	used = smtp_unstuff_feed(&tx->un, p, lim, ref_data_scratch, &olen);
	if (!tx->un.done)
		used = lim;
	ref_data_content(s, ref_data_scratch, olen);
	ref_data_hist(tx, p, used);
	if (tx->un.done || fake != 0)
		ref_data_end(s);
	return used;
}
