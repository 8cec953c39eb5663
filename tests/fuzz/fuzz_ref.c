/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ref.c - one smtpref session on a socketpair, driven by hand
 * (fuzz_ref.h says how). Nothing in harness/ref is changed for it: the
 * session is made and linked as ref_server_on_accept() does, and run
 * through the callback it registered in its struct ref_loop_io.
 */
#include "fuzz_ref.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "ref_conf.h"
#include "ref_server.h"
#include "ref_smtp.h"
#include "sc_esc.h"
#include "sc_util.h"
#include "smtp_reply.h"

/* What no smtpref reply may carry without a fault on: the reply parser's
 * hard errors, and lines over 512 octets or with control octets (5321
 * 4.2, 4.5.3.1.5; only the echo-raw fault sends such). 8-bit text is
 * allowed: a UTF-8 EHLO name or address may be quoted back. */
#define FZ_REPLY_BAD	(SMTP_REPLY_F_BAD_CODE | SMTP_REPLY_F_MIXED_CODE | \
	SMTP_REPLY_F_BARE_LF | SMTP_REPLY_F_BARE_CR | SMTP_REPLY_F_BAD_SEP | \
	SMTP_REPLY_F_HUGE_LINE | SMTP_REPLY_F_TOO_MANY | \
	SMTP_REPLY_F_LONG_LINE | SMTP_REPLY_F_NUL | SMTP_REPLY_F_CTRL | \
	SMTP_REPLY_F_CODE_ONLY)
#define FZ_PUMP_MAX	100000	/* rounds without the session settling:
				 * it spins, as it would in the loop */
#define FZ_LINE_MAX	(64 * 1024 + 2)

static struct ref_conf fz_conf;
static struct ref_server *fz_srv;

/* fz_ref_init - the server, once: sink, no TLS, AUTH in clear. */
static void
fz_ref_init(void)
{
	struct sc_err err;

	if (fz_srv != NULL)
		return;
	memset(&err, 0, sizeof(err));
	ref_conf_init(&fz_conf);
	fz_conf.auth_clear = true;
	fz_conf.listen = xstrdup("127.0.0.1:0");	/* required; never bound */
	if (ref_conf_finish(&fz_conf, &err) == -1)
		FZ_FAIL("ref_conf_finish: %s", err.msg);
	/* As ref_conf_finish loads them from --auth-users. */
	fz_conf.creds = xcalloc(1, sizeof(*fz_conf.creds));
	fz_conf.creds[0].user = xstrdup("alice");
	fz_conf.creds[0].password = xstrdup("secret");
	fz_conf.ncreds = 1;
	/* As ref_server_new builds it, without the listener. */
	fz_srv = xcalloc(1, sizeof(*fz_srv));
	fz_srv->conf = &fz_conf;
	fz_srv->lfd = -1;
	fz_srv->loop = ref_loop_new();
	if (fz_srv->loop == NULL)
		FZ_FAIL("ref_loop_new: %s", strerror(errno));
}

/* fz_ref_reap - the loop's after-dispatch hook (ref_server_reap). */
static void
fz_ref_reap(struct fz_ref *f)
{
	struct ref_sess *d;

	while ((d = fz_srv->dead) != NULL) {
		fz_srv->dead = d->next;
		if (d == f->s)
			f->s = NULL;
		ref_sess_free(d);
	}
}

/* fz_ref_drain - read and check every reply waiting; true if any byte
 * came. */
static bool
fz_ref_drain(struct fz_ref *f)
{
	char buf[4096], flags[256], *esc;
	struct smtp_reply r;
	bool got = false;
	ssize_t n;

	for (;;) {
		n = recv(f->fd, buf, sizeof(buf), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got = true;
		if (smtp_rparser_feed(f->rp, buf, (size_t)n) == -1)
			FZ_FAIL("more than %d bytes without a whole reply",
			    SC_RECV_BUF_MAX);
		while (smtp_rparser_next(f->rp, &r) == SMTP_RPARSE_REPLY) {
			if (r.flags & FZ_REPLY_BAD) {
				smtp_reply_flags_str(r.flags, flags,
				    sizeof(flags));
				esc = sc_esc(r.raw, r.rawlen, 600);
				FZ_FAIL("reply %zu is malformed (%s): \"%s\"",
				    f->nreplies, flags, esc);
			}
			f->nreplies++;
			f->last_code = r.code;
			smtp_reply_clear(&r);
		}
	}
	return got;
}

/* fz_ref_pump - dispatch until nothing moves (the loop, with poll). */
void
fz_ref_pump(struct fz_ref *f)
{
	struct pollfd pfd;
	struct ref_sess *s;
	unsigned ev;
	bool moved;
	int rounds;

	for (rounds = 0; rounds < FZ_PUMP_MAX; rounds++) {
		moved = fz_ref_drain(f);
		if ((s = f->s) == NULL) {
			if (!moved)
				return;
			continue;
		}
		if (!s->io.added)
			FZ_FAIL("live session (state %s) not watched",
			    ref_smtp_state_str(s->state));
		pfd.fd = s->io.fd;
		pfd.events = 0;
		if (s->io.events & REF_LOOP_IN)
			pfd.events |= POLLIN;
		if (s->io.events & REF_LOOP_OUT)
			pfd.events |= POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 && pfd.revents != 0) {
			ev = 0;
			if (pfd.revents & POLLIN)
				ev |= REF_LOOP_IN;
			if (pfd.revents & POLLOUT)
				ev |= REF_LOOP_OUT;
			if (pfd.revents & (POLLERR | POLLHUP))
				ev |= REF_LOOP_ERR;
			s->io.fn(s->io.arg, ev);
			fz_ref_reap(f);
			moved = true;
		}
		fz_ref_check(f);
		if (!moved)
			return;
	}
	FZ_FAIL("session still busy after %d rounds", FZ_PUMP_MAX);
}

/* fz_ref_open - accept, as ref_server_on_accept does, and greet. */
void
fz_ref_open(struct fz_ref *f)
{
	struct sockaddr_in sin;
	struct ref_sess *s;
	int sv[2];

	fz_ref_init();
	memset(f, 0, sizeof(*f));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		FZ_FAIL("socketpair: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = ref_sess_new(fz_srv, sv[0], (struct sockaddr *)&sin, sizeof(sin));
	if (s == NULL)
		FZ_FAIL("ref_sess_new failed");
	s->next = fz_srv->sessions;
	if (fz_srv->sessions != NULL)
		fz_srv->sessions->prev = s;
	fz_srv->sessions = s;
	fz_srv->nsessions++;
	f->s = s;
	f->fd = sv[1];
	f->rp = smtp_rparser_new();
	if (s->state == REF_SMTP_CLOSED)
		ref_server_kill(fz_srv, s);
	else
		ref_sess_update(s);
	fz_ref_reap(f);
	fz_ref_pump(f);
	if (f->s == NULL || f->nreplies != 1 || f->last_code != 220)
		FZ_FAIL("no 220 greeting (%zu replies, last %d)", f->nreplies,
		    f->last_code);
}

/* fz_ref_write - send all of p, letting the session read when full. */
bool
fz_ref_write(struct fz_ref *f, const void *p, size_t n)
{
	const char *q = p;
	bool retried = false;
	ssize_t w;

	while (n > 0) {
		if (f->s == NULL)
			return false;
		w = send(f->fd, q, n, MSG_NOSIGNAL);
		if (w > 0) {
			q += w;
			n -= (size_t)w;
			retried = false;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    !retried) {
			fz_ref_pump(f);
			retried = true;
			continue;
		}
		return false;	/* closed, or no longer reading */
	}
	return true;
}

/* fz_ref_line - one line and CRLF in one write, then run it. */
size_t
fz_ref_line(struct fz_ref *f, const char *p, size_t n)
{
	static char buf[FZ_LINE_MAX];
	size_t before = f->nreplies;

	if (n > sizeof(buf) - 2)
		FZ_FAIL("line of %zu bytes", n);
	memcpy(buf, p, n);
	memcpy(buf + n, "\r\n", 2);
	fz_ref_write(f, buf, n + 2);
	fz_ref_pump(f);
	return f->nreplies - before;
}

/* fz_ref_cmd - fz_ref_line for a string. */
size_t
fz_ref_cmd(struct fz_ref *f, const char *line)
{
	return fz_ref_line(f, line, strlen(line));
}

/* fz_ref_check - what ref_sess.h and ref_smtp.c promise of the state. */
void
fz_ref_check(const struct fz_ref *f)
{
	const struct ref_sess *s = f->s;
	const char *st;

	if (s == NULL)
		return;
	st = ref_smtp_state_str(s->state);
	if (s->inoff > s->inlen || s->inlen > REF_INBUF_MAX ||
	    s->outoff > s->outlen || s->outlen > REF_OUTBUF_MAX)
		FZ_FAIL("buffers out of bounds: in %zu/%zu out %zu/%zu",
		    s->inoff, s->inlen, s->outoff, s->outlen);
	switch (s->state) {
	case REF_SMTP_INIT:
	case REF_SMTP_READY:
		if (s->tx != NULL)
			FZ_FAIL("state %s with a transaction", st);
		break;
	case REF_SMTP_MAIL:
		if (s->tx == NULL)
			FZ_FAIL("state %s without a transaction", st);
		break;
	case REF_SMTP_RCPT:
		if (s->tx == NULL || s->tx->nrcpts == 0)
			FZ_FAIL("state %s without a recipient", st);
		break;
	case REF_SMTP_DATA:
		if (s->tx == NULL || s->tx->un.done)
			FZ_FAIL("state %s with the content ended", st);
		break;
	case REF_SMTP_BDAT:
		if (s->chunk.left == 0)
			FZ_FAIL("state %s with the chunk read", st);
		if (s->chunk.code == 0 && s->tx == NULL)
			FZ_FAIL("state %s: accepted chunk, no transaction",
			    st);
		break;
	default:
		break;
	}
}

/* fz_ref_close - EOF from the client: the session must flush and go. */
void
fz_ref_close(struct fz_ref *f)
{
	size_t pending;

	shutdown(f->fd, SHUT_WR);
	fz_ref_pump(f);
	if (f->s != NULL)
		FZ_FAIL("session open after EOF, state %s",
		    ref_smtp_state_str(f->s->state));
	smtp_rparser_pending(f->rp, &pending);
	if (pending != 0)
		FZ_FAIL("%zu bytes of a partial reply at close", pending);
	close(f->fd);
	smtp_rparser_free(f->rp);
	memset(f, 0, sizeof(*f));
}
