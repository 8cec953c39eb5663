/* SPDX-License-Identifier: ISC */
/*
 * fuzz_drive.c - play one fuzz case against the target and judge it.
 *
 * The driver is a small state machine over the case's units: it sends a
 * unit, reads the replies the unit must get, and moves on. It adapts only
 * where SMTP leaves no choice: message text goes out only after a 354,
 * BDAT only when CHUNKING was offered, pipelined writes only with
 * PIPELINING, STARTTLS only when offered. A 421 (or 521, 221) means the
 * server is closing, which is its right: the case ends without a finding.
 * Every read has the --reply-timeout deadline; every reply is held to RFC
 * 5321 4.2 by the reply parser.
 *
 * Extra replies are looked for after units that could provoke them (a
 * pipelined write, a line with a bare CR or LF, message text): the window
 * is a few times the latency the server just showed, between
 * FUZZ_QUIET_MIN_MS and FUZZ_QUIET_MAX_MS, because a server that answers
 * twice does it in the same burst as the first answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "fuzz.h"
#include "sc_esc.h"
#include "sc_util.h"
#include "smtp_reply.h"

#define FZ_SHOW_MAX		160	/* escaped octets in a finding */
#define FZ_READ_CHUNK		16384
#define FZ_TLS_QUIET_MS		200	/* after a STARTTLS handshake */
#define FZ_SMUGGLE_QUIET_MS	100	/* after a false end of data */

static const char *const fz_class_names[FUZZ_CLASS_COUNT] = {
	"ok", "malformed-reply", "hang", "dropped", "crash",
	"accepted-invalid", "smuggling", "tls-injection", "reply-count"
};

static const char *const fz_class_whats[FUZZ_CLASS_COUNT] = {
	"no finding",
	"a reply that is not well-formed SMTP",
	"no reply within the deadline",
	"the connection closed without a reply (and without 421)",
	"the server refused new connections or greeted no more after the case",
	"a 2xx reply to a syntactically invalid command",
	"a false end of data ended the message (SMTP smuggling)",
	"input sent before STARTTLS was answered inside TLS",
	"the number of replies does not match the commands sent",
};

static const char *const fz_class_rfcs[FUZZ_CLASS_COUNT] = {
	"", "5321 4.2", "5321 4.5.3.2", "5321 3.8", "5321 4.5.3.2",
	"5321 4.2.4", "5321 4.1.1.4", "3207 4.2", "2920 3.1"
};

const char *
fuzz_class_str(enum fuzz_class c)
{
	return c < FUZZ_CLASS_COUNT ? fz_class_names[c] : "?";
}

const char *
fuzz_class_what(enum fuzz_class c)
{
	return c < FUZZ_CLASS_COUNT ? fz_class_whats[c] : "?";
}

const char *
fuzz_class_rfc(enum fuzz_class c)
{
	return c < FUZZ_CLASS_COUNT ? fz_class_rfcs[c] : "";
}

void
fuzz_outcome_clear(struct fuzz_outcome *o)
{
	free(o->detail);
	free(o->sent);
	memset(o, 0, sizeof(*o));
}

enum fz_read { FR_REPLY, FR_EOF, FR_TIMEOUT, FR_ERR };

struct fz_sess {
	const struct fuzz_target *t;
	const struct fuzz_case	*c;
	struct fuzz_outcome	*o;
	struct conn		*conn;
	struct smtp_rparser	*rp;
	struct smtp_reply	 rep;	/* the last reply */
	bool	 has_rep;
	bool	 eof;
	bool	 closing;	/* 421/521/221 came: a close is fine */
	bool	 in_data;	/* a 354 came: text is expected */
	bool	 stop;
	bool	 pipelining, chunking, starttls;
	int64_t	 sent_at;	/* when the last write ended */
	int64_t	 latency;	/* of the last first reply, us */
};

/* finding - the case's verdict (the first one counts). */
static void
finding(struct fz_sess *s, enum fuzz_class cls, ssize_t unit,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
finding(struct fz_sess *s, enum fuzz_class cls, ssize_t unit,
    const char *fmt, ...)
{
	va_list ap;

	s->stop = true;
	if (s->o->cls != FUZZ_OK)
		return;
	s->o->cls = cls;
	s->o->unit = unit;
	va_start(ap, fmt);
	s->o->detail = xvasprintf(fmt, ap);
	va_end(ap);
}

/* show - escaped, cut bytes for a finding; owned. */
static char *
show(const void *p, size_t len)
{
	return sc_esc(p, len, FZ_SHOW_MAX);
}

static enum fz_read
read_reply(struct fz_sess *s, int64_t deadline)
{
	char buf[FZ_READ_CHUNK];
	struct sc_err err = { 0 };
	enum conn_status cs;
	size_t n;

	for (;;) {
		if (s->has_rep) {
			smtp_reply_clear(&s->rep);
			s->has_rep = false;
		}
		if (smtp_rparser_next(s->rp, &s->rep) == SMTP_RPARSE_REPLY) {
			s->has_rep = true;
			return FR_REPLY;
		}
		if (s->eof)
			return FR_EOF;
		cs = conn_read(s->conn, buf, sizeof(buf), &n, deadline, &err);
		switch (cs) {
		case CONN_OK:
			if (smtp_rparser_feed(s->rp, buf, n) == -1)
				return FR_ERR;	/* over SC_RECV_BUF_MAX */
			break;
		case CONN_EOF:
			s->eof = true;
			break;
		case CONN_TIMEOUT:
			return FR_TIMEOUT;
		case CONN_ERR:
			s->eof = true;
			return FR_ERR;
		}
	}
}

/* reply_ok - the RFC 5321 4.2 checks every reply gets; false after a
 * finding. */
static bool
reply_ok(struct fz_sess *s, ssize_t ui, const struct fuzz_unit *u)
{
	unsigned hard = SMTP_REPLY_F_BAD_CODE | SMTP_REPLY_F_MIXED_CODE |
	    SMTP_REPLY_F_BARE_LF | SMTP_REPLY_F_BARE_CR | SMTP_REPLY_F_BAD_SEP |
	    SMTP_REPLY_F_HUGE_LINE | SMTP_REPLY_F_TOO_MANY;
	char flags[256], *sent, *got;

	if (!(s->rep.flags & hard))
		return true;
	smtp_reply_flags_str(s->rep.flags & hard, flags, sizeof(flags));
	sent = u != NULL ? show(u->bytes, u->len) : xstrdup("(greeting)");
	got = show(s->rep.raw, s->rep.rawlen);
	finding(s, FUZZ_MALFORMED, ui, "malformed reply (%s) to \"%s\": "
	    "\"%s\"", flags, sent, got);
	free(sent);
	free(got);
	return false;
}

/* closing_code - after these the server may close (5321 3.8, 4.2.3;
 * 521: RFC 7504). */
static bool
closing_code(int code)
{
	return code == 421 || code == 521 || code == 221;
}

static void
sent_add(struct fz_sess *s, size_t ui)
{
	struct fuzz_outcome *o = s->o;

	o->sent = xreallocarray(o->sent, o->nsent + 1, sizeof(*o->sent));
	o->sent[o->nsent].unit = ui;
	o->sent[o->nsent].got = 0;
	o->sent[o->nsent].first_code = -1;
	o->nsent++;
}

static struct fuzz_sent *
sent_last(struct fz_sess *s)
{
	return &s->o->sent[s->o->nsent - 1];
}

/*
 * out_of_step - a 354 came where no DATA was answered. Only DATA gets 354
 * (5321 4.1.1.4), so the replies no longer line up with the commands: an
 * earlier write was answered more or fewer times than it had lines (the
 * server then reads the next commands as message text, which looks like
 * a hang if not caught here).
 */
static void
out_of_step(struct fz_sess *s, size_t ui, const struct fuzz_unit *u)
{
	char *sent = show(u->bytes, u->len);

	finding(s, FUZZ_REPLY_COUNT, (ssize_t)ui, "a 354 answered \"%s\", "
	    "which is not DATA: the replies are out of step with the "
	    "commands", sent);
	free(sent);
}

/*
 * expect_n - read n replies for unit ui. Returns true when they came
 * (or the server said it is closing); false after a finding or a stop.
 */
static bool
expect_n(struct fz_sess *s, size_t ui, int n)
{
	const struct fuzz_unit *u = &s->c->u[ui];
	struct fuzz_sent *fs = sent_last(s);
	enum fz_read rs;
	char *sent;
	int i;

	for (i = 0; i < n; i++) {
		rs = read_reply(s, sc_now_us() + s->t->reply_ms * 1000);
		if (rs == FR_REPLY) {
			if (i == 0)
				s->latency = sc_now_us() - s->sent_at;
			fs->got++;
			if (fs->first_code < 0)
				fs->first_code = s->rep.code;
			if (!reply_ok(s, (ssize_t)ui, u))
				return false;
			if (s->rep.code == 354 && (!(u->flags & FU_DATA) ||
			    i != n - 1)) {
				out_of_step(s, ui, u);
				return false;
			}
			if (closing_code(s->rep.code)) {
				s->closing = true;
				return true;
			}
			continue;
		}
		sent = show(u->bytes, u->len);
		if (rs == FR_TIMEOUT && i == 0)
			finding(s, FUZZ_HANG, (ssize_t)ui, "no reply within "
			    "%ld ms to \"%s\"", s->t->reply_ms, sent);
		else if (rs == FR_TIMEOUT)
			finding(s, FUZZ_REPLY_COUNT, (ssize_t)ui, "%d of %d "
			    "replies within %ld ms to \"%s\"", i, n,
			    s->t->reply_ms, sent);
		else if (s->closing)
			s->stop = true;
		else
			finding(s, FUZZ_DROPPED, (ssize_t)ui, "the connection "
			    "closed after %d of %d replies, without 421, to "
			    "\"%s\"", i, n, sent);
		free(sent);
		return false;
	}
	return true;
}

/* quiet - no further reply within the window: else a finding of cls. */
static bool
quiet(struct fz_sess *s, size_t ui, long min_ms, enum fuzz_class cls,
    const char *what)
{
	const struct fuzz_unit *u = &s->c->u[ui];
	int64_t win = s->latency * FUZZ_QUIET_LATENCIES;
	enum fz_read rs;
	char *sent, *got;

	if (win < min_ms * 1000)
		win = min_ms * 1000;
	if (win > FUZZ_QUIET_MAX_MS * 1000)
		win = FUZZ_QUIET_MAX_MS * 1000;
	rs = read_reply(s, sc_now_us() + win);
	if (rs != FR_REPLY)
		return true;
	if (!reply_ok(s, (ssize_t)ui, u))
		return false;
	if (s->rep.code == 421) {
		/* a server may say it is closing at any time (5321 3.8) */
		s->closing = true;
		s->stop = true;
		return true;
	}
	sent_last(s)->got++;
	sent = show(u->bytes, u->len);
	got = show(s->rep.raw, s->rep.rawlen);
	finding(s, cls, (ssize_t)ui, "%s: \"%s\" after \"%s\"", what, got,
	    sent);
	free(sent);
	free(got);
	return false;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* write_unit - the unit's octets as planned: one write, two, or one by
 * one. False after a finding or when the server is gone. */
static bool
write_unit(struct fz_sess *s, size_t ui, const struct fuzz_unit *u)
{
	struct sc_err err = { 0 };
	int64_t dl = sc_now_us() + s->t->reply_ms * 1000;
	enum conn_status cs = CONN_OK;
	size_t i;

	if (u->drip_ms > 0) {
		for (i = 0; i < u->len && cs == CONN_OK; i++) {
			cs = conn_write(s->conn, u->bytes + i, 1, dl, &err);
			if (i + 1 < u->len)
				pause_ms(u->drip_ms);
		}
	} else if (u->split > 0 && u->split < u->len) {
		cs = conn_write(s->conn, u->bytes, u->split, dl, &err);
		if (cs == CONN_OK) {
			pause_ms(5);
			cs = conn_write(s->conn, u->bytes + u->split,
			    u->len - u->split, dl, &err);
		}
	} else {
		cs = conn_write(s->conn, u->bytes, u->len, dl, &err);
	}
	s->sent_at = sc_now_us();
	if (cs == CONN_OK)
		return true;
	if (s->closing || (u->flags & FU_CLOSE)) {
		s->stop = true;
		return false;
	}
	if (cs == CONN_TIMEOUT) {
		char *sent = show(u->bytes, u->len);

		finding(s, FUZZ_HANG, (ssize_t)ui, "the server stopped "
		    "reading for %ld ms while \"%s\" was sent", s->t->reply_ms,
		    sent);
		free(sent);
		return false;
	}
	{
		char *sent = show(u->bytes, u->len);

		finding(s, FUZZ_DROPPED, (ssize_t)ui, "the connection was "
		    "closed or reset, without 421, while \"%s\" was sent: %s",
		    sent, err.msg);
		free(sent);
	}
	return false;
}

/* keywords - what the EHLO reply just read offers. */
static void
keywords(struct fz_sess *s)
{
	const char *params;

	s->pipelining = smtp_ehlo_find(&s->rep, "PIPELINING", &params) !=
	    NULL;
	s->chunking = smtp_ehlo_find(&s->rep, "CHUNKING", &params) != NULL;
	s->starttls = smtp_ehlo_find(&s->rep, "STARTTLS", &params) != NULL;
}

/* handshake - TLS on the connection, any certificate. */
static bool
handshake(struct fz_sess *s)
{
	struct sc_err err = { 0 };

	if (conn_start_tls(s->conn, s->t->tls, s->t->host, NULL,
	    sc_now_us() + s->t->reply_ms * 1000, NULL, &err) != CONN_OK) {
		s->stop = true;		/* not a finding: TLS is not ours */
		return false;
	}
	smtp_rparser_reset(s->rp);
	s->pipelining = s->chunking = s->starttls = false;
	return true;
}

/* play_starttls - "STARTTLS\r\nCMD\r\n": after the 220 nothing may come
 * in clear, and nothing may answer CMD inside TLS (RFC 3207 4.2). */
static void
play_starttls(struct fz_sess *s, size_t ui, const struct fuzz_unit *u)
{
	char *got;

	if (!expect_n(s, ui, 1) || s->closing)
		return;
	if (s->rep.code != 220) {	/* refused: CMD is answered */
		if (expect_n(s, ui, 1))
			quiet(s, ui, 0, FUZZ_REPLY_COUNT, "an extra reply");
		return;
	}
	smtp_reply_clear(&s->rep);
	s->has_rep = false;
	if (smtp_rparser_next(s->rp, &s->rep) == SMTP_RPARSE_REPLY) {
		s->has_rep = true;
		got = show(s->rep.raw, s->rep.rawlen);
		finding(s, FUZZ_TLS_INJECTION, (ssize_t)ui, "the command "
		    "behind STARTTLS was answered in clear after the 220: "
		    "\"%s\"", got);
		free(got);
		return;
	}
	if (!handshake(s))
		return;
	quiet(s, ui, FZ_TLS_QUIET_MS, FUZZ_TLS_INJECTION, "the command "
	    "sent before the TLS handshake was answered inside TLS");
}

/* play_unit - send unit ui and judge what comes back. */
static void
play_unit(struct fz_sess *s, size_t ui)
{
	const struct fuzz_unit *u = &s->c->u[ui];
	bool content = u->flags & FU_CONTENT;

	if (content != s->in_data) {
		if (s->in_data)		/* the plan has no text here */
			s->stop = true;
		return;			/* no 354: the text is not sent */
	}
	if (((u->flags & FU_NEED_PIPELINING) && !s->pipelining) ||
	    ((u->flags & FU_NEED_CHUNKING) && !s->chunking) ||
	    ((u->flags & FU_NEED_STARTTLS) && (!s->starttls ||
	    s->t->tls == NULL || conn_is_tls(s->conn))))
		return;
	if (u->expect == FE_SECURE && (conn_is_tls(s->conn) ||
	    s->t->tls == NULL))
		return;
	sent_add(s, ui);
	if (!write_unit(s, ui, u))
		return;
	if (u->flags & FU_CLOSE) {
		s->stop = true;
		return;
	}
	switch (u->expect) {
	case FE_REPLIES:
		if (!expect_n(s, ui, u->nreplies) || s->closing)
			break;
		if ((u->flags & FU_EHLO) && sent_last(s)->first_code == 250 &&
		    u->nreplies == 1)
			keywords(s);
		if (content)
			s->in_data = false;
		if ((u->flags & FU_DATA) && s->rep.code == 354)
			s->in_data = true;
		quiet(s, ui, (u->flags & FU_COUNT) ? FUZZ_QUIET_MIN_MS : 0,
		    FUZZ_REPLY_COUNT, "an extra reply");
		break;
	case FE_REFUSED:
		if (!expect_n(s, ui, 1) || s->closing)
			break;
		if (s->rep.code >= 200 && s->rep.code <= 299) {
			char *sent = show(u->bytes, u->len);
			char *got = show(s->rep.raw, s->rep.rawlen);

			finding(s, FUZZ_ACCEPTED_INVALID, (ssize_t)ui,
			    "\"%s\" (%s) was accepted: \"%s\"", sent,
			    u->op != NULL ? u->op : "invalid", got);
			free(sent);
			free(got);
			break;
		}
		quiet(s, ui, 0, FUZZ_REPLY_COUNT, "an extra reply");
		break;
	case FE_SMUGGLE:
		s->in_data = false;
		if (!expect_n(s, ui, 1) || s->closing)
			break;
		quiet(s, ui, FZ_SMUGGLE_QUIET_MS, FUZZ_SMUGGLING,
		    "a command hidden behind a false end of data was answered");
		break;
	case FE_STARTTLS:
		play_starttls(s, ui, u);
		break;
	case FE_SECURE:
		if (!expect_n(s, ui, 1) || s->closing)
			break;
		if (s->rep.code != 220)
			s->stop = true;
		else
			handshake(s);
		break;
	case FE_NONE:
		break;
	}
	if (u->flags & FU_QUIT)
		s->stop = true;
}

enum fuzz_class
fuzz_drive(const struct fuzz_target *t, const struct fuzz_case *c,
    struct fuzz_outcome *o)
{
	struct fz_sess s;
	struct sc_err err = { 0 };
	enum conn_status cs;
	enum fz_read rs;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->unit = -1;
	o->greeting = -1;
	memset(&s, 0, sizeof(s));
	s.t = t;
	s.c = c;
	s.o = o;
	if (t->before_connect != NULL)
		t->before_connect(t->arg);
	cs = conn_connect(t->host, t->port, sc_now_us() +
	    SC_CONNECT_TIMEOUT_MS * 1000L, &s.conn, &err);
	if (cs != CONN_OK) {
		finding(&s, FUZZ_CRASH, -1, "a new connection failed: %s",
		    err.msg);
		return o->cls;
	}
	s.rp = smtp_rparser_new();
	if (t->implicit_tls && !handshake(&s))
		goto out;
	s.sent_at = sc_now_us();
	rs = read_reply(&s, sc_now_us() + t->reply_ms * 1000);
	if (rs == FR_TIMEOUT) {
		finding(&s, FUZZ_HANG, -1, "no greeting within %ld ms",
		    t->reply_ms);
		goto out;
	}
	if (rs != FR_REPLY) {
		finding(&s, FUZZ_DROPPED, -1, "the connection closed before "
		    "the greeting");
		goto out;
	}
	o->greeting = s.rep.code;
	if (!reply_ok(&s, -1, NULL) || s.rep.code != 220)
		goto out;	/* 554: not willing to talk to us */
	for (i = 0; i < c->n && !s.stop; i++)
		play_unit(&s, i);
out:
	if (s.has_rep)
		smtp_reply_clear(&s.rep);
	smtp_rparser_free(s.rp);
	conn_free(s.conn);
	return o->cls;
}

enum fuzz_class
fuzz_alive(const struct fuzz_target *t, char **detail)
{
	struct sc_err err = { 0 };
	struct conn *c = NULL;
	struct smtp_rparser *rp;
	struct smtp_reply rep;
	enum fuzz_class cls = FUZZ_OK;
	enum conn_status cs;
	int64_t dl;
	char buf[4096];
	size_t n;

	*detail = NULL;
	if (t->before_connect != NULL)
		t->before_connect(t->arg);
	cs = conn_connect(t->host, t->port, sc_now_us() +
	    SC_CONNECT_TIMEOUT_MS * 1000L, &c, &err);
	if (cs != CONN_OK) {
		*detail = xasprintf("liveness probe: a new connection "
		    "failed: %s", err.msg);
		return FUZZ_CRASH;
	}
	dl = sc_now_us() + t->reply_ms * 1000;
	if (t->implicit_tls && conn_start_tls(c, t->tls, t->host, NULL, dl,
	    NULL, &err) != CONN_OK) {
		*detail = xasprintf("liveness probe: the TLS handshake "
		    "failed: %s", err.msg);
		conn_free(c);
		return FUZZ_CRASH;
	}
	rp = smtp_rparser_new();
	memset(&rep, 0, sizeof(rep));
	for (;;) {
		if (smtp_rparser_next(rp, &rep) == SMTP_RPARSE_REPLY) {
			smtp_reply_clear(&rep);
			(void)conn_write(c, "QUIT\r\n", 6, dl, &err);
			break;
		}
		cs = conn_read(c, buf, sizeof(buf), &n, dl, &err);
		if (cs == CONN_OK && smtp_rparser_feed(rp, buf, n) == 0)
			continue;
		if (cs == CONN_TIMEOUT) {
			*detail = xasprintf("liveness probe: no greeting "
			    "within %ld ms", t->reply_ms);
			cls = FUZZ_HANG;
		} else {
			*detail = xasprintf("liveness probe: the connection "
			    "closed before the greeting%s%s", err.msg[0] ?
			    ": " : "", err.msg);
			cls = FUZZ_CRASH;
		}
		break;
	}
	smtp_rparser_free(rp);
	conn_free(c);
	return cls;
}
