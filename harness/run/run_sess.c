/* SPDX-License-Identifier: ISC */
/*
 * run_sess.c - the clock, notes and judging that both roles share.
 */
#include "run_sess.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "conn.h"
#include "pcap_out.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"

/* run_sess_begin - the scenario starts now. */
void
run_sess_begin(struct run_sess *b, const struct scn *s, struct run_result *r,
    double scale)
{
	memset(b, 0, sizeof(*b));
	b->s = s;
	b->r = r;
	b->scale = scale;
	r->scn = s;
	r->verdict = RUN_PASS;
	r->started_wall_us = sc_wall_us();
	b->t0 = sc_now_us();
	b->deadline = b->t0 + run_sess_scaled_us(b, s->timeout_ms > 0 ?
	    s->timeout_ms : SC_SCENARIO_TIMEOUT_MS);
}

/* run_sess_scaled_us - a deadline in ms, times --timeout-scale. */
int64_t
run_sess_scaled_us(const struct run_sess *b, long ms)
{
	double us = (double)ms * 1000.0 * b->scale;

	return us < 1000.0 ? 1000 : (int64_t)us;
}

/* run_sess_deadline - now + ms (scaled), capped by the scenario's. */
int64_t
run_sess_deadline(const struct run_sess *b, long ms)
{
	int64_t d = sc_now_us() + run_sess_scaled_us(b, ms);

	return d < b->deadline ? d : b->deadline;
}

/* run_sess_t - microseconds since the scenario began. */
int64_t
run_sess_t(const struct run_sess *b)
{
	return sc_now_us() - b->t0;
}

/* run_sess_event - a harness note in the transcript. */
void
run_sess_event(struct run_sess *b, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	transcript_add(&b->r->tr, TR_EVENT, run_sess_t(b), b->step != NULL ?
	    b->step->line : 0, msg, strlen(msg));
	free(msg);
}

/* run_sess_level - what a mismatch costs at the scenario's level. */
enum run_verdict
run_sess_level(const struct run_sess *b)
{
	switch (b->s->level) {
	case SCN_LEVEL_MUST: return RUN_FAIL;
	case SCN_LEVEL_SHOULD: return RUN_WARN;
	case SCN_LEVEL_MAY: return RUN_INFO;
	}
	return RUN_FAIL;
}

/* run_sess_judge - record a non-PASS outcome for the current step. */
void
run_sess_judge(struct run_sess *b, enum run_verdict v, const char *expected,
    const void *got, size_t gotlen, const char *fmt, ...)
{
	const struct scn_step *st = b->step;
	va_list ap;
	char *reason;

	va_start(ap, fmt);
	reason = xvasprintf(fmt, ap);
	va_end(ap);
	run_result_set(b->r, v, st != NULL ? st->line : 0,
	    st != NULL ? st->src : NULL, expected, got, gotlen, reason);
	if (v > b->step_outcome || b->step_outcome == RUN_PASS) {
		b->step_outcome = v;
		free(b->step_detail);
		b->step_detail = xstrdup(reason);
	}
	free(reason);
	if (v == RUN_FAIL || v == RUN_ERROR || v == RUN_SKIP)
		b->stop = true;
}

/* run_sess_steps - the step loop of either role. */
void
run_sess_steps(struct run_sess *b,
    void (*fn)(struct run_sess *, const struct scn_step *))
{
	const struct scn_step *st;
	int64_t t_step;
	size_t i;

	for (i = 0; i < b->s->nsteps && !b->stop; i++) {
		st = &b->s->steps[i];
		b->step = st;
		b->step_outcome = RUN_PASS;
		t_step = run_sess_t(b);
		fn(b, st);
		run_step_log_add(b->r, st->line, st->src, t_step,
		    run_sess_t(b) - t_step, b->step_outcome, b->step_detail);
		free(b->step_detail);
		b->step_detail = NULL;
		if (!b->stop && sc_now_us() >= b->deadline)
			run_sess_judge(b, RUN_FAIL, "the scenario to finish "
			    "in time", NULL, 0, "the scenario's deadline "
			    "passed");
	}
}

/* run_sess_end - the duration; the step detail a prerequisite left. */
void
run_sess_end(struct run_sess *b)
{
	free(b->step_detail);
	b->step_detail = NULL;
	b->step = NULL;
	b->r->duration_us = sc_now_us() - b->t0;
}

/* run_sess_capture_begin - a recorder for this scenario, with --pcap. */
void
run_sess_capture_begin(struct run_sess *b, const char *dir)
{
	if (dir == NULL)
		return;
	b->pcap_dir = dir;
	b->cap = cap_rec_new();
}

/* run_sess_capture_conn - record c, if this scenario is recorded. */
void
run_sess_capture_conn(struct run_sess *b, struct conn *c,
    bool local_is_server)
{
	if (b->cap == NULL)
		return;
	if (conn_set_capture(c, b->cap, local_is_server) == -1)
		run_sess_event(b, "capture: the socket's addresses are gone; "
		    "this connection is not in the capture");
}

/* run_sess_capture_path - DIR/<id>.pcap, the id kept to characters
 * that are safe in a file name everywhere. Owned. */
static char *
run_sess_capture_path(const char *dir, const char *id)
{
	char *name, *path, *p;
	size_t dl = strlen(dir);

	name = xstrdup(id != NULL && *id != '\0' ? id : "scenario");
	for (p = name; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '-' &&
		    *p != '_')
			*p = '_';
	path = xasprintf("%s%s%s.pcap", dir, dl > 0 && dir[dl - 1] == '/' ?
	    "" : "/", name);
	free(name);
	return path;
}

/* run_sess_capture_end - write the capture and free the recorder. */
void
run_sess_capture_end(struct run_sess *b)
{
	struct sc_err err = { 0 };
	char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32], *path;

	if (b->cap == NULL)
		return;
	b->step = NULL;
	path = run_sess_capture_path(b->pcap_dir, b->s->id);
	if (cap_rec_truncated(b->cap))
		run_sess_event(b, "capture truncated: past %d octets, later "
		    "bytes are not in %s", SC_CAPTURE_BYTES_MAX, path);
	if (pcap_out_write(b->cap, path, &err) == -1) {
		sc_err_format(&err, msg, sizeof(msg));
		run_sess_event(b, "%s", msg);
		b->r->capture_err = xstrdup(msg);
		free(path);
	} else
		b->r->capture = path;
	cap_rec_free(b->cap);
	b->cap = NULL;
}
