/* SPDX-License-Identifier: ISC */
/*
 * run_matrix.c - run a selection against smtpref under each fault profile.
 *
 * Each profile gets a fresh smtpref process, so that one fault cannot leak
 * into the next run; the processes are always reaped, and one that does
 * not stop on SIGTERM within a deadline is killed.
 */
#include "run_matrix.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"

extern char **environ;

#define RUN_MATRIX_START_MS	5000	/* smtpref writes its port by then */
#define RUN_MATRIX_STOP_MS	3000	/* SIGTERM to exit, then SIGKILL */
#define RUN_MATRIX_POLL_MS	20
#define RUN_MATRIX_LIST_MAX	(256 * 1024)	/* `--fault list` output */
/* smtpref's argv: 8 of ours, the --ref-arg list, the terminator */
#define RUN_MATRIX_ARGV_MAX	(8 + RUN_MATRIX_REF_ARGS_MAX + 1)
#define RUN_MATRIX_FAULTS_MAX	1024

/* run_matrix_sleep_ms - a short sleep. */
static void
run_matrix_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* run_matrix_spawn - start argv with stdout/stderr to /dev/null; pid. */
static pid_t
run_matrix_spawn(char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
	    out_path != NULL ? out_path : "/dev/null",
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : -1;
}

/* run_matrix_reap - wait for pid up to ms; 0 reaped, -1 still running. */
static int
run_matrix_reap(pid_t pid, long ms, int *status)
{
	long waited;
	pid_t r;

	for (waited = 0; waited <= ms; waited += RUN_MATRIX_POLL_MS) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r == -1 && errno == ECHILD))
			return 0;
		run_matrix_sleep_ms(RUN_MATRIX_POLL_MS);
	}
	return -1;
}

/* run_matrix_stop - SIGTERM, then SIGKILL past the deadline. */
static void
run_matrix_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (run_matrix_reap(pid, RUN_MATRIX_STOP_MS, &status) == 0)
		return;
	kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
}

/* run_matrix_has_arg - is flag among the --ref-arg list? */
static bool
run_matrix_has_arg(const struct run_matrix_opts *o, const char *flag)
{
	size_t i;

	for (i = 0; i < o->nref_args; i++)
		if (strcmp(o->ref_args[i], flag) == 0)
			return true;
	return false;
}

/*
 * run_matrix_can_show - can smtpref, with the --ref-arg flags, show a
 * fault that needs what flags lists ("tls": a certificate; "auth": AUTH
 * accounts)? A fault it cannot show would be "not caught" for no fault of
 * the scenarios, so such profiles are left out.
 */
static bool
run_matrix_can_show(const struct run_matrix_opts *o, const char *flags)
{
	char buf[64], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "tls") == 0 &&
		    !run_matrix_has_arg(o, "--cert"))
			return false;
		if (strcmp(tok, "auth") == 0 &&
		    !run_matrix_has_arg(o, "--auth-users"))
			return false;
	}
	return true;
}

/* run_matrix_faults - `smtpref serve --fault list`: name TAB description
 * [TAB tls]. */
static int
run_matrix_faults(const struct run_matrix_opts *o, struct run_matrix *m,
    const char *tmpdir, struct sc_err *err)
{
	char *argv[5], *path, *buf, *line, *save, *tab, *flags;
	struct sc_err rerr = { 0 };
	size_t len, i;
	int status;
	pid_t pid;

	path = xasprintf("%s/faults.txt", tmpdir);
	argv[0] = (char *)o->smtpref;
	argv[1] = "serve";
	argv[2] = "--fault";
	argv[3] = "list";
	argv[4] = NULL;
	pid = run_matrix_spawn(argv, path);
	if (pid == -1 || run_matrix_reap(pid, RUN_MATRIX_START_MS, &status)
	    == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (pid != -1)
			run_matrix_stop(pid);
		sc_err_set(err, o->smtpref, 0, 0, "`serve --fault list` "
		    "failed: is this smtpref?");
		free(path);
		return -1;
	}
	buf = sc_read_file(path, RUN_MATRIX_LIST_MAX, &len, &rerr);
	free(path);
	if (buf == NULL) {
		sc_err_set(err, o->smtpref, 0, 0, "fault list: %s", rerr.msg);
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		tab = strchr(line, '\t');
		if (tab == NULL || tab == line)
			continue;
		*tab = '\0';
		/* a third column "tls,auth": what the fault needs to show */
		flags = strchr(tab + 1, '\t');
		if (flags != NULL) {
			*flags++ = '\0';
			if (!run_matrix_can_show(o, flags))
				continue;
		}
		if (o->nfaults > 0) {
			for (i = 0; i < o->nfaults; i++)
				if (strcmp(o->faults[i], line) == 0)
					break;
			if (i == o->nfaults)
				continue;
		}
		if (m->np == RUN_MATRIX_FAULTS_MAX)
			break;
		m->p = xreallocarray(m->p, m->np + 1, sizeof(*m->p));
		memset(&m->p[m->np], 0, sizeof(*m->p));
		m->p[m->np].name = xstrdup(line);
		m->p[m->np].desc = xstrdup(tab + 1);
		m->np++;
	}
	free(buf);
	for (i = 0; i < o->nfaults; i++) {
		size_t j;

		for (j = 0; j < m->np; j++)
			if (strcmp(m->p[j].name, o->faults[i]) == 0)
				break;
		if (j == m->np) {
			sc_err_set(err, o->smtpref, 0, 0, "no fault profile "
			    "\"%s\" (smtpref serve --fault list)", o->faults[i]);
			return -1;
		}
	}
	if (m->np == 0) {
		sc_err_set(err, o->smtpref, 0, 0, "no fault profiles listed");
		return -1;
	}
	return 0;
}

/* run_matrix_port - wait for smtpref's port file; the port, or NULL. */
static char *
run_matrix_port(const char *path, pid_t pid)
{
	struct sc_err err = { 0 };
	long waited, port;
	size_t len;
	char *buf;
	int status;

	for (waited = 0; waited <= RUN_MATRIX_START_MS;
	    waited += RUN_MATRIX_POLL_MS) {
		memset(&err, 0, sizeof(err));
		buf = sc_read_file(path, 64, &len, &err);
		if (buf != NULL) {
			buf[strcspn(buf, "\r\n")] = '\0';
			if (sc_parse_long(buf, 1, 65535, &port) == 0)
				return buf;
			free(buf);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return NULL;	/* it died */
		run_matrix_sleep_ms(RUN_MATRIX_POLL_MS);
	}
	return NULL;
}

/* run_matrix_one - start smtpref (with fault, or none), run, stop. */
static void
run_matrix_one(const struct run_matrix_opts *o,
    const struct run_selection *sel, const char *tmpdir, size_t slot,
    struct run_matrix_profile *p)
{
	struct run_result *results;
	struct sc_err err = { 0 };
	struct run_ctx ctx;
	char *argv[RUN_MATRIX_ARGV_MAX], *pfile, *port;
	size_t i;
	pid_t pid;
	int n = 0;

	p->v = xcalloc(sel->n > 0 ? sel->n : 1, sizeof(*p->v));
	pfile = xasprintf("%s/port.%zu", tmpdir, slot);
	(void)unlink(pfile);
	argv[n++] = (char *)o->smtpref;
	argv[n++] = "serve";
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = pfile;
	for (i = 0; i < o->nref_args; i++)
		argv[n++] = (char *)o->ref_args[i];
	if (p->name[0] != '\0') {
		argv[n++] = "--fault";
		argv[n++] = p->name;
	}
	argv[n] = NULL;
	pid = run_matrix_spawn(argv, NULL);
	if (pid == -1) {
		p->error = xasprintf("cannot start %s: %s", o->smtpref,
		    strerror(errno));
		free(pfile);
		return;
	}
	port = run_matrix_port(pfile, pid);
	(void)unlink(pfile);
	free(pfile);
	if (port == NULL) {
		p->error = xstrdup("smtpref did not start (no port file)");
		run_matrix_stop(pid);
		return;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.host = xstrdup("127.0.0.1");
	ctx.port = port;
	ctx.target = xasprintf("127.0.0.1:%s", port);
	ctx.vars = o->vars;
	ctx.timeout_scale = o->timeout_scale;
	ctx.tls_mode = o->tls_mode;
	ctx.tls = o->tls;
	if (run_probe_target(&ctx, &err) == -1) {
		p->error = xasprintf("unreachable: %s", err.msg);
	} else {
		results = xcalloc(sel->n > 0 ? sel->n : 1, sizeof(*results));
		run_pool(&ctx, sel, o->jobs, results, NULL, NULL);
		for (i = 0; i < sel->n; i++) {
			p->v[i] = results[i].verdict;
			run_result_clear(&results[i]);
		}
		free(results);
	}
	ctx.tls = NULL;		/* borrowed */
	run_ctx_clear(&ctx);
	run_matrix_stop(pid);
}

/* The profiles still to run, shared by the worker threads. */
struct run_matrix_work {
	const struct run_matrix_opts	*o;
	const struct run_selection	*sel;
	struct run_matrix		*m;
	const char			*tmpdir;
	pthread_mutex_t			 lock;
	size_t				 next, done;
};

/* run_matrix_worker - take the next profile until none is left. */
static void *
run_matrix_worker(void *arg)
{
	struct run_matrix_work *w = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		i = w->next < w->m->np ? w->next++ : SIZE_MAX;
		pthread_mutex_unlock(&w->lock);
		if (i == SIZE_MAX)
			return NULL;
		run_matrix_one(w->o, w->sel, w->tmpdir, i + 1, &w->m->p[i]);
		pthread_mutex_lock(&w->lock);
		w->done++;
		if (w->o->progress != NULL)
			w->o->progress(w->o->arg, w->done, w->m->np,
			    w->m->p[i].name);
		pthread_mutex_unlock(&w->lock);
	}
}

/* run_matrix_build - baseline, then every profile. */
int
run_matrix_build(const struct run_matrix_opts *o,
    const struct run_selection *sel, struct run_matrix *m,
    struct sc_err *err)
{
	char tmpl[] = "/tmp/smtpcheck-matrix.XXXXXX";
	char *tmpdir, *path;
	int64_t t0 = sc_now_us();
	size_t i;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->sel = sel;
	if (o->nref_args > RUN_MATRIX_REF_ARGS_MAX) {
		sc_err_set(err, "", 0, 0, "at most %d smtpref arguments",
		    RUN_MATRIX_REF_ARGS_MAX);
		return -1;
	}
	tmpdir = mkdtemp(tmpl);
	if (tmpdir == NULL) {
		sc_err_set(err, "", 0, 0, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	if (run_matrix_faults(o, m, tmpdir, err) == -1) {
		rc = -1;
		goto out;
	}
	m->base.name = xstrdup("");
	m->base.desc = xstrdup("no fault: the reference behaviour");
	run_matrix_one(o, sel, tmpdir, 0, &m->base);
	if (o->progress != NULL)
		o->progress(o->arg, 0, m->np, "(baseline)");
	{
		/* profiles at once: each is mostly waiting on deadlines */
		struct run_matrix_work w = { .o = o, .sel = sel, .m = m,
		    .tmpdir = tmpdir };
		pthread_t tid[RUN_MATRIX_PROFILES_AT_ONCE];
		size_t nt = 0;

		pthread_mutex_init(&w.lock, NULL);
		for (i = 0; i < RUN_MATRIX_PROFILES_AT_ONCE && i < m->np; i++) {
			if (pthread_create(&tid[nt], NULL, run_matrix_worker,
			    &w) != 0)
				break;
			nt++;
		}
		if (nt == 0)
			run_matrix_worker(&w);	/* no thread: do it here */
		for (i = 0; i < nt; i++)
			pthread_join(tid[i], NULL);
		pthread_mutex_destroy(&w.lock);
	}
	m->duration_us = sc_now_us() - t0;
out:
	path = xasprintf("%s/faults.txt", tmpdir);
	(void)unlink(path);
	free(path);
	(void)rmdir(tmpdir);
	return rc;
}

/* run_matrix_profile_clear - release one column. */
static void
run_matrix_profile_clear(struct run_matrix_profile *p)
{
	free(p->name);
	free(p->desc);
	free(p->error);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* run_matrix_clear - release everything m owns. */
void
run_matrix_clear(struct run_matrix *m)
{
	size_t i;

	run_matrix_profile_clear(&m->base);
	for (i = 0; i < m->np; i++)
		run_matrix_profile_clear(&m->p[i]);
	free(m->p);
	memset(m, 0, sizeof(*m));
}

/* run_matrix_kills - the failing verdict of the scenario's own level. */
bool
run_matrix_kills(const struct scn *s, enum run_verdict v)
{
	if (v == RUN_FAIL)
		return true;
	return v == RUN_WARN && s->level == SCN_LEVEL_SHOULD;
}

/* run_matrix_catches - a profile shows when a scenario FAILs or WARNs. */
bool
run_matrix_catches(enum run_verdict v)
{
	return v == RUN_FAIL || v == RUN_WARN;
}

/* run_matrix_baseline_ok - what smtpref itself may get. */
bool
run_matrix_baseline_ok(enum run_verdict v)
{
	return v == RUN_PASS || v == RUN_INFO || v == RUN_SKIP;
}

/* run_matrix_holds - the whole proof. */
bool
run_matrix_holds(const struct run_matrix *m)
{
	size_t i, j;
	bool hit;

	if (m->base.error != NULL || m->base.v == NULL)
		return false;
	for (i = 0; i < m->sel->n; i++)
		if (!run_matrix_baseline_ok(m->base.v[i]))
			return false;
	for (j = 0; j < m->np; j++) {
		if (m->p[j].error != NULL)
			return false;
		hit = false;
		for (i = 0; i < m->sel->n && !hit; i++)
			hit = run_matrix_catches(m->p[j].v[i]);
		if (!hit)
			return false;
	}
	for (i = 0; i < m->sel->n; i++) {
		hit = false;
		for (j = 0; j < m->np && !hit; j++)
			hit = run_matrix_kills(m->sel->v[i], m->p[j].v[i]);
		if (!hit)
			return false;
	}
	return true;
}
