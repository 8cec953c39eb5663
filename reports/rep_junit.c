/* SPDX-License-Identifier: ISC */
/*
 * rep_junit.c - the JUnit XML report, valid against the junit-10.xsd that
 * Jenkins' xunit plugin uses (a copy is in tests/golden/junit-10.xsd).
 *
 * <testsuites> holds one <testsuite> per area (scn_area), in the order the
 * areas first appear; each scenario is a <testcase> named by its id. FAIL
 * and ERROR are <failure>/<error>, SKIP is <skipped>. WARN and INFO pass in
 * JUnit terms, so they go to <system-out> with the verdict word. That
 * schema has no <properties> in a <testcase> and no "skipped" count on
 * <testsuites>: per-scenario properties sit in the suite's <properties>,
 * named "<id>.<field>", and the skip count is on each <testsuite>.
 */
#include "rep.h"

#include <stdlib.h>
#include <string.h>

#include "rep_out.h"
#include "run_result.h"
#include "sc_util.h"
#include "scn.h"

/* rep_junit_prop - <property name="<prefix><name>" value="value"/>. */
static void
rep_junit_prop(FILE *f, const char *prefix, const char *name,
    const char *value)
{
	fputs("      <property name=\"", f);
	rep_out_xml(f, prefix, true);
	rep_out_xml(f, name, true);
	fputs("\" value=\"", f);
	rep_out_xml(f, value, true);
	fputs("\"/>\n", f);
}

/* rep_junit_list_prop - a list property, joined; left out when empty. */
static void
rep_junit_list_prop(FILE *f, const char *prefix, const char *name,
    char *const *v, size_t n)
{
	char *s;

	if (n == 0)
		return;
	s = rep_out_join(v, n, ", ");
	rep_junit_prop(f, prefix, name, s);
	free(s);
}

/* rep_junit_props - run properties, then each scenario's metadata. */
static void
rep_junit_props(FILE *f, const struct run_summary *sum, char **areas,
    const char *area)
{
	const struct run_result *r;
	const struct scn *s;
	char *prefix;
	size_t i;

	fputs("    <properties>\n", f);
	if (sum->tool_version != NULL)
		rep_junit_prop(f, "", "smtpcheck.version", sum->tool_version);
	if (sum->target != NULL)
		rep_junit_prop(f, "", "smtpcheck.target", sum->target);
	if (sum->shard != NULL)
		rep_junit_prop(f, "", "smtpcheck.shard", sum->shard);
	if (sum->timeout_scale > 0 && sum->timeout_scale != 1.0) {
		char sc[32];

		snprintf(sc, sizeof(sc), "%g", sum->timeout_scale);
		rep_junit_prop(f, "", "smtpcheck.timeout_scale", sc);
	}
	if (sum->tls != NULL)
		rep_junit_prop(f, "", "smtpcheck.tls", sum->tls);
	if (sum->tls_peer != NULL)
		rep_junit_prop(f, "", "smtpcheck.tls_peer", sum->tls_peer);
	for (i = 0; i < sum->nresults; i++) {
		if (strcmp(areas[i], area) != 0)
			continue;
		r = &sum->results[i];
		s = rep_out_scn(r);
		prefix = xasprintf("%s.", rep_out_s(s->id));
		rep_junit_prop(f, prefix, "verdict",
		    run_verdict_str(r->verdict));
		rep_junit_prop(f, prefix, "level", scn_level_str(s->level));
		rep_junit_list_prop(f, prefix, "rfc", s->rfc, s->nrfc);
		rep_junit_list_prop(f, prefix, "catalog", s->catalog,
		    s->ncatalog);
		rep_junit_list_prop(f, prefix, "tags", s->tags, s->ntags);
		free(prefix);
	}
	fputs("    </properties>\n", f);
}

/* rep_junit_line - "label: value\n" as XML text, when value is set. */
static void
rep_junit_line(FILE *f, const char *label, const char *value)
{
	if (value == NULL)
		return;
	rep_out_xml(f, label, false);
	fputs(": ", f);
	rep_out_xml(f, value, false);
	fputc('\n', f);
}

/* rep_junit_detail - the evidence: what, where, expected, got, exchange. */
static void
rep_junit_detail(FILE *f, const struct run_result *r)
{
	const struct scn *s = rep_out_scn(r);
	char *rfc, *line;
	size_t i;

	fprintf(f, "%s ", run_verdict_str(r->verdict));
	rep_out_xml(f, rep_out_s(s->id), false);
	if (s->title != NULL) {
		fputs(": ", f);
		rep_out_xml(f, s->title, false);
	}
	fputc('\n', f);
	rep_junit_line(f, "file", s->path);
	if (s->nrfc > 0) {
		rfc = rep_out_join(s->rfc, s->nrfc, ", ");
		rep_junit_line(f, "rfc", rfc);
		free(rfc);
	}
	if (r->step_line > 0) {
		fprintf(f, "step %d: ", r->step_line);
		rep_out_xml(f, rep_out_s(r->step_src), false);
		fputc('\n', f);
	} else
		rep_junit_line(f, "step", r->step_src);
	rep_junit_line(f, "expected", r->expected);
	rep_junit_line(f, "got", r->got);
	rep_junit_line(f, "reason", r->reason);
	rep_junit_line(f, "note", s->note);
	rep_junit_line(f, "capture", r->capture);
	if (r->tr.n > 0 || r->tr.truncated)
		fputs("transcript:\n", f);
	for (i = 0; i < r->tr.n; i++) {
		line = rep_out_tr_line(&r->tr.v[i]);
		rep_out_xml(f, line, false);
		fputc('\n', f);
		free(line);
	}
	if (r->tr.truncated)
		fputs("(later entries dropped: transcript limit reached)\n", f);
}

/* rep_junit_case - one <testcase>. */
static void
rep_junit_case(FILE *f, const struct run_result *r, const char *area)
{
	const struct scn *s = rep_out_scn(r);
	char t[REP_OUT_NUM_MAX];
	const char *elem;

	rep_out_secs(t, sizeof(t), r->duration_us);
	fputs("    <testcase name=\"", f);
	rep_out_xml(f, rep_out_s(s->id), true);
	fputs("\" classname=\"smtpcheck.", f);
	rep_out_xml(f, area, true);
	fprintf(f, "\" time=\"%s\"", t);
	switch (r->verdict) {
	case RUN_PASS:
		fputs("/>\n", f);
		return;
	case RUN_FAIL:
	case RUN_ERROR:
		elem = r->verdict == RUN_FAIL ? "failure" : "error";
		fprintf(f, ">\n      <%s type=\"%s\" message=\"", elem,
		    run_verdict_str(r->verdict));
		rep_out_xml(f, r->reason != NULL ? r->reason :
		    run_verdict_str(r->verdict), true);
		fputs("\">", f);
		rep_junit_detail(f, r);
		fprintf(f, "</%s>\n", elem);
		break;
	case RUN_SKIP:
		fputs(">\n      <skipped message=\"", f);
		rep_out_xml(f, r->reason != NULL ? r->reason :
		    "prerequisite unmet", true);
		fputs("\">", f);
		rep_junit_detail(f, r);
		fputs("</skipped>\n", f);
		break;
	case RUN_WARN:
	case RUN_INFO:
		fputs(">\n      <system-out>", f);
		rep_junit_detail(f, r);
		fputs("</system-out>\n", f);
		break;
	}
	fputs("    </testcase>\n", f);
}

/* rep_junit_suite - one area's <testsuite>. */
static void
rep_junit_suite(FILE *f, const struct run_summary *sum, char **areas,
    const char *area)
{
	size_t i, tests = 0, failures = 0, errors = 0, skipped = 0;
	int64_t dur_us = 0;
	char t[REP_OUT_NUM_MAX], ts[REP_OUT_TIME_MAX];
	const struct run_result *r;

	for (i = 0; i < sum->nresults; i++) {
		if (strcmp(areas[i], area) != 0)
			continue;
		r = &sum->results[i];
		tests++;
		failures += r->verdict == RUN_FAIL;
		errors += r->verdict == RUN_ERROR;
		skipped += r->verdict == RUN_SKIP;
		if (r->duration_us > 0)
			dur_us += r->duration_us;
	}
	rep_out_secs(t, sizeof(t), dur_us);
	rep_out_rfc3339(ts, sizeof(ts), sum->started_wall_us);
	fputs("  <testsuite name=\"", f);
	rep_out_xml(f, area, true);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\" time=\"%s\" timestamp=\"%s\">\n", tests,
	    failures, errors, skipped, t, ts);
	rep_junit_props(f, sum, areas, area);
	for (i = 0; i < sum->nresults; i++)
		if (strcmp(areas[i], area) == 0)
			rep_junit_case(f, &sum->results[i], area);
	fputs("  </testsuite>\n", f);
}

/* rep_junit_write - the whole run as one JUnit XML document. */
int
rep_junit_write(FILE *f, const struct run_summary *sum)
{
	size_t counts[RUN_VERDICT_COUNT], i, j;
	char t[REP_OUT_NUM_MAX], **areas;

	rep_out_count(sum, counts);
	areas = xcalloc(sum->nresults, sizeof(*areas));
	for (i = 0; i < sum->nresults; i++)
		areas[i] = rep_out_area(rep_out_scn(&sum->results[i]));

	rep_out_secs(t, sizeof(t), sum->duration_us);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"smtpcheck\" tests=\"%zu\" "
	    "failures=\"%zu\" errors=\"%zu\" time=\"%s\">\n", sum->nresults,
	    counts[RUN_FAIL], counts[RUN_ERROR], t);
	for (i = 0; i < sum->nresults; i++) {
		/* an area's suite is written where it first appears */
		for (j = 0; j < i; j++)
			if (strcmp(areas[j], areas[i]) == 0)
				break;
		if (j == i)
			rep_junit_suite(f, sum, areas, areas[i]);
	}
	fputs("</testsuites>\n", f);

	for (i = 0; i < sum->nresults; i++)
		free(areas[i]);
	free(areas);
	return rep_out_finish(f);
}
