/* SPDX-License-Identifier: ISC */
/*
 * rep.c - report format names and the dispatch to the writers.
 *
 * Each format is one row of rep_formats[]: its name on the command line and
 * the function that writes it. The writers live in sibling files
 * (rep_junit.c, rep_json.c, rep_tap.c, rep_term.c, rep_html.c); "text" is
 * the terminal output without colour, put together here. A writer that
 * links to other files (html) takes where its report goes: write_to.
 */
#include "rep.h"

#include <string.h>

#include "rep_out.h"
#include "run_result.h"
#include "sc_util.h"

typedef int (*rep_write_fn)(FILE *, const struct run_summary *);
typedef int (*rep_write_to_fn)(FILE *, const struct run_summary *,
    const struct rep_dest *);

/* rep_text_write - every result as the terminal shows it, then the totals. */
static int
rep_text_write(FILE *f, const struct run_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->nresults; i++)
		rep_term_result(f, &sum->results[i], false, false);
	rep_term_summary(f, sum, false);
	return rep_out_finish(f);
}

static const struct {
	enum rep_format	 fmt;
	const char	*name;
	rep_write_fn	 write;
	rep_write_to_fn	 write_to;	/* instead of write, when set */
} rep_formats[] = {
	{ REP_JUNIT,	"junit",	rep_junit_write,	NULL },
	{ REP_JSON,	"json",		rep_json_write,		NULL },
	{ REP_TAP,	"tap",		rep_tap_write,		NULL },
	{ REP_TEXT,	"text",		rep_text_write,		NULL },
	{ REP_HTML,	"html",		NULL,		rep_html_write },
};
#define REP_NFORMATS	(sizeof(rep_formats) / sizeof(rep_formats[0]))

/* rep_format_parse - a format by its exact name. */
int
rep_format_parse(const char *name, enum rep_format *out)
{
	size_t i;

	for (i = 0; i < REP_NFORMATS; i++)
		if (strcmp(name, rep_formats[i].name) == 0) {
			*out = rep_formats[i].fmt;
			return 0;
		}
	return -1;
}

#define REP_CASE(x, s)	case x: return s

/* rep_format_str - the name rep_format_parse accepts. */
const char *
rep_format_str(enum rep_format fmt)
{
	static _Thread_local char buf[32];

	switch (fmt) {
	REP_CASE(REP_JUNIT, "junit");
	REP_CASE(REP_JSON, "json");
	REP_CASE(REP_TAP, "tap");
	REP_CASE(REP_TEXT, "text");
	REP_CASE(REP_HTML, "html");
	}
	snprintf(buf, sizeof(buf), "\?\?\?(%d)", (int)fmt);
	return buf;
}

/* rep_write - the writer for fmt. */
int
rep_write(enum rep_format fmt, FILE *f, const struct run_summary *sum)
{
	return rep_write_to(fmt, f, sum, NULL);
}

/* rep_write_to - the writer for fmt, told where its output goes. */
int
rep_write_to(enum rep_format fmt, FILE *f, const struct run_summary *sum,
    const struct rep_dest *dest)
{
	size_t i;

	for (i = 0; i < REP_NFORMATS; i++) {
		if (rep_formats[i].fmt != fmt)
			continue;
		if (rep_formats[i].write_to != NULL)
			return rep_formats[i].write_to(f, sum, dest);
		return rep_formats[i].write(f, sum);
	}
	fatal("bad report format %d", (int)fmt);
}
