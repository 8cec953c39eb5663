/* SPDX-License-Identifier: ISC */
/*
 * rep.h - report writers: terminal, JUnit XML, JSON, TAP 13, HTML.
 *
 * Each writer reads a struct run_summary and writes one document to a
 * stdio stream. Output is deterministic for a given summary (golden-file
 * tested): no clock reads, no environment, no locale. Returns 0, or -1 on
 * a write error (errno set).
 */
#ifndef REP_H
#define REP_H

#include <stdbool.h>
#include <stdio.h>

struct run_summary;
struct run_result;
struct run_matrix;

enum rep_format {
	REP_JUNIT,
	REP_JSON,
	REP_TAP,
	REP_TEXT,	/* the terminal summary, without colour */
	REP_HTML,	/* one self-contained page */
};

/*
 * Where a report goes, for the writers that link to other files (HTML:
 * captures, relative to the report's folder). path: the report file, NULL
 * for a stream; cwd: the absolute folder relative paths start from, NULL
 * when unknown. Both borrowed; the writer reads nothing else of the system.
 */
struct rep_dest {
	const char *path;
	const char *cwd;
};

/* rep_format_parse - "junit", "json", "tap", "text", "html". Returns 0 or
 * -1. */
int	rep_format_parse(const char *name, enum rep_format *out);
const char *rep_format_str(enum rep_format);

int	rep_write(enum rep_format, FILE *, const struct run_summary *);
/* rep_write_to - rep_write, told where the report goes (dest may be NULL,
 * as for rep_write). */
int	rep_write_to(enum rep_format, FILE *, const struct run_summary *,
	    const struct rep_dest *dest);

int	rep_junit_write(FILE *, const struct run_summary *);
int	rep_json_write(FILE *, const struct run_summary *);
int	rep_tap_write(FILE *, const struct run_summary *);
/* rep_html_write - the HTML page; capture links relative to dest's folder
 * when they can be (dest may be NULL: links as the runner gave them). */
int	rep_html_write(FILE *, const struct run_summary *,
	    const struct rep_dest *dest);

/*
 * Terminal. rep_term_result prints one finished scenario (a line for a
 * PASS; for anything else the id, RFC, step, expectation and the bytes
 * received). rep_term_summary prints the totals and the non-PASS list.
 * colour: ANSI colour on (the caller decides: TTY and no NO_COLOR).
 */
int	rep_term_result(FILE *, const struct run_result *, bool colour,
	    bool verbose);
int	rep_term_summary(FILE *, const struct run_summary *, bool colour);

/*
 * The kill matrix (run_matrix.h): rep_matrix_text lists, per fault
 * profile, how many and which scenarios FAIL under it, then what nothing
 * kills; rep_matrix_json is the same for tools (reports/README.md).
 */
int	rep_matrix_text(FILE *, const struct run_matrix *);
int	rep_matrix_json(FILE *, const struct run_matrix *);

#endif /* REP_H */
