/* SPDX-License-Identifier: ISC */
/*
 * load_sess.c - one load session: an SMTP client state machine on a
 * non-blocking socket (RFC 5321 3.3, 4.1.1; STARTTLS RFC 3207; implicit
 * TLS RFC 8314 3.3; PIPELINING RFC 2920).
 *
 * The state is the reply awaited next; load_sess_enter_state() is the
 * only writer of ->state and arms the deadline (--reply-timeout) that
 * load_run.c checks on its tick. Each load_sess_on_<state>() takes one
 * reply and decides what is written next. Without pipelining every
 * command waits for the reply before it; with it, MAIL, the RCPTs and
 * DATA go as one write, and the message text goes with the next
 * message's MAIL..DATA (or QUIT) behind it: message text may open a group
 * (RFC 2920 3.1). The replies still come one by one in the same states.
 *
 * Messages: a session takes one when it starts and one before each later
 * transaction (load_run_take); each ends accepted (250 to the end of
 * data) or failed, and one still held when the connection ends fails
 * with it. One error is counted per failed transaction (its first bad
 * reply), or per session that ends badly outside one. A failure before
 * the message text leaves the transaction open, so the session QUITs; a
 * 4xx/5xx to the end of data does not, and the session goes on. 421
 * closes at once (RFC 5321 3.8).
 *
 * Writes are iovecs into the run's shared bytes (load_msg.c), queued
 * while the replies of one read are handled and flushed once after. A
 * session is never freed: when its connection ends the run restarts the
 * slot after the dispatch round (load_run_ended).
 */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_util.h"
#include "smtp_reply.h"

#define LOAD_SHOW_MAX	80	/* octets of a reply in the first error */

static const char load_sess_starttls[] = "STARTTLS\r\n";
static const char load_sess_quit_line[] = "QUIT\r\n";

static void load_sess_io(void *, unsigned);

/* LOAD_S_MAIL -> "MAIL": the name without its 7-octet prefix */
#define CASE(x)	case x: return &(#x)[7]

/* load_sess_state_str - "MAIL", for messages. */
const char *
load_sess_state_str(enum load_sess_state st)
{
	switch (st) {
	CASE(LOAD_S_IDLE);
	CASE(LOAD_S_CONNECTING);
	CASE(LOAD_S_TLS_HANDSHAKE);
	CASE(LOAD_S_GREETING);
	CASE(LOAD_S_EHLO);
	CASE(LOAD_S_STARTTLS);
	CASE(LOAD_S_MAIL);
	CASE(LOAD_S_RCPT);
	CASE(LOAD_S_DATA);
	CASE(LOAD_S_END);
	CASE(LOAD_S_QUIT);
	CASE(LOAD_S_DONE);
	}
	return "???";
}

/* load_sess_stage - the command stage a state waits on. */
static enum load_stage
load_sess_stage(enum load_sess_state st)
{
	switch (st) {
	case LOAD_S_CONNECTING:
		return LOAD_ST_CONNECT;
	case LOAD_S_TLS_HANDSHAKE:
		return LOAD_ST_TLS;
	case LOAD_S_EHLO:
		return LOAD_ST_EHLO;
	case LOAD_S_STARTTLS:
		return LOAD_ST_STARTTLS;
	case LOAD_S_MAIL:
		return LOAD_ST_MAIL;
	case LOAD_S_RCPT:
		return LOAD_ST_RCPT;
	case LOAD_S_DATA:
		return LOAD_ST_DATA;
	case LOAD_S_END:
		return LOAD_ST_END;
	case LOAD_S_QUIT:
		return LOAD_ST_QUIT;
	default:
		return LOAD_ST_GREETING;
	}
}

/* load_sess_now - the time of the current event. */
static int64_t
load_sess_now(const struct load_sess *s)
{
	return load_loop_now(s->run->loop);
}

/* load_sess_enter_state - the one place ->state changes; a state that
 * waits for the peer gets its deadline here. */
static void
load_sess_enter_state(struct load_sess *s, enum load_sess_state st)
{
	s->state = st;
	s->deadline_us = load_sess_now(s) + (int64_t)s->run->o->reply_ms *
	    1000;
}

/* load_sess_init - an idle slot. */
void
load_sess_init(struct load_sess *s, struct load_run *run, size_t id)
{
	memset(s, 0, sizeof(*s));
	s->run = run;
	s->id = id;
	s->io.fd = -1;
	s->rp = smtp_rparser_new();
	s->state = LOAD_S_IDLE;
}

/* load_sess_clear - the slot's parser and connection. */
void
load_sess_clear(struct load_sess *s)
{
	load_loop_del(s->run->loop, &s->lio);
	load_io_close(&s->io);
	smtp_rparser_free(s->rp);
	s->rp = NULL;
}

/* load_sess_count - one error; the run's first is kept in words. */
static void
load_sess_count(struct load_sess *s, enum load_err_kind k,
    enum load_stage stage, const char *what)
{
	struct load_stats *st = s->run->st;

	st->errors[k][stage]++;
	/* a long reply is cut to the buffer: the return value is looked at
	 * so that gcc -O3 knows the cut is meant (-Wformat-truncation) */
	if (st->first_error[0] == '\0' &&
	    snprintf(st->first_error, sizeof(st->first_error),
	    "%s error at %s (session %zu): %s", load_err_kind_str(k),
	    load_stage_str(stage), s->id + 1, what) >=
	    (int)sizeof(st->first_error))
		st->first_error[sizeof(st->first_error) - 2] = '.';
}

/* load_sess_count_reply - an unwanted reply: 4xx, 5xx, or protocol. */
static void
load_sess_count_reply(struct load_sess *s, enum load_stage stage,
    const struct smtp_reply *r)
{
	enum load_err_kind k;
	char *show;

	if (r->code >= 400 && r->code <= 499)
		k = LOAD_E_4XX;
	else if (r->code >= 500 && r->code <= 599)
		k = LOAD_E_5XX;
	else
		k = LOAD_E_PROTOCOL;
	if (s->run->st->first_error[0] != '\0') {
		s->run->st->errors[k][stage]++;
		return;		/* no words needed: skip the escaping */
	}
	show = sc_esc(r->raw, r->rawlen, LOAD_SHOW_MAX);
	load_sess_count(s, k, stage, show);
	free(show);
}

/* load_sess_end - close; held messages fail; the run restarts the slot. */
static void
load_sess_end(struct load_sess *s)
{
	struct load_run *run = s->run;

	run->st->messages_failed += (uint64_t)s->held;
	s->held = 0;
	load_loop_forget(run->loop, &s->lio);
	load_io_close(&s->io);
	smtp_rparser_reset(s->rp);
	s->outn = s->outi = 0;
	load_sess_enter_state(s, LOAD_S_DONE);
	run->active--;
	load_run_ended(run, s);
}

/* load_sess_resolve - the transaction in progress ended. */
static void
load_sess_resolve(struct load_sess *s, bool ok)
{
	struct load_stats *st = s->run->st;

	s->held--;
	s->done_here++;
	if (!ok) {
		st->messages_failed++;
		return;
	}
	st->messages_ok++;
	load_hist_add(&st->lat, (uint64_t)(load_sess_now(s) -
	    s->tx[0].mail_us));
}

/* load_sess_queue - write p later (flushed after this read's replies). */
static void
load_sess_queue(struct load_sess *s, const void *p, size_t len)
{
	if (s->outn == LOAD_OUTV_MAX && s->outi > 0) {
		memmove(s->outv, s->outv + s->outi,
		    (size_t)(s->outn - s->outi) * sizeof(s->outv[0]));
		s->outn -= s->outi;
		s->outi = 0;
	}
	if (s->outn == LOAD_OUTV_MAX)
		fatal("load: session %zu: write queue full", s->id);
	s->outv[s->outn].iov_base = (void *)p;
	s->outv[s->outn].iov_len = len;
	s->outn++;
}

/* load_sess_want - read always; write while something waits. */
static void
load_sess_want(struct load_sess *s)
{
	unsigned ev = LOAD_LOOP_IN;

	if (s->outi < s->outn || s->io_wants_out)
		ev |= LOAD_LOOP_OUT;
	load_loop_want(s->run->loop, &s->lio, ev);
}

/* load_sess_on_close - the peer closed or reset: fine only after QUIT. */
static void
load_sess_on_close(struct load_sess *s)
{
	if (s->state != LOAD_S_QUIT)
		load_sess_count(s, LOAD_E_CLOSED, load_sess_stage(s->state),
		    "the server closed the connection");
	load_sess_end(s);
}

/* load_sess_sent - n octets left: pieces done move on; the message text,
 * whole, counts as sent. */
static void
load_sess_sent(struct load_sess *s, size_t n)
{
	const struct load_msg *m = &s->run->msg;
	struct iovec *v;

	while (n > 0) {
		v = &s->outv[s->outi];
		if (n < v->iov_len) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= n;
			return;
		}
		n -= v->iov_len;
		if ((char *)v->iov_base + v->iov_len == m->wire + m->wirelen)
			s->run->st->bytes_sent += m->wirelen;
		s->outi++;
	}
}

/* load_sess_flush - write what is queued. -1 when the session ended. */
static int
load_sess_flush(struct load_sess *s)
{
	long n;

	while (s->outi < s->outn) {
		n = load_io_writev(&s->io, s->outv + s->outi,
		    s->outn - s->outi);
		if (n == LOAD_IO_WANT_WRITE || n == LOAD_IO_WANT_READ)
			break;
		if (n < 0) {
			load_sess_on_close(s);
			return -1;
		}
		load_sess_sent(s, (size_t)n);
	}
	if (s->outi == s->outn)
		s->outi = s->outn = 0;
	load_sess_want(s);
	return 0;
}

/* load_sess_quit - QUIT, then close on its reply (or the peer's close). */
static void
load_sess_quit(struct load_sess *s)
{
	load_sess_queue(s, load_sess_quit_line, sizeof(load_sess_quit_line) -
	    1);
	load_sess_enter_state(s, LOAD_S_QUIT);
}

/*
 * load_sess_refused - a bad reply before any transaction: counted; held
 * messages fail when the session ends. 421 (and a reply that is no 4xx or
 * 5xx) closes at once; anything else QUITs first.
 */
static void
load_sess_refused(struct load_sess *s, enum load_stage stage,
    const struct smtp_reply *r)
{
	load_sess_count_reply(s, stage, r);
	if (r->code == 421 || r->code < 400 || r->code > 599)
		load_sess_end(s);
	else
		load_sess_quit(s);
}

/* load_sess_begin_tx - the held message's MAIL (and with pipelining its
 * RCPTs and DATA) is written. */
static void
load_sess_begin_tx(struct load_sess *s)
{
	const struct load_msg *m = &s->run->msg;

	s->tx[0].mail_us = load_sess_now(s);
	s->tx[0].failed = false;
	s->rcpt_replies = 0;
	load_sess_queue(s, m->group, s->pipelining ? m->grouplen :
	    m->mail_len);
	load_sess_enter_state(s, LOAD_S_MAIL);
}

/* load_sess_may_take - this connection may carry one more message, and
 * the run has one: it is held from now on. */
static bool
load_sess_may_take(struct load_sess *s)
{
	long k = s->run->o->per_session;

	if (k != 0 && s->done_here + s->held >= k)
		return false;
	if (!load_run_take(s->run))
		return false;
	s->held++;
	return true;
}

/* load_sess_next - the next transaction, or QUIT. */
static void
load_sess_next(struct load_sess *s)
{
	if (load_sess_may_take(s))
		load_sess_begin_tx(s);
	else
		load_sess_quit(s);
}

/* load_sess_tls - an SSL on the socket and the handshake's first step. */
static void load_sess_handshake(struct load_sess *);
static void
load_sess_tls(struct load_sess *s)
{
	char msg[SC_ERR_MSG_MAX];

	if (load_io_tls_start(&s->io, s->run->tls, s->run->o->host, msg,
	    sizeof(msg)) == -1) {
		load_sess_count(s, LOAD_E_TLS, LOAD_ST_TLS, msg);
		load_sess_end(s);
		return;
	}
	load_sess_enter_state(s, LOAD_S_TLS_HANDSHAKE);
	load_sess_handshake(s);
}

/* load_sess_handshake - one step; done: the greeting (implicit) or EHLO
 * again (STARTTLS, RFC 3207 4.2: forget what was known before). */
static void
load_sess_handshake(struct load_sess *s)
{
	char msg[SC_ERR_MSG_MAX];
	int rc;

	msg[0] = '\0';
	rc = load_io_handshake(&s->io, msg, sizeof(msg));
	if (rc == LOAD_IO_WANT_READ || rc == LOAD_IO_WANT_WRITE) {
		load_loop_want(s->run->loop, &s->lio, LOAD_LOOP_IN |
		    (rc == LOAD_IO_WANT_WRITE ? LOAD_LOOP_OUT : 0));
		return;
	}
	if (rc != 0) {
		load_sess_count(s, LOAD_E_TLS, LOAD_ST_TLS, msg[0] != '\0' ?
		    msg : "the server closed during the handshake");
		load_sess_end(s);
		return;
	}
	s->run->st->sessions_tls++;
	if (s->run->o->tls == LOAD_TLS_IMPLICIT) {
		load_sess_enter_state(s, LOAD_S_GREETING);
	} else {
		load_sess_queue(s, s->run->msg.ehlo, s->run->msg.ehlolen);
		load_sess_enter_state(s, LOAD_S_EHLO);
	}
	(void)load_sess_flush(s);
}

/* load_sess_on_connect - the connect finished, one way or the other. */
static void
load_sess_on_connect(struct load_sess *s)
{
	char msg[SC_ERR_MSG_MAX];

	if (load_io_connected(&s->io, msg, sizeof(msg)) == -1) {
		load_sess_count(s, LOAD_E_CONNECT, LOAD_ST_CONNECT, msg);
		load_sess_end(s);
		return;
	}
	s->run->st->sessions_connected++;
	if (s->run->o->tls == LOAD_TLS_IMPLICIT) {
		load_sess_tls(s);
		return;
	}
	load_sess_enter_state(s, LOAD_S_GREETING);
	load_sess_want(s);
}

/* load_sess_on_greeting - 220, then EHLO. */
static void
load_sess_on_greeting(struct load_sess *s, const struct smtp_reply *r)
{
	if (r->code != 220) {
		load_sess_refused(s, LOAD_ST_GREETING, r);
		return;
	}
	load_sess_queue(s, s->run->msg.ehlo, s->run->msg.ehlolen);
	load_sess_enter_state(s, LOAD_S_EHLO);
}

/* load_sess_on_ehlo - STARTTLS first if asked for, else the first
 * transaction; PIPELINING is used only when offered (RFC 2920 3). */
static void
load_sess_on_ehlo(struct load_sess *s, const struct smtp_reply *r)
{
	const struct load_opts *o = s->run->o;
	const char *params;

	if (r->code != 250) {
		load_sess_refused(s, LOAD_ST_EHLO, r);
		return;
	}
	if (o->tls == LOAD_TLS_STARTTLS && s->io.ssl == NULL) {
		if (smtp_ehlo_find(r, "STARTTLS", &params) == NULL) {
			load_sess_count(s, LOAD_E_TLS, LOAD_ST_EHLO,
			    "STARTTLS not offered");
			load_sess_quit(s);
			return;
		}
		load_sess_queue(s, load_sess_starttls,
		    sizeof(load_sess_starttls) - 1);
		load_sess_enter_state(s, LOAD_S_STARTTLS);
		return;
	}
	s->pipelining = o->pipelining &&
	    smtp_ehlo_find(r, "PIPELINING", &params) != NULL;
	if (s->pipelining)
		s->run->st->sessions_pipelined++;
	load_sess_begin_tx(s);
}

/* load_sess_on_starttls - 220: nothing may follow it in clear (RFC 3207
 * 4.2, the injection of CVE-2011-0411), then the handshake. */
static void
load_sess_on_starttls(struct load_sess *s, const struct smtp_reply *r)
{
	size_t left;

	if (r->code != 220) {
		load_sess_refused(s, LOAD_ST_STARTTLS, r);
		return;
	}
	(void)smtp_rparser_pending(s->rp, &left);
	if (left > 0) {
		load_sess_count(s, LOAD_E_PROTOCOL, LOAD_ST_STARTTLS,
		    "bytes after the 220 to STARTTLS, before TLS");
		load_sess_end(s);
		return;
	}
	load_sess_tls(s);
}

/* load_sess_tx_fail - a reply that fails the transaction in progress,
 * counted once for it. false when the session ended. */
static bool
load_sess_tx_fail(struct load_sess *s, enum load_stage stage,
    const struct smtp_reply *r)
{
	if (!s->tx[0].failed) {
		load_sess_count_reply(s, stage, r);
		s->tx[0].failed = true;
	}
	/* 421: the server is closing. A code that is no 4xx or 5xx here
	 * (a 354 to RCPT) means the replies are out of step with the
	 * commands: nothing after it can be matched. */
	if (r->code == 421 || r->code < 400 || r->code > 599) {
		load_sess_end(s);
		return false;
	}
	return true;
}

/* load_sess_on_mail - 250: the RCPTs (already written when pipelined). */
static void
load_sess_on_mail(struct load_sess *s, const struct smtp_reply *r)
{
	const struct load_msg *m = &s->run->msg;

	if (r->code != 250) {
		if (!load_sess_tx_fail(s, LOAD_ST_MAIL, r))
			return;
		if (!s->pipelining) {
			load_sess_resolve(s, false);
			load_sess_quit(s);
			return;
		}
	} else if (!s->pipelining) {
		load_sess_queue(s, m->group + m->rcpt_off[0],
		    m->rcpt_off[1] - m->rcpt_off[0]);
	}
	load_sess_enter_state(s, LOAD_S_RCPT);
}

/* load_sess_on_rcpt - 250 or 251 (RFC 5321 3.6.1) for each recipient,
 * then DATA. */
static void
load_sess_on_rcpt(struct load_sess *s, const struct smtp_reply *r)
{
	const struct load_msg *m = &s->run->msg;
	int i;

	i = s->rcpt_replies++;
	if (r->code != 250 && r->code != 251) {
		if (!load_sess_tx_fail(s, LOAD_ST_RCPT, r))
			return;
		if (!s->pipelining) {
			load_sess_resolve(s, false);
			load_sess_quit(s);
			return;
		}
	}
	if (s->rcpt_replies < m->nrcpt) {
		if (!s->pipelining)
			load_sess_queue(s, m->group + m->rcpt_off[i + 1],
			    m->rcpt_off[i + 2] - m->rcpt_off[i + 1]);
		load_sess_enter_state(s, LOAD_S_RCPT);
		return;
	}
	if (!s->pipelining)
		load_sess_queue(s, m->group + m->data_off,
		    m->grouplen - m->data_off);
	load_sess_enter_state(s, LOAD_S_DATA);
}

/*
 * load_sess_on_data - 354: the message text, and when pipelining the
 * next message's MAIL..DATA or the QUIT behind it in the same write.
 * A transaction that already failed (a RCPT refused while others were
 * taken) still sends its text, since the server waits for it.
 */
static void
load_sess_on_data(struct load_sess *s, const struct smtp_reply *r)
{
	const struct load_msg *m = &s->run->msg;

	if (r->code != 354) {
		if (!load_sess_tx_fail(s, LOAD_ST_DATA, r))
			return;
		load_sess_resolve(s, false);
		load_sess_quit(s);
		return;
	}
	load_sess_queue(s, m->wire, m->wirelen);
	if (s->pipelining && !s->tx[0].failed) {
		if (load_sess_may_take(s)) {
			s->tx[1].mail_us = load_sess_now(s);
			s->tx[1].failed = false;
			load_sess_queue(s, m->group, m->grouplen);
			s->group_ahead = true;
		} else {
			load_sess_queue(s, load_sess_quit_line,
			    sizeof(load_sess_quit_line) - 1);
			s->quit_ahead = true;
		}
	}
	load_sess_enter_state(s, LOAD_S_END);
}

/* load_sess_on_end - the message's fate; then what was written ahead,
 * or the next transaction, or QUIT. */
static void
load_sess_on_end(struct load_sess *s, const struct smtp_reply *r)
{
	bool ok = r->code == 250 && !s->tx[0].failed;

	if (r->code != 250 && !s->tx[0].failed) {
		load_sess_count_reply(s, LOAD_ST_END, r);
		s->tx[0].failed = true;
	}
	load_sess_resolve(s, ok);
	if (r->code == 421 || (r->code != 250 &&
	    (r->code < 400 || r->code > 599))) {
		load_sess_end(s);
		return;
	}
	if (s->group_ahead) {
		s->group_ahead = false;
		s->tx[0] = s->tx[1];
		s->rcpt_replies = 0;
		load_sess_enter_state(s, LOAD_S_MAIL);
		return;
	}
	if (s->quit_ahead) {
		s->quit_ahead = false;
		load_sess_enter_state(s, LOAD_S_QUIT);
		return;
	}
	load_sess_next(s);
}

/* load_sess_on_reply - one reply, to the state that awaits it. */
static void
load_sess_on_reply(struct load_sess *s, const struct smtp_reply *r)
{
	switch (s->state) {
	case LOAD_S_GREETING:
		load_sess_on_greeting(s, r);
		break;
	case LOAD_S_EHLO:
		load_sess_on_ehlo(s, r);
		break;
	case LOAD_S_STARTTLS:
		load_sess_on_starttls(s, r);
		break;
	case LOAD_S_MAIL:
		load_sess_on_mail(s, r);
		break;
	case LOAD_S_RCPT:
		load_sess_on_rcpt(s, r);
		break;
	case LOAD_S_DATA:
		load_sess_on_data(s, r);
		break;
	case LOAD_S_END:
		load_sess_on_end(s, r);
		break;
	case LOAD_S_QUIT:
		load_sess_end(s);	/* 221, or whatever: we are done */
		break;
	default:
		/* A reply while none is awaited. */
		load_sess_count_reply(s, load_sess_stage(s->state), r);
		load_sess_end(s);
		break;
	}
}

/* load_sess_replies - every whole reply buffered; then one flush of what
 * they queued. -1 when the session ended or left clear text (STARTTLS). */
static int
load_sess_replies(struct load_sess *s)
{
	struct smtp_reply r;

	while (smtp_rparser_next(s->rp, &r) == SMTP_RPARSE_REPLY) {
		load_sess_on_reply(s, &r);
		smtp_reply_clear(&r);
		if (s->state == LOAD_S_DONE ||
		    s->state == LOAD_S_TLS_HANDSHAKE)
			return -1;
	}
	return load_sess_flush(s);
}

/* load_sess_read - read until the socket has nothing more now. */
static void
load_sess_read(struct load_sess *s)
{
	char buf[LOAD_READ_CHUNK];
	long n;

	for (;;) {
		n = load_io_read(&s->io, buf, sizeof(buf));
		if (n == LOAD_IO_WANT_READ) {
			if (s->io_wants_out) {
				s->io_wants_out = false;
				load_sess_want(s);
			}
			return;
		}
		if (n == LOAD_IO_WANT_WRITE) {
			s->io_wants_out = true;
			load_sess_want(s);
			return;
		}
		if (n < 0) {
			load_sess_on_close(s);
			return;
		}
		if (smtp_rparser_feed(s->rp, buf, (size_t)n) == -1) {
			load_sess_count(s, LOAD_E_PROTOCOL,
			    load_sess_stage(s->state),
			    "a reply longer than the receive buffer");
			load_sess_end(s);
			return;
		}
		if (load_sess_replies(s) == -1)
			return;
		if ((size_t)n < sizeof(buf) && !load_io_pending(&s->io))
			return;
	}
}

/* load_sess_io - the loop's callback. */
static void
load_sess_io(void *arg, unsigned ev)
{
	struct load_sess *s = arg;

	switch (s->state) {
	case LOAD_S_CONNECTING:
		load_sess_on_connect(s);
		return;
	case LOAD_S_TLS_HANDSHAKE:
		load_sess_handshake(s);
		return;
	default:
		break;
	}
	if (s->outi < s->outn && load_sess_flush(s) == -1)
		return;
	if ((ev & (LOAD_LOOP_IN | LOAD_LOOP_ERR)) || s->io_wants_out)
		load_sess_read(s);
}

/* load_sess_start - take a message, connect. */
bool
load_sess_start(struct load_sess *s)
{
	struct load_run *run = s->run;
	char msg[SC_ERR_MSG_MAX];

	if (!load_run_take(run)) {
		s->state = LOAD_S_IDLE;
		return false;
	}
	s->held = 1;
	s->done_here = 0;
	s->pipelining = false;
	s->group_ahead = s->quit_ahead = s->io_wants_out = false;
	s->outn = s->outi = 0;
	run->st->sessions++;
	run->active++;
	load_sess_enter_state(s, LOAD_S_CONNECTING);
	if (load_io_connect(&s->io, run->sa, run->salen, msg,
	    sizeof(msg)) == -1)
		goto fail;
	if (load_loop_add(run->loop, &s->lio, s->io.fd, LOAD_LOOP_OUT,
	    load_sess_io, s) == -1) {
		snprintf(msg, sizeof(msg), "cannot watch the socket: %s",
		    strerror(errno));
		goto fail;
	}
	return true;
fail:
	load_sess_count(s, LOAD_E_CONNECT, LOAD_ST_CONNECT, msg);
	load_sess_end(s);
	return false;
}

/* load_sess_check - the deadline of the state. */
void
load_sess_check(struct load_sess *s, int64_t now_us)
{
	char what[64];

	if (s->state == LOAD_S_IDLE || s->state == LOAD_S_DONE ||
	    now_us < s->deadline_us)
		return;
	if (s->state == LOAD_S_CONNECTING) {
		load_sess_count(s, LOAD_E_CONNECT, LOAD_ST_CONNECT,
		    "connect timed out");
	} else {
		snprintf(what, sizeof(what), "no reply within %ld ms",
		    s->run->o->reply_ms);
		load_sess_count(s, LOAD_E_NO_REPLY, load_sess_stage(s->state),
		    what);
	}
	load_sess_end(s);
}

/* load_sess_abort - end a live session now. */
void
load_sess_abort(struct load_sess *s)
{
	if (s->state != LOAD_S_IDLE && s->state != LOAD_S_DONE)
		load_sess_end(s);
}
