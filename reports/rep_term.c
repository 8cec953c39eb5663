/* SPDX-License-Identifier: ISC */
/*
 * rep_term.c - the terminal report: one line per passed scenario, the
 * evidence for every other verdict, and the totals.
 *
 * The caller decides about colour (a TTY and no NO_COLOR); without it not a
 * single escape code is written, and scenario text and peer bytes are
 * always quoted by rep_out_plain(), so nothing in a result can drive the
 * terminal. Output depends only on its arguments.
 */
#include "rep.h"

#include <stdlib.h>

#include "rep_out.h"
#include "run_result.h"
#include "scn.h"

#define REP_TERM_TAIL	5	/* transcript entries shown */
#define REP_TERM_INDENT	"      "	/* under the verdict column */

#define REP_TERM_RESET	"\033[0m"
#define REP_TERM_DIM	"\033[2m"

/* rep_term_colour - the SGR sequence for a verdict. */
static const char *
rep_term_colour(enum run_verdict v)
{
	switch (v) {
	case RUN_PASS:
		return "\033[32m";	/* green */
	case RUN_INFO:
		return "\033[36m";	/* cyan */
	case RUN_WARN:
		return "\033[33m";	/* yellow */
	case RUN_FAIL:
	case RUN_ERROR:
		return "\033[31m";	/* red */
	case RUN_SKIP:
		return REP_TERM_DIM;
	}
	return "";
}

/* rep_term_verdict - the verdict word, padded to one column width. */
static void
rep_term_verdict(FILE *f, enum run_verdict v, bool colour)
{
	if (colour)
		fprintf(f, "%s%-5s%s", rep_term_colour(v), run_verdict_str(v),
		    REP_TERM_RESET);
	else
		fprintf(f, "%-5s", run_verdict_str(v));
}

/* rep_term_field - "      label: value" when value is set. */
static void
rep_term_field(FILE *f, const char *label, const char *value)
{
	if (value == NULL)
		return;
	fprintf(f, REP_TERM_INDENT "%s: ", label);
	rep_out_plain(f, value, false);
	fputc('\n', f);
}

/* rep_term_steps - the step timeline (verbose). */
static void
rep_term_steps(FILE *f, const struct run_result *r)
{
	char t[REP_OUT_NUM_MAX], d[REP_OUT_NUM_MAX];
	const struct run_step_log *s;
	size_t i;

	if (r->nsteps == 0)
		return;
	fputs(REP_TERM_INDENT "steps:\n", f);
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		rep_out_secs(t, sizeof(t), s->t_us);
		rep_out_ms(d, sizeof(d), s->dur_us);
		fprintf(f, REP_TERM_INDENT "  %d +%ss %sms %s ", s->line, t, d,
		    run_verdict_str(s->outcome));
		rep_out_plain(f, s->src, false);
		if (s->detail != NULL) {
			fputs(" (", f);
			rep_out_plain(f, s->detail, false);
			fputc(')', f);
		}
		fputc('\n', f);
	}
}

/*
 * rep_term_transcript - the whole transcript, or the entries that led up
 * to the deciding step (what the reader needs first), ending with that
 * step's own entries rather than with the polite QUIT that followed.
 */
static void
rep_term_transcript(FILE *f, const struct transcript *tr, int step_line,
    bool all, bool colour)
{
	size_t i, first, end = tr->n;
	char *line;

	if (tr->n == 0 && !tr->truncated)
		return;
	if (!all && step_line > 0) {
		for (i = tr->n; i > 0; i--) {
			if (tr->v[i - 1].step_line == step_line) {
				end = i;
				break;
			}
		}
	}
	first = (all || end <= REP_TERM_TAIL) ? 0 : end - REP_TERM_TAIL;
	if (first > 0 || end < tr->n)
		fprintf(f, REP_TERM_INDENT "transcript (entries %zu-%zu of %zu, "
		    "-v for all):\n", first + 1, end, tr->n);
	else
		fputs(REP_TERM_INDENT "transcript:\n", f);
	for (i = first; i < end; i++) {
		line = rep_out_tr_line(&tr->v[i]);
		fprintf(f, REP_TERM_INDENT "  %s", colour ? REP_TERM_DIM : "");
		rep_out_plain(f, line, false);
		fprintf(f, "%s\n", colour ? REP_TERM_RESET : "");
		free(line);
	}
	if (tr->truncated)
		fputs(REP_TERM_INDENT "  (later entries dropped: transcript "
		    "limit reached)\n", f);
}

/* rep_term_result - one finished scenario. */
int
rep_term_result(FILE *f, const struct run_result *r, bool colour,
    bool verbose)
{
	const struct scn *s = rep_out_scn(r);
	char *rfc;

	rep_term_verdict(f, r->verdict, colour);
	fputs(" ", f);
	rep_out_plain(f, rep_out_s(s->id), false);
	if (s->title != NULL) {
		fputs("  ", f);
		rep_out_plain(f, s->title, false);
	}
	fputc('\n', f);
	if (r->verdict == RUN_PASS && !verbose)
		return rep_out_finish(f);

	if (s->nrfc > 0) {
		rfc = rep_out_join(s->rfc, s->nrfc, ", ");
		rep_term_field(f, "rfc", rfc);
		free(rfc);
	}
	if (r->step_line > 0) {
		fprintf(f, REP_TERM_INDENT "step %s:%d: ", rep_out_s(s->path),
		    r->step_line);
		rep_out_plain(f, rep_out_s(r->step_src), false);
		fputc('\n', f);
	} else
		rep_term_field(f, "step", r->step_src);
	rep_term_field(f, "expected", r->expected);
	rep_term_field(f, "got", r->got);
	rep_term_field(f, "reason", r->reason);
	rep_term_field(f, "note", s->note);
	if (r->verdict != RUN_PASS)
		rep_term_field(f, "capture", r->capture);
	if (verbose)
		rep_term_steps(f, r);
	rep_term_transcript(f, &r->tr, r->step_line, verbose, colour);
	return rep_out_finish(f);
}

/* rep_term_summary - totals, then every scenario that did not pass. */
int
rep_term_summary(FILE *f, const struct run_summary *sum, bool colour)
{
	static const enum run_verdict order[] = {
		RUN_PASS, RUN_INFO, RUN_WARN, RUN_FAIL, RUN_SKIP, RUN_ERROR,
	};
	size_t counts[RUN_VERDICT_COUNT], i, notpass;
	const struct run_result *r;
	char t[REP_OUT_NUM_MAX];
	enum run_verdict v;

	rep_out_count(sum, counts);
	fprintf(f, "\n%zu scenario%s:", sum->nresults,
	    sum->nresults == 1 ? "" : "s");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		v = order[i];
		fputs(i == 0 ? " " : ", ", f);
		if (colour && counts[v] > 0)
			fprintf(f, "%s%zu %s%s", rep_term_colour(v), counts[v],
			    run_verdict_str(v), REP_TERM_RESET);
		else
			fprintf(f, "%zu %s", counts[v], run_verdict_str(v));
	}
	fputc('\n', f);

	rep_out_secs(t, sizeof(t), sum->duration_us);
	if (sum->target != NULL) {
		fputs("target ", f);
		rep_out_plain(f, sum->target, false);
		fputs(", ", f);
	}
	if (sum->shard != NULL) {
		fputs("shard ", f);
		rep_out_plain(f, sum->shard, false);
		fputs(", ", f);
	}
	fprintf(f, "time %ss\n", t);
	if (sum->timeout_scale > 0 && sum->timeout_scale != 1.0)
		fprintf(f, "timeout scale %g: every wait and deadline times "
		    "%g (the RFC minimums are not waited out in real time)\n",
		    sum->timeout_scale, sum->timeout_scale);
	if (sum->tls != NULL) {
		fputs("tls ", f);
		rep_out_plain(f, sum->tls, false);
		fputc('\n', f);
	}
	if (sum->tls_peer != NULL) {
		fputs("tls peer ", f);
		rep_out_plain(f, sum->tls_peer, false);
		fputc('\n', f);
	}

	notpass = sum->nresults - counts[RUN_PASS];
	if (notpass > 0) {
		fprintf(f, "not passed (%zu):\n", notpass);
		for (i = 0; i < sum->nresults; i++) {
			r = &sum->results[i];
			if (r->verdict == RUN_PASS)
				continue;
			fputs("  ", f);
			rep_term_verdict(f, r->verdict, colour);
			fputc(' ', f);
			rep_out_plain(f, rep_out_s(rep_out_scn(r)->id), false);
			fputc('\n', f);
		}
	}
	return rep_out_finish(f);
}
