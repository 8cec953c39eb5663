/* SPDX-License-Identifier: ISC */
/*
 * imp_scn.c - one reassembled SMTP flow as a client-role scenario.
 *
 * The flow's turns are walked in the order the bytes arrived. The
 * server's bytes are cut into replies by the harness's own reply parser
 * (smtp_reply.h); every client octet that arrived before a reply and
 * after the one before it is one write, a `send-raw` step, so the write
 * boundaries that matter for pipelining (RFC 2920 3.1) are kept, and
 * each reply becomes `expect CODE` with the code the server gave. After
 * the 220 to STARTTLS (RFC 3207 4) the rest is TLS and is not imported.
 * The bytes are escaped by fuzz_esc_raw(), as the fuzzer's reproducers
 * are, so the scenario replays them octet for octet.
 */
#include "imp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fuzz.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "smtp_reply.h"

#define IMP_FEED_CHUNK		4096	/* server octets fed at a time */
#define IMP_TIME_MAX		40	/* "2026-11-30T04:19:54.123456Z" */
#define IMP_ADDR_MAX		64	/* "[v6]:port" */

/* The walk over one flow's turns. */
struct imp_wk {
	const struct imp_flow *f;
	const struct imp_dir *cli, *srv;
	struct smtp_rparser *rp;
	struct imp_text *out;	/* NULL: only count */
	struct imp_walk *w;
	size_t	 cpos;		/* client octets already written out */
	size_t	 cend;		/* client octets arrived */
	size_t	 spos;		/* server octets fed to rp */
	bool	 starttls_sent;	/* the last write ended with STARTTLS */
	bool	 done;		/* stopped at the TLS handshake */
};

/* imp_out - formatted text onto t (nothing when t is NULL). */
static void
imp_out(struct imp_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
imp_out(struct imp_text *t, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t n;

	if (t == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(s);
	if (t->len + n + 1 > t->cap) {
		while (t->len + n + 1 > t->cap)
			t->cap = t->cap == 0 ? 4096 : t->cap * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n + 1);
	t->len += n;
	free(s);
}

/* imp_last_line_is - the last whole line of p[0..len) is verb, any case,
 * alone (RFC 5321 2.4: verbs are case-insensitive). */
static bool
imp_last_line_is(const uint8_t *p, size_t len, const char *verb)
{
	size_t end, start, vl = strlen(verb);

	if (len == 0 || p[len - 1] != '\n')
		return false;
	end = len - 1;
	if (end > 0 && p[end - 1] == '\r')
		end--;
	for (start = end; start > 0 && p[start - 1] != '\n'; start--)
		;
	while (end > start && p[end - 1] == ' ')
		end--;
	return end - start == vl &&
	    strncasecmp((const char *)p + start, verb, vl) == 0;
}

/* imp_wk_flush - the client's octets since the last reply: one write,
 * as send-raw lines of at most IMP_RAW_CHUNK octets each. */
static void
imp_wk_flush(struct imp_wk *k)
{
	const uint8_t *p = k->cli->buf + k->cpos;
	size_t len = k->cend - k->cpos, at, n;
	char *e;

	if (len == 0)
		return;
	for (at = 0; at < len && k->out != NULL; at += n) {
		n = len - at > IMP_RAW_CHUNK ? IMP_RAW_CHUNK : len - at;
		e = fuzz_esc_raw((const char *)p + at, n);
		imp_out(k->out, "send-raw \"%s\"\n", e);
		free(e);
	}
	k->starttls_sent = imp_last_line_is(p, len, "STARTTLS");
	if (imp_last_line_is(p, len, "QUIT"))
		k->w->quit = true;
	k->cpos = k->cend;
}

/* imp_wk_reply - one whole reply: the write before it, then its expect. */
static void
imp_wk_reply(struct imp_wk *k, const struct smtp_reply *r)
{
	imp_wk_flush(k);
	k->w->nreplies++;
	if (r->code >= 200 && r->code <= 599 &&
	    !(r->flags & SMTP_REPLY_F_BAD_CODE))
		imp_out(k->out, "expect %d\n", r->code);
	else
		imp_out(k->out, "# the server's reply here had no reply code\n"
		    "expect xxx\n");
	if (r->code == 220 && k->starttls_sent) {
		k->done = true;
		k->w->starttls = true;
		imp_out(k->out, "# The session went into TLS here; what "
		    "followed was encrypted and is not\n# imported.\n");
	}
}

/* imp_wk_server - the server's stream grew to end: feed it, take every
 * whole reply. */
static int
imp_wk_server(struct imp_wk *k, size_t end, struct sc_err *err)
{
	struct smtp_reply r;
	size_t n;

	while (k->spos < end && !k->done) {
		n = end - k->spos > IMP_FEED_CHUNK ? IMP_FEED_CHUNK :
		    end - k->spos;
		if (smtp_rparser_feed(k->rp, k->srv->buf + k->spos, n) == -1) {
			sc_err_set(err, NULL, 0, 0, "the server's bytes "
			    "before offset %zu hold no reply in %d octets",
			    k->spos, SC_RECV_BUF_MAX);
			return -1;
		}
		k->spos += n;
		memset(&r, 0, sizeof(r));
		while (!k->done &&
		    smtp_rparser_next(k->rp, &r) == SMTP_RPARSE_REPLY) {
			imp_wk_reply(k, &r);
			smtp_reply_clear(&r);
		}
	}
	return 0;
}

/* imp_server_closed_first - the server's FIN or RST came before the
 * client's (after 221 to QUIT, or a drop). */
static bool
imp_server_closed_first(const struct imp_wk *k)
{
	return k->srv->closed_pkt != 0 && (k->cli->closed_pkt == 0 ||
	    k->srv->closed_pkt < k->cli->closed_pkt);
}

/*
 * imp_wk_end - the end of the flow: the last write, then `expect close`
 * when the server closed first, else `close` (after QUIT and 221 too: a
 * scenario that ends open gets the runner's own polite QUIT, which the
 * capture does not hold). So the replay writes what the capture holds
 * and no more.
 */
static void
imp_wk_end(struct imp_wk *k)
{
	size_t pending = 0;

	if (k->done)
		return;
	smtp_rparser_pending(k->rp, &pending);
	imp_wk_flush(k);
	if (pending > 0)
		imp_out(k->out, "# the server's last %zu octets were no "
		    "whole reply\n", pending);
	if (imp_server_closed_first(k)) {
		imp_out(k->out, "expect close\n");
		return;
	}
	if (k->cli->closed_pkt == 0)
		imp_out(k->out, "# the capture ends here, before the client "
		    "closed\n");
	else if (!k->w->quit)
		imp_out(k->out, "# the client closed here without QUIT\n");
	imp_out(k->out, "close\n");
}

int
imp_scn_walk(const struct imp_flow *f, struct imp_text *out,
    struct imp_walk *w, struct sc_err *err)
{
	struct imp_wk k;
	size_t i;
	int srv = imp_flow_server(f), rc = 0;

	memset(w, 0, sizeof(*w));
	memset(&k, 0, sizeof(k));
	k.f = f;
	k.srv = &f->d[srv];
	k.cli = &f->d[1 - srv];
	k.out = out;
	k.w = w;
	k.rp = smtp_rparser_new();
	for (i = 0; i < f->nturns && !k.done && rc == 0; i++) {
		if (f->turns[i].d == srv)
			rc = imp_wk_server(&k, f->turns[i].end, err);
		else
			k.cend = f->turns[i].end;
	}
	if (rc == 0)
		imp_wk_end(&k);
	smtp_rparser_free(k.rp);
	return rc;
}

/* imp_time_str - the packet time, UTC, to the microsecond. */
static void
imp_time_str(const struct timeval *tv, char *buf, size_t size)
{
	struct tm tm;
	time_t t = tv->tv_sec;
	char s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(s, sizeof(s), "%lld", (long long)t);
	snprintf(buf, size, "%s.%06ldZ", s, (long)tv->tv_usec);
}

char *
imp_flow_line(const struct imp_capture *c, size_t index)
{
	const struct imp_flow *f = c->smtp[index - 1];
	char a[IMP_ADDR_MAX], b[IMP_ADDR_MAX], t[IMP_TIME_MAX];
	int srv = imp_flow_server(f);

	imp_addr_str(&f->ep[1 - srv], a, sizeof(a));
	imp_addr_str(&f->ep[srv], b, sizeof(b));
	imp_time_str(&f->first, t, sizeof(t));
	return xasprintf("%zu  %s -> %s  %s  client %zu octets, server %zu "
	    "octets, %s%s", index, a, b, t, f->d[1 - srv].len, f->d[srv].len,
	    f->starttls ? "STARTTLS" : "no STARTTLS",
	    f->err != NULL ? ", incomplete" : "");
}

/* imp_title_path - the capture's name fit for a one-line header: no
 * control octets, and no '#' that could start a comment. */
static char *
imp_title_path(const char *path)
{
	char *s = xstrdup(path), *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '#')
			*p = '?';
	return s;
}

/* imp_scn_header - the comments and the header. */
static void
imp_scn_header(struct imp_text *t, const struct imp_capture *c,
    size_t index, const char *id, bool stdout_note)
{
	const struct imp_flow *f = c->smtp[index - 1];
	char a[IMP_ADDR_MAX], b[IMP_ADDR_MAX], tm[IMP_TIME_MAX];
	char *path = imp_title_path(c->path);
	int srv = imp_flow_server(f);

	imp_addr_str(&f->ep[1 - srv], a, sizeof(a));
	imp_addr_str(&f->ep[srv], b, sizeof(b));
	imp_time_str(&f->first, tm, sizeof(tm));
	imp_out(t, "# Imported by `smtpcheck import` from the capture %s,\n"
	    "# SMTP flow %zu of %zu: client %s -> server %s,\n"
	    "# first packet at %s (packet %llu).\n", path, index, c->nsmtp,
	    a, b, tm, (unsigned long long)f->first_pkt);
	if (f->d[0].midstream || f->d[1].midstream)
		imp_out(t, "# The capture starts mid-flow (no SYN): the "
		    "bytes begin at the first\n# segment seen.\n");
	imp_out(t, "# It replays what the client wrote, one send-raw per "
	    "write (all it sent\n# between two replies), and expects each "
	    "reply with the code the server gave.\n");
	if (stdout_note)
		imp_out(t, "# Save it as %s.scn: the id must match the file "
		    "name.\n", id);
	imp_out(t, "id        %s\n", id);
	imp_out(t, "title     Imported from %s, flow %zu\n", path, index);
	imp_out(t, "rfc       5321 2.3\n");
	imp_out(t, "level     MUST\n");
	imp_out(t, "tags      imported\n\n");
	imp_out(t, "connect\n");
	free(path);
}

char *
imp_scn_text(const struct imp_capture *c, size_t index, const char *id,
    bool stdout_note, struct sc_err *err)
{
	const struct imp_flow *f;
	struct imp_text t = { NULL, 0, 0 };
	struct imp_walk w;
	struct sc_err werr = { 0 };

	if (index < 1 || index > c->nsmtp) {
		sc_err_set(err, c->path, 0, 0, "--flow %zu: there %s %zu SMTP "
		    "flow%s", index, c->nsmtp == 1 ? "is" : "are", c->nsmtp,
		    c->nsmtp == 1 ? "" : "s");
		return NULL;
	}
	f = c->smtp[index - 1];
	if (f->err != NULL) {
		sc_err_set(err, c->path, 0, 0, "%s", f->err);
		return NULL;
	}
	imp_scn_header(&t, c, index, id, stdout_note);
	if (imp_scn_walk(f, &t, &w, &werr) == -1) {
		sc_err_set(err, c->path, 0, 0, "flow %zu: %s", index,
		    werr.msg);
		free(t.p);
		return NULL;
	}
	if (t.len > SCN_FILE_MAX) {
		sc_err_set(err, c->path, 0, 0, "flow %zu: the scenario would "
		    "be %zu octets, over the %d of a scenario file "
		    "(SCN_FILE_MAX)", index, t.len, SCN_FILE_MAX);
		free(t.p);
		return NULL;
	}
	return t.p;
}
