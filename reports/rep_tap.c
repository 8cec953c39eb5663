/* SPDX-License-Identifier: ISC */
/*
 * rep_tap.c - the TAP version 13 report (testanything.org/tap-version-13).
 *
 * One test line per scenario: PASS, INFO and WARN are "ok", FAIL and ERROR
 * "not ok", SKIP is "ok ... # SKIP reason". Every verdict other than PASS
 * and SKIP carries a YAML diagnostic block; its scalars are single-quoted
 * when printable ASCII, else double-quoted JSON strings, which YAML 1.2
 * reads as the same text. Test descriptions
 * escape '#' and '\' so no title can forge a directive.
 */
#include "rep.h"

#include <stdlib.h>

#include "rep_out.h"
#include "run_result.h"
#include "scn.h"

/* rep_tap_scalar - a YAML scalar: single-quoted when s is printable
 * ASCII, which keeps sc_esc() text readable (no doubled backslashes);
 * double-quoted with escapes otherwise. */
static void
rep_tap_scalar(FILE *f, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7E)
			break;
	if (*p != '\0') {
		rep_out_json_str(f, s);
		return;
	}
	fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputc('\'', f);	/* YAML 1.2 7.3.2: '' is ' */
		fputc(*p, f);
	}
	fputc('\'', f);
}

/* rep_tap_yaml_str - `  key: value` when value is set. */
static void
rep_tap_yaml_str(FILE *f, const char *key, const char *value)
{
	if (value == NULL)
		return;
	fprintf(f, "  %s: ", key);
	rep_tap_scalar(f, value);
	fputc('\n', f);
}

/* rep_tap_yaml - the diagnostic block under a test line. */
static void
rep_tap_yaml(FILE *f, const struct run_result *r)
{
	const struct scn *s = rep_out_scn(r);
	size_t i;

	fputs("  ---\n", f);
	fprintf(f, "  verdict: %s\n", run_verdict_str(r->verdict));
	rep_tap_yaml_str(f, "message", r->reason);
	fprintf(f, "  level: %s\n", scn_level_str(s->level));
	fputs("  rfc: [", f);
	for (i = 0; i < s->nrfc; i++) {
		if (i > 0)
			fputs(", ", f);
		rep_tap_scalar(f, rep_out_s(s->rfc[i]));
	}
	fputs("]\n", f);
	if (r->step_line > 0 || r->step_src != NULL) {
		fputs("  step:\n", f);
		fprintf(f, "    line: %d\n", r->step_line);
		fputs("    source: ", f);
		rep_tap_scalar(f, rep_out_s(r->step_src));
		fputc('\n', f);
	}
	rep_tap_yaml_str(f, "expected", r->expected);
	rep_tap_yaml_str(f, "got", r->got);
	rep_tap_yaml_str(f, "note", s->note);
	rep_tap_yaml_str(f, "capture", r->capture);
	if (r->tr.truncated)
		fputs("  transcript_truncated: true\n", f);
	fputs("  ...\n", f);
}

/* rep_tap_write - plan, one line per scenario, and a totals comment. */
int
rep_tap_write(FILE *f, const struct run_summary *sum)
{
	size_t counts[RUN_VERDICT_COUNT], i;
	const struct run_result *r;
	const struct scn *s;

	rep_out_count(sum, counts);
	fputs("TAP version 13\n", f);
	fprintf(f, "1..%zu\n", sum->nresults);
	for (i = 0; i < sum->nresults; i++) {
		r = &sum->results[i];
		s = rep_out_scn(r);
		fprintf(f, "%s %zu - ", (r->verdict == RUN_FAIL ||
		    r->verdict == RUN_ERROR) ? "not ok" : "ok", i + 1);
		rep_out_plain(f, rep_out_s(s->id), true);
		if (r->verdict == RUN_SKIP) {
			fputs(" # SKIP ", f);
			rep_out_plain(f, r->reason != NULL ? r->reason :
			    "prerequisite unmet", true);
			fputc('\n', f);
			if (r->capture != NULL) {	/* no YAML block here */
				fputs("# capture: ", f);
				rep_out_plain(f, r->capture, false);
				fputc('\n', f);
			}
			continue;
		}
		if (s->title != NULL) {
			fputc(' ', f);
			rep_out_plain(f, s->title, true);
		}
		fputc('\n', f);
		if (r->verdict != RUN_PASS)
			rep_tap_yaml(f, r);
	}
	fprintf(f, "# pass %zu, info %zu, warn %zu, fail %zu, skip %zu, "
	    "error %zu\n", counts[RUN_PASS], counts[RUN_INFO],
	    counts[RUN_WARN], counts[RUN_FAIL], counts[RUN_SKIP],
	    counts[RUN_ERROR]);
	return rep_out_finish(f);
}
