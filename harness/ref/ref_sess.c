/* SPDX-License-Identifier: ISC */
/*
 * ref_sess.c - one smtpref connection: framing, buffers, flushing.
 *
 * Input is parsed as soon as it arrives, every complete command in order;
 * replies queue in the output buffer and are written when the input runs
 * dry (RFC 2920 3.2), so a pipelined group gets its replies in one write.
 * If the client does not read its replies, parsing stops at REF_OUT_HIWAT
 * and reading stops with it: both buffers stay bounded. A command line is
 * ended by CRLF only (5321 2.3.8): a bare CR or LF stays inside the line.
 * Lines over REF_LINE_HOLD_MAX are discarded up to the next CRLF and get
 * one 500 (5321 4.5.3.1.4), so a long line never turns into two commands.
 * Deadlines (5321 4.5.3.2): a whole command line must arrive within
 * timeout_command of the previous one (so one octet a second does not
 * keep a session), DATA content within timeout_data of the last read.
 */
#include "ref_sess.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ref_conf.h"
#include "ref_data.h"
#include "ref_server.h"
#include "ref_smtp.h"
#include "sc_util.h"

#define REF_SPLIT_AT	4096	/* fault split-at-4096 */
#define REF_LOG_LINE_MAX 1024	/* one -v log line */

static void ref_sess_on_io(void *, unsigned);
static void ref_sess_on_deadline(void *);
static void ref_sess_on_slow(void *);

/* ref_sess_log - "sess=ID ..." to stderr with -v. */
void
ref_sess_log(const struct ref_sess *s, const char *fmt, ...)
{
	char line[REF_LOG_LINE_MAX];
	va_list ap;

	if (s->conf->verbose == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "smtpref: sess=%lu %s\n", s->id, line);
}

/* ref_sess_peer - "[1.2.3.4]" or "[IPv6:...]" for logs and Received. */
static void
ref_sess_peer(struct ref_sess *s, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, ip, sizeof(ip)) == NULL) {
		snprintf(s->peer, sizeof(s->peer), "[unknown]");
		return;
	}
	snprintf(s->peer, sizeof(s->peer), "[%s%s]",
	    sa->sa_family == AF_INET6 ? "IPv6:" : "", ip);
}

/* ref_sess_new - set up and greet. */
struct ref_sess *
ref_sess_new(struct ref_server *srv, int fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	struct ref_sess *s;
	int one = 1;

	(void)peerlen;
	s = xcalloc(1, sizeof(*s));
	s->srv = srv;
	s->conf = srv->conf;
	s->id = ++srv->next_id;
	s->io.fd = -1;
	s->in = xmalloc(REF_INBUF_MAX);
	s->out = xmalloc(REF_OUTBUF_MAX);
	ref_sess_peer(s, peer);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ref_loop_add(srv->loop, &s->io, fd, REF_LOOP_IN, ref_sess_on_io,
	    s) == -1) {
		close(fd);
		s->io.fd = -1;
		ref_sess_free(s);
		return NULL;
	}
	ref_sess_log(s, "ev=connect peer=%s", s->peer);
	ref_smtp_start(s);
	return s;
}

/* ref_sess_free - abort, unregister, close; copes with a half-built one. */
void
ref_sess_free(struct ref_sess *s)
{
	if (s == NULL)
		return;
	ref_smtp_tx_free(s->tx);
	s->tx = NULL;
	ref_loop_del(s->srv->loop, &s->io);
	ref_loop_timer_cancel(s->srv->loop, &s->deadline);
	ref_loop_timer_cancel(s->srv->loop, &s->slow);
	if (s->io.fd != -1)
		close(s->io.fd);
	free(s->in);
	free(s->out);
	free(s);
}

/* ref_sess_kill - close now; freed after dispatch. */
void
ref_sess_kill(struct ref_sess *s, const char *why)
{
	if (s->state == REF_SMTP_CLOSED)
		return;
	ref_sess_log(s, "ev=close reason=%s", why);
	ref_loop_del(s->srv->loop, &s->io);
	ref_loop_timer_cancel(s->srv->loop, &s->deadline);
	ref_loop_timer_cancel(s->srv->loop, &s->slow);
	ref_smtp_enter_state(s, REF_SMTP_CLOSED);
	ref_server_kill(s->srv, s);
}

/* ref_sess_arm - deadline for the current state (5321 4.5.3.2). */
void
ref_sess_arm(struct ref_sess *s)
{
	long ms;

	switch (s->state) {
	case REF_SMTP_CLOSED:
		return;
	case REF_SMTP_DATA:
		ms = s->conf->timeout_data_ms;
		break;
	case REF_SMTP_CLOSING:
		ms = REF_CLOSE_FLUSH_MS;
		break;
	default:
		ms = s->conf->timeout_command_ms;
		break;
	}
	ref_loop_timer_arm(s->srv->loop, &s->deadline, ms,
	    ref_sess_on_deadline, s);
}

/* ref_sess_send - queue reply bytes. */
void
ref_sess_send(struct ref_sess *s, const char *p, size_t n)
{
	if (s->state == REF_SMTP_CLOSED)
		return;
	if (s->outoff > 0 && s->outlen + n > REF_OUTBUF_MAX) {
		memmove(s->out, s->out + s->outoff, s->outlen - s->outoff);
		s->outlen -= s->outoff;
		s->outoff = 0;
	}
	if (s->outlen + n > REF_OUTBUF_MAX) {
		/* Parsing stops at REF_OUT_HIWAT, far below: our bug. */
		ref_sess_kill(s, "output-overflow");
		return;
	}
	memcpy(s->out + s->outlen, p, n);
	s->outlen += n;
}

/* ref_sess_drop_input - forget unparsed input. */
void
ref_sess_drop_input(struct ref_sess *s)
{
	s->inoff = s->inlen = 0;
	s->discarding = false;
}

/*
 * ref_sess_eol - find the end of the command line in p[0..n): the first
 * CRLF. *linelen gets the octets before it, *eol the terminator's length.
 */
static bool
ref_sess_eol(const struct ref_sess *s, const char *p, size_t n,
    size_t *linelen, size_t *eol)
{
	const char *q = p, *lf;

	while ((lf = memchr(q, '\n', n - (size_t)(q - p))) != NULL) {
		if (lf > p && lf[-1] == '\r') {
			*linelen = (size_t)(lf - p) - 1;
			*eol = 2;
			return true;
		}
		if (REF_FAULT(s, LF_TERMINATOR)) {
			*linelen = (size_t)(lf - p);
			*eol = 1;
			return true;
		}
		q = lf + 1;
	}
	return false;
}

/*
 * ref_sess_parse - run every complete unit of input (command line or DATA
 * bytes). Returns true when it stopped because replies piled up.
 */
static bool
ref_sess_parse(struct ref_sess *s)
{
	const char *p;
	size_t n, linelen = 0, eol = 0;
	bool found;

	while (s->inoff < s->inlen) {
		if (s->state == REF_SMTP_CLOSING || s->state == REF_SMTP_CLOSED)
			return false;
		if (s->outlen - s->outoff >= REF_OUT_HIWAT)
			return true;
		p = s->in + s->inoff;
		n = s->inlen - s->inoff;
		if (s->state == REF_SMTP_DATA) {
			s->inoff += ref_data_feed(s, p, n);
			continue;
		}
		found = ref_sess_eol(s, p, n, &linelen, &eol);
		if (!s->discarding && (found ? linelen : n) >= REF_SPLIT_AT &&
		    REF_FAULT(s, SPLIT_4096)) {
			s->inoff += REF_SPLIT_AT;
			ref_smtp_line(s, p, REF_SPLIT_AT, REF_SPLIT_AT);
			ref_sess_arm(s);
			continue;
		}
		if (found) {
			s->inoff += linelen + eol;
			if (s->discarding) {
				s->discarding = false;
				ref_smtp_too_long(s);
			} else {
				ref_smtp_line(s, p, linelen, linelen + eol);
			}
			/* The wait for the next command starts now. */
			ref_sess_arm(s);
			continue;
		}
		if (s->discarding || n >= REF_LINE_HOLD_MAX) {
			/* Keep a trailing CR: its LF may come next. */
			s->discarding = true;
			s->inoff = s->inlen - (p[n - 1] == '\r' ? 1 : 0);
		}
		break;
	}
	return false;
}

/* ref_sess_flush - write queued replies. */
static void
ref_sess_flush(struct ref_sess *s)
{
	ssize_t w;

	if (s->outoff == s->outlen || s->state == REF_SMTP_CLOSED)
		return;
	if (REF_FAULT(s, SLOW_REPLY) && !s->slow_due) {
		if (!ref_loop_timer_is_armed(&s->slow))
			ref_loop_timer_arm(s->srv->loop, &s->slow,
			    REF_SLOW_REPLY_MS, ref_sess_on_slow, s);
		return;
	}
	while (s->outoff < s->outlen) {
		w = send(s->io.fd, s->out + s->outoff, s->outlen - s->outoff,
		    MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			ref_sess_kill(s, "write-error");
			return;
		}
		s->outoff += (size_t)w;
	}
	s->outoff = s->outlen = 0;
	s->slow_due = false;
}

/*
 * ref_sess_update - parse what can be parsed, flush, and watch for what
 * the session waits on next. Called after every event.
 */
void
ref_sess_update(struct ref_sess *s)
{
	unsigned want = 0;
	bool stalled;

	for (;;) {
		stalled = ref_sess_parse(s);
		ref_sess_flush(s);
		if (s->state == REF_SMTP_CLOSED)
			return;
		if (!stalled || s->outlen - s->outoff >= REF_OUT_HIWAT)
			break;
	}
	if (s->inoff == s->inlen)
		s->inoff = s->inlen = 0;
	else if (s->inoff > 0) {
		memmove(s->in, s->in + s->inoff, s->inlen - s->inoff);
		s->inlen -= s->inoff;
		s->inoff = 0;
	}
	/* The peer is gone and nothing it sent can run any more. */
	if (s->in_eof && !stalled && s->state != REF_SMTP_CLOSING) {
		ref_sess_log(s, "ev=eof state=%s",
		    ref_smtp_state_str(s->state));
		ref_smtp_enter_state(s, REF_SMTP_CLOSING);
	}
	if (s->state == REF_SMTP_CLOSING && s->outoff == s->outlen) {
		ref_sess_kill(s, "closed");
		return;
	}
	if (!s->in_eof && s->state != REF_SMTP_CLOSING &&
	    s->inlen < REF_INBUF_MAX && s->outlen - s->outoff < REF_OUT_HIWAT)
		want |= REF_LOOP_IN;
	if (s->outoff < s->outlen &&
	    !(REF_FAULT(s, SLOW_REPLY) && !s->slow_due))
		want |= REF_LOOP_OUT;
	ref_loop_want(s->srv->loop, &s->io, want);
}

/* ref_sess_read - one recv into the input buffer. */
static void
ref_sess_read(struct ref_sess *s)
{
	ssize_t r;

	if (s->in_eof || s->inlen >= REF_INBUF_MAX)
		return;
	r = recv(s->io.fd, s->in + s->inlen, REF_INBUF_MAX - s->inlen, 0);
	if (r > 0) {
		s->inlen += (size_t)r;
		/* Content may take long but must keep coming; a command must
		 * be whole within its timeout, so a drip gets 421. */
		if (s->state == REF_SMTP_DATA)
			ref_sess_arm(s);
	} else if (r == 0) {
		s->in_eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		ref_sess_kill(s, "read-error");
	}
}

/* ref_sess_on_io - socket readiness. */
static void
ref_sess_on_io(void *arg, unsigned events)
{
	struct ref_sess *s = arg;

	if (s->state == REF_SMTP_CLOSED)
		return;
	if (events & (REF_LOOP_IN | REF_LOOP_ERR))
		ref_sess_read(s);
	if (s->state == REF_SMTP_CLOSED)
		return;
	ref_sess_update(s);
}

/* ref_sess_on_deadline - the state's deadline passed. */
static void
ref_sess_on_deadline(void *arg)
{
	struct ref_sess *s = arg;

	if (s->state == REF_SMTP_CLOSING) {
		ref_sess_kill(s, "flush-timeout");
		return;
	}
	ref_smtp_timeout(s);
	ref_sess_update(s);
}

/* ref_sess_on_slow - fault slow-reply: the held replies may go now. */
static void
ref_sess_on_slow(void *arg)
{
	struct ref_sess *s = arg;

	s->slow_due = true;
	ref_sess_update(s);
}
