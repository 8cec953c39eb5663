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

/* run_probe_keywords - copy the EHLO keywords, upper-cased. */
static void
run_probe_keywords(struct run_probe *p, const struct smtp_reply *rep)
{
	size_t i, j, n;

	for (i = 1; i < rep->nlines; i++) {
		n = strcspn(rep->lines[i].text, " ");
		if (n == 0)
			continue;
		p->keywords = xreallocarray(p->keywords, p->nkeywords + 1,
		    sizeof(*p->keywords));
		p->params = xreallocarray(p->params, p->nkeywords + 1,
		    sizeof(*p->params));
		p->keywords[p->nkeywords] = xstrndup(rep->lines[i].text, n);
		p->params[p->nkeywords] = xstrdup(rep->lines[i].text + n +
		    (rep->lines[i].text[n] == ' ' ? 1 : 0));
		for (j = 0; j < n; j++)
			p->keywords[p->nkeywords][j] = (char)toupper(
			    (unsigned char)p->keywords[p->nkeywords][j]);
		p->nkeywords++;
	}
}

/* run_probe_target - greeting, EHLO, QUIT. */
int
run_probe_target(struct run_ctx *ctx, struct sc_err *err)
{
	struct run_probe *p = &ctx->probe;
	struct smtp_reply rep;
	struct smtp_rparser *rp;
	struct sc_err werr = { 0 };
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
	if (run_probe_read(c, rp, &rep, deadline) == -1) {
		p->detail = xstrdup("no greeting within the read deadline");
		goto done;
	}
	p->greeting_code = rep.code;
	smtp_reply_clear(&rep);
	helo = scn_vars_get(ctx->vars, "helo");
	cmd = xasprintf("EHLO %s\r\n", helo != NULL ? helo : "localhost");
	if (conn_write(c, cmd, strlen(cmd), deadline, &werr) == CONN_OK &&
	    run_probe_read(c, rp, &rep, sc_now_us() + scale_us) == 0) {
		if (rep.code == 250) {
			p->ehlo_ok = true;
			run_probe_keywords(p, &rep);
		} else {
			p->detail = xasprintf("EHLO answered %d", rep.code);
		}
		smtp_reply_clear(&rep);
		if (conn_write(c, "QUIT\r\n", 6, deadline, &werr) == CONN_OK &&
		    run_probe_read(c, rp, &rep, sc_now_us() + scale_us) == 0)
			smtp_reply_clear(&rep);
	} else {
		p->detail = xstrdup("no reply to EHLO");
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
	size_t i;

	for (i = 0; i < p->nkeywords; i++)
		if (strcasecmp(p->keywords[i], kw) == 0)
			return p->params != NULL ? p->params[i] : "";
	return NULL;
}

/* run_probe_clear - release. */
void
run_probe_clear(struct run_probe *p)
{
	size_t i;

	for (i = 0; i < p->nkeywords; i++) {
		free(p->keywords[i]);
		if (p->params != NULL)
			free(p->params[i]);
	}
	free(p->keywords);
	free(p->params);
	free(p->detail);
	memset(p, 0, sizeof(*p));
}

/* run_ctx_clear - release. */
void
run_ctx_clear(struct run_ctx *ctx)
{
	free(ctx->host);
	free(ctx->port);
	free(ctx->target);
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
