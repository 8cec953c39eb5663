/* SPDX-License-Identifier: ISC */
/*
 * rep_matrix.c - the kill matrix as a report: which scenarios kill which
 * smtpref fault profile, as text for people and JSON for tools.
 *
 * Deterministic for a given matrix, like the other writers: profiles in
 * smtpref's order, scenarios in selection order.
 */
#include "rep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_out.h"
#include "run_matrix.h"
#include "scn.h"

#define REP_MATRIX_SHOW	6	/* scenario ids named per profile in text */

/* rep_matrix_id - the id of scenario i. */
static const char *
rep_matrix_id(const struct run_matrix *m, size_t i)
{
	return m->sel->v[i]->id;
}

/* rep_matrix_text - the matrix for people. */
int
rep_matrix_text(FILE *f, const struct run_matrix *m)
{
	size_t i, j, n, shown, none;
	char secs[REP_OUT_NUM_MAX];

	rep_out_secs(secs, sizeof(secs), m->duration_us);
	fprintf(f, "kill matrix: %zu scenarios x %zu fault profiles, %ss\n",
	    m->sel->n, m->np, secs);
	if (m->base.error != NULL)
		fprintf(f, "baseline: could not run: %s\n", m->base.error);
	else {
		n = 0;
		for (i = 0; i < m->sel->n; i++) {
			if (run_matrix_baseline_ok(m->base.v[i]))
				continue;
			fprintf(f, "baseline: %s %s against smtpref without "
			    "faults\n", run_verdict_str(m->base.v[i]),
			    rep_matrix_id(m, i));
			n++;
		}
		if (n == 0)
			fputs("baseline: no FAIL, WARN or ERROR against smtpref "
			    "without faults\n", f);
	}
	fputs("\nprofile: scenarios that catch it (FAIL or WARN under it)\n",
	    f);
	for (j = 0; j < m->np; j++) {
		const struct run_matrix_profile *p = &m->p[j];

		fprintf(f, "  %-24s ", p->name);
		if (p->error != NULL) {
			fprintf(f, "could not run: %s\n", p->error);
			continue;
		}
		n = 0;
		for (i = 0; i < m->sel->n; i++)
			n += run_matrix_catches(p->v[i]);
		fprintf(f, "%3zu", n);
		shown = 0;
		for (i = 0; i < m->sel->n && shown < REP_MATRIX_SHOW; i++) {
			if (!run_matrix_catches(p->v[i]))
				continue;
			fprintf(f, "%s%s", shown == 0 ? "  " : ", ",
			    rep_matrix_id(m, i));
			shown++;
		}
		if (n > shown)
			fprintf(f, ", ... (+%zu)", n - shown);
		if (n == 0)
			fputs("  NOT CAUGHT", f);
		fputc('\n', f);
	}
	none = 0;
	for (i = 0; i < m->sel->n; i++) {
		n = 0;
		for (j = 0; j < m->np; j++)
			n += m->p[j].v != NULL &&
			    run_matrix_kills(m->sel->v[i], m->p[j].v[i]);
		if (n > 0)
			continue;
		if (none++ == 0)
			fputs("\nscenarios no profile kills:\n", f);
		fprintf(f, "  %s\n", rep_matrix_id(m, i));
	}
	fprintf(f, "\nthe matrix %s\n", run_matrix_holds(m) ? "HOLDS: every "
	    "scenario is killed and every profile caught" : "DOES NOT HOLD");
	return rep_out_finish(f);
}

/* rep_matrix_json_ids - ["a","b"] of the scenarios p kills (or warns). */
static void
rep_matrix_json_ids(FILE *f, const struct run_matrix *m,
    const struct run_matrix_profile *p, enum run_verdict want)
{
	size_t i, n = 0;

	fputc('[', f);
	for (i = 0; p->v != NULL && i < m->sel->n; i++) {
		if (p->v[i] != want)
			continue;
		fputs(n++ == 0 ? "" : ",", f);
		rep_out_json_str(f, rep_matrix_id(m, i));
	}
	fputc(']', f);
}

/* rep_matrix_json - the matrix for tools (schema in reports/README.md). */
int
rep_matrix_json(FILE *f, const struct run_matrix *m)
{
	size_t i, j, n;
	char ms[REP_OUT_NUM_MAX];

	rep_out_ms(ms, sizeof(ms), m->duration_us);
	fprintf(f, "{\n  \"kind\": \"smtpcheck-kill-matrix\",\n"
	    "  \"schema_version\": 1,\n  \"holds\": %s,\n"
	    "  \"duration_ms\": %s,\n  \"baseline\": {\"error\": ",
	    run_matrix_holds(m) ? "true" : "false", ms);
	rep_out_json_str(f, m->base.error);
	fputs(", \"not_clean\": [", f);
	for (i = 0, n = 0; m->base.v != NULL && i < m->sel->n; i++) {
		if (run_matrix_baseline_ok(m->base.v[i]))
			continue;
		fprintf(f, "%s{\"id\": ", n++ == 0 ? "" : ", ");
		rep_out_json_str(f, rep_matrix_id(m, i));
		fprintf(f, ", \"verdict\": \"%s\"}",
		    run_verdict_str(m->base.v[i]));
	}
	fputs("]},\n  \"profiles\": [", f);
	for (j = 0; j < m->np; j++) {
		fprintf(f, "%s\n    {\"name\": ", j == 0 ? "" : ",");
		rep_out_json_str(f, m->p[j].name);
		fputs(", \"description\": ", f);
		rep_out_json_str(f, m->p[j].desc);
		fputs(", \"error\": ", f);
		rep_out_json_str(f, m->p[j].error);
		fputs(",\n     \"killed_by\": ", f);
		rep_matrix_json_ids(f, m, &m->p[j], RUN_FAIL);
		fputs(",\n     \"warned_by\": ", f);
		rep_matrix_json_ids(f, m, &m->p[j], RUN_WARN);
		fputc('}', f);
	}
	fputs("\n  ],\n  \"scenarios\": [", f);
	for (i = 0; i < m->sel->n; i++) {
		fprintf(f, "%s\n    {\"id\": ", i == 0 ? "" : ",");
		rep_out_json_str(f, rep_matrix_id(m, i));
		fprintf(f, ", \"baseline\": \"%s\", \"killed_by\": [",
		    m->base.v != NULL ? run_verdict_str(m->base.v[i]) : "ERROR");
		for (j = 0, n = 0; j < m->np; j++) {
			if (m->p[j].v == NULL ||
			    !run_matrix_kills(m->sel->v[i], m->p[j].v[i]))
				continue;
			fputs(n++ == 0 ? "" : ", ", f);
			rep_out_json_str(f, m->p[j].name);
		}
		fputs("]}", f);
	}
	fputs("\n  ]\n}\n", f);
	return rep_out_finish(f);
}
