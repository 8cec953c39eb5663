/* SPDX-License-Identifier: ISC */
/*
 * load_run.c - a whole load run: the target resolved once, the shared
 * bytes built once, N session slots on one loop, and the tick.
 *
 * A slot whose connection ended is started again after the dispatch round
 * (never inside its own callback) while messages remain. The tick, every
 * LOAD_TICK_MS, ends sessions past their deadline, stops taking messages
 * at the end of --duration or on Ctrl-C (sessions finish the message in
 * hand and QUIT; a second Ctrl-C ends them at once), and redraws the
 * progress line. When no connection has been made and every slot's first
 * connect failed, the run stops: the target is unreachable.
 */
#include "load.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sc_util.h"
#include "tls.h"

#define LOAD_NOFILE_SPARE	64	/* descriptors besides the sessions' */

static volatile sig_atomic_t load_run_signals;

/* load_run_on_signal - count Ctrl-Cs; the tick acts on them. */
static void
load_run_on_signal(int sig)
{
	(void)sig;
	load_run_signals++;
}

/* load_run_take - one more message, unless stopping or all are taken. */
bool
load_run_take(struct load_run *run)
{
	if (run->stopping)
		return false;
	if (run->o->messages > 0 && run->taken >= (uint64_t)run->o->messages)
		return false;
	run->taken++;
	return true;
}

/* load_run_ended - queue s for a restart after this round. */
void
load_run_ended(struct load_run *run, struct load_sess *s)
{
	s->next_ended = run->ended;
	run->ended = s;
}

/* load_run_resolve - the target's first address. -1 with st's first
 * error set: counted as a connect error, so the run says unreachable. */
static int
load_run_resolve(struct load_run *run)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(run->o->host, run->o->port, &hints, &res);
	if (rc != 0) {
		run->st->errors[LOAD_E_CONNECT][LOAD_ST_CONNECT]++;
		snprintf(run->st->first_error, sizeof(run->st->first_error),
		    "connect: %s: %s", run->o->target, gai_strerror(rc));
		return -1;
	}
	if (res->ai_addrlen > sizeof(run->sa))
		fatal("load: address of %zu octets", (size_t)res->ai_addrlen);
	memcpy(run->sa, res->ai_addr, res->ai_addrlen);
	run->salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* load_run_nofile - room for every session's socket, if the hard limit
 * allows; otherwise the extra sessions fail to connect, and say why. */
static void
load_run_nofile(int sessions)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)sessions + LOAD_NOFILE_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ?
	    want : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* load_run_signals_on - SIGINT/SIGTERM counted, SIGPIPE ignored. */
static void
load_run_signals_on(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = load_run_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* load_run_restart - start again every slot that ended last round. */
static void
load_run_restart(struct load_run *run)
{
	struct load_sess *s, *next;
	const struct load_stats *st = run->st;

	/* Unreachable: nothing ever connected and each slot failed once. */
	if (st->sessions_connected == 0 &&
	    load_stats_kind(st, LOAD_E_CONNECT) >= (uint64_t)run->o->sessions)
		run->stopping = true;
	s = run->ended;
	run->ended = NULL;
	for (; s != NULL; s = next) {
		next = s->next_ended;
		s->next_ended = NULL;
		(void)load_sess_start(s);
	}
}

/* The progress line: what it showed last. */
struct load_progress {
	bool		 on;
	int64_t		 at_us;
	uint64_t	 ok;
};

/* load_run_progress - messages, recent msg/s, errors, on stderr. */
static void
load_run_progress(struct load_run *run, struct load_progress *p,
    int64_t now)
{
	const struct load_stats *st = run->st;
	double dt;

	if (!p->on || now - p->at_us < (int64_t)LOAD_PROGRESS_MS * 1000)
		return;
	dt = (double)(now - p->at_us) / 1e6;
	fprintf(stderr, "\r\033[K%llu messages, %.0f msg/s, %llu failed, "
	    "%llu errors, %zu sessions open, %.1f s",
	    (unsigned long long)st->messages_ok,
	    (double)(st->messages_ok - p->ok) / dt,
	    (unsigned long long)st->messages_failed,
	    (unsigned long long)load_stats_errors(st), run->active,
	    (double)(now - st->start_us) / 1e6);
	fflush(stderr);
	p->at_us = now;
	p->ok = st->messages_ok;
}

/* load_run_tick - deadlines, --duration, Ctrl-C. */
static void
load_run_tick(struct load_run *run, int64_t now)
{
	const struct load_opts *o = run->o;
	int i;

	if (o->duration_ms > 0 &&
	    now - run->st->start_us >= (int64_t)o->duration_ms * 1000)
		run->stopping = true;
	if (load_run_signals > 0)
		run->stopping = true;
	for (i = 0; i < o->sessions; i++) {
		if (load_run_signals > 1)
			load_sess_abort(&run->sess[i]);
		else
			load_sess_check(&run->sess[i], now);
	}
}

/* load_run_loop - until every slot is idle. -1 when the loop fails. */
static int
load_run_loop(struct load_run *run, struct load_progress *p)
{
	int64_t now, next_tick;
	int i, wait;

	now = load_loop_now(run->loop);
	next_tick = now + (int64_t)LOAD_TICK_MS * 1000;
	for (i = 0; i < run->o->sessions; i++)
		(void)load_sess_start(&run->sess[i]);
	while (run->active > 0 || run->ended != NULL) {
		now = load_loop_now(run->loop);
		wait = run->ended != NULL ? 0 :
		    (int)((next_tick - now + 999) / 1000);
		if (wait < 0)
			wait = 0;
		if (load_loop_wait(run->loop, wait) == -1) {
			fprintf(stderr, "smtpcheck: load: %s: %s\n",
			    load_loop_name(run->loop), strerror(errno));
			return -1;
		}
		now = load_loop_now(run->loop);
		if (now >= next_tick) {
			load_run_tick(run, now);
			load_run_progress(run, p, now);
			next_tick = now + (int64_t)LOAD_TICK_MS * 1000;
		}
		load_run_restart(run);
	}
	return 0;
}

/* load_run - set up, run, tear down. */
int
load_run(const struct load_opts *o, struct load_stats *st, char *loop_name,
    size_t loop_name_size)
{
	struct tls_client_opts topts;
	struct load_run run;
	struct load_progress prog;
	struct sc_err err = { 0 };
	char msg[SC_ERR_MSG_MAX];
	int i, rc = 0;

	memset(&run, 0, sizeof(run));
	memset(st, 0, sizeof(*st));
	run.o = o;
	run.st = st;
	run.loop = load_loop_new(o->loop, (size_t)o->sessions, msg,
	    sizeof(msg));
	if (run.loop == NULL) {
		fprintf(stderr, "smtpcheck: load: %s\n", msg);
		return -1;
	}
	snprintf(loop_name, loop_name_size, "%s", load_loop_name(run.loop));
	if (o->tls != LOAD_TLS_NONE) {
		/* A load test measures throughput, not the certificate. */
		memset(&topts, 0, sizeof(topts));
		topts.insecure = true;
		run.tls = tls_client_ctx_new(&topts, &err);
		if (run.tls == NULL) {
			fprintf(stderr, "smtpcheck: load: %s\n", err.msg);
			load_loop_free(run.loop);
			return -1;
		}
	}
	st->start_us = sc_now_us();
	if (load_run_resolve(&run) == -1) {
		st->end_us = sc_now_us();
		tls_ctx_free(run.tls);
		load_loop_free(run.loop);
		return 0;
	}
	load_run_nofile(o->sessions);
	load_run_signals_on();
	load_run_signals = 0;
	load_msg_build(&run.msg, o);
	run.sess = xcalloc((size_t)o->sessions, sizeof(*run.sess));
	for (i = 0; i < o->sessions; i++)
		load_sess_init(&run.sess[i], &run, (size_t)i);
	/* A round of nothing sets the loop's clock: building a big message
	 * took time, and the first deadlines are reckoned from it. */
	(void)load_loop_wait(run.loop, 0);
	st->start_us = load_loop_now(run.loop);
	memset(&prog, 0, sizeof(prog));
	prog.on = !o->quiet && isatty(STDERR_FILENO);
	prog.at_us = st->start_us;
	if (load_run_loop(&run, &prog) == -1)
		rc = -1;
	st->end_us = sc_now_us();
	if (prog.on)
		fputs("\r\033[K", stderr);
	for (i = 0; i < o->sessions; i++)
		load_sess_clear(&run.sess[i]);
	free(run.sess);
	load_msg_clear(&run.msg);
	tls_ctx_free(run.tls);
	load_loop_free(run.loop);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return rc;
}
