/* SPDX-License-Identifier: ISC */
/*
 * fuzz_scn.c - libFuzzer target for the scenario parser (scn_parse.c,
 * scn_step.c, scn_lex.c, scn_vars.c) and the lint pass (scn_lint.c).
 *
 * The input is a scenario file. It is parsed with the lint hook, then
 * linted. Checked: a parse fails exactly when it fills the error, at a
 * place inside the file; ${...} references come in file order and inside
 * the file; every step's line is in the file; lint fails with the
 * parser's own error when the parse failed (lint parses first).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_lint.h"
#include "scn_parse.h"

#define FZ_PATH		"fuzz.scn"	/* relative: fixtures are looked up
					 * from the current folder */
#define FZ_ERR_MAX	(SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32)

struct fz_refs {
	size_t	len;		/* of the input */
	int	nlines;
	int	line, col;	/* the last reference */
	size_t	n;
};

/* fz_scn_ref - the lint hook: where and in what order. */
static void
fz_scn_ref(void *arg, const char *name, size_t namelen, int line, int col)
{
	struct fz_refs *r = arg;

	if (name == NULL || namelen > r->len)
		FZ_FAIL("reference %zu: name of %zu bytes", r->n, namelen);
	if (line < 1 || line > r->nlines || col < 1)
		FZ_FAIL("reference %zu at %d:%d, file has %d lines", r->n,
		    line, col, r->nlines);
	if (line < r->line || (line == r->line && col < r->col))
		FZ_FAIL("reference %zu at %d:%d after one at %d:%d", r->n,
		    line, col, r->line, r->col);
	r->line = line;
	r->col = col;
	r->n++;
}

/* fz_scn_nlines - lines as the parser counts them (LF-terminated, plus
 * an unterminated last one), at least 1. */
static int
fz_scn_nlines(const uint8_t *p, size_t n)
{
	size_t i;
	int lines = 1;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' && i + 1 < n)
			lines++;
	return lines;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[FZ_ERR_MAX], b[FZ_ERR_MAX], area[64], codes[64];
	struct sc_err err, lerr;
	struct fz_refs refs;
	struct scn *s, *ls;
	size_t i;
	int rc;

	memset(&refs, 0, sizeof(refs));
	refs.len = size;
	refs.nlines = fz_scn_nlines(data, size);
	memset(&err, 0, sizeof(err));
	s = scn_parse_buf_refs(FZ_PATH, (const char *)data, size, &err,
	    fz_scn_ref, &refs);
	if ((s == NULL) != err.set)
		FZ_FAIL("parse returned %p with err.set %d", (void *)s,
		    err.set);
	if (s == NULL && (err.line < 0 || err.line > refs.nlines ||
	    err.col < 0 || err.msg[0] == '\0'))
		FZ_FAIL("error at %d:%d (%d lines): \"%s\"", err.line,
		    err.col, refs.nlines, err.msg);
	if (s != NULL) {
		for (i = 0; i < s->nsteps; i++) {
			if (s->steps[i].line < 1 ||
			    s->steps[i].line > refs.nlines)
				FZ_FAIL("step %zu on line %d of %d", i,
				    s->steps[i].line, refs.nlines);
			if (scn_step_kind_str(s->steps[i].kind) == NULL)
				FZ_FAIL("step %zu: no kind name", i);
			if (s->steps[i].kind == SCN_STEP_EXPECT_REPLY)
				scn_codeset_str(&s->steps[i].u.reply.pass,
				    codes, sizeof(codes));
		}
		scn_area(s, area, sizeof(area));
		if (memchr(area, '\0', sizeof(area)) == NULL)
			FZ_FAIL("scn_area: not terminated");
	}

	memset(&lerr, 0, sizeof(lerr));
	rc = scn_lint_buf(FZ_PATH, (const char *)data, size, &ls, &lerr);
	if ((rc == -1) != lerr.set || (rc == -1) != (ls == NULL))
		FZ_FAIL("lint returned %d, err.set %d, scn %p", rc, lerr.set,
		    (void *)ls);
	if (s == NULL) {
		if (rc == 0)
			FZ_FAIL("lint passed what the parser refused: %s",
			    err.msg);
		sc_err_format(&err, a, sizeof(a));
		sc_err_format(&lerr, b, sizeof(b));
		if (strcmp(a, b) != 0)
			FZ_FAIL("parse said \"%s\", lint \"%s\"", a, b);
	}
	scn_free(ls);
	scn_free(s);
	return 0;
}
