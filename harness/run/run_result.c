/* SPDX-License-Identifier: ISC */
/*
 * run_result.c - the result model: verdict names and ranking, the bounded
 * transcript, the per-step timeline, and the run totals.
 *
 * No I/O and no clock: the runner supplies times, the report writers read
 * the structs. Peer bytes stored as evidence go through sc_esc() here, so
 * every string a report prints from a result is printable ASCII or text
 * the scenario author wrote. Not thread-safe per object; results of
 * different scenarios may be filled from different threads.
 */
#include "run_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"

#define RUN_CASE(x, s)	case x: return s

/* run_verdict_str - the verdict's name. */
const char *
run_verdict_str(enum run_verdict v)
{
	static _Thread_local char buf[32];

	switch (v) {
	RUN_CASE(RUN_PASS, "PASS");
	RUN_CASE(RUN_INFO, "INFO");
	RUN_CASE(RUN_WARN, "WARN");
	RUN_CASE(RUN_FAIL, "FAIL");
	RUN_CASE(RUN_SKIP, "SKIP");
	RUN_CASE(RUN_ERROR, "ERROR");
	}
	snprintf(buf, sizeof(buf), "\?\?\?(%d)", (int)v);
	return buf;
}

#define TR_CASE(x, s)	case x: return s

/* tr_dir_str - the direction's name, lower case as reports print it. */
const char *
tr_dir_str(enum tr_dir d)
{
	static _Thread_local char buf[32];

	switch (d) {
	TR_CASE(TR_SENT, "sent");
	TR_CASE(TR_RECV, "recv");
	TR_CASE(TR_EVENT, "event");
	}
	snprintf(buf, sizeof(buf), "\?\?\?(%d)", (int)d);
	return buf;
}

/* run_verdict_rank - how strongly v claims the scenario (see the header). */
static int
run_verdict_rank(enum run_verdict v)
{
	switch (v) {
	case RUN_PASS:
		return 0;
	case RUN_INFO:
		return 1;
	case RUN_WARN:
		return 2;
	case RUN_SKIP:
		return 3;
	case RUN_FAIL:
		return 4;
	case RUN_ERROR:
		return 5;
	}
	fatal("bad verdict %d", (int)v);
}

/* transcript_add - append a copy, within the transcript limits. */
void
transcript_add(struct transcript *t, enum tr_dir dir, int64_t t_us,
    int step_line, const void *data, size_t len)
{
	struct tr_entry *e;
	size_t keep, ncap;

	keep = len > SC_TRANSCRIPT_ENTRY_SHOW ? SC_TRANSCRIPT_ENTRY_SHOW : len;
	if (t->n >= SC_TRANSCRIPT_ENTRIES_MAX ||
	    keep > SC_TRANSCRIPT_BYTES_MAX - t->bytes) {
		t->truncated = true;
		return;
	}
	if (t->n == t->cap) {
		ncap = t->cap == 0 ? 16 : t->cap * 2;
		if (ncap > SC_TRANSCRIPT_ENTRIES_MAX)
			ncap = SC_TRANSCRIPT_ENTRIES_MAX;
		t->v = xreallocarray(t->v, ncap, sizeof(*t->v));
		t->cap = ncap;
	}
	e = &t->v[t->n++];
	e->dir = dir;
	e->t_us = t_us;
	e->step_line = step_line;
	e->data = xmemdup(keep > 0 ? data : "", keep);
	e->len = keep;
	e->full_len = len;
	t->bytes += keep;
}

/* transcript_clear - free every entry, leave t empty. */
void
transcript_clear(struct transcript *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].data);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* run_result_clear - free what r owns; r->scn stays borrowed. */
void
run_result_clear(struct run_result *r)
{
	size_t i;

	free(r->step_src);
	free(r->expected);
	free(r->got);
	free(r->reason);
	for (i = 0; i < r->nsteps; i++) {
		free(r->steps[i].src);
		free(r->steps[i].detail);
	}
	free(r->steps);
	transcript_clear(&r->tr);
	free(r->capture);
	r->capture = NULL;
	free(r->capture_err);
	r->capture_err = NULL;
	r->verdict = RUN_PASS;
	r->step_line = 0;
	r->step_src = r->expected = r->got = r->reason = NULL;
	r->steps = NULL;
	r->nsteps = 0;
}

/* run_result_strdup - xstrdup that passes NULL through. */
static char *
run_result_strdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* run_result_set - keep v and its evidence if it outranks the current. */
void
run_result_set(struct run_result *r, enum run_verdict v, int line,
    const char *step_src, const char *expected, const void *got,
    size_t gotlen, const char *reason)
{
	if (run_verdict_rank(v) <= run_verdict_rank(r->verdict))
		return;
	free(r->step_src);
	free(r->expected);
	free(r->got);
	free(r->reason);
	r->verdict = v;
	r->step_line = line;
	r->step_src = run_result_strdup(step_src);
	r->expected = run_result_strdup(expected);
	r->got = got != NULL ? sc_esc(got, gotlen, SC_SHOW_BYTES_MAX) : NULL;
	r->reason = run_result_strdup(reason);
}

/* run_step_log_add - append one timeline entry. */
void
run_step_log_add(struct run_result *r, int line, const char *src,
    int64_t t_us, int64_t dur_us, enum run_verdict outcome,
    const char *detail)
{
	struct run_step_log *s;

	if (r->nsteps >= SCN_STEPS_MAX)
		return;
	/* No capacity field: grow at each power of two, so the array is
	 * always big enough for the next entry at amortised O(1). */
	if ((r->nsteps & (r->nsteps - 1)) == 0)
		r->steps = xreallocarray(r->steps,
		    r->nsteps == 0 ? 1 : r->nsteps * 2, sizeof(*r->steps));
	s = &r->steps[r->nsteps++];
	s->line = line;
	s->src = run_result_strdup(src);
	s->t_us = t_us;
	s->dur_us = dur_us;
	s->outcome = outcome;
	s->detail = run_result_strdup(detail);
}

/* run_summary_count - count the results per verdict. */
void
run_summary_count(struct run_summary *sum)
{
	size_t i;
	unsigned int v;

	memset(sum->counts, 0, sizeof(sum->counts));
	for (i = 0; i < sum->nresults; i++) {
		v = (unsigned int)sum->results[i].verdict;
		if (v >= RUN_VERDICT_COUNT)
			fatal("result %zu: bad verdict %u", i, v);
		sum->counts[v]++;
	}
}
