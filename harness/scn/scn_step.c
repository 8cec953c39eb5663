/* SPDX-License-Identifier: ISC */
/*
 * scn_step.c - the steps of a scenario: one function per step keyword,
 * called by scn_parse_line with the line's lexer after the keyword.
 *
 * Each function reads its arguments, checks them (reply codes, enhanced
 * codes, durations, regexes, ${...}, fixture files) and appends one step;
 * the step is appended only when the whole line is good, so a failed line
 * leaves nothing half-built. `pipeline` opens a step that the lines up to
 * `end` fill (scn_step_pipeline_line). Regexes are compiled into the tree
 * by scn_step_compile once the step array no longer moves.
 */
#include "scn_step.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_lex.h"

const char *const scn_step_names[] = {
	"connect", "send", "pipeline", "send-raw", "body", "body-raw",
	"pause", "close", "expect", "capture", "starttls", "secure", "accept",
	NULL
};

static const char *const scn_step_expect_opts[] = {
	"enh", "text", "warn-on", "info-on", "skip-on", "record", "within",
	"times", NULL
};

/* scn_step_code_ok - three characters of digit or x, the first 2-5 or
 * x. */
static bool
scn_step_code_ok(const char *a, size_t n)
{
	size_t i;

	if (n != 3)
		return false;
	if (!((a[0] >= '2' && a[0] <= '5') || a[0] == 'x'))
		return false;
	for (i = 1; i < 3; i++)
		if (!((a[i] >= '0' && a[i] <= '9') || a[i] == 'x'))
			return false;
	return true;
}

/* scn_step_codes - "250|251|4xx" into cs. */
static int
scn_step_codes(struct scn_parser *p, const char *word, int col,
    struct scn_codeset *cs)
{
	const char *a, *bar;
	char *alt;
	size_t n;
	int rc;

	cs->n = 0;
	for (a = word;; a = bar + 1) {
		bar = strchr(a, '|');
		n = bar != NULL ? (size_t)(bar - a) : strlen(a);
		if (!scn_step_code_ok(a, n)) {
			alt = xstrndup(a, n);
			rc = scn_parse_err_got(p, col + (int)(a - word),
			    "a reply code like 250, 2xx or 250|251", alt);
			free(alt);
			return rc;
		}
		if (cs->n == SCN_CODE_ALTS_MAX)
			return scn_parse_err(p, col + (int)(a - word),
			    "too many reply codes (at most %d)",
			    SCN_CODE_ALTS_MAX);
		memcpy(cs->alt[cs->n], a, 3);
		cs->alt[cs->n][3] = '\0';
		cs->n++;
		if (bar == NULL)
			return 0;
	}
}

/* scn_step_enh_part - 1 to 3 digits, or x. */
static bool
scn_step_enh_part(const char *a, size_t n)
{
	size_t i;

	if (n == 1 && a[0] == 'x')
		return true;
	if (n < 1 || n > 3)
		return false;
	for (i = 0; i < n; i++)
		if (!(a[i] >= '0' && a[i] <= '9'))
			return false;
	return true;
}

/* scn_step_enh_ok - "5.1.1", "5.1.x", "x.x.x" (RFC 3463 2: class 2, 4
 * or 5; subject and detail 1-3 digits). */
static bool
scn_step_enh_ok(const char *w)
{
	const char *d1, *d2;

	d1 = strchr(w, '.');
	if (d1 == NULL || d1 - w != 1 ||
	    !(w[0] == '2' || w[0] == '4' || w[0] == '5' || w[0] == 'x'))
		return false;
	d2 = strchr(d1 + 1, '.');
	if (d2 == NULL || !scn_step_enh_part(d1 + 1, (size_t)(d2 - d1 - 1)))
		return false;
	return scn_step_enh_part(d2 + 1, strlen(d2 + 1));
}

/* scn_step_new - append a zeroed step of kind at the current line. */
static struct scn_step *
scn_step_new(struct scn_parser *p, enum scn_step_kind kind)
{
	struct scn_step *st;

	if (p->s->nsteps >= SCN_STEPS_MAX) {
		scn_parse_err(p, 1, "too many steps (at most %d)",
		    SCN_STEPS_MAX);
		return NULL;
	}
	if (p->s->nsteps == p->cap_steps) {
		p->cap_steps = p->cap_steps == 0 ? 16 : p->cap_steps * 2;
		p->s->steps = xreallocarray(p->s->steps, p->cap_steps,
		    sizeof(*p->s->steps));
	}
	st = &p->s->steps[p->s->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->line = p->line;
	return st;
}

/* scn_step_connect - open the connection; nothing follows. */
static int
scn_step_connect(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	if (scn_parse_end(p, lx) == -1)
		return -1;
	return scn_step_new(p, SCN_STEP_CONNECT) == NULL ? -1 : 0;
}

/* scn_step_close - the harness closes its side. */
static int
scn_step_close(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	if (scn_parse_end(p, lx) == -1)
		return -1;
	return scn_step_new(p, SCN_STEP_CLOSE) == NULL ? -1 : 0;
}

/* scn_step_send - `send TEXT`: free text; '#' needs two blanks before
 * it to start a comment. */
static int
scn_step_send(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	char *t;
	int col;

	t = scn_lex_rest(lx, 2, &col);
	if (t == NULL)
		return scn_parse_err(p, col, "expected text after \"send\" "
		    "(an empty line is send-raw \"\\r\\n\")");
	if (scn_parse_text(p, t, false, col) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_SEND)) == NULL) {
		free(t);
		return -1;
	}
	st->u.send.lines = xmalloc(sizeof(char *));
	st->u.send.lines[0] = t;
	st->u.send.nlines = 1;
	return 0;
}

/* scn_step_pipeline - `pipeline`: the lines up to `end` are commands. */
static int
scn_step_pipeline(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	if (scn_parse_end(p, lx) == -1)
		return -1;
	if (scn_step_new(p, SCN_STEP_SEND) == NULL)
		return -1;
	p->in_pipeline = true;
	p->pipeline_line = p->line;
	p->pipeline_col = kcol;
	return 0;
}

/* scn_step_pipeline_end - `end`: the pipeline's step is complete. */
static int
scn_step_pipeline_end(struct scn_parser *p, struct scn_lex *lx, int col)
{
	struct scn_step *st;
	size_t i, n;
	char *src;

	if (scn_parse_end(p, lx) == -1)
		return -1;
	st = &p->s->steps[p->s->nsteps - 1];
	if (st->u.send.nlines == 0)
		return scn_parse_err(p, col, "empty pipeline: expected "
		    "commands between \"pipeline\" (line %d) and \"end\"",
		    p->pipeline_line);
	/* the step's source for reports: "pipeline: A; B; C" */
	n = strlen("pipeline:") + 1;
	for (i = 0; i < st->u.send.nlines; i++)
		n += strlen(st->u.send.lines[i]) + 2;
	src = xmalloc(n);
	n = (size_t)snprintf(src, n, "pipeline:");
	for (i = 0; i < st->u.send.nlines; i++)
		n += (size_t)snprintf(src + n, strlen(st->u.send.lines[i]) + 3,
		    "%s %s", i == 0 ? "" : ";", st->u.send.lines[i]);
	free(st->src);
	st->src = src;
	p->in_pipeline = false;
	return 0;
}

/* scn_step_pipeline_line - one line inside pipeline ... end. */
int
scn_step_pipeline_line(struct scn_parser *p, struct scn_lex *lx)
{
	struct scn_lex peek;
	struct scn_step *st;
	char *w, *t;
	int col;

	peek = *lx;
	w = scn_lex_word(&peek, &col);
	if (strcmp(w, "end") == 0) {
		free(w);
		return scn_step_pipeline_end(p, &peek, col);
	}
	if (scn_parse_in(w, scn_step_names)) {
		scn_parse_err(p, col, "\"%s\" inside a pipeline: a pipeline "
		    "holds commands only, ended by \"end\" (pipeline on "
		    "line %d)", w, p->pipeline_line);
		free(w);
		return -1;
	}
	free(w);
	t = scn_lex_rest(lx, 2, &col);
	if (scn_parse_text(p, t, false, col) == -1) {
		free(t);
		return -1;
	}
	st = &p->s->steps[p->s->nsteps - 1];
	st->u.send.lines = xreallocarray(st->u.send.lines,
	    st->u.send.nlines + 1, sizeof(char *));
	st->u.send.lines[st->u.send.nlines++] = t;
	return 0;
}

/* scn_step_send_raw - `send-raw "STRING"`. */
static int
scn_step_send_raw(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	char *t;
	int col;

	if (scn_lex_peek(lx) != '"')
		return scn_parse_err(p, scn_lex_col(lx), "expected a quoted "
		    "string after \"send-raw\", like \"QUIT\\r\\n\"");
	if ((t = scn_lex_string(lx, &col)) == NULL)
		return -1;
	if (t[0] == '\0') {
		free(t);
		return scn_parse_err(p, col, "empty string: send-raw needs "
		    "at least one byte");
	}
	if (scn_parse_text(p, t, true, col + 1) == -1 ||
	    scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_SEND_RAW)) == NULL) {
		free(t);
		return -1;
	}
	st->u.raw = t;
	return 0;
}

/* scn_step_dir - the scenario's folder, absolute when it exists. */
static const char *
scn_step_dir(struct scn_parser *p)
{
	const char *slash;
	char *lex;

	if (p->dir_done)
		return p->dir;
	p->dir_done = true;
	slash = strrchr(p->path, '/');
	if (slash == NULL)
		lex = xstrdup(".");
	else if (slash == p->path)
		lex = xstrdup("/");
	else
		lex = xstrndup(p->path, (size_t)(slash - p->path));
	p->dir = realpath(lex, NULL);
	if (p->dir == NULL)
		p->dir = lex;
	else
		free(lex);
	return p->dir;
}

/* scn_step_find_file - FILE in the scenario's folder or the nearest
 * folder above it that has it; the absolute path, owned. */
char *
scn_step_find_file(struct scn_parser *p, const char *name, int col)
{
	struct stat st;
	char *dir, *cand, *slash, *real, *got;

	if (name[0] == '/') {
		cand = xstrdup(name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
			goto found;
		free(cand);
		goto missing;
	}
	dir = xstrdup(scn_step_dir(p));
	for (;;) {
		cand = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
		    name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			free(dir);
			goto found;
		}
		free(cand);
		slash = strrchr(dir, '/');
		if (slash == NULL || strcmp(dir, "/") == 0)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(dir);
missing:
	got = scn_lex_got(name);
	scn_parse_err(p, col, "body file \"%s\" not found next to the "
	    "scenario or in any folder above it", got);
	free(got);
	return NULL;
found:
	if ((unsigned long long)st.st_size > SC_BODY_FILE_MAX) {
		got = scn_lex_got(name);
		scn_parse_err(p, col, "body file \"%s\" is over %d bytes",
		    got, SC_BODY_FILE_MAX);
		free(got);
		free(cand);
		return NULL;
	}
	real = realpath(cand, NULL);
	if (real != NULL) {
		free(cand);
		return real;
	}
	return cand;
}

/* scn_step_file - `body FILE` / `body-raw FILE`. */
static int
scn_step_file(struct scn_parser *p, struct scn_lex *lx,
    enum scn_step_kind kind, const char *kw)
{
	char expected[64];
	struct scn_step *st;
	char *w, *path;
	int col;

	snprintf(expected, sizeof(expected), "a file name after \"%s\"", kw);
	if ((w = scn_parse_word(p, lx, &col, expected)) == NULL)
		return -1;
	if (scn_parse_end(p, lx) == -1 ||
	    (path = scn_step_find_file(p, w, col)) == NULL) {
		free(w);
		return -1;
	}
	free(w);
	if ((st = scn_step_new(p, kind)) == NULL) {
		free(path);
		return -1;
	}
	st->u.file = path;
	return 0;
}

/* scn_step_body - a fixture, dot-stuffed, CRLF.CRLF appended. */
static int
scn_step_body(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	return scn_step_file(p, lx, SCN_STEP_BODY, "body");
}

/* scn_step_body_raw - a fixture byte for byte. */
static int
scn_step_body_raw(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	return scn_step_file(p, lx, SCN_STEP_BODY_RAW, "body-raw");
}

/* scn_step_pause - `pause DURATION` (zero is allowed). */
static int
scn_step_pause(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	char *w;
	long ms;
	int col, rc;

	if ((w = scn_parse_word(p, lx, &col, "a duration after "
	    "\"pause\"")) == NULL)
		return -1;
	rc = scn_parse_duration(p, w, col, true, &ms);
	free(w);
	if (rc == -1 || scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_PAUSE)) == NULL)
		return -1;
	st->u.pause_ms = ms;
	return 0;
}

/* scn_step_within - `within DURATION` after an expect. */
static int
scn_step_within(struct scn_parser *p, struct scn_lex *lx, long *ms)
{
	char *w;
	int col, rc;

	if ((w = scn_parse_word(p, lx, &col, "a duration after "
	    "\"within\"")) == NULL)
		return -1;
	rc = scn_parse_duration(p, w, col, false, ms);
	free(w);
	return rc;
}

/* scn_step_within_opt - an optional `within DURATION` where the line
 * may end; anything else is an error naming expected. */
static int
scn_step_within_opt(struct scn_parser *p, struct scn_lex *lx, long *ms,
    const char *expected)
{
	char *w;
	int col, rc;

	if ((w = scn_lex_word(lx, &col)) == NULL)
		return 0;
	if (strcmp(w, "within") == 0)
		rc = scn_step_within(p, lx, ms);
	else
		rc = scn_parse_err_got(p, col, expected, w);
	free(w);
	return rc;
}

/* scn_step_expect_reply - `expect CODES [options]`. The step is built in
 * r and within, and appended only when the line is good. */
static int
scn_step_expect_reply(struct scn_parser *p, struct scn_lex *lx,
    char *codes, int ccol)
{
	struct scn_expect_reply r;
	struct scn_step *st;
	const char *near;
	bool seen_enh = false, seen_text = false, seen_warn = false;
	bool seen_info = false, seen_within = false, seen_skip = false;
	bool seen_times = false;
	long within = 0;
	char *w, *v;
	int col, vcol, rc;

	memset(&r, 0, sizeof(r));
	rc = scn_step_codes(p, codes, ccol, &r.pass);
	while (rc == 0 && (w = scn_lex_word(lx, &col)) != NULL) {
		bool *seen = NULL;

		if (strcmp(w, "enh") == 0)
			seen = &seen_enh;
		else if (strcmp(w, "text") == 0)
			seen = &seen_text;
		else if (strcmp(w, "warn-on") == 0)
			seen = &seen_warn;
		else if (strcmp(w, "info-on") == 0)
			seen = &seen_info;
		else if (strcmp(w, "skip-on") == 0)
			seen = &seen_skip;
		else if (strcmp(w, "record") == 0)
			seen = &r.record;
		else if (strcmp(w, "within") == 0)
			seen = &seen_within;
		else if (strcmp(w, "times") == 0)
			seen = &seen_times;
		if (seen == NULL) {
			near = scn_parse_suggest(w, scn_step_expect_opts);
			if (near != NULL)
				rc = scn_parse_err(p, col, "unknown option "
				    "\"%s\" (did you mean \"%s\"?)", w, near);
			else
				rc = scn_parse_err_got(p, col, "an option "
				    "(enh, text, warn-on, info-on, skip-on, "
				    "record, within, times)", w);
		} else if (*seen) {
			rc = scn_parse_err(p, col, "duplicate option \"%s\"",
			    w);
		} else if (seen == &seen_text) {
			if (scn_lex_peek(lx) != '/')
				rc = scn_parse_err(p, scn_lex_col(lx),
				    "expected a /regex/ after \"text\"");
			else if ((r.text_src = scn_parse_regex(p, lx,
			    false)) == NULL)
				rc = -1;
		} else if (seen == &seen_within) {
			rc = scn_step_within(p, lx, &within);
		} else if (seen == &seen_times) {
			v = scn_parse_word(p, lx, &vcol, "a count after "
			    "\"times\"");
			if (v == NULL || sc_parse_long(v, 1, SCN_TIMES_MAX,
			    &r.times) == -1)
				rc = v == NULL ? -1 : scn_parse_err(p, vcol,
				    "expected a count of replies, 1-%d, got "
				    "\"%s\"", SCN_TIMES_MAX, v);
			free(v);
		} else if (seen != &r.record) {
			v = scn_parse_word(p, lx, &vcol, seen == &seen_enh ?
			    "an enhanced status code like 5.1.1 after \"enh\"" :
			    "reply codes after the option");
			if (v == NULL)
				rc = -1;
			else if (seen == &seen_enh) {
				if (!scn_step_enh_ok(v)) {
					rc = scn_parse_err_got(p, vcol, "an "
					    "enhanced status code like 5.1.1 "
					    "or 5.1.x", v);
					free(v);
				} else
					r.enh = v;
			} else {
				rc = scn_step_codes(p, v, vcol,
				    seen == &seen_warn ? &r.warn_on :
				    seen == &seen_skip ? &r.skip_on :
				    &r.info_on);
				free(v);
			}
		}
		if (seen != NULL)
			*seen = true;
		free(w);
	}
	if (rc == 0 && (st = scn_step_new(p,
	    SCN_STEP_EXPECT_REPLY)) != NULL) {
		st->u.reply = r;
		st->within_ms = within;
		return 0;
	}
	free(r.enh);
	free(r.text_src);
	return -1;
}

/* scn_step_expect_keyword - `expect [no] keyword KW [/REGEX/]`; with no,
 * the pattern narrows what must be absent: KW with parameters matching
 * it (`expect no keyword AUTH /PLAIN|LOGIN/`). */
static int
scn_step_expect_keyword(struct scn_parser *p, struct scn_lex *lx,
    bool no)
{
	struct scn_step *st;
	char *kw, *re = NULL;
	char c;

	kw = scn_parse_keyword(p, lx, no ? "expect no keyword" :
	    "expect keyword");
	if (kw == NULL)
		return -1;
	c = scn_lex_peek(lx);
	if (c == '/') {
		if ((re = scn_parse_regex(p, lx, false)) == NULL) {
			free(kw);
			return -1;
		}
	}
	if (scn_parse_end(p, lx) == -1 || (st = scn_step_new(p, no ?
	    SCN_STEP_EXPECT_NO_KEYWORD : SCN_STEP_EXPECT_KEYWORD)) == NULL) {
		free(kw);
		free(re);
		return -1;
	}
	st->u.kw.keyword = kw;
	st->u.kw.param_src = re;
	return 0;
}

/* scn_step_expect_not - `expect not CODES within DURATION`: an expect of
 * a reply, negated; the deadline is required and nothing else is taken
 * (what would enh or text mean for a reply that must not come?). */
static int
scn_step_expect_not(struct scn_parser *p, struct scn_lex *lx)
{
	struct scn_codeset cs;
	struct scn_step *st;
	char *w;
	long ms = 0;
	int col, rc;

	if ((w = scn_parse_word(p, lx, &col, "reply codes after "
	    "\"expect not\"")) == NULL)
		return -1;
	rc = scn_step_codes(p, w, col, &cs);
	free(w);
	if (rc == -1)
		return -1;
	w = scn_parse_word(p, lx, &col, "\"within DURATION\" after the codes "
	    "of \"expect not\"");
	if (w == NULL)
		return -1;
	if (strcmp(w, "within") != 0)
		rc = scn_parse_err_got(p, col, "\"within DURATION\" after the "
		    "codes of \"expect not\"", w);
	free(w);
	if (rc == -1 || scn_step_within(p, lx, &ms) == -1 ||
	    scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_EXPECT_REPLY)) == NULL)
		return -1;
	st->u.reply.pass = cs;
	st->u.reply.negate = true;
	st->within_ms = ms;
	return 0;
}

/* scn_step_tls_version - "1.0".."1.3" to 10..13; -1 with an error. */
static int
scn_step_tls_version(struct scn_parser *p, const char *w, int col)
{
	if (strlen(w) == 3 && w[0] == '1' && w[1] == '.' && w[2] >= '0' &&
	    w[2] <= '3')
		return 10 + (w[2] - '0');
	return scn_parse_err_got(p, col, "a TLS version: 1.0, 1.1, 1.2 or "
	    "1.3", w);
}

/* scn_step_starttls - `starttls [any-cert] [min-version V] [max-version V]
 * [ciphers "LIST"] [fails]`. */
static int
scn_step_starttls(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	static const char *const opts[] = { "any-cert", "min-version",
	    "max-version", "ciphers", "fails", "or-close", NULL };
	struct scn_starttls t;
	struct scn_step *st;
	const char *near;
	char *w, *v;
	int col, vcol, rc = 0, ver;

	memset(&t, 0, sizeof(t));
	while (rc == 0 && (w = scn_lex_word(lx, &col)) != NULL) {
		if (strcmp(w, "any-cert") == 0)
			t.any_cert = true;
		else if (strcmp(w, "fails") == 0)
			t.fails = true;
		else if (strcmp(w, "or-close") == 0)
			t.or_close = true;
		else if (strcmp(w, "min-version") == 0 ||
		    strcmp(w, "max-version") == 0) {
			v = scn_parse_word(p, lx, &vcol, "a TLS version after "
			    "the option");
			ver = v == NULL ? -1 : scn_step_tls_version(p, v, vcol);
			free(v);
			if (ver == -1)
				rc = -1;
			else if (w[1] == 'i')
				t.min_version = ver;
			else
				t.max_version = ver;
		} else if (strcmp(w, "ciphers") == 0) {
			if (t.ciphers != NULL)
				rc = scn_parse_err(p, col, "\"ciphers\" given "
				    "twice");
			else if (scn_lex_peek(lx) != '"')
				rc = scn_parse_err(p, scn_lex_col(lx),
				    "expected a \"quoted\" OpenSSL cipher list "
				    "after \"ciphers\"");
			else if ((t.ciphers = scn_lex_string(lx, &vcol)) ==
			    NULL || *t.ciphers == '\0')
				rc = t.ciphers == NULL ? -1 : scn_parse_err(p,
				    vcol, "empty cipher list");
		} else {
			near = scn_parse_suggest(w, opts);
			if (near != NULL)
				rc = scn_parse_err(p, col, "unknown starttls "
				    "option \"%s\" (did you mean \"%s\"?)", w,
				    near);
			else
				rc = scn_parse_err_got(p, col, "any-cert, "
				    "min-version, max-version, ciphers, fails or "
				    "or-close", w);
		}
		free(w);
	}
	if (rc == 0 && t.min_version != 0 && t.max_version != 0 &&
	    t.min_version > t.max_version)
		rc = scn_parse_err(p, kcol, "min-version is above max-version");
	if (rc == 0 && scn_parse_end(p, lx) == 0 &&
	    (st = scn_step_new(p, SCN_STEP_STARTTLS)) != NULL) {
		st->u.starttls = t;
		return 0;
	}
	free(t.ciphers);
	return -1;
}

/* scn_step_secure - `secure [any-cert]`: reach TLS however the run
 * connects. */
static int
scn_step_secure(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	bool any = false;
	char *w;
	int col, rc = 0;

	if ((w = scn_lex_word(lx, &col)) != NULL) {
		if (strcmp(w, "any-cert") == 0)
			any = true;
		else
			rc = scn_parse_err_got(p, col, "any-cert or the end of "
			    "the line", w);
		free(w);
	}
	if (rc == -1 || scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_SECURE)) == NULL)
		return -1;
	st->u.starttls.any_cert = any;
	return 0;
}

/* scn_step_ports - "25|2525" into t->warn_ports. */
static int
scn_step_ports(struct scn_parser *p, const char *w, int col,
    struct scn_expect_tls *t)
{
	const char *a = w;
	char *end;
	long v;

	for (;;) {
		v = strtol(a, &end, 10);
		if (end == a || v < 1 || v > 65535 ||
		    (*end != '|' && *end != '\0'))
			return scn_parse_err_got(p, col, "ports like 25 or "
			    "25|2525", w);
		if (t->nwarn_ports == SCN_CODE_ALTS_MAX)
			return scn_parse_err(p, col, "at most %d ports",
			    SCN_CODE_ALTS_MAX);
		t->warn_ports[t->nwarn_ports++] = (int)v;
		if (*end == '\0')
			return 0;
		a = end + 1;
	}
}

/* scn_step_expect_tls - `expect tls version at-least V | verified |
 * days-left N | not-self-signed [warn-on-port PORTS]`. */
static int
scn_step_expect_tls(struct scn_parser *p, struct scn_lex *lx)
{
	static const char *const props[] = { "version", "verified",
	    "days-left", "not-self-signed", NULL };
	struct scn_expect_tls t;
	struct scn_step *st;
	const char *near;
	char *w, *v = NULL;
	int col, vcol, rc = 0;

	memset(&t, 0, sizeof(t));
	if ((w = scn_parse_word(p, lx, &col, "version, verified, days-left "
	    "or not-self-signed after \"expect tls\"")) == NULL)
		return -1;
	if (strcmp(w, "version") == 0) {
		t.prop = SCN_TLS_VERSION;
		v = scn_parse_word(p, lx, &vcol, "\"at-least\" after "
		    "\"expect tls version\"");
		if (v == NULL)
			rc = -1;
		else if (strcmp(v, "at-least") != 0)
			rc = scn_parse_err_got(p, vcol, "\"at-least\" after "
			    "\"expect tls version\"", v);
		free(v);
		v = rc == 0 ? scn_parse_word(p, lx, &vcol, "a TLS version "
		    "after \"at-least\"") : NULL;
		if (rc == 0 && (v == NULL ||
		    (t.version = scn_step_tls_version(p, v, vcol)) == -1))
			rc = -1;
	} else if (strcmp(w, "verified") == 0) {
		t.prop = SCN_TLS_VERIFIED;
	} else if (strcmp(w, "days-left") == 0) {
		t.prop = SCN_TLS_DAYS_LEFT;
		v = scn_parse_word(p, lx, &vcol, "a number of days after "
		    "\"days-left\"");
		if (v == NULL || sc_parse_long(v, 0, 36500, &t.days) == -1)
			rc = v == NULL ? -1 : scn_parse_err_got(p, vcol,
			    "a number of days, 0-36500", v);
	} else if (strcmp(w, "not-self-signed") == 0) {
		t.prop = SCN_TLS_NOT_SELF_SIGNED;
	} else {
		near = scn_parse_suggest(w, props);
		rc = near != NULL ? scn_parse_err(p, col, "unknown TLS "
		    "property \"%s\" (did you mean \"%s\"?)", w, near) :
		    scn_parse_err_got(p, col, "version, verified, days-left or "
		    "not-self-signed", w);
	}
	free(w);
	free(v);
	if (rc == 0 && (w = scn_lex_word(lx, &col)) != NULL) {
		if (strcmp(w, "warn-on-port") != 0)
			rc = scn_parse_err_got(p, col, "\"warn-on-port PORTS\" "
			    "or the end of the line", w);
		free(w);
		if (rc == 0 && (v = scn_parse_word(p, lx, &vcol, "ports after "
		    "\"warn-on-port\"")) == NULL)
			rc = -1;
		if (rc == 0)
			rc = scn_step_ports(p, v, vcol, &t);
		free(v);
	}
	if (rc == -1 || scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_EXPECT_TLS)) == NULL)
		return -1;
	st->u.tls = t;
	return 0;
}

/* scn_step_accept - `accept [within DURATION]`: the client connects. */
static int
scn_step_accept(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	long ms = 0;

	if (scn_step_within_opt(p, lx, &ms, "\"within\" or the end of the "
	    "line") == -1 || scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_ACCEPT)) == NULL)
		return -1;
	st->within_ms = ms;
	return 0;
}

/* scn_step_verbs_ok - "EHLO|HELO": letters and digits, bars between. */
static bool
scn_step_verbs_ok(char *w)
{
	size_t i, run = 0;

	for (i = 0; w[i] != '\0'; i++) {
		if (w[i] == '|') {
			if (run == 0)
				return false;
			run = 0;
			continue;
		}
		if (!((w[i] >= 'A' && w[i] <= 'Z') || (w[i] >= 'a' &&
		    w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9')))
			return false;
		if (++run > SMTP_CMD_VERB_MAX)
			return false;
		if (w[i] >= 'a' && w[i] <= 'z')
			w[i] = (char)(w[i] - 'a' + 'A');
	}
	return run > 0;
}

/* scn_step_expect_command - `expect command VERBS [/REGEX/] [or-close]
 * [within D]`. */
static int
scn_step_expect_command(struct scn_parser *p, struct scn_lex *lx)
{
	struct scn_step *st;
	char *verbs, *re = NULL, *w;
	bool or_close = false;
	long ms = 0;
	int col, rc = 0;

	if ((verbs = scn_parse_word(p, lx, &col, "a command verb like EHLO "
	    "or EHLO|HELO after \"expect command\"")) == NULL)
		return -1;
	if (!scn_step_verbs_ok(verbs))
		rc = scn_parse_err_got(p, col, "a command verb like EHLO or "
		    "EHLO|HELO", verbs);
	if (rc == 0 && scn_lex_peek(lx) == '/' &&
	    (re = scn_parse_regex(p, lx, false)) == NULL)
		rc = -1;
	while (rc == 0 && (w = scn_lex_word(lx, &col)) != NULL) {
		if (strcmp(w, "or-close") == 0 && !or_close)
			or_close = true;
		else if (strcmp(w, "within") == 0 && ms == 0)
			rc = scn_step_within(p, lx, &ms);
		else
			rc = scn_parse_err_got(p, col, "a /regex/ for the "
			    "argument, or-close, within or the end of the line",
			    w);
		free(w);
	}
	if (rc == 0 && scn_parse_end(p, lx) == 0 &&
	    (st = scn_step_new(p, SCN_STEP_EXPECT_COMMAND)) != NULL) {
		st->u.cmd.verbs = verbs;
		st->u.cmd.arg_src = re;
		st->u.cmd.or_close = or_close;
		st->within_ms = ms;
		return 0;
	}
	free(verbs);
	free(re);
	return -1;
}

/* scn_step_expect_body - `expect body [same] [text /REGEX/] [within D]`. */
static int
scn_step_expect_body(struct scn_parser *p, struct scn_lex *lx)
{
	struct scn_expect_body b;
	struct scn_step *st;
	long ms = 0;
	char *w;
	int col, rc = 0;

	memset(&b, 0, sizeof(b));
	while (rc == 0 && (w = scn_lex_word(lx, &col)) != NULL) {
		if (strcmp(w, "same") == 0)
			b.same = true;
		else if (strcmp(w, "text") == 0 && b.text_src == NULL) {
			if (scn_lex_peek(lx) != '/')
				rc = scn_parse_err(p, scn_lex_col(lx),
				    "expected a /regex/ after \"text\"");
			else if ((b.text_src = scn_parse_regex(p, lx,
			    false)) == NULL)
				rc = -1;
		} else if (strcmp(w, "within") == 0)
			rc = scn_step_within(p, lx, &ms);
		else
			rc = scn_parse_err_got(p, col, "same, text /REGEX/, "
			    "within or the end of the line", w);
		free(w);
	}
	if (rc == 0 && b.same && p->s->message == NULL)
		rc = scn_parse_err(p, 1, "\"expect body same\" needs a "
		    "\"message FILE\" header line");
	if (rc == 0 && scn_parse_end(p, lx) == 0 &&
	    (st = scn_step_new(p, SCN_STEP_EXPECT_BODY)) != NULL) {
		st->u.body = b;
		st->within_ms = ms;
		return 0;
	}
	free(b.text_src);
	return -1;
}

/* scn_step_expect_exit - `expect exit success|failure [within D]`. */
static int
scn_step_expect_exit(struct scn_parser *p, struct scn_lex *lx)
{
	enum scn_exit_want want = SCN_EXIT_SUCCESS;
	struct scn_step *st;
	long ms = 0;
	char *w;
	int col, rc = 0;

	if ((w = scn_parse_word(p, lx, &col, "success or failure after "
	    "\"expect exit\"")) == NULL)
		return -1;
	if (strcmp(w, "failure") == 0)
		want = SCN_EXIT_FAILURE;
	else if (strcmp(w, "success") != 0)
		rc = scn_parse_err_got(p, col, "success or failure", w);
	free(w);
	if (rc == 0)
		rc = scn_step_within_opt(p, lx, &ms, "\"within\" or the end "
		    "of the line");
	if (rc == -1 || scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, SCN_STEP_EXPECT_EXIT)) == NULL)
		return -1;
	st->u.exit_want = want;
	st->within_ms = ms;
	return 0;
}

/* scn_step_expect_quit - `expect quit [or-close] [within D]`. */
static int
scn_step_expect_quit(struct scn_parser *p, struct scn_lex *lx,
    enum scn_step_kind kind)
{
	struct scn_step *st;
	bool or_close = false;
	long ms = 0;
	char *w;
	int col, rc = 0;

	while (rc == 0 && (w = scn_lex_word(lx, &col)) != NULL) {
		if (strcmp(w, "or-close") == 0 && kind == SCN_STEP_EXPECT_QUIT &&
		    !or_close)
			or_close = true;
		else if (strcmp(w, "within") == 0 && ms == 0)
			rc = scn_step_within(p, lx, &ms);
		else
			rc = scn_parse_err_got(p, col, kind ==
			    SCN_STEP_EXPECT_QUIT ? "or-close, within or the end "
			    "of the line" : "within or the end of the line", w);
		free(w);
	}
	if (rc == -1 || scn_parse_end(p, lx) == -1 ||
	    (st = scn_step_new(p, kind)) == NULL)
		return -1;
	st->u.or_close = or_close;
	st->within_ms = ms;
	return 0;
}

/* scn_step_expect - every form of expect. */
static int
scn_step_expect(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	char *w;
	long ms = 0;
	int col, rc;

	if ((w = scn_parse_word(p, lx, &col, "a reply code like 250, 2xx or "
	    "250|251, or keyword, no keyword, not, tls, command, body, exit, "
	    "quit, auth, close or silence after \"expect\"")) == NULL)
		return -1;
	if (strcmp(w, "not") == 0) {
		free(w);
		return scn_step_expect_not(p, lx);
	}
	if (strcmp(w, "keyword") == 0) {
		free(w);
		return scn_step_expect_keyword(p, lx, false);
	}
	if (strcmp(w, "tls") == 0) {
		free(w);
		return scn_step_expect_tls(p, lx);
	}
	if (strcmp(w, "command") == 0) {
		free(w);
		return scn_step_expect_command(p, lx);
	}
	if (strcmp(w, "body") == 0) {
		free(w);
		return scn_step_expect_body(p, lx);
	}
	if (strcmp(w, "exit") == 0) {
		free(w);
		return scn_step_expect_exit(p, lx);
	}
	if (strcmp(w, "quit") == 0 || strcmp(w, "auth") == 0) {
		enum scn_step_kind k = w[0] == 'q' ? SCN_STEP_EXPECT_QUIT :
		    SCN_STEP_EXPECT_AUTH;

		free(w);
		return scn_step_expect_quit(p, lx, k);
	}
	if (strcmp(w, "no") == 0) {
		free(w);
		if ((w = scn_parse_word(p, lx, &col, "keyword after "
		    "\"expect no\"")) == NULL)
			return -1;
		if (strcmp(w, "keyword") != 0) {
			rc = scn_parse_err_got(p, col, "keyword after "
			    "\"expect no\"", w);
			free(w);
			return rc;
		}
		free(w);
		return scn_step_expect_keyword(p, lx, true);
	}
	if (strcmp(w, "close") == 0 || strcmp(w, "silence") == 0) {
		bool silence = w[0] == 's';

		free(w);
		rc = 0;
		if (silence) {
			if ((w = scn_parse_word(p, lx, &col, "a duration "
			    "after \"expect silence\"")) == NULL)
				return -1;
			rc = scn_parse_duration(p, w, col, false, &ms);
			free(w);
		} else
			rc = scn_step_within_opt(p, lx, &ms, "\"within\" or "
			    "the end of the line");
		if (rc == -1 || scn_parse_end(p, lx) == -1 ||
		    (st = scn_step_new(p, silence ?
		    SCN_STEP_EXPECT_SILENCE : SCN_STEP_EXPECT_CLOSE)) == NULL)
			return -1;
		if (silence)
			st->u.silence_ms = ms;
		else
			st->within_ms = ms;
		return 0;
	}
	if ((w[0] >= '0' && w[0] <= '9') || w[0] == 'x') {
		rc = scn_step_expect_reply(p, lx, w, col);
		free(w);
		return rc;
	}
	rc = scn_parse_err_got(p, col, "a reply code like 250, 2xx or "
	    "250|251, or keyword, no keyword, not, tls, command, body, exit, "
	    "quit, auth, close or silence", w);
	free(w);
	return rc;
}

/* scn_step_capture - `capture NAME from keyword KW` or `capture NAME
 * from reply /REGEX/`. */
static int
scn_step_capture(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	struct scn_step *st;
	char *var, *w, *kw = NULL, *re = NULL;
	enum scn_capture_from from = SCN_CAPTURE_KEYWORD;
	int col, rc = 0;

	if ((var = scn_parse_varname(p, lx, "capture")) == NULL)
		return -1;
	w = scn_parse_word(p, lx, &col, "\"from\" after the variable name");
	if (w == NULL)
		rc = -1;
	else if (strcmp(w, "from") != 0)
		rc = scn_parse_err_got(p, col, "\"from\" after the variable "
		    "name", w);
	free(w);
	w = NULL;
	if (rc == 0 && (w = scn_parse_word(p, lx, &col, "keyword or reply "
	    "after \"from\"")) == NULL)
		rc = -1;
	if (rc == 0 && strcmp(w, "keyword") == 0) {
		from = SCN_CAPTURE_KEYWORD;
		if ((kw = scn_parse_keyword(p, lx, "from keyword")) == NULL)
			rc = -1;
	} else if (rc == 0 && strcmp(w, "reply") == 0) {
		from = SCN_CAPTURE_TEXT;
		if (scn_lex_peek(lx) != '/')
			rc = scn_parse_err(p, scn_lex_col(lx), "expected a "
			    "/regex/ with a group after \"from reply\"");
		else if ((re = scn_parse_regex(p, lx, true)) == NULL)
			rc = -1;
	} else if (rc == 0)
		rc = scn_parse_err_got(p, col, "keyword or reply after "
		    "\"from\"", w);
	free(w);
	if (rc == 0 && scn_parse_end(p, lx) == 0 &&
	    (st = scn_step_new(p, SCN_STEP_CAPTURE)) != NULL) {
		st->u.capture.var = var;
		st->u.capture.from = from;
		st->u.capture.keyword = kw;
		st->u.capture.re_src = re;
		return 0;
	}
	free(var);
	free(kw);
	free(re);
	return -1;
}

const struct scn_parse_kw scn_step_table[] = {
	{ "connect",	scn_step_connect },
	{ "send",	scn_step_send },
	{ "pipeline",	scn_step_pipeline },
	{ "send-raw",	scn_step_send_raw },
	{ "body",	scn_step_body },
	{ "body-raw",	scn_step_body_raw },
	{ "pause",	scn_step_pause },
	{ "close",	scn_step_close },
	{ "expect",	scn_step_expect },
	{ "capture",	scn_step_capture },
	{ "starttls",	scn_step_starttls },
	{ "secure",	scn_step_secure },
	{ "accept",	scn_step_accept },
	{ NULL,		NULL }
};

/* scn_step_re - compile src (if any) into *re once; the parser checked
 * it already, so a failure here is our bug. */
static void
scn_step_re(const char *src, regex_t *re, bool *has, int flags)
{
	if (src == NULL)
		return;
	if (regcomp(re, src, flags) != 0)
		fatal("regex /%s/ compiled once, not twice", src);
	*has = true;
}

/* scn_step_compile - compile the checked regexes in place, now that the
 * step array will not move again. */
void
scn_step_compile(struct scn *s)
{
	struct scn_step *st;
	size_t i;
	/* REG_NEWLINE: ^ and $ match at each line of a multiline reply */
	int f = REG_EXTENDED | REG_ICASE | REG_NEWLINE;

	for (i = 0; i < s->nsteps; i++) {
		st = &s->steps[i];
		switch (st->kind) {
		case SCN_STEP_EXPECT_REPLY:
			scn_step_re(st->u.reply.text_src, &st->u.reply.text_re,
			    &st->u.reply.has_text_re, f | REG_NOSUB);
			break;
		case SCN_STEP_EXPECT_KEYWORD:
		case SCN_STEP_EXPECT_NO_KEYWORD:
			scn_step_re(st->u.kw.param_src, &st->u.kw.param_re,
			    &st->u.kw.has_param_re, f | REG_NOSUB);
			break;
		case SCN_STEP_EXPECT_COMMAND:
			scn_step_re(st->u.cmd.arg_src, &st->u.cmd.arg_re,
			    &st->u.cmd.has_arg_re, f | REG_NOSUB);
			break;
		case SCN_STEP_EXPECT_BODY:
			scn_step_re(st->u.body.text_src, &st->u.body.text_re,
			    &st->u.body.has_text_re, f | REG_NOSUB);
			break;
		case SCN_STEP_CAPTURE:
			/* no REG_NOSUB: group 1 is the value */
			scn_step_re(st->u.capture.re_src, &st->u.capture.re,
			    &st->u.capture.has_re, f);
			break;
		default:
			break;
		}
	}
}
