/* SPDX-License-Identifier: ISC */
/*
 * fuzz_run.c - the fuzz run: workers, the rate limit, findings, the
 * progress line and the summary.
 *
 * Workers take case numbers from one counter, so with --jobs 1 the cases
 * run in the order the seed gives them. After each case a liveness probe
 * opens a new connection and waits for a greeting: a server that no
 * longer answers is a crash, and the run stops after FZ_DEAD_MAX probes
 * in a row fail (nothing more can be learned from a dead server). Every
 * new connection, the minimizer's included, waits its turn under --rate.
 *
 * Findings are counted by class; the first --keep of each class and
 * operator are shrunk, written as scenarios, and replayed once with the
 * scenario engine to check that `smtpcheck run` reproduces them.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "rep_out.h"
#include "run.h"
#include "scn.h"
#include "sc_util.h"
#include "tls.h"

#define FZ_DEAD_MAX		3	/* failed liveness probes in a row */
#define FZ_PROGRESS_TTY_MS	1000
#define FZ_PROGRESS_LOG_MS	10000
#define FZ_KINDS_MAX		256	/* distinct (class, operator) pairs */

static volatile int fz_stop;

static void
fz_on_signal(int sig)
{
	(void)sig;
	fz_stop = 1;
}

struct fz_kind {
	enum fuzz_class cls;
	const char *op;
	int	 kept;
};

struct fz_run {
	const struct fuzz_opts	*o;
	struct fuzz_target	 t;
	struct fuzz_corpus	*co;
	pthread_mutex_t		 mu;
	uint64_t		 next;		/* next case number */
	uint64_t		 done;
	int64_t			 t0, deadline;	/* us; deadline 0: none */
	int64_t			 slot;		/* rate limit: next start */
	size_t			 counts[FUZZ_CLASS_COUNT];
	uint64_t		 first[FUZZ_CLASS_COUNT];	/* case */
	double			 first_s[FUZZ_CLASS_COUNT];	/* elapsed */
	struct fuzz_found	*found;		/* kept reproducers */
	size_t			 nfound;
	struct fz_kind		 kinds[FZ_KINDS_MAX];
	size_t			 nkinds;
	int			 dead;		/* failed probes in a row */
	bool			 down;		/* the target is gone */
	size_t			 aborted;
};

/* fz_rate - wait for this connection's turn under --rate. */
static void
fz_rate(void *arg)
{
	struct fz_run *r = arg;
	int64_t now, at;
	struct timespec ts;

	if (r->o->rate <= 0)
		return;
	pthread_mutex_lock(&r->mu);
	now = sc_now_us();
	at = r->slot > now ? r->slot : now;
	r->slot = at + (int64_t)(1e6 / r->o->rate);
	pthread_mutex_unlock(&r->mu);
	if (at > now) {
		ts.tv_sec = (at - now) / 1000000;
		ts.tv_nsec = ((at - now) % 1000000) * 1000;
		nanosleep(&ts, NULL);
	}
}

static size_t
fz_total(const struct fz_run *r)
{
	size_t i, n = 0;

	for (i = 1; i < FUZZ_CLASS_COUNT; i++)
		n += r->counts[i];
	return n;
}

/* fz_more - may another case start? Takes its number. */
static bool
fz_more(struct fz_run *r, uint64_t *idx)
{
	bool ok;

	pthread_mutex_lock(&r->mu);
	ok = !fz_stop && !r->down &&
	    (r->o->stop_after == 0 || fz_total(r) < r->o->stop_after) &&
	    (r->o->iterations == 0 || r->next < r->o->iterations) &&
	    (r->deadline == 0 || sc_now_us() < r->deadline);
	if (ok)
		*idx = r->next++;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

/* fz_keep - count the finding; true when its reproducer is to be kept. */
static bool
fz_keep(struct fz_run *r, enum fuzz_class cls, const char *op, uint64_t idx)
{
	size_t i;
	bool keep = false;

	pthread_mutex_lock(&r->mu);
	if (r->counts[cls]++ == 0) {
		r->first[cls] = idx;
		r->first_s[cls] = (double)(sc_now_us() - r->t0) / 1e6;
	} else if (idx < r->first[cls]) {
		r->first[cls] = idx;
	}
	for (i = 0; i < r->nkinds; i++)
		if (r->kinds[i].cls == cls && strcmp(r->kinds[i].op, op) == 0)
			break;
	if (i == r->nkinds && r->nkinds < FZ_KINDS_MAX) {
		r->kinds[i].cls = cls;
		r->kinds[i].op = op;
		r->kinds[i].kept = 0;
		r->nkinds++;
	}
	if (i < r->nkinds && r->kinds[i].kept < r->o->keep &&
	    r->nfound < FUZZ_FINDINGS_MAX) {
		r->kinds[i].kept++;
		keep = true;
	}
	pthread_mutex_unlock(&r->mu);
	return keep;
}

/* fz_replay - run the reproducer through the scenario engine: the
 * verdict, or -1 when it does not parse. */
static int
fz_replay(struct fz_run *r, const char *path, const char *text)
{
	struct sc_err err = { 0 };
	struct run_result res;
	struct run_ctx ctx;
	struct scn *s;
	int v;

	s = scn_parse_buf(path, text, strlen(text), &err);
	if (s == NULL) {
		char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 8];

		sc_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "smtpcheck: fuzz: reproducer does not parse "
		    "(a bug in smtpcheck): %s\n", msg);
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.host = (char *)r->t.host;
	ctx.port = (char *)r->t.port;
	ctx.target = (char *)r->o->target;
	ctx.vars = r->o->vars;
	ctx.timeout_scale = 1.0;
	ctx.tls_mode = r->t.implicit_tls ? RUN_TLS_IMPLICIT :
	    r->t.tls != NULL ? RUN_TLS_STARTTLS : RUN_TLS_NONE;
	ctx.tls = r->t.tls;
	ctx.probe.reached = true;
	memset(&res, 0, sizeof(res));
	fz_rate(r);
	run_scenario(&ctx, s, &res);
	v = (int)res.verdict;
	run_result_clear(&res);
	scn_free(s);
	return v;
}

/* fz_write - shrink, write and replay one kept finding. */
static void
fz_write(struct fz_run *r, struct fuzz_case *c, struct fuzz_outcome *out,
    const char *op)
{
	struct fuzz_found f;
	char *text, *path, *id;
	size_t i;
	FILE *fp;

	memset(&f, 0, sizeof(f));
	f.cls = out->cls;
	f.seed = c->seed;
	f.index = c->index;
	snprintf(f.ops, sizeof(f.ops), "%s", c->ops);
	f.op = op;
	f.replay = -1;
	f.units_before = out->nsent;
	for (i = 0; i < out->nsent; i++)
		f.bytes_before += c->u[out->sent[i].unit].len;
	if (r->o->minimize)
		fuzz_minimize(&r->t, c, out->cls, out);
	f.units_after = out->nsent;
	for (i = 0; i < out->nsent; i++)
		f.bytes_after += c->u[out->sent[i].unit].len;
	f.detail = xstrdup(out->detail != NULL ? out->detail : "");
	id = fuzz_finding_id(out->cls, c->seed, c->index);
	text = fuzz_scenario_text(c, out, &r->t, r->o->target, id, c->ops,
	    r->o->reply_ms);
	path = xasprintf("%s/%s.scn", r->o->out_dir, id);
	free(id);
	fp = fopen(path, "w");
	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		fprintf(stderr, "smtpcheck: fuzz: %s: cannot write: %s\n",
		    path, strerror(errno));
		free(path);
		path = NULL;
	} else {
		f.replay = fz_replay(r, path, text);
	}
	f.file = path;
	free(text);
	pthread_mutex_lock(&r->mu);
	r->found = xreallocarray(r->found, r->nfound + 1, sizeof(*r->found));
	r->found[r->nfound++] = f;
	if (!r->o->quiet) {
		printf("\r\033[Kfinding: %s at case %llu (%s): %s\n  -> %s%s%s\n",
		    fuzz_class_str(f.cls), (unsigned long long)f.index, op,
		    f.detail, f.file != NULL ? f.file : "(not written)",
		    f.replay >= 0 ? ", replayed: " : "",
		    f.replay >= 0 ? run_verdict_str((enum run_verdict)f.replay) :
		    "");
		fflush(stdout);
	}
	pthread_mutex_unlock(&r->mu);
}

/* fz_case - generate, play and judge case idx. */
static void
fz_case(struct fz_run *r, uint64_t idx)
{
	struct fuzz_case c;
	struct fuzz_outcome out;
	enum fuzz_class cls, alive;
	char *detail = NULL;
	const char *op;

	fuzz_case_gen(&c, r->co, r->o->vars, r->o->seed, idx,
	    r->o->tls_starttls);
	cls = fuzz_drive(&r->t, &c, &out);
	alive = fuzz_alive(&r->t, &detail);
	pthread_mutex_lock(&r->mu);
	r->dead = alive == FUZZ_OK ? 0 : r->dead + 1;
	if (r->dead >= FZ_DEAD_MAX)
		r->down = true;
	r->done++;
	pthread_mutex_unlock(&r->mu);
	if (cls == FUZZ_OK && alive != FUZZ_OK) {
		cls = alive;
		out.cls = alive;
		out.unit = -1;
		free(out.detail);
		out.detail = detail;
		detail = NULL;
	}
	free(detail);
	if (cls != FUZZ_OK) {
		op = out.unit >= 0 && c.u[out.unit].op != NULL ?
		    c.u[out.unit].op : "session";
		if (fz_keep(r, cls, op, idx))
			fz_write(r, &c, &out, op);
	}
	fuzz_outcome_clear(&out);
	fuzz_case_clear(&c);
}

static void *
fz_worker(void *arg)
{
	struct fz_run *r = arg;
	uint64_t idx;

	while (fz_more(r, &idx))
		fz_case(r, idx);
	return NULL;
}

static void
fz_progress(struct fz_run *r, bool tty)
{
	double el = (double)(sc_now_us() - r->t0) / 1e6;

	pthread_mutex_lock(&r->mu);
	fprintf(stderr, "%s%llu cases (%.1f/s), %zu findings, %.0f s%s",
	    tty ? "\r\033[K" : "", (unsigned long long)r->done,
	    el > 0 ? (double)r->done / el : 0.0, fz_total(r), el,
	    tty ? "" : "\n");
	pthread_mutex_unlock(&r->mu);
	fflush(stderr);
}

static int
fz_summary_json(const struct fz_run *r, const char *path, double secs,
    const char *end_alive)
{
	FILE *f = fopen(path, "w");
	size_t i;
	bool first = true;

	if (f == NULL) {
		fprintf(stderr, "smtpcheck: fuzz: %s: cannot write: %s\n",
		    path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"tool\": \"smtpcheck fuzz\",\n  \"tool_version\": ");
	rep_out_json_str(f, SC_VERSION);
	fprintf(f, ",\n  \"target\": ");
	rep_out_json_str(f, r->o->target);
	fprintf(f, ",\n  \"seed\": %llu,\n  \"cases\": %llu,\n"
	    "  \"duration_s\": %.3f,\n  \"cases_per_s\": %.2f,\n"
	    "  \"reply_timeout_ms\": %ld,\n  \"rate\": %.2f,\n  \"jobs\": %d,\n"
	    "  \"findings_total\": %zu,\n  \"target_down\": %s,\n"
	    "  \"alive_at_end\": ",
	    (unsigned long long)r->o->seed, (unsigned long long)r->done, secs,
	    secs > 0 ? (double)r->done / secs : 0.0, r->o->reply_ms,
	    r->o->rate, r->o->jobs, fz_total(r), r->down ? "true" : "false");
	rep_out_json_str(f, end_alive);
	fprintf(f, ",\n  \"by_class\": {");
	for (i = 1; i < FUZZ_CLASS_COUNT; i++) {
		if (r->counts[i] == 0)
			continue;
		fprintf(f, "%s\n    ", first ? "" : ",");
		rep_out_json_str(f, fuzz_class_str((enum fuzz_class)i));
		fprintf(f, ": { \"count\": %zu, \"first_case\": %llu, "
		    "\"first_after_s\": %.3f }", r->counts[i],
		    (unsigned long long)r->first[i], r->first_s[i]);
		first = false;
	}
	fprintf(f, "%s},\n  \"findings\": [", first ? "" : "\n  ");
	for (i = 0; i < r->nfound; i++) {
		const struct fuzz_found *x = &r->found[i];

		fprintf(f, "%s\n    { \"class\": ", i > 0 ? "," : "");
		rep_out_json_str(f, fuzz_class_str(x->cls));
		fprintf(f, ", \"case\": %llu, \"operator\": ",
		    (unsigned long long)x->index);
		rep_out_json_str(f, x->op);
		fprintf(f, ", \"operators\": ");
		rep_out_json_str(f, x->ops);
		fprintf(f, ", \"detail\": ");
		rep_out_json_str(f, x->detail);
		fprintf(f, ", \"file\": ");
		rep_out_json_str(f, x->file);
		fprintf(f, ", \"replay\": ");
		if (x->replay >= 0)
			rep_out_json_str(f, run_verdict_str((enum run_verdict)x->replay));
		else
			fputs("null", f);
		fprintf(f, ", \"writes_before\": %zu, \"writes_after\": %zu, "
		    "\"octets_before\": %zu, \"octets_after\": %zu }",
		    x->units_before, x->units_after, x->bytes_before,
		    x->bytes_after);
	}
	fprintf(f, "%s]\n}\n", r->nfound > 0 ? "\n  " : "");
	if (fclose(f) != 0) {
		fprintf(stderr, "smtpcheck: fuzz: %s: write error: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
fz_summary_term(const struct fz_run *r, double secs, const char *end_alive)
{
	size_t i, k;

	printf("smtpcheck fuzz: %llu cases in %.1f s (%.1f/s), seed %llu, "
	    "target %s\n", (unsigned long long)r->done, secs,
	    secs > 0 ? (double)r->done / secs : 0.0,
	    (unsigned long long)r->o->seed, r->o->target);
	printf("findings: %zu\n", fz_total(r));
	for (i = 1; i < FUZZ_CLASS_COUNT; i++) {
		if (r->counts[i] == 0)
			continue;
		printf("  %-17s %6zu  first at case %llu (%.1f s): %s "
		    "(RFC %s)\n", fuzz_class_str((enum fuzz_class)i),
		    r->counts[i], (unsigned long long)r->first[i],
		    r->first_s[i], fuzz_class_what((enum fuzz_class)i),
		    fuzz_class_rfc((enum fuzz_class)i));
		for (k = 0; k < r->nfound; k++)
			if (r->found[k].cls == (enum fuzz_class)i &&
			    r->found[k].file != NULL)
				printf("      %s (%s; %zu writes, %zu octets; "
				    "replayed: %s)\n", r->found[k].file,
				    r->found[k].op, r->found[k].units_after,
				    r->found[k].bytes_after,
				    r->found[k].replay >= 0 ? run_verdict_str(
				    (enum run_verdict)r->found[k].replay) :
				    "not run");
	}
	printf("target at the end: %s\n", end_alive);
	printf("summary: %s/summary.json\n", r->o->out_dir);
}

/* fz_mkdir - DIR and its parents. */
static int
fz_mkdir(const char *dir)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0755) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

int
fuzz_run(const struct fuzz_opts *o)
{
	struct fz_run r;
	struct tls_client_opts topts;
	struct sc_err err = { 0 };
	struct sigaction sa;
	pthread_t th[FUZZ_JOBS_MAX];
	size_t nsc = 0, k;
	char *detail = NULL, *alive_s, *path;
	double secs;
	int i, rc;
	bool tty = isatty(STDERR_FILENO) && !o->quiet;
	int64_t last = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.t.host = o->host;
	r.t.port = o->port;
	r.t.implicit_tls = o->tls_implicit;
	r.t.reply_ms = o->reply_ms;
	r.t.before_connect = fz_rate;
	r.t.arg = &r;
	r.t.stop = &fz_stop;
	memset(&topts, 0, sizeof(topts));
	topts.insecure = true;	/* fuzzing is not about certificates */
	r.t.tls = tls_client_ctx_new(&topts, &err);
	if (r.t.tls == NULL && (o->tls_starttls || o->tls_implicit)) {
		fprintf(stderr, "smtpcheck: fuzz: TLS: %s\n", err.msg);
		return 4;
	}
	r.co = fuzz_corpus_load(o->paths, o->npaths, o->vars, &nsc);
	if (r.co == NULL) {
		tls_ctx_free(r.t.tls);
		return 2;
	}
	if (fz_mkdir(o->out_dir) == -1) {
		fprintf(stderr, "smtpcheck: fuzz: %s: cannot create: %s\n",
		    o->out_dir, strerror(errno));
		fuzz_corpus_free(r.co);
		tls_ctx_free(r.t.tls);
		return 2;
	}
	/* only a refused connection is "unreachable": a server that
	 * connects but does not greet is the first finding (a hang) */
	if (fuzz_alive(&r.t, &detail) == FUZZ_CRASH) {
		fprintf(stderr, "smtpcheck: fuzz: target %s unreachable: %s\n",
		    o->target, detail);
		free(detail);
		fuzz_corpus_free(r.co);
		tls_ctx_free(r.t.tls);
		return 3;
	}
	free(detail);
	detail = NULL;
	if (!o->quiet) {
		char lim[96], rate[48];

		if (o->iterations > 0 && o->duration_ms > 0)
			snprintf(lim, sizeof(lim), "%llu cases or %.0f s",
			    (unsigned long long)o->iterations,
			    (double)o->duration_ms / 1000);
		else if (o->iterations > 0)
			snprintf(lim, sizeof(lim), "%llu cases",
			    (unsigned long long)o->iterations);
		else
			snprintf(lim, sizeof(lim), "%.0f s",
			    (double)o->duration_ms / 1000);
		if (o->rate > 0)
			snprintf(rate, sizeof(rate), "%g connections/s",
			    o->rate);
		else
			snprintf(rate, sizeof(rate), "no rate limit");
		printf("smtpcheck fuzz: target %s, seed %llu, corpus of %zu "
		    "scenarios, %s, %d job%s, %s, reply timeout %ld ms, "
		    "findings in %s/\n", o->target,
		    (unsigned long long)o->seed, nsc, lim, o->jobs,
		    o->jobs == 1 ? "" : "s", rate, o->reply_ms, o->out_dir);
		fflush(stdout);
	}
	pthread_mutex_init(&r.mu, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fz_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r.t0 = sc_now_us();
	if (o->duration_ms > 0)
		r.deadline = r.t0 + o->duration_ms * 1000L;
	for (i = 0; i < o->jobs; i++)
		if (pthread_create(&th[i], NULL, fz_worker, &r) != 0)
			sc_fatal(__FILE__, __LINE__, "pthread_create");
	/* the progress line, until every worker is done */
	for (;;) {
		struct timespec ts = { 0, 100 * 1000000L };
		bool busy;

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&r.mu);
		busy = !fz_stop && !r.down && (o->stop_after == 0 ||
		    fz_total(&r) < o->stop_after) &&
		    (o->iterations == 0 || r.done < o->iterations) &&
		    (r.deadline == 0 || sc_now_us() < r.deadline);
		pthread_mutex_unlock(&r.mu);
		if (!o->quiet && sc_now_us() - last >=
		    (tty ? FZ_PROGRESS_TTY_MS : FZ_PROGRESS_LOG_MS) * 1000L) {
			fz_progress(&r, tty);
			last = sc_now_us();
		}
		if (!busy)
			break;
	}
	for (i = 0; i < o->jobs; i++)
		pthread_join(th[i], NULL);
	secs = (double)(sc_now_us() - r.t0) / 1e6;
	if (tty)
		fputs("\r\033[K", stderr);
	if (fz_stop && !o->quiet)
		fprintf(stderr, "smtpcheck: fuzz: interrupted; keeping what "
		    "was found\n");
	fz_stop = 0;
	r.t.before_connect = NULL;
	if (fuzz_alive(&r.t, &detail) == FUZZ_OK)
		alive_s = xstrdup("alive");
	else
		alive_s = xasprintf("NOT alive: %s", detail);
	free(detail);
	if (!o->quiet)
		fz_summary_term(&r, secs, alive_s);
	path = xasprintf("%s/summary.json", o->out_dir);
	rc = fz_summary_json(&r, path, secs, alive_s) == -1 ? 4 : 0;
	if (o->report_json != NULL &&
	    fz_summary_json(&r, o->report_json, secs, alive_s) == -1)
		rc = 4;
	free(path);
	if (fz_total(&r) > 0)
		rc = 1;
	for (k = 0; k < r.nfound; k++) {
		free(r.found[k].detail);
		free(r.found[k].file);
	}
	free(r.found);
	free(alive_s);
	pthread_mutex_destroy(&r.mu);
	fuzz_corpus_free(r.co);
	tls_ctx_free(r.t.tls);
	return rc;
}
