/* SPDX-License-Identifier: ISC */
/*
 * rep_json.c - the JSON report (RFC 8259), schema in reports/README.md.
 *
 * One object for the run, one per result, with the step timeline and the
 * transcript. Two-space indentation, one steps[] or transcript[] entry per
 * line, keys in a fixed order, so that output diffs well and golden tests
 * are exact. Peer bytes appear only as sc_esc() text; "bytes" keeps the
 * length the peer really sent. Bump REP_JSON_SCHEMA on any incompatible
 * change and say so in the README.
 */
#include "rep.h"

#include <stdlib.h>

#include "rep_out.h"
#include "run_result.h"
#include "sc_esc.h"
#include "scn.h"

#define REP_JSON_SCHEMA	1

/* rep_json_key - `<indent>"key": ` (keys are ours: plain ASCII). */
static void
rep_json_key(FILE *f, int indent, const char *key)
{
	fprintf(f, "%*s\"%s\": ", indent, "", key);
}

/* rep_json_strs - an array of strings on one line. */
static void
rep_json_strs(FILE *f, char *const *v, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", f);
		rep_out_json_str(f, rep_out_s(v[i]));
	}
	fputc(']', f);
}

/* rep_json_steps - the timeline, one object per line. */
static void
rep_json_steps(FILE *f, const struct run_result *r)
{
	char t[REP_OUT_NUM_MAX], d[REP_OUT_NUM_MAX];
	const struct run_step_log *s;
	size_t i;

	if (r->nsteps == 0) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		rep_out_ms(t, sizeof(t), s->t_us);
		rep_out_ms(d, sizeof(d), s->dur_us);
		fprintf(f, "        {\"line\": %d, \"source\": ", s->line);
		rep_out_json_str(f, s->src);
		fprintf(f, ", \"t_ms\": %s, \"duration_ms\": %s, "
		    "\"outcome\": \"%s\", \"detail\": ", t, d,
		    run_verdict_str(s->outcome));
		rep_out_json_str(f, s->detail);
		fprintf(f, "}%s\n", i + 1 < r->nsteps ? "," : "");
	}
	fputs("      ]", f);
}

/* rep_json_transcript - the transcript, one entry per line. */
static void
rep_json_transcript(FILE *f, const struct transcript *tr)
{
	const struct tr_entry *e;
	char t[REP_OUT_NUM_MAX], *data;
	size_t i;

	if (tr->n == 0) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (i = 0; i < tr->n; i++) {
		e = &tr->v[i];
		rep_out_ms(t, sizeof(t), e->t_us);
		data = sc_esc(e->data != NULL ? e->data : "", e->len, 0);
		fprintf(f, "        {\"t_ms\": %s, \"dir\": \"%s\", "
		    "\"step_line\": %d, \"data\": ", t, tr_dir_str(e->dir),
		    e->step_line);
		rep_out_json_str(f, data);
		fprintf(f, ", \"bytes\": %zu}%s\n", e->full_len,
		    i + 1 < tr->n ? "," : "");
		free(data);
	}
	fputs("      ]", f);
}

/* rep_json_result - one result object. */
static void
rep_json_result(FILE *f, const struct run_result *r, bool last)
{
	const struct scn *s = rep_out_scn(r);
	char t[REP_OUT_TIME_MAX], d[REP_OUT_NUM_MAX], *area;

	area = rep_out_area(s);
	fputs("    {\n", f);
	rep_json_key(f, 6, "id");
	rep_out_json_str(f, rep_out_s(s->id));
	fputs(",\n", f);
	rep_json_key(f, 6, "title");
	rep_out_json_str(f, rep_out_s(s->title));
	fputs(",\n", f);
	rep_json_key(f, 6, "area");
	rep_out_json_str(f, area);
	fputs(",\n", f);
	rep_json_key(f, 6, "path");
	rep_out_json_str(f, s->path);
	fputs(",\n", f);
	rep_json_key(f, 6, "level");
	rep_out_json_str(f, scn_level_str(s->level));
	fputs(",\n", f);
	rep_json_key(f, 6, "rfc");
	rep_json_strs(f, s->rfc, s->nrfc);
	fputs(",\n", f);
	rep_json_key(f, 6, "tags");
	rep_json_strs(f, s->tags, s->ntags);
	fputs(",\n", f);
	rep_json_key(f, 6, "catalog");
	rep_json_strs(f, s->catalog, s->ncatalog);
	fputs(",\n", f);
	rep_json_key(f, 6, "note");
	rep_out_json_str(f, s->note);
	fputs(",\n", f);
	rep_json_key(f, 6, "verdict");
	rep_out_json_str(f, run_verdict_str(r->verdict));
	fputs(",\n", f);
	rep_json_key(f, 6, "reason");
	rep_out_json_str(f, r->reason);
	fputs(",\n", f);
	rep_json_key(f, 6, "step");
	if (r->step_line > 0 || r->step_src != NULL) {
		fprintf(f, "{\"line\": %d, \"source\": ", r->step_line);
		rep_out_json_str(f, r->step_src);
		fputc('}', f);
	} else
		fputs("null", f);
	fputs(",\n", f);
	rep_json_key(f, 6, "expected");
	rep_out_json_str(f, r->expected);
	fputs(",\n", f);
	rep_json_key(f, 6, "got");
	rep_out_json_str(f, r->got);
	fputs(",\n", f);
	rep_out_rfc3339(t, sizeof(t), r->started_wall_us);
	rep_json_key(f, 6, "started");
	rep_out_json_str(f, t);
	fputs(",\n", f);
	rep_out_ms(d, sizeof(d), r->duration_us);
	rep_json_key(f, 6, "duration_ms");
	fprintf(f, "%s,\n", d);
	rep_json_key(f, 6, "steps");
	rep_json_steps(f, r);
	fputs(",\n", f);
	rep_json_key(f, 6, "transcript");
	rep_json_transcript(f, &r->tr);
	fputs(",\n", f);
	rep_json_key(f, 6, "transcript_truncated");
	fprintf(f, "%s", r->tr.truncated ? "true" : "false");
	if (r->capture != NULL) {
		/* only with --pcap, so that reports without it stay as
		 * they were */
		fputs(",\n", f);
		rep_json_key(f, 6, "capture");
		rep_out_json_str(f, r->capture);
	}
	fputc('\n', f);
	fprintf(f, "    }%s\n", last ? "" : ",");
	free(area);
}

/* rep_json_write - the whole run as one JSON document. */
int
rep_json_write(FILE *f, const struct run_summary *sum)
{
	char t[REP_OUT_TIME_MAX], d[REP_OUT_NUM_MAX];
	size_t counts[RUN_VERDICT_COUNT], i;

	rep_out_count(sum, counts);
	fputs("{\n", f);
	rep_json_key(f, 2, "schema_version");
	fprintf(f, "%d,\n", REP_JSON_SCHEMA);
	rep_json_key(f, 2, "tool");
	fputs("\"smtpcheck\",\n", f);
	rep_json_key(f, 2, "version");
	rep_out_json_str(f, sum->tool_version);
	fputs(",\n", f);
	rep_json_key(f, 2, "target");
	rep_out_json_str(f, sum->target);
	fputs(",\n", f);
	rep_json_key(f, 2, "shard");
	rep_out_json_str(f, sum->shard);
	fputs(",\n", f);
	rep_json_key(f, 2, "timeout_scale");
	fprintf(f, "%g,\n", sum->timeout_scale > 0 ? sum->timeout_scale : 1.0);
	rep_json_key(f, 2, "tls");
	rep_out_json_str(f, sum->tls);
	fputs(",\n", f);
	rep_json_key(f, 2, "tls_peer");
	rep_out_json_str(f, sum->tls_peer);
	fputs(",\n", f);
	rep_out_rfc3339(t, sizeof(t), sum->started_wall_us);
	rep_json_key(f, 2, "started");
	rep_out_json_str(f, t);
	fputs(",\n", f);
	rep_out_ms(d, sizeof(d), sum->duration_us);
	rep_json_key(f, 2, "duration_ms");
	fprintf(f, "%s,\n", d);
	rep_json_key(f, 2, "counts");
	fprintf(f, "{\"pass\": %zu, \"info\": %zu, \"warn\": %zu, "
	    "\"fail\": %zu, \"skip\": %zu, \"error\": %zu},\n",
	    counts[RUN_PASS], counts[RUN_INFO], counts[RUN_WARN],
	    counts[RUN_FAIL], counts[RUN_SKIP], counts[RUN_ERROR]);
	rep_json_key(f, 2, "results");
	if (sum->nresults == 0)
		fputs("[]\n", f);
	else {
		fputs("[\n", f);
		for (i = 0; i < sum->nresults; i++)
			rep_json_result(f, &sum->results[i],
			    i + 1 == sum->nresults);
		fputs("  ]\n", f);
	}
	fputs("}\n", f);
	return rep_out_finish(f);
}
