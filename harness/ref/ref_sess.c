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
 * Lines over REF_LINE_HOLD_MAX (AUTH lines: REF_AUTH_LINE_MAX, see
 * ref_smtp_hold_max) are discarded up to the next CRLF and get one 500
 * (5321 4.5.3.1.4), so a long line never turns into two commands.
 * Deadlines (5321 4.5.3.2): a whole command line must arrive within
 * timeout_command of the previous one (so one octet a second does not
 * keep a session: unlike Postfix, which restarts its timer on every read,
 * the 5321 4.5.3.2.7 timer is read as per command), DATA content and
 * BDAT chunks (RFC 3030) within timeout_data of the last read.
 * STARTTLS (RFC 3207): ref_smtp.c queues the 220, drops the input behind
 * the command and enters REF_SMTP_TLS; here the 220 is flushed in clear,
 * nothing more is read in clear, and the handshake runs from the event
 * loop within timeout_command. A failed handshake closes the session.
 * From then on every read and write goes through the SSL.
 * Memory: the input and output buffers are taken (at their maximum) when
 * bytes arrive or a reply is queued, and given back as soon as they are
 * empty, to a small spare list (REF_BUF_SPARE_MAX), so an idle session
 * costs its struct and no buffer; 10,000 idle clients fit in a few MiB.
 * With --maildir a message's end of data holds the session (commit_pending)
 * until the server's group commit at the end of the loop round: its reply
 * waits for durability, and its later input waits for the reply.
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

#include "ref_bdat.h"
#include "ref_conf.h"
#include "ref_data.h"
#include "ref_server.h"
#include "ref_smtp.h"
#include "ref_tls.h"
#include "sc_util.h"

#define REF_SPLIT_AT	4096	/* fault split-at-4096 */

/* The input buffer must hold a whole AUTH line (RFC 4954 4). */
_Static_assert(REF_INBUF_MAX > REF_AUTH_LINE_MAX,
    "REF_INBUF_MAX cannot hold an AUTH line");
#define REF_LOG_LINE_MAX 1024	/* one -v log line */

static void ref_sess_on_io(void *, unsigned);
static void ref_sess_on_deadline(void *);
static void ref_sess_on_drop(void *);
static void ref_sess_on_slow(void *);
static void ref_sess_read(struct ref_sess *);

/* Emptied buffers of one size, kept for the next session that needs one:
 * single-threaded, so one list per kind for all sessions. */
struct ref_sess_spare {
	char	*bufs[REF_BUF_SPARE_MAX];
	size_t	 n;
};
static struct ref_sess_spare ref_sess_spare_in, ref_sess_spare_out;

/* ref_sess_buf_get - a buffer of size octets, from the spares if any. */
static char *
ref_sess_buf_get(struct ref_sess_spare *sp, size_t size)
{
	if (sp->n > 0)
		return sp->bufs[--sp->n];
	return xmalloc(size);
}

/* ref_sess_buf_put - give back an emptied buffer (NULL: nothing). */
static void
ref_sess_buf_put(struct ref_sess_spare *sp, char *buf)
{
	if (buf == NULL)
		return;
	if (sp->n < REF_BUF_SPARE_MAX)
		sp->bufs[sp->n++] = buf;
	else
		free(buf);
}

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
	ref_auth_init(&s->auth);
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
	ref_auth_clear(&s->auth);
	ref_loop_del(s->srv->loop, &s->io);
	ref_loop_timer_cancel(s->srv->loop, &s->deadline);
	ref_loop_timer_cancel(s->srv->loop, &s->slow);
	ref_tls_ssl_free(s->ssl);
	if (s->io.fd != -1)
		close(s->io.fd);
	ref_sess_buf_put(&ref_sess_spare_in, s->in);
	ref_sess_buf_put(&ref_sess_spare_out, s->out);
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
	case REF_SMTP_BDAT:
		ms = REF_FAULT(s, DATA_TIMEOUT_SHORT) ?
		    REF_FAULT_DATA_TIMEOUT_MS : s->conf->timeout_data_ms;
		break;
	case REF_SMTP_CLOSING:
		ms = REF_CLOSE_FLUSH_MS;
		break;
	case REF_SMTP_TLS:
		ms = s->conf->timeout_command_ms;
		break;
	default:
		if (REF_FAULT(s, IDLE_DROP)) {
			ref_loop_timer_arm(s->srv->loop, &s->deadline,
			    REF_FAULT_IDLE_DROP_MS, ref_sess_on_drop, s);
			return;
		}
		ms = REF_FAULT(s, IDLE_SHORT) ? REF_FAULT_IDLE_SHORT_MS :
		    s->conf->timeout_command_ms;
		break;
	}
	ref_loop_timer_arm(s->srv->loop, &s->deadline, ms,
	    ref_sess_on_deadline, s);
}

/* ref_sess_send - queue reply bytes. */
void
ref_sess_send(struct ref_sess *s, const char *p, size_t n)
{
	size_t i, j;

	if (s->state == REF_SMTP_CLOSED)
		return;
	if (s->outoff > 0 && s->outlen + n > REF_OUTBUF_MAX) {
		for (i = j = 0; i < s->nmarks; i++)
			if (s->marks[i] >= s->outoff)
				s->marks[j++] = s->marks[i] - s->outoff;
		s->nmarks = j;
		memmove(s->out, s->out + s->outoff, s->outlen - s->outoff);
		s->outlen -= s->outoff;
		s->outoff = 0;
	}
	if (s->outlen + n > REF_OUTBUF_MAX) {
		/* Parsing stops at REF_OUT_HIWAT, far below: our bug. */
		ref_sess_kill(s, "output-overflow");
		return;
	}
	if (s->out == NULL)
		s->out = ref_sess_buf_get(&ref_sess_spare_out, REF_OUTBUF_MAX);
	memcpy(s->out + s->outlen, p, n);
	s->outlen += n;
}

/* ref_sess_mark_reply - remember where the next reply starts. */
void
ref_sess_mark_reply(struct ref_sess *s)
{
	if (s->nmarks < sizeof(s->marks) / sizeof(s->marks[0]))
		s->marks[s->nmarks++] = s->outlen;
}

/*
 * ref_sess_reorder - fault pipelining-reorder: when three or more replies
 * wait unsent (a pipelined group, RFC 2920 3.1 wants them in order), swap
 * the 2nd and 3rd.
 */
static void
ref_sess_reorder(struct ref_sess *s)
{
	size_t a, b, end, la, lb;
	char *tmp;

	if (s->nmarks < 3 || s->marks[0] < s->outoff)
		return;
	a = s->marks[1];
	b = s->marks[2];
	end = s->nmarks > 3 ? s->marks[3] : s->outlen;
	la = b - a;
	lb = end - b;
	tmp = xmalloc(la);
	memcpy(tmp, s->out + a, la);
	memmove(s->out + a, s->out + b, lb);
	memcpy(s->out + a + lb, tmp, la);
	free(tmp);
	s->nmarks = 0;
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
		if (s->commit_pending)
			return false;
		if (s->state == REF_SMTP_CLOSING ||
		    s->state == REF_SMTP_CLOSED || s->state == REF_SMTP_TLS)
			return false;
		if (s->outlen - s->outoff >= REF_OUT_HIWAT)
			return true;
		p = s->in + s->inoff;
		n = s->inlen - s->inoff;
		if (s->state == REF_SMTP_DATA) {
			s->inoff += ref_data_feed(s, p, n);
			continue;
		}
		if (s->state == REF_SMTP_BDAT) {
			s->inoff += ref_bdat_feed(s, p, n);
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
		if (s->discarding || n >= ref_smtp_hold_max(s, p, n)) {
			/* Keep a trailing CR: its LF may come next. */
			s->discarding = true;
			s->inoff = s->inlen - (p[n - 1] == '\r' ? 1 : 0);
		}
		break;
	}
	return false;
}

/*
 * ref_sess_write - one write of p[0..n), in clear or through the SSL.
 * Returns the octets written, 0 when the socket is full (or OpenSSL waits
 * to read first: tls_want), -1 on error.
 */
static ssize_t
ref_sess_write(struct ref_sess *s, const char *p, size_t n)
{
	ssize_t w;

	if (s->ssl != NULL) {
		s->tls_want &= ~(unsigned)REF_LOOP_IN;
		w = ref_tls_write(s->ssl, p, n);
		if (w > 0)
			return w;
		if (w == REF_TLS_WANT_READ) {
			s->tls_want |= REF_LOOP_IN;
			return 0;
		}
		if (w == REF_TLS_WANT_WRITE)
			return 0;
		ref_sess_log(s, "ev=tls-write-error reason=\"%s\"",
		    ref_tls_err_str("closed"));
		return -1;
	}
	for (;;) {
		w = send(s->io.fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return w > 0 ? w : -1;
	}
}

/* ref_sess_flush - write queued replies. */
static void
ref_sess_flush(struct ref_sess *s)
{
	ssize_t w;

	if (s->outoff == s->outlen || s->state == REF_SMTP_CLOSED)
		return;
	if (REF_FAULT(s, PIPELINING_REORDER))
		ref_sess_reorder(s);
	if (REF_FAULT(s, SLOW_REPLY) && !s->slow_due) {
		if (!ref_loop_timer_is_armed(&s->slow))
			ref_loop_timer_arm(s->srv->loop, &s->slow,
			    REF_SLOW_REPLY_MS, ref_sess_on_slow, s);
		return;
	}
	while (s->outoff < s->outlen) {
		w = ref_sess_write(s, s->out + s->outoff,
		    s->outlen - s->outoff);
		if (w == 0)
			return;
		if (w < 0) {
			ref_sess_kill(s, "write-error");
			return;
		}
		s->outoff += (size_t)w;
	}
	s->outoff = s->outlen = 0;
	s->nmarks = 0;
	s->slow_due = false;
	ref_sess_buf_put(&ref_sess_spare_out, s->out);
	s->out = NULL;
}

/*
 * ref_sess_handshake - REF_SMTP_TLS with the 220 out: one step of the
 * server handshake; done, the session starts over (ref_smtp_tls_done).
 * Returns true when the handshake finished and the caller should go on
 * as in any other state.
 */
static bool
ref_sess_handshake(struct ref_sess *s)
{
	int rc;

	if (s->ssl == NULL) {
		s->ssl = ref_tls_ssl_new(s->srv->tls, s->io.fd);
		if (s->ssl == NULL) {
			ref_sess_log(s, "ev=tls-fail reason=\"%s\"",
			    ref_tls_err_str("SSL_new"));
			ref_sess_kill(s, "tls-setup");
			return false;
		}
	}
	rc = ref_tls_accept(s->ssl);
	switch (rc) {
	case REF_TLS_OK:
		s->tls = true;
		s->tls_want = 0;
		ref_sess_log(s, "ev=tls version=%s",
		    ref_tls_version(s->ssl));
		ref_smtp_tls_done(s);
		return true;
	case REF_TLS_WANT_READ:
		s->tls_want = REF_LOOP_IN;
		break;
	case REF_TLS_WANT_WRITE:
		s->tls_want = REF_LOOP_OUT;
		break;
	default:
		/* Always logged: a failed handshake is worth a line. */
		fprintf(stderr, "smtpref: sess=%lu ev=tls-fail peer=%s "
		    "reason=\"%s\"\n", s->id, s->peer,
		    ref_tls_err_str(rc == REF_TLS_EOF ? "peer closed" :
		    "handshake failed"));
		ref_sess_kill(s, "tls-handshake");
		return false;
	}
	ref_loop_want(s->srv->loop, &s->io, s->tls_want);
	return false;
}

/*
 * ref_sess_update - parse what can be parsed, flush, and watch for what
 * the session waits on next. Called after every event.
 */
void
ref_sess_update(struct ref_sess *s)
{
	unsigned want;
	bool stalled;

again:
	want = 0;
	for (;;) {
		stalled = ref_sess_parse(s);
		ref_sess_flush(s);
		if (s->state == REF_SMTP_CLOSED)
			return;
		if (!stalled || s->outlen - s->outoff >= REF_OUT_HIWAT)
			break;
	}
	if (s->inoff == s->inlen) {
		s->inoff = s->inlen = 0;
		ref_sess_buf_put(&ref_sess_spare_in, s->in);
		s->in = NULL;
	} else if (s->inoff > 0) {
		memmove(s->in, s->in + s->inoff, s->inlen - s->inoff);
		s->inlen -= s->inoff;
		s->inoff = 0;
	}
	if (s->commit_pending) {
		/* Nothing parsed, no EOF handling, until the verdict: only
		 * earlier replies may go out. */
		if (s->outoff < s->outlen &&
		    !(REF_FAULT(s, SLOW_REPLY) && !s->slow_due))
			want |= REF_LOOP_OUT;
		if (s->ssl != NULL)
			want |= s->tls_want;
		ref_loop_want(s->srv->loop, &s->io, want);
		return;
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
	if (s->state == REF_SMTP_TLS && s->outoff == s->outlen) {
		if (ref_sess_handshake(s))
			goto again;	/* input kept by tls-keeps-buffer */
		return;
	}
	/* Until the handshake nothing more is read in clear (RFC 3207 4.2). */
	if (!s->in_eof && s->state != REF_SMTP_CLOSING &&
	    s->state != REF_SMTP_TLS &&
	    s->inlen < REF_INBUF_MAX && s->outlen - s->outoff < REF_OUT_HIWAT)
		want |= REF_LOOP_IN;
	if (s->outoff < s->outlen &&
	    !(REF_FAULT(s, SLOW_REPLY) && !s->slow_due))
		want |= REF_LOOP_OUT;
	if (s->ssl != NULL) {
		want |= s->tls_want;
		/* Records OpenSSL already decrypted: the socket stays quiet. */
		if ((want & REF_LOOP_IN) && ref_tls_has_pending(s->ssl)) {
			ref_sess_read(s);
			if (s->state == REF_SMTP_CLOSED)
				return;
			goto again;
		}
	}
	ref_loop_want(s->srv->loop, &s->io, want);
}

/* ref_sess_commit_hold - wait for the group commit. */
void
ref_sess_commit_hold(struct ref_sess *s)
{
	s->commit_pending = true;
	ref_server_commit_add(s->srv, s);
}

/* ref_sess_commit_done - the verdict; resume. */
void
ref_sess_commit_done(struct ref_sess *s, bool ok)
{
	s->commit_pending = false;
	if (s->state == REF_SMTP_CLOSED)
		return;
	if (s->state == REF_SMTP_BDAT)
		ref_bdat_stored(s, ok);
	else
		ref_data_stored(s, ok);
	ref_sess_update(s);
}

/* ref_sess_read - one recv (or SSL read) into the input buffer. */
static void
ref_sess_read(struct ref_sess *s)
{
	ssize_t r;

	if (s->in_eof || s->inlen >= REF_INBUF_MAX)
		return;
	if (s->in == NULL)
		s->in = ref_sess_buf_get(&ref_sess_spare_in, REF_INBUF_MAX);
	if (s->ssl != NULL) {
		s->tls_want &= ~(unsigned)REF_LOOP_OUT;
		r = ref_tls_read(s->ssl, s->in + s->inlen,
		    REF_INBUF_MAX - s->inlen);
		if (r == REF_TLS_WANT_READ)
			return;
		if (r == REF_TLS_WANT_WRITE) {
			s->tls_want |= REF_LOOP_OUT;
			return;
		}
		if (r == REF_TLS_EOF)
			r = 0;
		else if (r < 0) {
			ref_sess_log(s, "ev=tls-read-error reason=\"%s\"",
			    ref_tls_err_str("error"));
			ref_sess_kill(s, "read-error");
			return;
		}
	} else {
		r = recv(s->io.fd, s->in + s->inlen, REF_INBUF_MAX - s->inlen,
		    0);
	}
	if (r > 0) {
		s->inlen += (size_t)r;
		/* Content may take long but must keep coming; a command must
		 * be whole within its timeout, so a drip gets 421. */
		if (s->state == REF_SMTP_DATA || s->state == REF_SMTP_BDAT)
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
	/* During the handshake nothing is read in clear: ref_sess_update
	 * steps it. */
	if (s->state != REF_SMTP_TLS &&
	    ((events & (REF_LOOP_IN | REF_LOOP_ERR)) ||
	    ((events & REF_LOOP_OUT) && (s->tls_want & REF_LOOP_OUT))))
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
	if (s->state == REF_SMTP_TLS) {
		/* No clear-text 421 in the middle of a handshake. */
		fprintf(stderr, "smtpref: sess=%lu ev=tls-fail peer=%s "
		    "reason=timeout\n", s->id, s->peer);
		ref_sess_kill(s, "tls-handshake-timeout");
		return;
	}
	ref_smtp_timeout(s);
	ref_sess_update(s);
}

/* ref_sess_on_drop - fault idle-drop: close without the 421. */
static void
ref_sess_on_drop(void *arg)
{
	struct ref_sess *s = arg;

	ref_sess_kill(s, "idle-drop");
}

/* ref_sess_on_slow - fault slow-reply: the held replies may go now. */
static void
ref_sess_on_slow(void *arg)
{
	struct ref_sess *s = arg;

	s->slow_due = true;
	ref_sess_update(s);
}
