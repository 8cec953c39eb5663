/* SPDX-License-Identifier: ISC */
/*
 * ref_send.c - "smtpref send": the reference SMTP client, one explicit
 * state machine (curl smtp_state, OpenSMTPD mta_session).
 *
 * CONNECT [-> TLS at once, RFC 8314] -> GREETING -> EHLO [-> HELO on
 * 500/502, RFC 5321 4.1.4 and 3.2] [-> STARTTLS -> EHLO again, RFC 3207]
 * [-> AUTH [-> AUTH_USER -> AUTH_PASS], RFC 4954] -> MAIL -> RCPT... ->
 * DATA -> BODY -> QUIT -> DONE. With PIPELINING
 * (RFC 2920 3.1) MAIL, the RCPTs and DATA leave in one write (in groups
 * of REF_SEND_PIPE_GROUP_MAX RCPTs when there are more) and the replies
 * are read back in order, each in its state, so the same on_reply
 * handlers serve both modes. A refused recipient does not stop the rest;
 * with none accepted the transaction is abandoned and QUIT ends it (a 354
 * that comes anyway gets a lone ".", 2920 3.1). Every connect, read and write has a
 * deadline; a timeout or a close reaches the machine as an event.
 *
 * The message is read as bytes (at most REF_SEND_MESSAGE_MAX). A LF not
 * preceded by CR becomes CRLF, and a last line without a line end gets
 * CRLF: that is the exact content the server is asked to store. Bare CRs
 * and NULs are sent as they are (the server may refuse them). Then it is
 * dot-stuffed (5321 4.5.2). Nothing is retried and nothing is queued.
 *
 * TLS uses conn_start_tls on the same connection. STARTTLS is always
 * alone in its write; whatever the server sent after its 220 is dropped
 * before the handshake, and the pre-TLS keywords are forgotten (3207
 * 4.2). Credentials are sent only inside TLS unless --auth-clear. Each
 * --fault (ref_send_fault.h) is tested in exactly one place below.
 */
#include "ref_send.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conn.h"
#include "ref_send_opts.h"
#include "tls.h"
#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "smtp_cmd.h"
#include "smtp_dot.h"
#include "smtp_reply.h"

/* XXX belong in sc_limits.h (owned elsewhere). */
#define REF_SEND_PIPE_GROUP_MAX	100	/* RCPTs per pipelined write: their
					 * replies (~4 KB) fit any server's
					 * output buffer (RFC 2920 3.1) */
#define REF_SEND_READ_CHUNK	4096	/* one conn_read */
#define REF_SEND_WRITE_CHUNK	65536	/* one body write, one deadline */
#define REF_SEND_LOG_LINE_MAX	1024	/* one -v line */

enum ref_send_state {
	REF_SEND_CONNECT = 0,	/* before the TCP connection */
	REF_SEND_GREETING,	/* waiting for 220 */
	REF_SEND_EHLO,
	REF_SEND_HELO,
	REF_SEND_STARTTLS,	/* waiting for 220 to STARTTLS */
	REF_SEND_AUTH,		/* reply to AUTH: 235, or 334 for more */
	REF_SEND_AUTH_USER,	/* LOGIN: user name sent */
	REF_SEND_AUTH_PASS,	/* password (or PLAIN response) sent */
	REF_SEND_MAIL,
	REF_SEND_RCPT,		/* one reply per recipient, in order */
	REF_SEND_DATA,		/* waiting for 354 */
	REF_SEND_BODY,		/* content sent, waiting for its reply */
	REF_SEND_QUIT,		/* waiting (briefly) for 221 */
	REF_SEND_DONE,
};

/* What the reader hands the machine besides a reply. */
enum ref_send_event {
	REF_SEND_EV_REPLY = 0,
	REF_SEND_EV_TIMEOUT,
	REF_SEND_EV_CLOSED,	/* EOF, reset or a socket error */
	REF_SEND_EV_GARBAGE,	/* over SC_RECV_BUF_MAX without a reply */
};

/* The one transaction of a session (5321 3.3). */
struct ref_send_tx {
	char	*msg;		/* content as stored: CRLF lines; owned */
	size_t	 msglen;
	bool	 eightbit;	/* an octet >= 0x80 in msg */
	bool	 pipelined;	/* MAIL, RCPTs and DATA go in groups */
	size_t	 nsent;		/* RCPT commands written */
	bool	 mail_ok;
	bool	 abandoned;	/* nothing to deliver: DATA gets a bare "." */
	bool	 body_sent;	/* data-before-354: content already sent */
	size_t	 nrcpt;		/* RCPT replies seen */
	size_t	 nrcpt_ok;
	bool	 rcpt_temp;	/* a RCPT got 4xx */
	char	**refused;	/* one line per refused recipient, owned */
	size_t	 nrefused;
};

struct ref_send {
	enum ref_send_state state;
	const struct ref_send_opts *o;
	struct conn *c;
	struct smtp_rparser *rp;
	int64_t	 deadline;	/* for the reply the state waits for */
	bool	 esmtp;		/* EHLO was accepted */
	bool	 ext_pipelining, ext_size, ext_8bitmime;
	bool	 ext_starttls, ext_auth, auth_plain, auth_login;
	long	 size_max;	/* SIZE parameter; 0: none given */
	struct tls_ctx *tls_ctx;	/* owned; NULL with --tls none */
	bool	 starttls_tried;	/* sent, or given up: never twice */
	bool	 ehlo_early;	/* EHLO already sent before the greeting */
	bool	 auth_login_used;	/* LOGIN, not PLAIN */
	struct ref_send_tx tx;
	int	 exit;		/* EX_OK until the first failure */
	char	*why;		/* the first failure, one line; owned */
};

static void	ref_send_log(const struct ref_send *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	ref_send_fail(struct ref_send *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* ref_send_event_str - enum name. */
static const char *
ref_send_event_str(enum ref_send_event ev)
{
	static char buf[32];

	switch (ev) {
#define CASE(x)	case REF_SEND_EV_##x: return #x
	CASE(REPLY);
	CASE(TIMEOUT);
	CASE(CLOSED);
	CASE(GARBAGE);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)ev);
	return buf;
}

/* ref_send_state_str - enum name. */
static const char *
ref_send_state_str(enum ref_send_state st)
{
	static char buf[32];

	switch (st) {
#define CASE(x)	case REF_SEND_##x: return #x
	CASE(CONNECT);
	CASE(GREETING);
	CASE(EHLO);
	CASE(HELO);
	CASE(STARTTLS);
	CASE(AUTH);
	CASE(AUTH_USER);
	CASE(AUTH_PASS);
	CASE(MAIL);
	CASE(RCPT);
	CASE(DATA);
	CASE(BODY);
	CASE(QUIT);
	CASE(DONE);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)st);
	return buf;
}

/* ref_send_log - one "smtpref: send ..." line on stderr with -v. */
static void
ref_send_log(const struct ref_send *s, const char *fmt, ...)
{
	char line[REF_SEND_LOG_LINE_MAX];
	va_list ap;

	if (s->o->verbose == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "smtpref: send state=%s %s\n",
	    ref_send_state_str(s->state), line);
}

/*
 * ref_send_wait_ms - how long a state waits for its reply. --timeout
 * sets one value for all; by default each state gets the client minimum
 * of RFC 5321 4.5.3.2: 5 minutes for the greeting and for each command
 * reply, 2 for the 354 (4.5.3.2.4), 10 for the reply to the end of data
 * (4.5.3.2.6), which a client must not cut short: the server may be
 * delivering, and a retry after a timeout duplicates the message.
 */
static long
ref_send_wait_ms(const struct ref_send *s, enum ref_send_state st)
{
	if (ref_send_has_fault(s->o, REF_SEND_FAULT_SHORT_TIMEOUT))
		return REF_SEND_SHORT_TIMEOUT_MS;
	if (s->o->timeout_ms > 0)
		return s->o->timeout_ms;
	switch (st) {
	case REF_SEND_DATA:
		return REF_SEND_TIMEOUT_DATA_MS;
	case REF_SEND_BODY:
		return REF_SEND_TIMEOUT_DOT_MS;
	default:
		return REF_SEND_TIMEOUT_CMD_MS;
	}
}

/* ref_send_timeout_us - the deadline a state's wait gets. */
static int64_t
ref_send_timeout_us(const struct ref_send *s, enum ref_send_state st)
{
	long ms = ref_send_wait_ms(s, st);

	/* A polite QUIT is not worth a long wait: the outcome is known. */
	if (st == REF_SEND_QUIT && ms > SC_QUIT_TIMEOUT_MS)
		ms = SC_QUIT_TIMEOUT_MS;
	return (int64_t)ms * 1000;
}

/*
 * ref_send_enter_state - the one writer of s->state. It arms the deadline
 * for the reply the new state waits for; entering the same state again
 * (the next RCPT reply) re-arms it.
 */
static void
ref_send_enter_state(struct ref_send *s, enum ref_send_state st)
{
	if (s->state != st) {
		ref_send_log(s, "ev=state next=%s", ref_send_state_str(st));
		s->state = st;
	}
	s->deadline = sc_now_us() + ref_send_timeout_us(s, st);
}

/* ref_send_fail - record the first failure; later ones are ignored. */
static void
ref_send_fail(struct ref_send *s, int code, const char *fmt, ...)
{
	va_list ap;

	if (s->why != NULL)
		return;
	s->exit = code;
	va_start(ap, fmt);
	s->why = xvasprintf(fmt, ap);
	va_end(ap);
	ref_send_log(s, "ev=fail exit=%d", code);
}

/* ref_send_reply_esc - the reply as one escaped line, owned. */
static char *
ref_send_reply_esc(const struct smtp_reply *r)
{
	size_t len = r->rawlen;

	while (len > 0 && (r->raw[len - 1] == '\n' || r->raw[len - 1] == '\r'))
		len--;
	return sc_esc(r->raw, len, SC_SHOW_BYTES_MAX);
}

/* ref_send_class - 2, 3, 4 or 5 for a well-formed code; 0 otherwise. */
static int
ref_send_class(const struct smtp_reply *r)
{
	if (r->code < 200 || r->code > 599 ||
	    (r->flags & SMTP_REPLY_F_BAD_CODE))
		return 0;
	return r->code / 100;
}

/* ref_send_exit_for - sysexits status for an unwanted reply. */
static int
ref_send_exit_for(const struct smtp_reply *r)
{
	switch (ref_send_class(r)) {
	case 4:
		return EX_TEMPFAIL;
	case 5:
		return EX_UNAVAILABLE;
	default:
		return EX_PROTOCOL;
	}
}

/* ref_send_fail_reply - fail on reply r to what ("MAIL FROM:<a@b>"). */
static void
ref_send_fail_reply(struct ref_send *s, const char *what,
    const struct smtp_reply *r)
{
	char *esc = ref_send_reply_esc(r);

	ref_send_fail(s, ref_send_exit_for(r), "%s: %s: %s\"%s\"",
	    s->o->server, what, ref_send_exit_for(r) == EX_PROTOCOL ?
	    "unexpected reply " : "", esc);
	free(esc);
}

/*
 * ref_send_put - all of p, in chunks of REF_SEND_WRITE_CHUNK that each get
 * timeout_us (progress, not total time, is bounded). The bare-lf fault
 * turns every CRLF into LF here, for commands and content alike.
 */
static enum conn_status
ref_send_put(struct ref_send *s, const char *p, size_t len,
    int64_t timeout_us, struct sc_err *err)
{
	enum conn_status cs = CONN_OK;
	size_t off, n, i, o;
	char *lf = NULL;

	if (ref_send_has_fault(s->o, REF_SEND_FAULT_BARE_LF)) {
		lf = xmalloc(len + 1);
		for (i = 0, o = 0; i < len; i++)
			if (!(p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
				lf[o++] = p[i];
		p = lf;
		len = o;
	}
	for (off = 0; off < len && cs == CONN_OK; off += n) {
		n = len - off > REF_SEND_WRITE_CHUNK ? REF_SEND_WRITE_CHUNK :
		    len - off;
		cs = conn_write(s->c, p + off, n, sc_now_us() + timeout_us,
		    err);
	}
	free(lf);
	return cs;
}

/*
 * ref_send_write - all of p before a deadline; show is what -v logs
 * (NULL: the bytes, escaped; "": nothing). Returns 0, or -1 after
 * recording a temporary failure and entering DONE.
 */
static int
ref_send_write(struct ref_send *s, const void *p, size_t len,
    const char *show)
{
	struct sc_err err = { 0 };
	enum conn_status cs;
	char *esc;

	if (s->o->verbose > 0 && show == NULL) {
		esc = sc_esc(p, len, SC_SHOW_BYTES_MAX);
		ref_send_log(s, "ev=send data=\"%s\"", esc);
		free(esc);
	} else if (s->o->verbose > 0 && *show != '\0')
		ref_send_log(s, "ev=send data=\"%s\"", show);
	/* a data block, or a command: 3 minutes each (4.5.3.2.5) */
	cs = ref_send_put(s, p, len, (int64_t)(s->o->timeout_ms > 0 ?
	    s->o->timeout_ms : REF_SEND_TIMEOUT_BLOCK_MS) * 1000, &err);
	if (cs == CONN_OK)
		return 0;
	ref_send_fail(s, EX_TEMPFAIL, "%s: %s while sending (%s)",
	    s->o->server, err.set ? err.msg : conn_status_str(cs),
	    ref_send_state_str(s->state));
	ref_send_enter_state(s, REF_SEND_DONE);
	return -1;
}

/* ref_send_send_line - build "VERB ARG" and write it. 0 or -1. */
static int
ref_send_send_line(struct ref_send *s, const char *verb, const char *arg)
{
	struct sc_err err = { 0 };
	size_t len;
	char *cmd;
	int rc;

	cmd = smtp_cmd_build(verb, arg, &len, &err);
	if (cmd == NULL)	/* arguments were checked at parse time */
		fatal("%s: %s", verb, err.msg);
	rc = ref_send_write(s, cmd, len, NULL);
	free(cmd);
	return rc;
}

/* ref_send_send_quit - QUIT, and wait briefly for 221. */
static void
ref_send_send_quit(struct ref_send *s)
{
	struct sc_err err = { 0 };

	ref_send_log(s, "ev=send data=\"QUIT\\r\\n\"");
	/* A failed QUIT changes nothing: the outcome is already known. */
	if (ref_send_put(s, "QUIT\r\n", 6, ref_send_timeout_us(s,
	    REF_SEND_QUIT), &err) != CONN_OK) {
		ref_send_enter_state(s, REF_SEND_DONE);
		return;
	}
	ref_send_enter_state(s, REF_SEND_QUIT);
}

/* ref_send_send_ehlo - EHLO. */
static void
ref_send_send_ehlo(struct ref_send *s)
{
	if (ref_send_send_line(s, "EHLO", s->o->helo) == 0)
		ref_send_enter_state(s, REF_SEND_EHLO);
}

/* ref_send_send_helo - HELO, after a 500/502 to EHLO (5321 4.1.4). */
static void
ref_send_send_helo(struct ref_send *s)
{
	if (ref_send_send_line(s, "HELO", s->o->helo) == 0)
		ref_send_enter_state(s, REF_SEND_HELO);
}

/* ref_send_use_size - SIZE offered, and the ignore-size fault not set. */
static bool
ref_send_use_size(const struct ref_send *s)
{
	return s->ext_size &&
	    !ref_send_has_fault(s->o, REF_SEND_FAULT_IGNORE_SIZE);
}

/* ref_send_use_8bitmime - 8BITMIME offered, or claimed by the fault. */
static bool
ref_send_use_8bitmime(const struct ref_send *s)
{
	return s->ext_8bitmime ||
	    ref_send_has_fault(s->o, REF_SEND_FAULT_EIGHTBIT_WITHOUT_8BITMIME);
}

/* ref_send_mail_cmd - "MAIL FROM:<...> [SIZE=n] [BODY=8BITMIME]\r\n". */
static char *
ref_send_mail_cmd(const struct ref_send *s, size_t *len)
{
	struct sc_err err = { 0 };
	char params[64], *cmd;
	size_t n = 0;

	params[0] = '\0';
	/* RFC 1870 6: the size of the content, before dot-stuffing. */
	if (ref_send_use_size(s))
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    "SIZE=%zu", s->tx.msglen);
	/* RFC 6152 3: declare 8-bit content when the server takes it. */
	if (ref_send_use_8bitmime(s) && s->tx.eightbit)
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    "%sBODY=8BITMIME", n > 0 ? " " : "");
	if (n >= sizeof(params))
		fatal("MAIL parameters over %zu octets", sizeof(params));
	cmd = smtp_cmd_mail(s->o->from, params, len, &err);
	if (cmd == NULL)
		fatal("MAIL: %s", err.msg);
	return cmd;
}

/* ref_send_rcpt_cmd - "RCPT TO:<...>\r\n" for recipient i. */
static char *
ref_send_rcpt_cmd(const struct ref_send *s, size_t i, size_t *len)
{
	struct sc_err err = { 0 };
	char *cmd;

	cmd = smtp_cmd_rcpt(s->o->to[i], NULL, len, &err);
	if (cmd == NULL)
		fatal("RCPT: %s", err.msg);
	return cmd;
}

/* ref_send_group_add - append an owned command to the pipelined group. */
static void
ref_send_group_add(char **group, size_t *n, size_t *cap, char *cmd,
    size_t len)
{
	if (*n + len > SC_SEND_MAX)
		fatal("pipelined group over %d octets", SC_SEND_MAX);
	while (*n + len > *cap) {
		*cap *= 2;
		*group = xrealloc(*group, *cap);
	}
	memcpy(*group + *n, cmd, len);
	*n += len;
	free(cmd);
}

static int	ref_send_write_body(struct ref_send *);

/*
 * ref_send_data_sent - DATA has been written. The data-before-354 fault
 * sends the content at once, without waiting for the 354. 0 or -1.
 */
static int
ref_send_data_sent(struct ref_send *s)
{
	if (!ref_send_has_fault(s->o, REF_SEND_FAULT_DATA_BEFORE_354))
		return 0;
	ref_send_log(s, "ev=fault name=%s",
	    ref_send_fault_str(REF_SEND_FAULT_DATA_BEFORE_354));
	s->tx.body_sent = true;
	return ref_send_write_body(s);
}

/*
 * ref_send_send_group - the next pipelined group (RFC 2920 3.1): MAIL
 * first, then up to REF_SEND_PIPE_GROUP_MAX RCPTs, and DATA after the
 * last RCPT, as one write. Groups are bounded so that the server never
 * blocks writing replies that we are not reading while we are blocked
 * writing commands it is not reading.
 */
static void
ref_send_send_group(struct ref_send *s)
{
	size_t len, n = 0, end, cap = SMTP_CMD_LINE_MAX * 4, ncmds = 0;
	bool first = !s->tx.pipelined;
	char *group, *cmd;

	group = xmalloc(cap);
	if (first) {
		cmd = ref_send_mail_cmd(s, &len);
		ref_send_group_add(&group, &n, &cap, cmd, len);
		ncmds++;
	}
	end = s->o->nto - s->tx.nsent > REF_SEND_PIPE_GROUP_MAX ?
	    s->tx.nsent + REF_SEND_PIPE_GROUP_MAX : s->o->nto;
	for (; s->tx.nsent < end; s->tx.nsent++, ncmds++) {
		cmd = ref_send_rcpt_cmd(s, s->tx.nsent, &len);
		ref_send_group_add(&group, &n, &cap, cmd, len);
	}
	if (s->tx.nsent == s->o->nto) {
		ref_send_group_add(&group, &n, &cap, xstrdup("DATA\r\n"), 6);
		ncmds++;
	}
	s->tx.pipelined = true;
	ref_send_log(s, "ev=pipeline cmds=%zu octets=%zu", ncmds, n);
	if (ref_send_write(s, group, n, NULL) == 0 &&
	    (s->tx.nsent < s->o->nto || ref_send_data_sent(s) == 0))
		ref_send_enter_state(s, first ? REF_SEND_MAIL : REF_SEND_RCPT);
	free(group);
}

/* ref_send_send_mail - MAIL, or the whole pipelined group. */
static void
ref_send_send_mail(struct ref_send *s)
{
	size_t len;
	char *cmd;

	if ((s->ext_pipelining || ref_send_has_fault(s->o,
	    REF_SEND_FAULT_PIPELINE_WITHOUT_EXTENSION)) &&
	    s->o->pipe != REF_SEND_PIPE_NEVER) {
		ref_send_send_group(s);
		return;
	}
	cmd = ref_send_mail_cmd(s, &len);
	if (ref_send_write(s, cmd, len, NULL) == 0)
		ref_send_enter_state(s, REF_SEND_MAIL);
	free(cmd);
}

/*
 * ref_send_send_rcpt - the next RCPT. When pipelined it is on its way
 * unless its whole group was answered: then the next group goes (or, with
 * the transaction abandoned and DATA not sent, nothing more but QUIT).
 */
static void
ref_send_send_rcpt(struct ref_send *s)
{
	size_t len;
	char *cmd;

	if (s->tx.pipelined && s->tx.nrcpt < s->tx.nsent) {
		ref_send_enter_state(s, REF_SEND_RCPT);
		return;
	}
	if (s->tx.abandoned) {
		ref_send_send_quit(s);
		return;
	}
	if (s->tx.pipelined) {
		ref_send_send_group(s);
		return;
	}
	cmd = ref_send_rcpt_cmd(s, s->tx.nrcpt, &len);
	if (ref_send_write(s, cmd, len, NULL) == 0)
		ref_send_enter_state(s, REF_SEND_RCPT);
	s->tx.nsent++;
	free(cmd);
}

/* ref_send_send_data - DATA (already sent when pipelined). */
static void
ref_send_send_data(struct ref_send *s)
{
	if (!s->tx.pipelined) {
		if (ref_send_send_line(s, "DATA", NULL) == -1 ||
		    ref_send_data_sent(s) == -1)
			return;
	}
	ref_send_enter_state(s, REF_SEND_DATA);
}

/*
 * ref_send_write_body - the stuffed content and its terminator, or a lone
 * "." when the transaction was abandoned (RFC 2920 3.1). 0 or -1.
 */
static int
ref_send_write_body(struct ref_send *s)
{
	char *stuffed;
	size_t len;
	int rc;

	if (s->tx.abandoned)
		stuffed = smtp_dot_stuff("", 0, &len);
	else if (ref_send_has_fault(s->o, REF_SEND_FAULT_NO_DOT_STUFFING)) {
		stuffed = xmalloc(s->tx.msglen + 4);
		memcpy(stuffed, s->tx.msg, s->tx.msglen);
		memcpy(stuffed + s->tx.msglen, ".\r\n", 4);
		len = s->tx.msglen + 3;
	} else
		stuffed = smtp_dot_stuff(s->tx.msg, s->tx.msglen, &len);
	ref_send_log(s, "ev=send body=%zu stuffed=%zu", s->tx.msglen, len);
	rc = ref_send_write(s, stuffed, len, "");
	free(stuffed);
	return rc;
}

/* ref_send_send_body - after the 354: the content, then wait. */
static void
ref_send_send_body(struct ref_send *s)
{
	if (s->tx.body_sent || ref_send_write_body(s) == 0)
		ref_send_enter_state(s, REF_SEND_BODY);
}

/* ref_send_on_closing - a 421 (5321 3.8): the server is going away. */
static bool
ref_send_on_closing(struct ref_send *s, const char *what,
    const struct smtp_reply *r)
{
	if (r->code != 421)
		return false;
	ref_send_fail_reply(s, what, r);
	ref_send_enter_state(s, REF_SEND_DONE);
	return true;
}

/* ref_send_on_reply_greeting - 220, or fail (554 still wants QUIT, 3.1). */
static void
ref_send_on_reply_greeting(struct ref_send *s, const struct smtp_reply *r)
{
	if (r->code == 220 && ref_send_class(r) == 2) {
		if (s->ehlo_early)
			ref_send_enter_state(s, REF_SEND_EHLO);
		else
			ref_send_send_ehlo(s);
		return;
	}
	if (ref_send_on_closing(s, "greeting", r))
		return;
	ref_send_fail_reply(s, "greeting", r);
	ref_send_send_quit(s);
}

/*
 * ref_send_start_tx - greeted, TLS and AUTH settled: check what the
 * server must offer, then start the transaction.
 */
static void
ref_send_start_tx(struct ref_send *s)
{
	if (s->o->pipe == REF_SEND_PIPE_REQUIRE && !s->ext_pipelining) {
		ref_send_fail(s, EX_UNAVAILABLE, "%s: PIPELINING required "
		    "(--pipelining require) but not offered%s", s->o->server,
		    s->esmtp ? "" : " (EHLO refused, HELO used)");
		ref_send_send_quit(s);
		return;
	}
	/* RFC 1870 4: do not send what the server declared too large. */
	if (ref_send_use_size(s) && s->size_max > 0 &&
	    s->tx.msglen > (size_t)s->size_max) {
		ref_send_fail(s, EX_UNAVAILABLE, "%s: message is %zu octets, "
		    "over the server's SIZE %ld (RFC 1870): not sent",
		    s->o->server, s->tx.msglen, s->size_max);
		ref_send_send_quit(s);
		return;
	}
	/* RFC 6152 3: no 8-bit octet to a server that did not ask. */
	if (s->tx.eightbit && !ref_send_use_8bitmime(s)) {
		ref_send_fail(s, EX_UNAVAILABLE, "%s: the message has 8-bit "
		    "octets and the server does not offer 8BITMIME (RFC 6152 "
		    "3): not sent", s->o->server);
		ref_send_send_quit(s);
		return;
	}
	ref_send_send_mail(s);
}

/* ref_send_b64 - RFC 4648 4 base64 of p[0..len), owned, no line breaks. */
static char *
ref_send_b64(const unsigned char *p, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	if (i < len) {
		v = (unsigned long)p[i] << 16 |
		    (i + 1 < len ? (unsigned long)p[i + 1] << 8 : 0);
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/*
 * ref_send_b64_line - base64 of the AUTH PLAIN response ("\0user\0pass",
 * RFC 4616 2) or of text, as an owned line with CRLF; *len set.
 */
static char *
ref_send_b64_line(const struct ref_send *s, const char *text, size_t *len)
{
	size_t ulen = strlen(s->o->auth_user);
	size_t plen = strlen(s->o->auth_password), n;
	unsigned char *raw;
	char *b64, *line;

	if (text != NULL)
		b64 = ref_send_b64((const unsigned char *)text, strlen(text));
	else {
		n = ulen + plen + 2;
		raw = xmalloc(n);
		raw[0] = '\0';
		memcpy(raw + 1, s->o->auth_user, ulen);
		raw[1 + ulen] = '\0';
		memcpy(raw + 2 + ulen, s->o->auth_password, plen);
		b64 = ref_send_b64(raw, n);
		explicit_bzero(raw, n);
		free(raw);
	}
	line = xasprintf("%s\r\n", b64);
	explicit_bzero(b64, strlen(b64));
	free(b64);
	*len = strlen(line);
	return line;
}

/* ref_send_write_secret - a line with credentials; -v shows only show. */
static int
ref_send_write_secret(struct ref_send *s, char *line, size_t len,
    const char *show)
{
	int rc = ref_send_write(s, line, len, show);

	explicit_bzero(line, len);
	free(line);
	return rc;
}

/*
 * ref_send_send_auth - AUTH PLAIN with an initial response when it fits in
 * a command line (4954 4), PLAIN alone otherwise, or LOGIN.
 */
static void
ref_send_send_auth(struct ref_send *s)
{
	size_t len;
	char *b64, *line;

	if (s->auth_login_used) {
		if (ref_send_send_line(s, "AUTH", "LOGIN") == 0)
			ref_send_enter_state(s, REF_SEND_AUTH);
		return;
	}
	b64 = ref_send_b64_line(s, NULL, &len);
	if (len + strlen("AUTH PLAIN ") > REF_SEND_AUTH_IR_LINE_MAX) {
		explicit_bzero(b64, len);
		free(b64);
		if (ref_send_send_line(s, "AUTH", "PLAIN") == 0)
			ref_send_enter_state(s, REF_SEND_AUTH);
		return;
	}
	line = xasprintf("AUTH PLAIN %s", b64);
	explicit_bzero(b64, len);
	free(b64);
	if (ref_send_write_secret(s, line, strlen(line),
	    "AUTH PLAIN <credentials>\\r\\n") == 0)
		ref_send_enter_state(s, REF_SEND_AUTH_PASS);
}

/*
 * ref_send_authenticate - AUTH when credentials were given (RFC 4954):
 * never in clear unless --auth-clear (or the auth-in-clear fault), and
 * only with a mechanism the (post-TLS) EHLO offered.
 */
static void
ref_send_authenticate(struct ref_send *s)
{
	if (s->o->auth_user == NULL) {
		ref_send_start_tx(s);
		return;
	}
	if (!conn_is_tls(s->c) && !s->o->auth_clear &&
	    !ref_send_has_fault(s->o, REF_SEND_FAULT_AUTH_IN_CLEAR)) {
		ref_send_fail(s, EX_UNAVAILABLE, "%s: the session is not TLS: "
		    "credentials not sent (--auth-clear allows it)",
		    s->o->server);
		ref_send_send_quit(s);
		return;
	}
	if (!s->ext_auth) {
		ref_send_fail(s, EX_UNAVAILABLE, "%s: server does not offer "
		    "AUTH%s", s->o->server, s->esmtp ? "" :
		    " (EHLO refused, HELO used)");
		ref_send_send_quit(s);
		return;
	}
	if (!s->auth_plain && !s->auth_login) {
		ref_send_fail(s, EX_UNAVAILABLE, "%s: server offers AUTH but "
		    "neither PLAIN nor LOGIN", s->o->server);
		ref_send_send_quit(s);
		return;
	}
	s->auth_login_used = !s->auth_plain;
	ref_send_send_auth(s);
}

/*
 * ref_send_on_auth_done - the final reply to AUTH: 235 goes on, 535 and
 * other 5xx refuse (69), 4xx is temporary (75); QUIT either way.
 */
static void
ref_send_on_auth_done(struct ref_send *s, const struct smtp_reply *r)
{
	char *esc;

	if (r->code == 235) {
		ref_send_log(s, "ev=authenticated mech=%s",
		    s->auth_login_used ? "LOGIN" : "PLAIN");
		ref_send_start_tx(s);
		return;
	}
	if (ref_send_on_closing(s, "AUTH", r))
		return;
	if (ref_send_class(r) == 5) {
		esc = ref_send_reply_esc(r);
		ref_send_fail(s, EX_UNAVAILABLE, "%s: AUTH %s: authentication "
		    "failed: \"%s\"", s->o->server, s->auth_login_used ?
		    "LOGIN" : "PLAIN", esc);
		free(esc);
	} else
		ref_send_fail_reply(s, "AUTH", r);
	ref_send_send_quit(s);
}

/*
 * ref_send_on_reply_auth - the reply to the AUTH command: 334 asks for
 * the PLAIN response (no initial response was sent) or the LOGIN user.
 */
static void
ref_send_on_reply_auth(struct ref_send *s, const struct smtp_reply *r)
{
	size_t len;
	char *line;

	if (r->code != 334) {
		ref_send_on_auth_done(s, r);
		return;
	}
	line = ref_send_b64_line(s, s->auth_login_used ? s->o->auth_user :
	    NULL, &len);
	if (ref_send_write_secret(s, line, len, s->auth_login_used ?
	    "<user>\\r\\n" : "<credentials>\\r\\n") == 0)
		ref_send_enter_state(s, s->auth_login_used ?
		    REF_SEND_AUTH_USER : REF_SEND_AUTH_PASS);
}

/* ref_send_on_reply_auth_user - LOGIN: 334 asks for the password. */
static void
ref_send_on_reply_auth_user(struct ref_send *s, const struct smtp_reply *r)
{
	size_t len;
	char *line;

	if (r->code != 334) {
		ref_send_on_auth_done(s, r);
		return;
	}
	line = ref_send_b64_line(s, s->o->auth_password, &len);
	if (ref_send_write_secret(s, line, len, "<password>\\r\\n") == 0)
		ref_send_enter_state(s, REF_SEND_AUTH_PASS);
}

/*
 * ref_send_on_reply_auth_pass - everything sent: the outcome. Another
 * 334 is a server asking for more than PLAIN/LOGIN have: cancel with "*"
 * (4954 4) and treat it as nonsense.
 */
static void
ref_send_on_reply_auth_pass(struct ref_send *s, const struct smtp_reply *r)
{
	if (r->code == 334) {
		ref_send_fail_reply(s, "AUTH", r);
		if (ref_send_send_line(s, "*", NULL) == 0)
			ref_send_enter_state(s, REF_SEND_AUTH_PASS);
		return;
	}
	ref_send_on_auth_done(s, r);
}

/*
 * ref_send_no_tls - no TLS this session (why: "STARTTLS not offered", or
 * the refusal). Opportunistic goes on in clear; require QUITs with code
 * unless the tls-downgrade fault. Returns 0 to go on, -1 when QUIT was
 * sent.
 */
static int
ref_send_no_tls(struct ref_send *s, int code, const char *why)
{
	s->starttls_tried = true;
	/* Already TLS (a second STARTTLS, starttls-twice): nothing lost. */
	if (s->o->tls != REF_SEND_TLS_REQUIRE || conn_is_tls(s->c)) {
		ref_send_log(s, "ev=clear why=\"%s\"", why);
		return 0;
	}
	if (ref_send_has_fault(s->o, REF_SEND_FAULT_TLS_DOWNGRADE)) {
		ref_send_log(s, "ev=fault name=%s why=\"%s\"",
		    ref_send_fault_str(REF_SEND_FAULT_TLS_DOWNGRADE), why);
		return 0;
	}
	/* RFC 3207 6: a client that requires TLS never goes on in clear. */
	ref_send_fail(s, code, "%s: --tls require: %s: nothing sent in clear",
	    s->o->server, why);
	ref_send_send_quit(s);
	return -1;
}

/* ref_send_send_starttls - STARTTLS, alone: the last of its group. */
static void
ref_send_send_starttls(struct ref_send *s)
{
	char *both;
	int rc;

	s->starttls_tried = true;
	if (ref_send_has_fault(s->o,
	    REF_SEND_FAULT_TLS_PIPELINE_AFTER_STARTTLS)) {
		both = xasprintf("STARTTLS\r\nEHLO %s\r\n", s->o->helo);
		rc = ref_send_write(s, both, strlen(both), NULL);
		free(both);
	} else
		rc = ref_send_send_line(s, "STARTTLS", NULL);
	if (rc == 0)
		ref_send_enter_state(s, REF_SEND_STARTTLS);
}

/*
 * ref_send_greeted - EHLO or HELO accepted: STARTTLS when the mode asks
 * for it and it was not tried yet, then AUTH, then the transaction.
 */
static void
ref_send_greeted(struct ref_send *s)
{
	bool want = s->o->tls == REF_SEND_TLS_OPPORTUNISTIC ||
	    s->o->tls == REF_SEND_TLS_REQUIRE;

	if (conn_is_tls(s->c) && s->ext_starttls &&
	    ref_send_has_fault(s->o, REF_SEND_FAULT_STARTTLS_TWICE) &&
	    !s->starttls_tried) {
		ref_send_send_starttls(s);
		return;
	}
	if (want && !conn_is_tls(s->c) && !s->starttls_tried) {
		if (s->ext_starttls) {
			ref_send_send_starttls(s);
			return;
		}
		if (ref_send_no_tls(s, EX_UNAVAILABLE, s->esmtp ?
		    "STARTTLS not offered" :
		    "STARTTLS not offered (EHLO refused, HELO used)") == -1)
			return;
	}
	ref_send_authenticate(s);
}

/*
 * ref_send_handshake - TLS on the connection: verified under require and
 * implicit (unless --insecure), any certificate when opportunistic, as
 * MTAs do. Returns 0, or -1 after failing (75) and entering DONE.
 */
static int
ref_send_handshake(struct ref_send *s)
{
	struct conn_tls_opts topts = { 0 };
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	enum conn_status cs;

	memset(&info, 0, sizeof(info));
	topts.any_cert = s->o->tls == REF_SEND_TLS_OPPORTUNISTIC;
	cs = conn_start_tls(s->c, s->tls_ctx, s->o->host, &topts,
	    sc_now_us() + ref_send_timeout_us(s, s->state), &info, &err);
	if (cs != CONN_OK) {
		ref_send_fail(s, EX_TEMPFAIL, "%s: TLS handshake failed: %s",
		    s->o->server, err.set ? err.msg : conn_status_str(cs));
		ref_send_enter_state(s, REF_SEND_DONE);
		return -1;
	}
	ref_send_log(s, "ev=tls version=%s cipher=%s verified=%d%s%s",
	    info.version, info.cipher, info.verified,
	    info.verified ? "" : " verify_error=", info.verify_error);
	return 0;
}

/*
 * ref_send_drop_injected - before the handshake: whatever the server sent
 * after its 220 is plaintext anyone could have injected, and is dropped
 * (RFC 3207 4.2; NO STARTTLS, 2021). The tls-act-on-injected fault
 * keeps it, to be read as replies inside TLS.
 */
static void
ref_send_drop_injected(struct ref_send *s)
{
	struct smtp_reply r;
	size_t n = 0, plen;
	const char *p;
	char *esc;

	if (ref_send_has_fault(s->o, REF_SEND_FAULT_TLS_ACT_ON_INJECTED)) {
		ref_send_log(s, "ev=fault name=%s",
		    ref_send_fault_str(REF_SEND_FAULT_TLS_ACT_ON_INJECTED));
		return;
	}
	memset(&r, 0, sizeof(r));
	while (smtp_rparser_next(s->rp, &r) == SMTP_RPARSE_REPLY) {
		if (s->o->verbose > 0) {
			esc = ref_send_reply_esc(&r);
			ref_send_log(s, "ev=injected discarded=reply "
			    "data=\"%s\"", esc);
			free(esc);
		}
		n += r.rawlen;
		smtp_reply_clear(&r);
	}
	p = smtp_rparser_pending(s->rp, &plen);
	if (plen > 0 && s->o->verbose > 0) {
		esc = sc_esc(p, plen, SC_SHOW_BYTES_MAX);
		ref_send_log(s, "ev=injected discarded=partial data=\"%s\"",
		    esc);
		free(esc);
	}
	n += plen;
	if (n > 0)
		ref_send_log(s, "ev=injected octets=%zu (RFC 3207 4.2: "
		    "dropped)", n);
	smtp_rparser_reset(s->rp);
}

/*
 * ref_send_tls_ready - STARTTLS done: forget the pre-TLS keywords and
 * greet again (3207 4.2), unless the tls-keep-ehlo fault.
 */
static void
ref_send_tls_ready(struct ref_send *s)
{
	if (ref_send_has_fault(s->o, REF_SEND_FAULT_TLS_KEEP_EHLO)) {
		ref_send_log(s, "ev=fault name=%s",
		    ref_send_fault_str(REF_SEND_FAULT_TLS_KEEP_EHLO));
		ref_send_greeted(s);
		return;
	}
	s->esmtp = false;
	s->ext_pipelining = s->ext_size = s->ext_8bitmime = false;
	s->ext_starttls = s->ext_auth = s->auth_plain = s->auth_login = false;
	s->size_max = 0;
	s->starttls_tried = false;	/* only starttls-twice looks again */
	ref_send_send_ehlo(s);
}

/*
 * ref_send_on_reply_starttls - 220: handshake at once. A refusal (454)
 * means clear text when opportunistic, QUIT under require.
 */
static void
ref_send_on_reply_starttls(struct ref_send *s, const struct smtp_reply *r)
{
	char *esc, *why;
	int rc;

	if (r->code == 220) {
		if (conn_is_tls(s->c)) {	/* starttls-twice */
			ref_send_fail_reply(s, "STARTTLS inside TLS", r);
			ref_send_enter_state(s, REF_SEND_DONE);
			return;
		}
		ref_send_drop_injected(s);
		if (ref_send_handshake(s) == 0)
			ref_send_tls_ready(s);
		return;
	}
	if (ref_send_on_closing(s, "STARTTLS", r))
		return;
	if (ref_send_class(r) != 4 && ref_send_class(r) != 5) {
		ref_send_fail_reply(s, "STARTTLS", r);
		ref_send_send_quit(s);
		return;
	}
	esc = ref_send_reply_esc(r);
	why = xasprintf("STARTTLS refused: \"%s\"", esc);
	rc = ref_send_no_tls(s, ref_send_exit_for(r), why);
	free(why);
	free(esc);
	if (rc == 0)
		ref_send_authenticate(s);
}

/* ref_send_auth_mechs - the mechanisms of an "AUTH PLAIN LOGIN" line. */
static void
ref_send_auth_mechs(struct ref_send *s, const char *params)
{
	const char *p = params, *e;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if (e - p == 5 && strncasecmp(p, "PLAIN", 5) == 0)
			s->auth_plain = true;
		if (e - p == 5 && strncasecmp(p, "LOGIN", 5) == 0)
			s->auth_login = true;
		p = e;
	}
}

/* ref_send_ehlo_keywords - the keywords we use, from a 250 to EHLO. */
static void
ref_send_ehlo_keywords(struct ref_send *s, const struct smtp_reply *r)
{
	const char *params;
	long v;

	s->esmtp = true;
	s->ext_pipelining = smtp_ehlo_find(r, "PIPELINING", &params) != NULL;
	s->ext_8bitmime = smtp_ehlo_find(r, "8BITMIME", &params) != NULL;
	s->ext_starttls = smtp_ehlo_find(r, "STARTTLS", &params) != NULL;
	s->ext_size = false;
	s->size_max = 0;
	if (smtp_ehlo_find(r, "SIZE", &params) != NULL) {
		s->ext_size = true;
		/* 1870 4: no number, or 0, means no fixed limit. */
		if (*params != '\0' &&
		    sc_parse_long(params, 0, LONG_MAX, &v) == 0)
			s->size_max = v;
	}
	s->auth_plain = s->auth_login = false;
	s->ext_auth = smtp_ehlo_find(r, "AUTH", &params) != NULL;
	if (s->ext_auth)
		ref_send_auth_mechs(s, params);
	ref_send_log(s, "ev=ehlo pipelining=%d size=%d size_max=%ld "
	    "8bitmime=%d starttls=%d auth=%d plain=%d login=%d",
	    s->ext_pipelining, s->ext_size, s->size_max, s->ext_8bitmime,
	    s->ext_starttls, s->ext_auth, s->auth_plain, s->auth_login);
}

/* ref_send_on_reply_ehlo - keywords; 500/502 fall back to HELO. */
static void
ref_send_on_reply_ehlo(struct ref_send *s, const struct smtp_reply *r)
{
	if (ref_send_class(r) == 2) {
		ref_send_ehlo_keywords(s, r);
		ref_send_greeted(s);
		return;
	}
	if ((r->code == 500 || r->code == 502) &&
	    !ref_send_has_fault(s->o, REF_SEND_FAULT_NO_HELO_FALLBACK)) {
		ref_send_send_helo(s);
		return;
	}
	if (ref_send_on_closing(s, "EHLO", r))
		return;
	if (r->code == 500 || r->code == 502)	/* no-helo-fallback */
		ref_send_fail(s, EX_PROTOCOL, "%s: EHLO refused, no HELO "
		    "fallback (fault no-helo-fallback)", s->o->server);
	ref_send_fail_reply(s, "EHLO", r);
	ref_send_send_quit(s);
}

/* ref_send_on_reply_helo - HELO: no extensions (5321 3.2). */
static void
ref_send_on_reply_helo(struct ref_send *s, const struct smtp_reply *r)
{
	if (ref_send_class(r) == 2) {
		ref_send_greeted(s);
		return;
	}
	if (ref_send_on_closing(s, "HELO", r))
		return;
	ref_send_fail_reply(s, "HELO", r);
	ref_send_send_quit(s);
}

/*
 * ref_send_on_reply_mail - sender accepted, or fail. When pipelined, the
 * RCPT and DATA replies are still on their way: read them in order.
 */
static void
ref_send_on_reply_mail(struct ref_send *s, const struct smtp_reply *r)
{
	char *what;

	if (ref_send_class(r) == 2) {
		s->tx.mail_ok = true;
		ref_send_send_rcpt(s);
		return;
	}
	what = xasprintf("MAIL FROM:<%s>", s->o->from);
	if (ref_send_on_closing(s, what, r)) {
		free(what);
		return;
	}
	ref_send_fail_reply(s, what, r);
	free(what);
	if (ref_send_class(r) == 5 &&
	    ref_send_has_fault(s->o, REF_SEND_FAULT_MAIL_AFTER_5XX)) {
		ref_send_log(s, "ev=fault name=%s",
		    ref_send_fault_str(REF_SEND_FAULT_MAIL_AFTER_5XX));
		ref_send_send_rcpt(s);
		return;
	}
	s->tx.abandoned = true;
	ref_send_send_rcpt(s);	/* QUIT, unless RCPT replies are due */
}

/* ref_send_no_rcpt - every RCPT refused (or MAIL was): fail once. */
static void
ref_send_no_rcpt(struct ref_send *s)
{
	s->tx.abandoned = true;
	ref_send_fail(s, s->tx.rcpt_temp ? EX_TEMPFAIL : EX_UNAVAILABLE,
	    "no recipient accepted: %s%s", s->tx.nrefused > 0 ?
	    s->tx.refused[0] : "", s->tx.nrefused > 1 ? " (and others)" : "");
}

/*
 * ref_send_on_reply_rcpt - one recipient's fate. A refusal is noted and
 * the rest go on (5321 3.3): one accepted recipient is enough for DATA.
 */
static void
ref_send_on_reply_rcpt(struct ref_send *s, const struct smtp_reply *r)
{
	size_t i = s->tx.nrcpt++;
	char *what, *esc;

	if (ref_send_class(r) == 2)
		s->tx.nrcpt_ok++;
	else {
		what = xasprintf("RCPT TO:<%s>", s->o->to[i]);
		if (ref_send_on_closing(s, what, r)) {
			free(what);
			return;
		}
		if (ref_send_class(r) == 4)
			s->tx.rcpt_temp = true;
		else if (ref_send_class(r) != 5) {
			/* Neither yes nor no: trust nothing more. */
			ref_send_fail_reply(s, what, r);
			s->tx.abandoned = true;
		}
		esc = ref_send_reply_esc(r);
		s->tx.refused = xreallocarray(s->tx.refused,
		    s->tx.nrefused + 1, sizeof(*s->tx.refused));
		s->tx.refused[s->tx.nrefused++] = xasprintf("%s: %s: \"%s\"",
		    s->o->server, what, esc);
		free(esc);
		free(what);
	}
	if (s->tx.nrcpt < s->o->nto) {
		ref_send_send_rcpt(s);
		return;
	}
	if (s->tx.nrcpt_ok == 0 && !s->tx.abandoned)
		ref_send_no_rcpt(s);
	if (s->tx.pipelined) {
		ref_send_send_data(s);	/* its reply comes next */
		return;
	}
	if (s->tx.abandoned) {
		ref_send_send_quit(s);
		return;
	}
	ref_send_send_data(s);
}

/*
 * ref_send_on_reply_data - 354: send the content. An abandoned pipelined
 * transaction answers a 354 with a lone "." (RFC 2920 3.1).
 */
static void
ref_send_on_reply_data(struct ref_send *s, const struct smtp_reply *r)
{
	if (r->code == 354) {
		ref_send_send_body(s);
		return;
	}
	if (ref_send_on_closing(s, "DATA", r))
		return;
	if (!s->tx.abandoned)
		ref_send_fail_reply(s, "DATA", r);
	ref_send_send_quit(s);
}

/* ref_send_on_reply_body - the message's fate (5321 4.1.1.4). */
static void
ref_send_on_reply_body(struct ref_send *s, const struct smtp_reply *r)
{
	if (!s->tx.abandoned) {
		if (ref_send_class(r) == 2) {
			ref_send_log(s, "ev=accepted code=%d", r->code);
			if (ref_send_has_fault(s->o, REF_SEND_FAULT_NO_QUIT)) {
				ref_send_log(s, "ev=fault name=%s",
				    ref_send_fault_str(REF_SEND_FAULT_NO_QUIT));
				ref_send_enter_state(s, REF_SEND_DONE);
				return;
			}
		} else if (ref_send_on_closing(s, "end of data", r))
			return;
		else
			ref_send_fail_reply(s, "end of data", r);
	}
	ref_send_send_quit(s);
}

/* ref_send_on_reply_quit - 221 or not, the session is over. */
static void
ref_send_on_reply_quit(struct ref_send *s, const struct smtp_reply *r)
{
	if (r->code != 221)
		ref_send_log(s, "ev=quit-reply code=%d (not 221; ignored)",
		    r->code);
	ref_send_enter_state(s, REF_SEND_DONE);
}

/* ref_send_on_reply - dispatch one reply to the state waiting for it. */
static void
ref_send_on_reply(struct ref_send *s, const struct smtp_reply *r)
{
	switch (s->state) {
	case REF_SEND_GREETING:
		ref_send_on_reply_greeting(s, r);
		break;
	case REF_SEND_EHLO:
		ref_send_on_reply_ehlo(s, r);
		break;
	case REF_SEND_HELO:
		ref_send_on_reply_helo(s, r);
		break;
	case REF_SEND_STARTTLS:
		ref_send_on_reply_starttls(s, r);
		break;
	case REF_SEND_AUTH:
		ref_send_on_reply_auth(s, r);
		break;
	case REF_SEND_AUTH_USER:
		ref_send_on_reply_auth_user(s, r);
		break;
	case REF_SEND_AUTH_PASS:
		ref_send_on_reply_auth_pass(s, r);
		break;
	case REF_SEND_MAIL:
		ref_send_on_reply_mail(s, r);
		break;
	case REF_SEND_RCPT:
		ref_send_on_reply_rcpt(s, r);
		break;
	case REF_SEND_DATA:
		ref_send_on_reply_data(s, r);
		break;
	case REF_SEND_BODY:
		ref_send_on_reply_body(s, r);
		break;
	case REF_SEND_QUIT:
		ref_send_on_reply_quit(s, r);
		break;
	case REF_SEND_CONNECT:
	case REF_SEND_DONE:
		fatal("reply in state %s", ref_send_state_str(s->state));
	}
}

/*
 * ref_send_on_event - a timeout or a lost connection. In QUIT it ends the
 * session quietly; anywhere else the message was not accepted (75).
 */
static void
ref_send_on_event(struct ref_send *s, enum ref_send_event ev,
    const struct sc_err *err)
{
	size_t plen;
	const char *p;
	char *esc;

	ref_send_log(s, "ev=%s", ref_send_event_str(ev));
	if (s->state == REF_SEND_QUIT) {
		ref_send_enter_state(s, REF_SEND_DONE);
		return;
	}
	p = smtp_rparser_pending(s->rp, &plen);
	esc = sc_esc(p, plen, SC_SHOW_BYTES_MAX);
	switch (ev) {
	case REF_SEND_EV_TIMEOUT:
		ref_send_fail(s, EX_TEMPFAIL, "%s: no complete reply within "
		    "%ld ms in state %s%s%s%s", s->o->server,
		    ref_send_wait_ms(s, s->state),
		    ref_send_state_str(s->state), plen > 0 ? " (partial: \"" :
		    "", esc, plen > 0 ? "\")" : "");
		break;
	case REF_SEND_EV_CLOSED:
		ref_send_fail(s, EX_TEMPFAIL, "%s: connection lost in state "
		    "%s%s%s", s->o->server, ref_send_state_str(s->state),
		    err->set ? ": " : " (closed by the server)",
		    err->set ? err->msg : "");
		break;
	case REF_SEND_EV_GARBAGE:
		ref_send_fail(s, EX_PROTOCOL, "%s: over %d octets without a "
		    "complete reply in state %s", s->o->server,
		    SC_RECV_BUF_MAX, ref_send_state_str(s->state));
		break;
	case REF_SEND_EV_REPLY:
		fatal("reply passed as an event");
	}
	free(esc);
	ref_send_enter_state(s, REF_SEND_DONE);
}

/* ref_send_read - the next reply before s->deadline, or an event. */
static enum ref_send_event
ref_send_read(struct ref_send *s, struct smtp_reply *r, struct sc_err *err)
{
	char buf[REF_SEND_READ_CHUNK];
	enum conn_status cs;
	size_t n;

	for (;;) {
		if (smtp_rparser_next(s->rp, r) == SMTP_RPARSE_REPLY)
			return REF_SEND_EV_REPLY;
		cs = conn_read(s->c, buf, sizeof(buf), &n, s->deadline, err);
		switch (cs) {
		case CONN_OK:
			if (smtp_rparser_feed(s->rp, buf, n) == -1)
				return REF_SEND_EV_GARBAGE;
			break;
		case CONN_TIMEOUT:
			return REF_SEND_EV_TIMEOUT;
		case CONN_EOF:
		case CONN_ERR:
			return REF_SEND_EV_CLOSED;
		}
	}
}

/* ref_send_run - connect, then replies and events until DONE. */
static void
ref_send_run(struct ref_send *s)
{
	struct sc_err err = { 0 };
	struct smtp_reply r;
	enum ref_send_event ev;
	enum conn_status cs;
	char *esc;

	ref_send_enter_state(s, REF_SEND_CONNECT);
	cs = conn_connect(s->o->host, s->o->port, s->deadline, &s->c, &err);
	if (cs != CONN_OK) {
		ref_send_fail(s, EX_TEMPFAIL, "%s: %s", s->o->server,
		    err.set ? err.msg : conn_status_str(cs));
		ref_send_enter_state(s, REF_SEND_DONE);
		return;
	}
	ref_send_log(s, "ev=connected peer=%s", conn_peer(s->c));
	/* RFC 8314 3.3: the handshake comes first, then the 220. */
	if (s->o->tls == REF_SEND_TLS_IMPLICIT && ref_send_handshake(s) == -1)
		return;
	ref_send_enter_state(s, REF_SEND_GREETING);
	if (ref_send_has_fault(s->o, REF_SEND_FAULT_NO_WAIT_GREETING)) {
		ref_send_log(s, "ev=fault name=%s",
		    ref_send_fault_str(REF_SEND_FAULT_NO_WAIT_GREETING));
		if (ref_send_send_line(s, "EHLO", s->o->helo) == -1)
			return;
		s->ehlo_early = true;
	}
	while (s->state != REF_SEND_DONE) {
		memset(&err, 0, sizeof(err));
		memset(&r, 0, sizeof(r));
		ev = ref_send_read(s, &r, &err);
		if (ev != REF_SEND_EV_REPLY) {
			ref_send_on_event(s, ev, &err);
			continue;
		}
		if (s->o->verbose > 0) {
			esc = ref_send_reply_esc(&r);
			ref_send_log(s, "ev=reply code=%d data=\"%s\"", r.code,
			    esc);
			free(esc);
		}
		ref_send_on_reply(s, &r);
		smtp_reply_clear(&r);
	}
}

/* ref_send_tx_clear - free the transaction's members. */
static void
ref_send_tx_clear(struct ref_send_tx *tx)
{
	size_t i;

	free(tx->msg);
	for (i = 0; i < tx->nrefused; i++)
		free(tx->refused[i]);
	free(tx->refused);
	memset(tx, 0, sizeof(*tx));
}
/*
 * ref_send_tls_ctx - the client context for --ca, --insecure and
 * --tls-name; NULL after printing one line (an unreadable --ca).
 */
static struct tls_ctx *
ref_send_tls_ctx(const struct ref_send_opts *o)
{
	struct tls_client_opts topts = { 0 };
	struct sc_err err = { 0 };
	struct tls_ctx *ctx;

	topts.ca_file = o->ca_file;
	topts.insecure = o->insecure;
	topts.sni_host = o->tls_name;
	ctx = tls_client_ctx_new(&topts, &err);
	if (ctx == NULL)
		fprintf(stderr, "smtpref: send: --ca: %s\n", err.set ?
		    err.msg : "cannot set up TLS");
	return ctx;
}

/* ref_send_main - the send subcommand. */
int
ref_send_main(int argc, char **argv)
{
	char line[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];
	struct ref_send_opts o;
	struct sc_err err;
	struct ref_send s;
	size_t i;
	bool help;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	memset(&s, 0, sizeof(s));
	if (ref_send_opts_parse(&o, argc, argv, &help, &err) == -1) {
		sc_err_format(&err, line, sizeof(line));
		fprintf(stderr, "smtpref: send: %s\n", line);
		ref_send_opts_clear(&o);
		return EX_USAGE;
	}
	if (help || o.list_faults) {
		if (help)
			ref_send_opts_usage(stdout);
		else
			ref_send_fault_list(stdout);
		ref_send_opts_clear(&o);
		return EX_OK;
	}
	rc = ref_send_opts_message(&o, &s.tx.msg, &s.tx.msglen,
	    &s.tx.eightbit);
	if (rc != EX_OK) {
		ref_send_tx_clear(&s.tx);
		ref_send_opts_clear(&o);
		return rc;
	}
	if (o.tls != REF_SEND_TLS_NONE &&
	    (s.tls_ctx = ref_send_tls_ctx(&o)) == NULL) {
		ref_send_tx_clear(&s.tx);
		ref_send_opts_clear(&o);
		return EX_NOINPUT;
	}
	s.o = &o;
	s.exit = EX_OK;
	s.rp = smtp_rparser_new();
	ref_send_run(&s);
	if (s.why != NULL)
		fprintf(stderr, "smtpref: send: %s\n", s.why);
	else
		for (i = 0; i < s.tx.nrefused; i++)
			fprintf(stderr, "smtpref: send: warning: recipient "
			    "refused: %s\n", s.tx.refused[i]);
	rc = s.exit;
	free(s.why);
	conn_free(s.c);
	tls_ctx_free(s.tls_ctx);	/* after the conn that uses it */
	smtp_rparser_free(s.rp);
	ref_send_tx_clear(&s.tx);
	ref_send_opts_clear(&o);
	return rc;
}
