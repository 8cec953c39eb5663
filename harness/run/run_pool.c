/* SPDX-License-Identifier: ISC */
/*
 * run_pool.c - the probe session, and running a selection with up to
 * --jobs worker threads.
 *
 * The probe is one polite session (greeting, EHLO, QUIT) made before any
 * scenario, so that an unreachable target is told apart from a failing one
 * (exit 3, not a wall of FAILs) and `requires keyword` can be decided.
 */
#include "run.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_vars.h"
#include "smtp_reply.h"
#include "tls.h"

/* run_probe_read - one reply before deadline; 0 or -1. */
static int
run_probe_read(struct conn *c, struct smtp_rparser *rp,
    struct smtp_reply *rep, int64_t deadline)
{
	struct sc_err err = { 0 };
	char buf[4096];
	size_t n;

	for (;;) {
		if (smtp_rparser_next(rp, rep) == SMTP_RPARSE_REPLY)
			return 0;
		if (conn_read(c, buf, sizeof(buf), &n, deadline, &err) !=
		    CONN_OK)
			return -1;
		if (smtp_rparser_feed(rp, buf, n) == -1)
			return -1;
	}
}

/* run_keywords_add - copy the EHLO keywords of rep, upper-cased. */
static void
run_keywords_add(struct run_keywords *k, const struct smtp_reply *rep)
{
	size_t i, j, n;

	for (i = 1; i < rep->nlines; i++) {
		n = strcspn(rep->lines[i].text, " ");
		if (n == 0)
			continue;
		k->kw = xreallocarray(k->kw, k->n + 1, sizeof(*k->kw));
		k->params = xreallocarray(k->params, k->n + 1,
		    sizeof(*k->params));
		k->kw[k->n] = xstrndup(rep->lines[i].text, n);
		k->params[k->n] = xstrdup(rep->lines[i].text + n +
		    (rep->lines[i].text[n] == ' ' ? 1 : 0));
		for (j = 0; j < n; j++)
			k->kw[k->n][j] = (char)toupper(
			    (unsigned char)k->kw[k->n][j]);
		k->n++;
	}
}

/* run_keywords_clear - release. */
static void
run_keywords_clear(struct run_keywords *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free(k->kw[i]);
		if (k->params != NULL)
			free(k->params[i]);
	}
	free(k->kw);
	free(k->params);
	memset(k, 0, sizeof(*k));
}

/* run_keywords_copy - dst gets a deep copy of src's entries. */
static void
run_keywords_copy(struct run_keywords *dst, const struct run_keywords *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		dst->kw = xreallocarray(dst->kw, dst->n + 1, sizeof(*dst->kw));
		dst->params = xreallocarray(dst->params, dst->n + 1,
		    sizeof(*dst->params));
		dst->kw[dst->n] = xstrdup(src->kw[i]);
		dst->params[dst->n] = xstrdup(src->params != NULL ?
		    src->params[i] : "");
		dst->n++;
	}
}

/* run_probe_cmd - send cmd, read its reply into rep; 0 or -1. */
static int
run_probe_cmd(struct conn *c, struct smtp_rparser *rp, const char *cmd,
    struct smtp_reply *rep, int64_t deadline)
{
	struct sc_err err = { 0 };

	if (conn_write(c, cmd, strlen(cmd), deadline, &err) != CONN_OK)
		return -1;
	return run_probe_read(c, rp, rep, deadline);
}

/* run_probe_ehlo - EHLO; its keywords into k. 0, or -1 with why set. */
static int
run_probe_ehlo(struct conn *c, struct smtp_rparser *rp, const char *cmd,
    struct run_keywords *k, int64_t deadline, char **why)
{
	struct smtp_reply rep;
	int rc = 0;

	memset(&rep, 0, sizeof(rep));
	if (run_probe_cmd(c, rp, cmd, &rep, deadline) == -1) {
		*why = xstrdup("no reply to EHLO");
		return -1;
	}
	if (rep.code == 250)
		run_keywords_add(k, &rep);
	else {
		*why = xasprintf("EHLO answered %d", rep.code);
		rc = -1;
	}
	smtp_reply_clear(&rep);
	return rc;
}

/* run_probe_handshake - TLS with any certificate, so that what the server
 * presents is known even when it would not verify. */
static int
run_probe_handshake(struct run_ctx *ctx, struct conn *c, int64_t deadline)
{
	struct conn_tls_opts o = { .any_cert = true };
	struct sc_err err = { 0 };
	struct run_probe *p = &ctx->probe;

	if (conn_start_tls(c, ctx->tls, ctx->host, &o, deadline, &p->tls_info,
	    &err) != CONN_OK) {
		p->tls_detail = xasprintf("TLS handshake failed: %s", err.msg);
		return -1;
	}
	p->tls_ok = true;
	return 0;
}

/*
 * run_probe_target - greeting, EHLO, and QUIT; on the way, TLS: under
 * implicit TLS from the start, else STARTTLS and a second EHLO when the
 * target offers it and --tls is not none.
 */
int
run_probe_target(struct run_ctx *ctx, struct sc_err *err)
{
	struct run_probe *p = &ctx->probe;
	struct smtp_reply rep;
	struct smtp_rparser *rp;
	struct conn *c = NULL;
	const char *helo;
	int64_t scale_us, deadline;
	char *cmd;

	memset(p, 0, sizeof(*p));
	memset(&rep, 0, sizeof(rep));
	p->greeting_code = -1;
	scale_us = (int64_t)(SC_READ_TIMEOUT_MS * 1000.0 * ctx->timeout_scale);
	if (conn_connect(ctx->host, ctx->port, sc_now_us() + (int64_t)(
	    SC_CONNECT_TIMEOUT_MS * 1000.0 * ctx->timeout_scale), &c, err) !=
	    CONN_OK)
		return -1;
	p->reached = true;
	rp = smtp_rparser_new();
	deadline = sc_now_us() + scale_us;
	if (ctx->tls_mode == RUN_TLS_IMPLICIT &&
	    run_probe_handshake(ctx, c, deadline) == -1) {
		p->detail = xstrdup(p->tls_detail);
		goto done;
	}
	if (run_probe_read(c, rp, &rep, deadline) == -1) {
		p->detail = xstrdup("no greeting within the read deadline");
		goto done;
	}
	p->greeting_code = rep.code;
	smtp_reply_clear(&rep);
	helo = scn_vars_get(ctx->vars, "helo");
	cmd = xasprintf("EHLO %s\r\n", helo != NULL ? helo : "localhost");
	if (run_probe_ehlo(c, rp, cmd, &p->kw, sc_now_us() + scale_us,
	    &p->detail) == 0) {
		p->ehlo_ok = true;
		if (ctx->tls_mode == RUN_TLS_IMPLICIT) {
			/* one list, inside TLS already: it is both */
			run_keywords_copy(&p->tls_kw, &p->kw);
		} else if (ctx->tls_mode == RUN_TLS_STARTTLS &&
		    run_probe_keyword_params(p, "STARTTLS") != NULL) {
			deadline = sc_now_us() + scale_us;
			if (run_probe_cmd(c, rp, "STARTTLS\r\n", &rep,
			    deadline) == -1)
				p->tls_detail = xstrdup("no reply to STARTTLS");
			else if (rep.code != 220)
				p->tls_detail = xasprintf("STARTTLS answered "
				    "%d", rep.code);
			else if (run_probe_handshake(ctx, c, deadline) == 0) {
				/* nothing read in clear counts inside TLS */
				smtp_rparser_free(rp);
				rp = smtp_rparser_new();
				if (run_probe_ehlo(c, rp, cmd, &p->tls_kw,
				    sc_now_us() + scale_us, &p->tls_detail) ==
				    -1)
					p->tls_ok = false;
			}
			smtp_reply_clear(&rep);
		} else if (ctx->tls_mode == RUN_TLS_STARTTLS) {
			p->tls_detail = xstrdup("the target does not offer "
			    "STARTTLS");
		}
		if (run_probe_cmd(c, rp, "QUIT\r\n", &rep, sc_now_us() +
		    scale_us) == 0)
			smtp_reply_clear(&rep);
	}
	free(cmd);
done:
	smtp_rparser_free(rp);
	conn_free(c);
	return 0;
}

/* run_probe_has_keyword - case-insensitive. */
bool
run_probe_has_keyword(const struct run_probe *p, const char *kw)
{
	return run_probe_keyword_params(p, kw) != NULL;
}

/* run_probe_keyword_params - the text after the keyword. */
const char *
run_probe_keyword_params(const struct run_probe *p, const char *kw)
{
	return run_keywords_params(&p->kw, kw);
}

/* run_keywords_params - the text after the keyword in any list. */
const char *
run_keywords_params(const struct run_keywords *k, const char *kw)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcasecmp(k->kw[i], kw) == 0)
			return k->params != NULL ? k->params[i] : "";
	return NULL;
}

/* run_tls_available - the mode allows TLS and the probe got there. */
bool
run_tls_available(const struct run_ctx *ctx)
{
	return ctx->tls_mode != RUN_TLS_NONE && ctx->tls != NULL &&
	    ctx->probe.tls_ok;
}

/* run_tls_mode_str - name for reports. */
const char *
run_tls_mode_str(enum run_tls_mode m)
{
	switch (m) {
	case RUN_TLS_STARTTLS:	return "starttls";
	case RUN_TLS_NONE:	return "none";
	case RUN_TLS_IMPLICIT:	return "implicit";
	}
	return "?";
}

/* run_tls_describe - one line about a TLS session. */
char *
run_tls_describe(const struct conn_tls_info *ti)
{
	return xasprintf("%s %s; certificate %s, issued by %s, expires %s "
	    "(%ld days)%s; %s%s", ti->version, ti->cipher,
	    ti->subject[0] != '\0' ? ti->subject : "(none)",
	    ti->issuer[0] != '\0' ? ti->issuer : "(none)",
	    ti->not_after[0] != '\0' ? ti->not_after : "?", ti->days_left,
	    ti->self_signed ? ", self-signed" : "",
	    ti->verified ? "verified" : "NOT verified: ",
	    ti->verified ? "" : ti->verify_error);
}

/* run_probe_clear - release. */
void
run_probe_clear(struct run_probe *p)
{
	run_keywords_clear(&p->kw);
	free(p->detail);
	run_keywords_clear(&p->tls_kw);
	free(p->tls_detail);
	memset(p, 0, sizeof(*p));
}

/* run_ctx_clear - release. */
void
run_ctx_clear(struct run_ctx *ctx)
{
	free(ctx->host);
	free(ctx->port);
	free(ctx->target);
	tls_ctx_free(ctx->tls);
	ctx->tls = NULL;
	run_probe_clear(&ctx->probe);
}

struct run_pool_state {
	const struct run_ctx		*ctx;
	const struct run_selection	*sel;
	struct run_result		*results;
	run_done_fn			 cb;
	void				*arg;
	pthread_mutex_t			 lock;
	size_t				 next, done;
};

/* run_pool_worker - take the next scenario until none is left. */
static void *
run_pool_worker(void *p)
{
	struct run_pool_state *ps = p;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&ps->lock);
		i = ps->next < ps->sel->n ? ps->next++ : ps->sel->n;
		pthread_mutex_unlock(&ps->lock);
		if (i == ps->sel->n)
			return NULL;
		run_scenario(ps->ctx, ps->sel->v[i], &ps->results[i]);
		pthread_mutex_lock(&ps->lock);
		ps->done++;
		if (ps->cb != NULL)
			ps->cb(ps->arg, ps->done, ps->sel->n, &ps->results[i]);
		pthread_mutex_unlock(&ps->lock);
	}
}

/* run_pool - jobs threads over the selection. */
void
run_pool(const struct run_ctx *ctx, const struct run_selection *sel,
    int jobs, struct run_result *results, run_done_fn cb, void *arg)
{
	struct run_pool_state ps;
	pthread_t tids[RUN_JOBS_MAX];
	int i, started = 0;

	memset(&ps, 0, sizeof(ps));
	ps.ctx = ctx;
	ps.sel = sel;
	ps.results = results;
	ps.cb = cb;
	ps.arg = arg;
	pthread_mutex_init(&ps.lock, NULL);
	if (jobs < 1)
		jobs = 1;
	if (jobs > RUN_JOBS_MAX)
		jobs = RUN_JOBS_MAX;
	if ((size_t)jobs > sel->n)
		jobs = sel->n > 0 ? (int)sel->n : 1;
	for (i = 1; i < jobs; i++) {
		if (pthread_create(&tids[started], NULL, run_pool_worker,
		    &ps) != 0)
			break;	/* fewer threads; the calling one still runs */
		started++;
	}
	run_pool_worker(&ps);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&ps.lock);
}
