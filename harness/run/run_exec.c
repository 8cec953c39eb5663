/* SPDX-License-Identifier: ISC */
/*
 * run_exec.c - the fake client: play one client-role scenario against the
 * server under test and judge every reply.
 *
 * One session per scenario: its own connection, reply parser, variables
 * and transcript. The steps run in order; each expectation has a deadline
 * (the step's own, else the default, times --timeout-scale) and the whole
 * scenario has one too, so a run never hangs. A mismatch is judged at the
 * scenario's level (MUST -> FAIL, SHOULD -> WARN, MAY -> INFO) unless the
 * step says otherwise (warn-on, info-on); a FAIL ends the scenario.
 *
 * Every reply also passes the global syntax checks of RFC 5321 4.2
 * (three-digit codes, one code per multiline reply, CRLF only): these are
 * FAIL whatever the scenario checks, since a client cannot parse such a
 * reply reliably. Reply text hygiene (length, control and 8-bit octets)
 * gives WARN.
 *
 * The harness stays protocol-correct outside what a scenario tests: it
 * never pipelines on its own, and it ends an open session with QUIT.
 */
#include "run.h"
#include "run_sess.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conn.h"
#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_vars.h"
#include "smtp_cmd.h"
#include "smtp_dot.h"
#include "smtp_reply.h"
#include "tls.h"

/* Commands sent but not yet answered, for knowing which reply is EHLO's. */
#define RUN_OUTSTANDING_MAX	8192
#define RUN_READ_CHUNK		4096
#define RUN_CLOSE_TIMEOUT_MS	10000	/* default for `expect close` */

enum run_cmd_kind {
	RUN_CMD_OTHER = 0,
	RUN_CMD_EHLO,
	RUN_CMD_DATA,
	RUN_CMD_QUIT,
};

struct run_session {
	struct run_sess		 b;		/* first: clock and judging */
	const struct run_ctx	*ctx;
	struct scn_vars		*vars;
	struct conn		*c;
	struct smtp_rparser	*rp;
	struct smtp_reply	 last;		/* the last reply read */
	bool			 has_last;
	struct smtp_reply	 ehlo;		/* the last 250 to EHLO */
	bool			 has_ehlo;
	unsigned char		 outq[RUN_OUTSTANDING_MAX];
	size_t			 outq_head, outq_len;
	bool			 eof;		/* the peer closed */
	bool			 in_data;	/* 354 seen, no end of data sent */
	bool			 quit_sent;
	bool			 tls_on;	/* a handshake completed */
	bool			 any_cert;	/* a step says any-cert: the
						   scenario judges the cert */
	struct conn_tls_info	 tls;		/* of this session */
};

enum run_read_status {
	RUN_READ_REPLY,
	RUN_READ_EOF,
	RUN_READ_TIMEOUT,
	RUN_READ_ERR,
};

/* The shared session helpers (run_sess.h), for this session. */
#define run_scaled_us(ss, ms)	run_sess_scaled_us(&(ss)->b, (ms))
#define run_deadline(ss, ms)	run_sess_deadline(&(ss)->b, (ms))
#define run_t(ss)		run_sess_t(&(ss)->b)
#define run_event(ss, ...)	run_sess_event(&(ss)->b, __VA_ARGS__)
#define run_judge(ss, ...)	run_sess_judge(&(ss)->b, __VA_ARGS__)
#define run_level_verdict(ss)	run_sess_level(&(ss)->b)

/* run_outq_push - remember a command awaiting its reply. */
static void
run_outq_push(struct run_session *ss, enum run_cmd_kind k)
{
	if (ss->outq_len == RUN_OUTSTANDING_MAX)
		return;		/* past the bound we stop tracking kinds */
	ss->outq[(ss->outq_head + ss->outq_len) % RUN_OUTSTANDING_MAX] =
	    (unsigned char)k;
	ss->outq_len++;
}

/* run_outq_pop - the kind of command the next reply answers. */
static enum run_cmd_kind
run_outq_pop(struct run_session *ss)
{
	enum run_cmd_kind k;

	if (ss->outq_len == 0)
		return RUN_CMD_OTHER;
	k = ss->outq[ss->outq_head];
	ss->outq_head = (ss->outq_head + 1) % RUN_OUTSTANDING_MAX;
	ss->outq_len--;
	return k;
}

/* run_cmd_kind_of - classify a command line by its verb. */
static enum run_cmd_kind
run_cmd_kind_of(const char *line, size_t len)
{
	size_t vl = 0;

	while (vl < len && line[vl] != ' ' && line[vl] != '\r')
		vl++;
	if (vl == 4 && strncasecmp(line, "EHLO", 4) == 0)
		return RUN_CMD_EHLO;
	if (vl == 4 && strncasecmp(line, "DATA", 4) == 0)
		return RUN_CMD_DATA;
	if (vl == 4 && strncasecmp(line, "QUIT", 4) == 0)
		return RUN_CMD_QUIT;
	return RUN_CMD_OTHER;
}

/* run_reply_text - all lines of a reply joined by '\n'; owned. */
static char *
run_reply_text(const struct smtp_reply *rep)
{
	size_t i, len = 0, o = 0;
	char *t;

	for (i = 0; i < rep->nlines; i++)
		len += rep->lines[i].len + 1;
	t = xmalloc(len + 1);
	for (i = 0; i < rep->nlines; i++) {
		memcpy(t + o, rep->lines[i].text, rep->lines[i].len);
		o += rep->lines[i].len;
		if (i + 1 < rep->nlines)
			t[o++] = '\n';
	}
	t[o] = '\0';
	return t;
}

/*
 * run_check_reply_syntax - the global checks of RFC 5321 4.2 on every
 * reply, whatever the step expects.
 */
static void
run_check_reply_syntax(struct run_session *ss, const struct smtp_reply *rep)
{
	unsigned hard = SMTP_REPLY_F_BAD_CODE | SMTP_REPLY_F_MIXED_CODE |
	    SMTP_REPLY_F_BARE_LF | SMTP_REPLY_F_BARE_CR | SMTP_REPLY_F_BAD_SEP |
	    SMTP_REPLY_F_HUGE_LINE | SMTP_REPLY_F_TOO_MANY;
	unsigned soft = SMTP_REPLY_F_LONG_LINE | SMTP_REPLY_F_NUL |
	    SMTP_REPLY_F_CTRL | SMTP_REPLY_F_8BIT | SMTP_REPLY_F_CODE_ONLY;
	char flags[256];

	if (rep->flags & hard) {
		smtp_reply_flags_str(rep->flags & hard, flags, sizeof(flags));
		run_judge(ss, RUN_FAIL, "a well-formed reply (RFC 5321 4.2: "
		    "three digits, one code per reply, CRLF line ends)",
		    rep->raw, rep->rawlen, "malformed reply: %s (RFC 5321 4.2, "
		    "4.2.1, 2.3.8)", flags);
	} else if (rep->flags & soft) {
		smtp_reply_flags_str(rep->flags & soft, flags, sizeof(flags));
		run_judge(ss, RUN_WARN, "reply text of printable ASCII in lines "
		    "of at most 512 octets, with text after the code",
		    rep->raw, rep->rawlen, "reply hygiene: %s (RFC 5321 4.2, "
		    "4.5.3.1.5)", flags);
	}
}

/*
 * run_read_reply - the next whole reply, before deadline. The reply goes
 * into ss->last (and ss->ehlo when it answers EHLO with 250) and into the
 * transcript.
 */
static enum run_read_status
run_read_reply(struct run_session *ss, int64_t deadline)
{
	char buf[RUN_READ_CHUNK];
	struct sc_err err = { 0 };
	enum conn_status cs;
	enum run_cmd_kind k;
	size_t n;

	for (;;) {
		if (ss->has_last) {
			smtp_reply_clear(&ss->last);
			ss->has_last = false;
		}
		if (smtp_rparser_next(ss->rp, &ss->last) == SMTP_RPARSE_REPLY) {
			ss->has_last = true;
			transcript_add(&ss->b.r->tr, TR_RECV, run_t(ss),
			    ss->b.step != NULL ? ss->b.step->line : 0,
			    ss->last.raw, ss->last.rawlen);
			k = run_outq_pop(ss);
			if (k == RUN_CMD_EHLO && ss->last.code == 250) {
				if (ss->has_ehlo)
					smtp_reply_clear(&ss->ehlo);
				/* a deep copy via re-parse keeps ownership
				 * simple: the raw bytes are the reply */
				ss->has_ehlo = false;
				{
					struct smtp_rparser *p =
					    smtp_rparser_new();

					if (smtp_rparser_feed(p, ss->last.raw,
					    ss->last.rawlen) == 0 &&
					    smtp_rparser_next(p, &ss->ehlo) ==
					    SMTP_RPARSE_REPLY)
						ss->has_ehlo = true;
					smtp_rparser_free(p);
				}
			}
			if (k == RUN_CMD_DATA && ss->last.code == 354)
				ss->in_data = true;
			return RUN_READ_REPLY;
		}
		if (ss->eof)
			return RUN_READ_EOF;
		cs = conn_read(ss->c, buf, sizeof(buf), &n, deadline, &err);
		switch (cs) {
		case CONN_OK:
			if (smtp_rparser_feed(ss->rp, buf, n) == -1) {
				run_judge(ss, RUN_FAIL, "a reply line ending in "
				    "CRLF", buf, n, "the server sent more than "
				    "%d bytes without completing a reply",
				    SC_RECV_BUF_MAX);
				return RUN_READ_ERR;
			}
			break;
		case CONN_EOF:
			ss->eof = true;
			run_event(ss, "the server closed the connection%s%s",
			    err.set ? ": " : "", err.set ? err.msg : "");
			break;
		case CONN_TIMEOUT:
			return RUN_READ_TIMEOUT;
		case CONN_ERR:
			run_event(ss, "read error: %s", err.msg);
			ss->eof = true;
			return RUN_READ_ERR;
		}
	}
}

/* run_pending - bytes buffered but not yet a reply (escaped, owned). */
static char *
run_pending_esc(const struct run_session *ss, size_t *len)
{
	const char *p;

	p = smtp_rparser_pending(ss->rp, len);
	return sc_esc(p, *len, SC_SHOW_BYTES_MAX);
}

/* run_describe_no_reply - a FAIL for a reply that did not come. */
static void
run_no_reply(struct run_session *ss, enum run_read_status rs,
    const char *expected, long within_ms)
{
	size_t plen;
	char *pend;

	pend = run_pending_esc(ss, &plen);
	if (rs == RUN_READ_TIMEOUT) {
		if (sc_now_us() >= ss->b.deadline)
			run_judge(ss, RUN_FAIL, expected, pend, strlen(pend),
			    "the scenario's deadline passed while waiting for "
			    "a reply");
		else
			run_judge(ss, RUN_FAIL, expected, pend, strlen(pend),
			    "no reply within %.1f s%s",
			    (double)run_scaled_us(ss, within_ms) / 1e6,
			    plen > 0 ? " (a partial line came)" : "");
		run_event(ss, "timeout waiting for a reply");
	} else if (rs == RUN_READ_EOF) {
		run_judge(ss, RUN_FAIL, expected, pend, strlen(pend),
		    "the server closed the connection instead of replying%s",
		    plen > 0 ? " (after a partial line)" : "");
	} else if (!ss->b.stop) {
		run_judge(ss, RUN_FAIL, expected, pend, strlen(pend),
		    "the connection failed while waiting for a reply");
	}
	free(pend);
}

/* run_send_bytes - one write step. */
static void
run_send_bytes(struct run_session *ss, const char *p, size_t len)
{
	struct sc_err err = { 0 };
	enum conn_status cs;

	if (ss->c == NULL) {
		run_judge(ss, RUN_ERROR, "an open connection", NULL, 0,
		    "scenario sends before `connect`");
		return;
	}
	transcript_add(&ss->b.r->tr, TR_SENT, run_t(ss), ss->b.step->line, p, len);
	cs = conn_write(ss->c, p, len, run_deadline(ss, SC_WRITE_TIMEOUT_MS),
	    &err);
	if (cs == CONN_OK)
		return;
	run_event(ss, "write failed: %s", err.msg);
	if (cs == CONN_TIMEOUT)
		run_judge(ss, RUN_FAIL, "the server to read what was sent",
		    NULL, 0, "the server stopped reading: %s", err.msg);
	else
		run_judge(ss, RUN_FAIL, "an open connection", NULL, 0,
		    "the connection was closed or reset while sending: %s",
		    err.msg);
	ss->eof = true;
}

/* run_expand - expand a step's text with the session's variables. */
static char *
run_expand(struct run_session *ss, const char *src, bool escapes,
    size_t *len)
{
	struct sc_err err = { 0 };
	char *out;

	out = scn_expand(src, escapes, ss->vars, len, &err);
	if (out == NULL)
		run_judge(ss, RUN_ERROR, "a value for every variable", NULL, 0,
		    "cannot expand: %s", err.msg);
	return out;
}

static void run_tls_handshake(struct run_session *,
	    const struct scn_starttls *, const char *);

/* run_step_connect - open the connection. */
static void
run_step_connect(struct run_session *ss)
{
	struct sc_err err = { 0 };
	enum conn_status cs;

	if (ss->c != NULL) {
		run_judge(ss, RUN_ERROR, "no open connection", NULL, 0,
		    "`connect` while connected");
		return;
	}
	cs = conn_connect(ss->ctx->host, ss->ctx->port,
	    run_deadline(ss, SC_CONNECT_TIMEOUT_MS), &ss->c, &err);
	if (cs != CONN_OK) {
		/* The probe reached this target: now it refuses. */
		run_event(ss, "connect failed: %s", err.msg);
		run_judge(ss, RUN_FAIL, "a TCP connection", NULL, 0,
		    "the server refused or dropped a new connection: %s",
		    err.msg);
		return;
	}
	/* each connection, reconnects too, is its own stream in the
	 * capture */
	run_sess_capture_conn(&ss->b, ss->c, false);
	/* a new connection starts from nothing (a scenario may reconnect
	 * after `close` or the server's close) */
	ss->eof = ss->in_data = ss->quit_sent = ss->tls_on = false;
	ss->outq_head = ss->outq_len = 0;
	smtp_rparser_reset(ss->rp);
	if (ss->has_ehlo) {
		smtp_reply_clear(&ss->ehlo);
		ss->has_ehlo = false;
	}
	run_event(ss, "connected to %s", conn_peer(ss->c));
	if (ss->ctx->tls_mode == RUN_TLS_IMPLICIT && ss->ctx->tls != NULL)
		run_tls_handshake(ss, NULL, "a TLS handshake at connect "
		    "(implicit TLS)");
}

/* run_step_send - lines, CRLF added, in one write. */
static void
run_step_send(struct run_session *ss, const struct scn_step *st)
{
	size_t i, len, total = 0, cap = 0, clen;
	struct sc_err err = { 0 };
	char *buf = NULL, *line, *cmd;

	for (i = 0; i < st->u.send.nlines && !ss->b.stop; i++) {
		line = run_expand(ss, st->u.send.lines[i], false, &len);
		if (line == NULL)
			break;
		cmd = smtp_cmd_line(line, len, &clen, &err);
		if (cmd == NULL) {
			run_judge(ss, RUN_ERROR, "a command line without CR, "
			    "LF or NUL", line, len, "%s (use send-raw for raw "
			    "bytes)", err.msg);
			free(line);
			break;
		}
		if (total + clen > SC_SEND_MAX) {
			run_judge(ss, RUN_ERROR, "a smaller write", NULL, 0,
			    "one write over %d bytes", SC_SEND_MAX);
			free(line);
			free(cmd);
			break;
		}
		if (total + clen > cap) {
			cap = (total + clen) * 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + total, cmd, clen);
		total += clen;
		run_outq_push(ss, run_cmd_kind_of(line, len));
		if (run_cmd_kind_of(line, len) == RUN_CMD_QUIT)
			ss->quit_sent = true;
		free(line);
		free(cmd);
	}
	if (!ss->b.stop)
		run_send_bytes(ss, buf, total);
	free(buf);
}

/* run_step_send_raw - bytes as written, escapes decoded. */
static void
run_step_send_raw(struct run_session *ss, const struct scn_step *st)
{
	size_t len;
	char *raw;

	raw = run_expand(ss, st->u.raw, true, &len);
	if (raw == NULL)
		return;
	if (len > SC_SEND_MAX) {
		run_judge(ss, RUN_ERROR, "a smaller write", NULL, 0,
		    "one write over %d bytes", SC_SEND_MAX);
		free(raw);
		return;
	}
	/* A raw end of data leaves the DATA phase as far as QUIT goes. */
	if (ss->in_data && memmem(raw, len, "\r\n.\r\n", 5) != NULL)
		ss->in_data = false;
	run_send_bytes(ss, raw, len);
	free(raw);
}

/* run_step_body - a fixture file, stuffed or raw. */
static void
run_step_body(struct run_session *ss, const struct scn_step *st)
{
	struct sc_err err = { 0 };
	size_t len, slen;
	char *body, *stuffed;

	body = sc_read_file(st->u.file, SC_BODY_FILE_MAX, &len, &err);
	if (body == NULL) {
		char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 8];

		sc_err_format(&err, msg, sizeof(msg));
		run_judge(ss, RUN_ERROR, "a readable fixture", NULL, 0, "%s",
		    msg);
		return;
	}
	if (st->kind == SCN_STEP_BODY) {
		stuffed = smtp_dot_stuff(body, len, &slen);
		run_send_bytes(ss, stuffed, slen);
		free(stuffed);
		ss->in_data = false;
	} else {
		run_send_bytes(ss, body, len);
		if (memmem(body, len, "\r\n.\r\n", 5) != NULL)
			ss->in_data = false;
	}
	free(body);
}

/* run_got - the last reply's raw bytes for a verdict. */
static void
run_got(const struct run_session *ss, const char **p, size_t *len)
{
	*p = ss->has_last ? ss->last.raw : "";
	*len = ss->has_last ? ss->last.rawlen : 0;
}

/* run_expected_text - human text for an expect step. */
static char *
run_expected_text(const struct scn_expect_reply *e)
{
	char codes[128];
	char *t, *u;

	scn_codeset_str(&e->pass, codes, sizeof(codes));
	t = xasprintf("%s%s", e->negate ? "no reply " : "reply ", codes);
	if (e->enh != NULL) {
		u = xasprintf("%s with enhanced code %s", t, e->enh);
		free(t);
		t = u;
	}
	if (e->text_src != NULL) {
		u = xasprintf("%s with text matching /%s/", t, e->text_src);
		free(t);
		t = u;
	}
	return t;
}

/*
 * run_after_mismatch - after a WARN or INFO the scenario goes on, unless
 * the reply took the session somewhere its next steps cannot follow: a
 * 221/421 means the server is closing (RFC 5321 3.8), and a 354 nobody
 * expected means it now reads message text, which the next commands would
 * become. Judging those steps would blame the server for the script.
 */
static void
run_after_mismatch(struct run_session *ss)
{
	if (ss->b.stop)
		return;
	if (ss->last.code == 221 || ss->last.code == 421 ||
	    ss->last.code == 521) {
		/* 521: RFC 7504, the server closes after it */
		run_event(ss, "the server is closing (%d): the remaining steps "
		    "cannot run", ss->last.code);
		ss->b.stop = true;
	} else if (ss->in_data) {
		run_event(ss, "the server unexpectedly entered DATA (354): the "
		    "remaining steps cannot run");
		ss->b.stop = true;
	} else if (ss->last.code == 334) {
		/* RFC 4954 4: the next line would be taken as a SASL response,
		 * not a command; run_finish cancels with "*" */
		run_event(ss, "the server unexpectedly sent a SASL challenge "
		    "(334): the remaining steps cannot run");
		ss->b.stop = true;
	}
}

/* run_expect_one - read one reply and judge it. */
static void
run_expect_one(struct run_session *ss, const struct scn_step *st)
{
	const struct scn_expect_reply *e = &st->u.reply;
	long within = st->within_ms > 0 ? st->within_ms : SC_READ_TIMEOUT_MS;
	enum run_read_status rs;
	char *expected, *text;
	char enh[32];
	const char *got;
	size_t gotlen;
	bool code_ok;

	expected = run_expected_text(e);
	rs = run_read_reply(ss, run_deadline(ss, within));
	if (e->negate) {
		if (rs == RUN_READ_REPLY) {
			run_check_reply_syntax(ss, &ss->last);
			if (scn_codeset_match(&e->pass, ss->last.code)) {
				run_got(ss, &got, &gotlen);
				run_judge(ss, run_level_verdict(ss),
				    expected, got, gotlen, "got %d, which this "
				    "scenario must not see", ss->last.code);
			}
		}
		/* silence, a close, or another code: all pass */
		free(expected);
		return;
	}
	if (rs != RUN_READ_REPLY) {
		run_no_reply(ss, rs, expected, within);
		free(expected);
		return;
	}
	run_check_reply_syntax(ss, &ss->last);
	if (ss->b.stop) {
		free(expected);
		return;
	}
	run_got(ss, &got, &gotlen);
	code_ok = scn_codeset_match(&e->pass, ss->last.code);
	if (!code_ok) {
		if (scn_codeset_match(&e->warn_on, ss->last.code))
			run_judge(ss, RUN_WARN, expected, got, gotlen,
			    "got %d: a SHOULD is missed", ss->last.code);
		else if (scn_codeset_match(&e->info_on, ss->last.code))
			run_judge(ss, RUN_INFO, expected, got, gotlen,
			    "got %d: a choice the RFC leaves to the server",
			    ss->last.code);
		else if (scn_codeset_match(&e->skip_on, ss->last.code))
			run_judge(ss, RUN_SKIP, expected, got, gotlen,
			    "got %d: the server's choice (allowed) makes the "
			    "rest of this check not applicable",
			    ss->last.code);
		else
			run_judge(ss, run_level_verdict(ss), expected, got,
			    gotlen, "got %d", ss->last.code);
		run_after_mismatch(ss);
		free(expected);
		return;
	}
	if (e->enh != NULL) {
		if (!smtp_reply_has_enh(&ss->last) || !scn_enh_match(e->enh,
		    ss->last.enh_class, ss->last.enh_subject,
		    ss->last.enh_detail)) {
			if (smtp_reply_has_enh(&ss->last))
				snprintf(enh, sizeof(enh), "%d.%d.%d",
				    ss->last.enh_class, ss->last.enh_subject,
				    ss->last.enh_detail);
			else
				snprintf(enh, sizeof(enh), "none");
			run_judge(ss, run_level_verdict(ss), expected, got,
			    gotlen, "enhanced status code %s, not %s", enh,
			    e->enh);
			free(expected);
			return;
		}
	}
	if (e->has_text_re) {
		text = run_reply_text(&ss->last);
		if (regexec(&e->text_re, text, 0, NULL, 0) != 0)
			run_judge(ss, run_level_verdict(ss), expected, got,
			    gotlen, "reply text does not match /%s/",
			    e->text_src);
		free(text);
		if (ss->b.stop) {
			free(expected);
			return;
		}
	}
	if (e->record)
		run_judge(ss, RUN_INFO, expected, got, gotlen,
		    "the server chose %d (allowed; recorded)", ss->last.code);
	free(expected);
}

/* run_step_expect - `expect CODES ...`, times N replies (default 1). */
static void
run_step_expect(struct run_session *ss, const struct scn_step *st)
{
	long n = st->u.reply.times > 0 ? st->u.reply.times : 1, k;

	enum run_verdict before;

	for (k = 0; k < n && !ss->b.stop; k++) {
		before = ss->b.step_outcome;
		run_expect_one(ss, st);
		if (n > 1 && ss->b.step_outcome != before)
			run_event(ss, "(that was reply %ld of %ld)", k + 1, n);
	}
}

/* run_step_keyword - the last EHLO reply lists (or not) a keyword. */
static void
run_step_keyword(struct run_session *ss, const struct scn_step *st)
{
	bool want = st->kind == SCN_STEP_EXPECT_KEYWORD;
	const char *line, *params = NULL;
	char *expected;

	if (!ss->has_ehlo) {
		run_judge(ss, RUN_FAIL, "a 250 reply to EHLO", NULL, 0,
		    "no successful EHLO reply to look in");
		return;
	}
	line = smtp_ehlo_find(&ss->ehlo, st->u.kw.keyword, &params);
	expected = xasprintf("EHLO reply %s keyword %s%s%s%s",
	    want ? "lists" : "does not list", st->u.kw.keyword,
	    st->u.kw.param_src != NULL ? " with parameters matching /" : "",
	    st->u.kw.param_src != NULL ? st->u.kw.param_src : "",
	    st->u.kw.param_src != NULL ? "/" : "");
	if (want && line == NULL)
		run_judge(ss, run_level_verdict(ss), expected, ss->ehlo.raw,
		    ss->ehlo.rawlen, "keyword %s not offered",
		    st->u.kw.keyword);
	else if (want && st->u.kw.has_param_re &&
	    regexec(&st->u.kw.param_re, params, 0, NULL, 0) != 0)
		run_judge(ss, run_level_verdict(ss), expected, ss->ehlo.raw,
		    ss->ehlo.rawlen, "parameters of %s do not match",
		    st->u.kw.keyword);
	else if (!want && line != NULL && (!st->u.kw.has_param_re ||
	    regexec(&st->u.kw.param_re, params, 0, NULL, 0) == 0))
		run_judge(ss, run_level_verdict(ss), expected, ss->ehlo.raw,
		    ss->ehlo.rawlen, "keyword %s offered%s%s", st->u.kw.keyword,
		    st->u.kw.has_param_re ? " with " : "",
		    st->u.kw.has_param_re ? params : "");
	free(expected);
}

/* run_step_close_expected - the peer closes within the deadline. */
static void
run_step_expect_close(struct run_session *ss, const struct scn_step *st)
{
	long within = st->within_ms > 0 ? st->within_ms : RUN_CLOSE_TIMEOUT_MS;
	int64_t deadline = run_deadline(ss, within);
	enum run_read_status rs;
	const char *got;
	size_t gotlen;

	for (;;) {
		rs = run_read_reply(ss, deadline);
		if (rs == RUN_READ_REPLY) {
			run_got(ss, &got, &gotlen);
			run_judge(ss, run_level_verdict(ss), "the server "
			    "closes the connection", got, gotlen,
			    "a reply came instead of the close");
			return;
		}
		if (rs == RUN_READ_EOF) {
			size_t plen;

			(void)smtp_rparser_pending(ss->rp, &plen);
			if (plen > 0) {
				char *pend = run_pending_esc(ss, &plen);

				run_judge(ss, run_level_verdict(ss),
				    "the server closes the connection", pend,
				    strlen(pend), "a partial reply came "
				    "before the close");
				free(pend);
			}
			return;
		}
		if (rs == RUN_READ_TIMEOUT) {
			run_judge(ss, run_level_verdict(ss), "the server "
			    "closes the connection", NULL, 0, "the connection "
			    "was still open after %.1f s",
			    (double)run_scaled_us(ss, within) / 1e6);
			return;
		}
		return;		/* read error: already judged or closed */
	}
}

/* run_step_silence - nothing arrives for a time (a close is silence). */
static void
run_step_silence(struct run_session *ss, const struct scn_step *st)
{
	int64_t deadline = sc_now_us() + run_scaled_us(ss, st->u.silence_ms);
	enum run_read_status rs;
	const char *got;
	size_t gotlen;
	char *pend;

	if (deadline > ss->b.deadline)
		deadline = ss->b.deadline;
	rs = run_read_reply(ss, deadline);
	if (rs == RUN_READ_REPLY) {
		run_got(ss, &got, &gotlen);
		run_judge(ss, run_level_verdict(ss), "no reply for "
		    "the time given", got, gotlen, "a reply came where "
		    "none should");
		return;
	}
	pend = run_pending_esc(ss, &gotlen);
	if (gotlen > 0)
		run_judge(ss, run_level_verdict(ss), "no bytes for "
		    "the time given", pend, strlen(pend), "bytes came where "
		    "none should");
	free(pend);
}

/* run_step_capture - store a value from the last replies. */
static void
run_step_capture(struct run_session *ss, const struct scn_step *st)
{
	const char *params = NULL;
	regmatch_t m[2];
	char *text, *val;
	size_t n;

	if (st->u.capture.from == SCN_CAPTURE_KEYWORD) {
		if (!ss->has_ehlo || smtp_ehlo_find(&ss->ehlo,
		    st->u.capture.keyword, &params) == NULL) {
			run_judge(ss, RUN_ERROR, "the keyword in the EHLO reply",
			    NULL, 0, "cannot capture %s: keyword %s not "
			    "offered (add `requires keyword %s`)",
			    st->u.capture.var, st->u.capture.keyword,
			    st->u.capture.keyword);
			return;
		}
		n = strcspn(params, " ");
		val = xstrndup(params, n);
	} else {
		if (!ss->has_last) {
			run_judge(ss, RUN_ERROR, "a reply to capture from",
			    NULL, 0, "no reply read yet");
			return;
		}
		text = run_reply_text(&ss->last);
		if (regexec(&st->u.capture.re, text, 2, m, 0) != 0 ||
		    m[1].rm_so < 0) {
			const char *got;
			size_t gotlen;

			run_got(ss, &got, &gotlen);
			run_judge(ss, run_level_verdict(ss), "reply text "
			    "matching the capture pattern", got, gotlen,
			    "cannot capture %s: /%s/ does not match the reply",
			    st->u.capture.var, st->u.capture.re_src);
			free(text);
			return;
		}
		val = xstrndup(text + m[1].rm_so,
		    (size_t)(m[1].rm_eo - m[1].rm_so));
		free(text);
	}
	if (scn_vars_set(ss->vars, st->u.capture.var, val) == -1)
		run_judge(ss, RUN_ERROR, "a variable slot", NULL, 0,
		    "cannot set variable %s", st->u.capture.var);
	run_event(ss, "captured %s = %s", st->u.capture.var, val);
	free(val);
}

/* run_step_pause - sleep, bounded by the scenario's deadline. */
static void
run_step_pause(struct run_session *ss, const struct scn_step *st)
{
	int64_t until = sc_now_us() + run_scaled_us(ss, st->u.pause_ms);
	struct timespec ts;
	int64_t left;

	if (until > ss->b.deadline)
		until = ss->b.deadline;
	while ((left = until - sc_now_us()) > 0) {
		ts.tv_sec = left / 1000000;
		ts.tv_nsec = (left % 1000000) * 1000;
		if (nanosleep(&ts, NULL) == -1 && errno != EINTR)
			break;
	}
}

/* run_tls_version_openssl - 10..13 (scenario form) to OpenSSL's. */
static int
run_tls_version_openssl(int v)
{
	char name[16];

	if (v == 0)
		return 0;
	snprintf(name, sizeof(name), "1.%d", v - 10);
	return conn_tls_version_parse(name);
}

/*
 * run_tls_handshake - TLS now, on the open connection; t (NULL for the
 * defaults) says what to offer and whether it must fail.
 *
 * Nothing read in clear may be used inside TLS (RFC 3207 4.2): bytes the
 * server sent after its 220 and before the handshake are a finding of
 * their own (the "NO STARTTLS" response injection), then dropped. The
 * certificate policy is the run's (--ca, --insecure) unless the scenario
 * judges the certificate itself (any-cert); a certificate that does not
 * verify under the run's policy is an ERROR with a hint, not a FAIL of the
 * scenario, since the harness was not set up to trust it.
 */
static void
run_tls_handshake(struct run_session *ss, const struct scn_starttls *t,
    const char *what)
{
	struct conn_tls_opts o;
	struct sc_err err = { 0 };
	enum conn_status cs;
	const char *pend;
	char *desc, *esc;
	size_t plen;
	bool fails = t != NULL && t->fails;

	pend = smtp_rparser_pending(ss->rp, &plen);
	if (plen > 0) {
		esc = sc_esc(pend, plen, SC_SHOW_BYTES_MAX);
		run_judge(ss, run_level_verdict(ss), "nothing from the "
		    "server between its 220 and the TLS handshake", esc,
		    strlen(esc), "the server sent %zu byte%s in clear after "
		    "the 220 (RFC 3207 4.2: such bytes must not be acted on)",
		    plen, plen == 1 ? "" : "s");
		free(esc);
		if (ss->b.stop)
			return;
		smtp_rparser_reset(ss->rp);
	}
	memset(&o, 0, sizeof(o));
	o.any_cert = ss->any_cert || fails;
	if (t != NULL) {
		o.min_version = run_tls_version_openssl(t->min_version);
		o.max_version = run_tls_version_openssl(t->max_version);
		o.ciphers = t->ciphers;
	}
	if (t != NULL && t->max_version != 0)
		run_event(ss, "TLS handshake begins (offering at most TLS "
		    "1.%d)%s", t->max_version - 10, t->ciphers != NULL ?
		    " with chosen ciphers" : "");
	else
		run_event(ss, "TLS handshake begins%s", t != NULL &&
		    t->ciphers != NULL ? " with chosen ciphers" : "");
	cs = conn_start_tls(ss->c, ss->ctx->tls, ss->ctx->host, &o,
	    run_deadline(ss, SC_TLS_TIMEOUT_MS), &ss->tls, &err);
	if (cs == CONN_OK) {
		ss->tls_on = true;
		desc = run_tls_describe(&ss->tls);
		run_event(ss, "TLS started: %s", desc);
		/* RFC 3207 4.2: forget the EHLO reply and all state */
		smtp_rparser_reset(ss->rp);
		ss->outq_head = ss->outq_len = 0;
		if (ss->has_ehlo) {
			smtp_reply_clear(&ss->ehlo);
			ss->has_ehlo = false;
		}
		if (fails)
			run_judge(ss, run_level_verdict(ss), "the handshake "
			    "to fail", desc, strlen(desc), "the server "
			    "accepted the handshake: %s %s", ss->tls.version,
			    ss->tls.cipher);
		free(desc);
		return;
	}
	run_event(ss, "%s", err.msg);
	ss->eof = true;		/* the connection is of no further use */
	if (fails)
		return;
	if (strstr(err.msg, "certificate verify failed") != NULL)
		run_judge(ss, RUN_ERROR, "a certificate the run trusts", NULL,
		    0, "%s; give --ca FILE for a private CA, or --insecure "
		    "to go on without verification", err.msg);
	else if (cs == CONN_TIMEOUT)
		run_judge(ss, run_level_verdict(ss), what, NULL, 0,
		    "the TLS handshake did not finish in time");
	else
		run_judge(ss, run_level_verdict(ss), what, NULL, 0, "%s",
		    err.msg);
}

/* run_step_starttls - the handshake, after the scenario's 220. */
static void
run_step_starttls(struct run_session *ss, const struct scn_step *st)
{
	if (ss->tls_on) {
		run_judge(ss, RUN_ERROR, "a connection in clear", NULL, 0,
		    "`starttls` on a connection that is TLS already");
		return;
	}
	if (ss->ctx->tls_mode == RUN_TLS_NONE || ss->ctx->tls == NULL) {
		run_judge(ss, RUN_SKIP, NULL, NULL, 0, "TLS is off (--tls "
		    "none)");
		return;
	}
	run_tls_handshake(ss, &st->u.starttls, "a TLS handshake after the "
	    "220 to STARTTLS");
}

/* run_step_secure - STARTTLS, 220 and the handshake, unless in TLS
 * already (implicit TLS): a means for scenarios about what comes after.
 * A refusal is an ERROR: the check could not run. */
static void
run_step_secure(struct run_session *ss, const struct scn_step *st)
{
	enum run_read_status rs;

	if (ss->tls_on)
		return;
	if (ss->ctx->tls_mode == RUN_TLS_NONE || ss->ctx->tls == NULL) {
		run_judge(ss, RUN_SKIP, NULL, NULL, 0, "TLS is off (--tls "
		    "none)");
		return;
	}
	run_send_bytes(ss, "STARTTLS\r\n", 10);
	if (ss->b.stop)
		return;
	run_outq_push(ss, RUN_CMD_OTHER);
	rs = run_read_reply(ss, run_deadline(ss, SC_READ_TIMEOUT_MS));
	if (rs != RUN_READ_REPLY) {
		run_judge(ss, RUN_ERROR, "220 to STARTTLS", NULL, 0, "no reply "
		    "to STARTTLS: TLS could not be reached");
		return;
	}
	if (ss->last.code != 220) {
		const char *got;
		size_t gotlen;

		run_got(ss, &got, &gotlen);
		run_judge(ss, RUN_ERROR, "220 to STARTTLS", got, gotlen,
		    "STARTTLS answered %d: TLS could not be reached",
		    ss->last.code);
		return;
	}
	run_tls_handshake(ss, &st->u.starttls, "a TLS handshake after the "
	    "220 to STARTTLS");
}

/* run_step_expect_tls - one property of the session's TLS. */
static void
run_step_expect_tls(struct run_session *ss, const struct scn_step *st)
{
	const struct scn_expect_tls *t = &st->u.tls;
	enum run_verdict v = run_level_verdict(ss);
	char *desc, *expected = NULL;
	long port = atol(ss->ctx->port);
	bool ok = false;
	size_t i;

	if (!ss->tls_on) {
		run_judge(ss, RUN_ERROR, "a TLS session", NULL, 0, "no TLS "
		    "session: add `starttls` or `secure` before this step");
		return;
	}
	switch (t->prop) {
	case SCN_TLS_VERSION:
		ok = conn_tls_version_parse(ss->tls.version) >=
		    run_tls_version_openssl(t->version);
		expected = xasprintf("TLS 1.%d or later", t->version - 10);
		break;
	case SCN_TLS_VERIFIED:
		ok = ss->tls.verified;
		expected = xstrdup("a certificate chain valid for the target "
		    "name");
		break;
	case SCN_TLS_DAYS_LEFT:
		ok = ss->tls.days_left >= t->days;
		expected = t->days == 0 ? xstrdup("a certificate not expired") :
		    xasprintf("a certificate valid %ld more days at least",
		    t->days);
		break;
	case SCN_TLS_NOT_SELF_SIGNED:
		ok = !ss->tls.self_signed;
		expected = xstrdup("a certificate issued by a CA, not "
		    "self-signed");
		break;
	}
	if (!ok) {
		for (i = 0; i < t->nwarn_ports; i++)
			if (t->warn_ports[i] == port && v == RUN_FAIL)
				v = RUN_WARN;
		desc = run_tls_describe(&ss->tls);
		run_judge(ss, v, expected, desc, strlen(desc), "%s%s",
		    t->prop == SCN_TLS_VERIFIED ? ss->tls.verify_error :
		    "the TLS session does not meet it",
		    v == RUN_WARN && t->nwarn_ports > 0 ? " (WARN on this "
		    "port)" : "");
		free(desc);
	}
	free(expected);
}

/* run_step_close - the harness closes its side. */
static void
run_step_close(struct run_session *ss)
{
	if (ss->c != NULL) {
		conn_free(ss->c);
		ss->c = NULL;
		run_event(ss, "the harness closed the connection");
	}
}

/* run_step - dispatch one step. */
static void
run_step(struct run_session *ss, const struct scn_step *st)
{
	bool needs_conn = st->kind != SCN_STEP_CONNECT &&
	    st->kind != SCN_STEP_PAUSE && st->kind != SCN_STEP_CAPTURE &&
	    st->kind != SCN_STEP_CLOSE &&
	    st->kind != SCN_STEP_EXPECT_KEYWORD &&
	    st->kind != SCN_STEP_EXPECT_NO_KEYWORD;

	if (needs_conn && ss->c == NULL) {
		run_judge(ss, RUN_ERROR, "an open connection", NULL, 0,
		    "step needs a connection: add `connect` before it");
		return;
	}
	switch (st->kind) {
	case SCN_STEP_CONNECT:
		run_step_connect(ss);
		break;
	case SCN_STEP_SEND:
		run_step_send(ss, st);
		break;
	case SCN_STEP_SEND_RAW:
		run_step_send_raw(ss, st);
		break;
	case SCN_STEP_BODY:
	case SCN_STEP_BODY_RAW:
		run_step_body(ss, st);
		break;
	case SCN_STEP_PAUSE:
		run_step_pause(ss, st);
		break;
	case SCN_STEP_EXPECT_REPLY:
		run_step_expect(ss, st);
		break;
	case SCN_STEP_EXPECT_KEYWORD:
	case SCN_STEP_EXPECT_NO_KEYWORD:
		run_step_keyword(ss, st);
		break;
	case SCN_STEP_EXPECT_CLOSE:
		run_step_expect_close(ss, st);
		break;
	case SCN_STEP_EXPECT_SILENCE:
		run_step_silence(ss, st);
		break;
	case SCN_STEP_CAPTURE:
		run_step_capture(ss, st);
		break;
	case SCN_STEP_CLOSE:
		run_step_close(ss);
		break;
	case SCN_STEP_STARTTLS:
		run_step_starttls(ss, st);
		break;
	case SCN_STEP_SECURE:
		run_step_secure(ss, st);
		break;
	case SCN_STEP_EXPECT_TLS:
		run_step_expect_tls(ss, st);
		break;
	case SCN_STEP_ACCEPT:
	case SCN_STEP_EXPECT_COMMAND:
	case SCN_STEP_EXPECT_BODY:
	case SCN_STEP_EXPECT_EXIT:
	case SCN_STEP_EXPECT_QUIT:
	case SCN_STEP_EXPECT_AUTH:
		/* lint refuses these in a client scenario */
		run_judge(ss, RUN_ERROR, "a client-role step", NULL, 0,
		    "\"%s\" is a server-role step", scn_step_kind_str(st->kind));
		break;
	}
}

/* run_prereq_params_match - does text match the ERE src? The parser has
 * compiled src once already, so a failure here is our bug. */
static bool
run_prereq_params_match(const char *src, const char *text)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, src, REG_EXTENDED | REG_ICASE | REG_NOSUB |
	    REG_NEWLINE) != 0)
		fatal("regex /%s/ passed the parser but not regcomp", src);
	hit = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/* run_prereqs - SKIP when a `requires` line is not met. */
static bool
run_prereqs(struct run_session *ss)
{
	const struct scn_require *rq;
	const char *v;
	size_t i;

	for (i = 0; i < ss->b.s->nreq; i++) {
		rq = &ss->b.s->req[i];
		switch (rq->kind) {
		case SCN_REQ_KEYWORD:
			v = run_probe_keyword_params(&ss->ctx->probe, rq->arg);
			if (v == NULL) {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0, "the "
				    "server does not offer %s", rq->arg);
				return false;
			}
			if (rq->param_src != NULL &&
			    !run_prereq_params_match(rq->param_src, v)) {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0, "the "
				    "server offers %s with parameters \"%s\", "
				    "not matching /%s/", rq->arg, v,
				    rq->param_src);
				return false;
			}
			break;
		case SCN_REQ_NO_KEYWORD:
			if (run_probe_has_keyword(&ss->ctx->probe, rq->arg)) {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0, "the "
				    "server offers %s", rq->arg);
				return false;
			}
			break;
		case SCN_REQ_VAR:
			v = scn_vars_get(ss->vars, rq->arg);
			if (v == NULL || *v == '\0') {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0, "variable "
				    "%s is not set (--var %s=... or a profile)",
				    rq->arg, rq->arg);
				return false;
			}
			break;
		case SCN_REQ_TLS:
		case SCN_REQ_TLS_KEYWORD:
			if (!run_tls_available(ss->ctx)) {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0,
				    "TLS is not available: %s",
				    ss->ctx->tls_mode == RUN_TLS_NONE ?
				    "--tls none" :
				    ss->ctx->probe.tls_detail != NULL ?
				    ss->ctx->probe.tls_detail :
				    "the probe did not reach TLS");
				return false;
			}
			if (rq->kind == SCN_REQ_TLS)
				break;
			v = run_keywords_params(&ss->ctx->probe.tls_kw,
			    rq->arg);
			if (v == NULL) {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0, "the "
				    "server does not offer %s inside TLS",
				    rq->arg);
				return false;
			}
			if (rq->param_src != NULL &&
			    !run_prereq_params_match(rq->param_src, v)) {
				run_judge(ss, RUN_SKIP, NULL, NULL, 0, "the "
				    "server offers %s inside TLS with "
				    "parameters \"%s\", not matching /%s/",
				    rq->arg, v, rq->param_src);
				return false;
			}
			break;
		}
	}
	return true;
}

/*
 * run_finish - leave the server as a polite client would: QUIT when the
 * session is open and not inside DATA, then close. Nothing here is judged.
 */
static void
run_finish(struct run_session *ss)
{
	int64_t deadline;
	size_t i;

	ss->b.step = NULL;
	if (ss->c == NULL)
		return;
	if (!ss->eof && !ss->in_data && !ss->quit_sent) {
		struct sc_err err = { 0 };

		if (ss->has_last && ss->last.code == 334 && ss->b.stop) {
			/* cancel the SASL exchange first (RFC 4954 4: 501) */
			transcript_add(&ss->b.r->tr, TR_SENT, run_t(ss), 0,
			    "*\r\n", 3);
			if (conn_write(ss->c, "*\r\n", 3, sc_now_us() +
			    run_scaled_us(ss, SC_QUIT_TIMEOUT_MS), &err) ==
			    CONN_OK)
				run_outq_push(ss, RUN_CMD_OTHER);
		}

		ss->b.deadline = sc_now_us() + run_scaled_us(ss,
		    SC_QUIT_TIMEOUT_MS);
		transcript_add(&ss->b.r->tr, TR_SENT, run_t(ss), 0, "QUIT\r\n", 6);
		if (conn_write(ss->c, "QUIT\r\n", 6, ss->b.deadline, &err) ==
		    CONN_OK) {
			run_outq_push(ss, RUN_CMD_QUIT);
			deadline = ss->b.deadline;
			/* skip replies the scenario left unread */
			for (i = 0; i < RUN_OUTSTANDING_MAX; i++) {
				if (run_read_reply(ss, deadline) !=
				    RUN_READ_REPLY || ss->last.code == 221)
					break;
			}
		}
	}
	conn_free(ss->c);
	ss->c = NULL;
}

/* run_step_b - run_step as the shared step loop calls it. */
static void
run_step_b(struct run_sess *b, const struct scn_step *st)
{
	run_step((struct run_session *)b, st);	/* b is its first member */
}

/* run_scenario - play one scenario. */
void
run_scenario(const struct run_ctx *ctx, const struct scn *s,
    struct run_result *r)
{
	struct run_session ss;
	size_t i;

	memset(&ss, 0, sizeof(ss));
	run_sess_begin(&ss.b, s, r, ctx->timeout_scale);
	ss.ctx = ctx;
	run_sess_capture_begin(&ss.b, ctx->pcap_dir);
	ss.vars = scn_vars_dup(ctx->vars);
	ss.rp = smtp_rparser_new();
	for (i = 0; i < s->nsteps; i++)
		if ((s->steps[i].kind == SCN_STEP_STARTTLS ||
		    s->steps[i].kind == SCN_STEP_SECURE) &&
		    s->steps[i].u.starttls.any_cert)
			ss.any_cert = true;
	if (run_prereqs(&ss))
		run_sess_steps(&ss.b, run_step_b);
	run_finish(&ss);
	run_sess_capture_end(&ss.b);	/* every connection is closed */
	run_sess_end(&ss.b);
	if (ss.has_last)
		smtp_reply_clear(&ss.last);
	if (ss.has_ehlo)
		smtp_reply_clear(&ss.ehlo);
	smtp_rparser_free(ss.rp);
	scn_vars_free(ss.vars);
}
