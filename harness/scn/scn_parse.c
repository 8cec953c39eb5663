/* SPDX-License-Identifier: ISC */
/*
 * scn_parse.c - scenario files into struct scn (README.md, "Scenario language"):
 * the line loop, the header fields, the helpers the steps share, and the
 * small functions of scn.h that work on the tree. The steps themselves
 * are in scn_step.c, the tokens in scn_lex.c.
 *
 * Line by line: a header of metadata, then steps; `pipeline` ... `end` is
 * the one construct that spans lines. Every error is one path:line:col
 * with what was expected; the first error stops the parse. Limits
 * (SCN_FILE_MAX, SCN_LINE_MAX, SCN_STEPS_MAX, SCN_CODE_ALTS_MAX) are errors.
 * NUL and other control bytes in the file are errors (bytes like that
 * belong in send-raw strings as \xNN); CRLF line ends are accepted.
 *
 * Regexes are checked as they are read and compiled into the tree only
 * once the step array has its final address (a regex_t is not promised to
 * survive being moved by realloc). Body FILEs are resolved at parse time.
 * ${...} and escapes are checked here and expanded at run time.
 */
#include "scn_parse.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sc_limits.h"
#include "sc_util.h"
#include "scn_lex.h"
#include "scn_step.h"
#include "scn_vars.h"

static const char *const scn_parse_header_names[] = {
	"id", "title", "rfc", "level", "tags", "role", "catalog", "requires",
	"message", "client",
	"timeout", "note", NULL
};

/* scn_parse_err - record an error at the current line. */
int
scn_parse_err(struct scn_parser *p, int col, const char *fmt, ...)
{
	char msg[SC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_err_set(p->err, p->path, p->line, col, "%s", msg);
	return -1;
}

/* scn_parse_err_got - "expected X, got "word"" with the word escaped. */
int
scn_parse_err_got(struct scn_parser *p, int col, const char *expected,
    const char *word)
{
	char *got;

	got = scn_lex_got(word);
	scn_parse_err(p, col, "expected %s, got \"%s\"", expected, got);
	free(got);
	return -1;
}

/* scn_parse_distance - edit distance of two short words (case folded);
 * a large number for long ones. */
static size_t
scn_parse_distance(const char *a, const char *b)
{
	size_t la, lb, i, j, d[33][33], c;

	la = strlen(a);
	lb = strlen(b);
	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			d[i][j] = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < d[i][j])
				d[i][j] = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < d[i][j])
				d[i][j] = d[i][j - 1] + 1;
			/* a swap of two neighbours counts as one edit */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 <
			    d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

/* scn_parse_suggest - the nearest candidate within two edits. */
const char *
scn_parse_suggest(const char *word, const char *const *cands)
{
	const char *best = NULL;
	size_t bd = 3, d, i;

	/* a word to quote as is: printable ASCII only (else it is escaped
	 * by the caller's "got" message) */
	for (i = 0; word[i] != '\0'; i++)
		if ((unsigned char)word[i] <= 0x20 ||
		    (unsigned char)word[i] >= 0x7f)
			return NULL;
	for (i = 0; cands[i] != NULL; i++) {
		d = scn_parse_distance(word, cands[i]);
		/* two edits to a three-letter word is another word */
		if (d < bd && d < strlen(word) && d < strlen(cands[i])) {
			bd = d;
			best = cands[i];
		}
	}
	return best;
}

/* scn_parse_in - is word one of the NULL-terminated names? */
bool
scn_parse_in(const char *word, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(word, names[i]) == 0)
			return true;
	return false;
}

/* scn_parse_end - nothing may follow on the line but a comment. */
int
scn_parse_end(struct scn_parser *p, struct scn_lex *lx)
{
	char *w;
	int col, rc;

	if (scn_lex_at_end(lx))
		return 0;
	w = scn_lex_word(lx, &col);
	rc = scn_parse_err_got(p, col, "the end of the line", w);
	free(w);
	return rc;
}

/* scn_parse_word - the next word, or an error naming what was expected. */
char *
scn_parse_word(struct scn_parser *p, struct scn_lex *lx, int *col,
    const char *expected)
{
	char *w;

	w = scn_lex_word(lx, col);
	if (w == NULL)
		scn_parse_err(p, scn_lex_col(lx), "expected %s", expected);
	return w;
}

/* scn_parse_push - append one pointer to a growing array. */
static void
scn_parse_push(char ***v, size_t *n, size_t *cap, char *item)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 4 : *cap * 2;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = item;
}

/* scn_parse_ref - pass a reference found in text on to the lint hook. */
static void
scn_parse_ref(void *arg, const char *name, size_t namelen, int col)
{
	struct scn_parser *p = arg;

	p->cb(p->cb_arg, name, namelen, p->line, p->ref_col + col - 1);
}

/* scn_parse_text - check ${...} (and escapes) in text at column col0. */
int
scn_parse_text(struct scn_parser *p, const char *text, bool escapes,
    int col0)
{
	struct sc_err e;
	int c = 1;

	memset(&e, 0, sizeof(e));
	p->ref_col = col0;
	if (scn_expand_check(text, escapes, &c, &e,
	    p->cb != NULL ? scn_parse_ref : NULL, p) == -1)
		return scn_parse_err(p, col0 + c - 1, "%s", e.msg);
	return 0;
}

#define SCN_STR_(x)	#x
#define SCN_XSTR(x)	SCN_STR_(x)

/*
 * scn_regex_tame - the shapes glibc's regcomp turns into exponential
 * memory (found by tests/fuzz/fuzz_scn: /i++++++++.../ took over 2 GB):
 * repetition stacked on repetition, which POSIX leaves undefined anyway
 * (XBD 9.4.6), and bounds that multiply. Returns the offset of the
 * offending octet, or -1 when the pattern is fine; *why says what.
 */
static int
scn_regex_tame(const char *src, const char **why)
{
	unsigned long product = 1, hi;
	size_t i = 0, n = strlen(src);
	bool rep = false;	/* the last atom was a repetition */
	char *end;

	if (n > SCN_REGEX_MAX) {
		*why = "regex too long";
		return SCN_REGEX_MAX;
	}
	while (i < n) {
		char c = src[i];

		if (c == '\\') {
			i += i + 1 < n ? 2 : 1;
			rep = false;
			continue;
		}
		if (c == '[') {		/* a bracket expression is one atom */
			i++;
			if (i < n && src[i] == '^')
				i++;
			if (i < n && src[i] == ']')
				i++;
			while (i < n && src[i] != ']')
				i++;
			i++;
			rep = false;
			continue;
		}
		if (c == '*' || c == '+' || c == '?' || c == '{') {
			if (rep) {
				*why = "repetition of a repetition (as in a++ "
				    "or a*{2}) is undefined in POSIX regexes";
				return (int)i;
			}
			rep = true;
			if (c == '{') {
				hi = strtoul(src + i + 1, &end, 10);
				if (*end == ',')
					hi = end[1] == '}' ? SCN_REGEX_REPEAT_MAX +
					    1UL : strtoul(end + 1, &end, 10);
				if (hi > SCN_REGEX_REPEAT_MAX ||
				    (product *= hi > 0 ? hi : 1) >
				    SCN_REGEX_PRODUCT_MAX) {
					*why = "repetition bounds too large "
					    "(at most " SCN_XSTR(SCN_REGEX_REPEAT_MAX)
					    " each, " SCN_XSTR(SCN_REGEX_PRODUCT_MAX)
					    " multiplied)";
					return (int)i;
				}
				while (i < n && src[i] != '}')
					i++;
			}
			i++;
			continue;
		}
		rep = false;
		i++;
	}
	return -1;
}

/* scn_parse_regex - read a /regex/ and check that it compiles; a capture
 * regex needs a group. */
char *
scn_parse_regex(struct scn_parser *p, struct scn_lex *lx, bool group)
{
	char msg[SC_ERR_MSG_MAX];
	const char *why;
	regex_t re;
	char *src;
	int col, rc;

	src = scn_lex_regex(lx, &col);
	if (src == NULL)
		return NULL;
	if ((rc = scn_regex_tame(src, &why)) >= 0) {
		scn_parse_err(p, col + rc, "bad regex: %s", why);
		free(src);
		return NULL;
	}
	rc = regcomp(&re, src, REG_EXTENDED | REG_ICASE | REG_NEWLINE |
	    (group ? 0 : REG_NOSUB));
	if (rc != 0) {
		regerror(rc, &re, msg, sizeof(msg));
		scn_parse_err(p, col, "bad regex: %s", msg);
		free(src);
		return NULL;
	}
	if (group && re.re_nsub < 1) {
		regfree(&re);
		scn_parse_err(p, col, "the regex needs a group, as in "
		    "/code=([0-9]+)/: group 1 is what is captured");
		free(src);
		return NULL;
	}
	regfree(&re);
	return src;
}

/* scn_parse_duration - "250ms", "2s", "1.5s", "1m", or bare seconds. The
 * shape is checked here so that strtod's extras (hex, exponents) stay
 * out of the language. */
int
scn_parse_duration(struct scn_parser *p, const char *w, int col,
    bool zero_ok, long *ms)
{
	const char *q = w;
	bool ok;

	while (*q >= '0' && *q <= '9')
		q++;
	ok = q > w;
	if (ok && *q == '.') {
		q++;
		ok = *q >= '0' && *q <= '9';
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (ok && !(*q == '\0' || strcmp(q, "ms") == 0 ||
	    strcmp(q, "s") == 0 || strcmp(q, "m") == 0))
		ok = false;
	if (!ok)
		return scn_parse_err_got(p, col,
		    "a duration like 250ms, 2s, 1.5s or 1m", w);
	if (sc_parse_duration_ms(w, ms) == -1)
		return scn_parse_err(p, col, "duration \"%s\" is over a day",
		    w);
	if (!zero_ok && *ms == 0)
		return scn_parse_err_got(p, col, "a duration above zero", w);
	return 0;
}

/* scn_parse_keyword_ok - an EHLO keyword (RFC 5321 4.1.1.1 ehlo-keyword):
 * a letter or digit, then letters, digits and '-'. */
static bool
scn_parse_keyword_ok(const char *w)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++) {
		if ((w[i] >= 'A' && w[i] <= 'Z') ||
		    (w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= '0' && w[i] <= '9'))
			continue;
		if (w[i] == '-' && i > 0)
			continue;
		return false;
	}
	return i > 0;
}

/* scn_parse_keyword - the next word as an EHLO keyword. */
char *
scn_parse_keyword(struct scn_parser *p, struct scn_lex *lx,
    const char *after)
{
	char what[64];
	char *w;
	int col;

	snprintf(what, sizeof(what), "an EHLO keyword after \"%s\"", after);
	w = scn_parse_word(p, lx, &col, what);
	if (w != NULL && !scn_parse_keyword_ok(w)) {
		scn_parse_err_got(p, col, "an EHLO keyword like PIPELINING", w);
		free(w);
		return NULL;
	}
	return w;
}

/* scn_parse_varname_ok - [a-z_][a-z0-9_]*, as scn_vars_set takes. */
static bool
scn_parse_varname_ok(const char *w)
{
	size_t i;

	if (!((w[0] >= 'a' && w[0] <= 'z') || w[0] == '_'))
		return false;
	for (i = 1; w[i] != '\0'; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= '0' && w[i] <= '9') || w[i] == '_'))
			return false;
	return true;
}

/* scn_parse_varname - the next word as a variable name. */
char *
scn_parse_varname(struct scn_parser *p, struct scn_lex *lx,
    const char *after)
{
	char what[64];
	char *w;
	int col;

	snprintf(what, sizeof(what), "a variable name after \"%s\"", after);
	w = scn_parse_word(p, lx, &col, what);
	if (w != NULL && !scn_parse_varname_ok(w)) {
		scn_parse_err_got(p, col, "a variable name (lower case "
		    "letters, digits and _, starting with a letter or _)", w);
		free(w);
		return NULL;
	}
	return w;
}

/* scn_parse_label_ok - a tag or catalog id: letters, digits, . _ -. */
static bool
scn_parse_label_ok(const char *w)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++)
		if (!((w[i] >= 'A' && w[i] <= 'Z') ||
		    (w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= '0' && w[i] <= '9') ||
		    w[i] == '.' || w[i] == '_' || w[i] == '-'))
			return false;
	return i > 0;
}

/* scn_parse_once - a header field that may appear once. */
static int
scn_parse_once(struct scn_parser *p, int *seen, const char *name, int col)
{
	if (*seen != 0)
		return scn_parse_err(p, col, "duplicate header field \"%s\" "
		    "(first on line %d)", name, *seen);
	*seen = p->line;
	return 0;
}

/* scn_parse_h_id - `id ID`, which must match the file name. */
static int
scn_parse_h_id(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	const char *base, *dot;
	char *w;
	size_t i, n;
	int col;
	bool ok;

	if (scn_parse_once(p, &p->id_line, "id", kcol) == -1)
		return -1;
	if ((w = scn_parse_word(p, lx, &col, "an id after \"id\"")) == NULL)
		return -1;
	ok = w[0] >= 'a' && w[0] <= 'z';
	for (i = 1; ok && w[i] != '\0'; i++)
		ok = (w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= '0' && w[i] <= '9') || w[i] == '.' || w[i] == '-';
	if (!ok) {
		scn_parse_err_got(p, col, "an id of lower case letters, "
		    "digits, '.' and '-', starting with a letter", w);
		free(w);
		return -1;
	}
	p->s->id = w;
	if (scn_parse_end(p, lx) == -1)
		return -1;
	base = strrchr(p->path, '/');
	base = base != NULL ? base + 1 : p->path;
	n = strlen(base);
	dot = n > 4 ? base + n - 4 : NULL;
	if (dot != NULL && strcmp(dot, ".scn") == 0 &&
	    (strlen(w) != (size_t)(dot - base) ||
	    memcmp(w, base, (size_t)(dot - base)) != 0))
		return scn_parse_err(p, col, "id \"%s\" does not match the "
		    "file name \"%s\"", w, base);
	return 0;
}

/* scn_parse_h_title - `title TEXT`. */
static int
scn_parse_h_title(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	int col;

	if (scn_parse_once(p, &p->title_line, "title", kcol) == -1)
		return -1;
	p->s->title = scn_lex_rest(lx, 1, &col);
	if (p->s->title == NULL)
		return scn_parse_err(p, col, "expected a title "
		    "after \"title\"");
	return 0;
}

/* scn_parse_h_rfc - `rfc NUMBER SECTION`. */
static int
scn_parse_h_rfc(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	char *num, *sec;
	size_t i;
	int col, rc;

	if ((num = scn_parse_word(p, lx, &col, "an RFC number after "
	    "\"rfc\"")) == NULL)
		return -1;
	for (i = 0; num[i] >= '0' && num[i] <= '9'; i++)
		;
	if (i == 0 || i > 5 || num[i] != '\0' || num[0] == '0') {
		rc = scn_parse_err_got(p, col, "an RFC number like 5321", num);
		free(num);
		return rc;
	}
	if ((sec = scn_parse_word(p, lx, &col, "a section like 4.5.3.1.4 "
	    "after the RFC number")) == NULL) {
		free(num);
		return -1;
	}
	if (!scn_parse_label_ok(sec) || sec[0] == '.' || sec[0] == '-' ||
	    strchr(sec, '_') != NULL) {
		rc = scn_parse_err_got(p, col, "a section like 4.5.3.1.4",
		    sec);
		free(num);
		free(sec);
		return rc;
	}
	scn_parse_push(&p->s->rfc, &p->s->nrfc, &p->cap_rfc,
	    xasprintf("%s %s", num, sec));
	free(num);
	free(sec);
	return scn_parse_end(p, lx);
}

/* scn_parse_h_level - `level MUST|SHOULD|MAY`. */
static int
scn_parse_h_level(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	char *w;
	int col, rc;

	if (scn_parse_once(p, &p->level_line, "level", kcol) == -1)
		return -1;
	if ((w = scn_parse_word(p, lx, &col, "MUST, SHOULD or MAY after "
	    "\"level\"")) == NULL)
		return -1;
	rc = 0;
	if (strcmp(w, "MUST") == 0)
		p->s->level = SCN_LEVEL_MUST;
	else if (strcmp(w, "SHOULD") == 0)
		p->s->level = SCN_LEVEL_SHOULD;
	else if (strcmp(w, "MAY") == 0)
		p->s->level = SCN_LEVEL_MAY;
	else
		rc = scn_parse_err_got(p, col, "MUST, SHOULD or MAY", w);
	free(w);
	return rc == 0 ? scn_parse_end(p, lx) : rc;
}

/* scn_parse_labels - one or more tags or catalog ids. */
static int
scn_parse_labels(struct scn_parser *p, struct scn_lex *lx, char ***v,
    size_t *n, size_t *cap, const char *field, const char *what)
{
	char expected[96];
	char *w;
	int col, rc;

	snprintf(expected, sizeof(expected), "%s after \"%s\"", what, field);
	if ((w = scn_parse_word(p, lx, &col, expected)) == NULL)
		return -1;
	do {
		if (!scn_parse_label_ok(w)) {
			rc = scn_parse_err_got(p, col, what, w);
			free(w);
			return rc;
		}
		scn_parse_push(v, n, cap, w);
	} while ((w = scn_lex_word(lx, &col)) != NULL);
	return 0;
}

/* scn_parse_h_tags - `tags WORD...`. */
static int
scn_parse_h_tags(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	return scn_parse_labels(p, lx, &p->s->tags, &p->s->ntags,
	    &p->cap_tags, "tags", "a tag (letters, digits, '.', '_', '-')");
}

/* scn_parse_h_catalog - `catalog ID...`. */
static int
scn_parse_h_catalog(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	return scn_parse_labels(p, lx, &p->s->catalog, &p->s->ncatalog,
	    &p->cap_catalog, "catalog", "a catalog id like S-CORE-015");
}

/* scn_parse_h_role - `role client|server`. */
static int
scn_parse_h_role(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	char *w;
	int col, rc;

	if (scn_parse_once(p, &p->role_line, "role", kcol) == -1)
		return -1;
	if ((w = scn_parse_word(p, lx, &col, "client or server after "
	    "\"role\"")) == NULL)
		return -1;
	rc = 0;
	if (strcmp(w, "client") == 0)
		p->s->role = SCN_ROLE_CLIENT;
	else if (strcmp(w, "server") == 0)
		p->s->role = SCN_ROLE_SERVER;
	else
		rc = scn_parse_err_got(p, col, "client or server", w);
	free(w);
	return rc == 0 ? scn_parse_end(p, lx) : rc;
}

/* scn_parse_h_requires - keyword KW [/RE/], no keyword KW, var NAME,
 * tls, tls keyword KW [/RE/]. */
static int
scn_parse_h_requires(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	static const char *const forms[] = { "keyword", "no", "var", "tls",
	    NULL };
	const char *near;
	struct scn_require r;
	char *w;
	int col, rc;

	memset(&r, 0, sizeof(r));
	r.line = p->line;
	if ((w = scn_parse_word(p, lx, &col, "keyword, no keyword, var or "
	    "tls after \"requires\"")) == NULL)
		return -1;
	rc = 0;
	if (strcmp(w, "keyword") == 0) {
		r.kind = SCN_REQ_KEYWORD;
		r.arg = scn_parse_keyword(p, lx, "requires keyword");
		if (r.arg != NULL && scn_lex_peek(lx) == '/' &&
		    (r.param_src = scn_parse_regex(p, lx, false)) == NULL)
			rc = -1;
	} else if (strcmp(w, "no") == 0) {
		free(w);
		if ((w = scn_parse_word(p, lx, &col, "keyword after "
		    "\"requires no\"")) == NULL)
			return -1;
		if (strcmp(w, "keyword") != 0)
			rc = scn_parse_err_got(p, col, "keyword after "
			    "\"requires no\"", w);
		r.kind = SCN_REQ_NO_KEYWORD;
		if (rc == 0)
			r.arg = scn_parse_keyword(p, lx,
			    "requires no keyword");
	} else if (strcmp(w, "var") == 0) {
		r.kind = SCN_REQ_VAR;
		r.arg = scn_parse_varname(p, lx, "requires var");
	} else if (strcmp(w, "tls") == 0) {
		r.kind = SCN_REQ_TLS;
		if (!scn_lex_at_end(lx)) {
			/* `requires tls keyword KW [/RE/]` */
			free(w);
			if ((w = scn_parse_word(p, lx, &col, "keyword or the "
			    "end of the line after \"requires tls\"")) ==
			    NULL)
				return -1;
			if (strcmp(w, "keyword") != 0)
				rc = scn_parse_err_got(p, col, "keyword or the "
				    "end of the line after \"requires tls\"",
				    w);
			r.kind = SCN_REQ_TLS_KEYWORD;
			if (rc == 0)
				r.arg = scn_parse_keyword(p, lx,
				    "requires tls keyword");
			if (r.arg != NULL && scn_lex_peek(lx) == '/' &&
			    (r.param_src = scn_parse_regex(p, lx, false)) ==
			    NULL)
				rc = -1;
		}
	} else {
		near = scn_parse_suggest(w, forms);
		if (near != NULL)
			rc = scn_parse_err(p, col, "unknown prerequisite "
			    "\"%s\" (did you mean \"%s\"?)", w, near);
		else
			rc = scn_parse_err_got(p, col, "keyword, no keyword, "
			    "var or tls", w);
	}
	free(w);
	if (rc == -1 || (r.kind != SCN_REQ_TLS && r.arg == NULL)) {
		free(r.arg);
		free(r.param_src);
		return -1;
	}
	if (p->s->nreq == p->cap_req) {
		p->cap_req = p->cap_req == 0 ? 4 : p->cap_req * 2;
		p->s->req = xreallocarray(p->s->req, p->cap_req,
		    sizeof(*p->s->req));
	}
	p->s->req[p->s->nreq++] = r;
	return scn_parse_end(p, lx);
}

/* scn_parse_h_message - `message FILE`: what the client under test sends
 * (server role; the client command's {message}). */
static int
scn_parse_h_message(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	char *w;
	int col;

	if (scn_parse_once(p, &p->message_line, "message", kcol) == -1)
		return -1;
	if ((w = scn_parse_word(p, lx, &col, "a file name after "
	    "\"message\"")) == NULL)
		return -1;
	if (scn_parse_end(p, lx) == -1 ||
	    (p->s->message = scn_step_find_file(p, w, col)) == NULL) {
		free(w);
		return -1;
	}
	free(w);
	return 0;
}

/* scn_parse_h_client - `client NAME=VALUE`: a setting for the client
 * command's {NAME} (server role), e.g. `client tls=require`. */
static int
scn_parse_h_client(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	const char *eq;
	char *w;
	int col;
	size_t i;

	if ((w = scn_parse_word(p, lx, &col, "NAME=VALUE after "
	    "\"client\"")) == NULL)
		return -1;
	eq = strchr(w, '=');
	for (i = 0; eq != NULL && w + i < eq; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || w[i] == '_' ||
		    (i > 0 && w[i] >= '0' && w[i] <= '9')))
			break;
	if (eq == NULL || eq == w || w + i != eq) {
		scn_parse_err_got(p, col, "NAME=VALUE (NAME in lower case "
		    "letters, digits and _)", w);
		free(w);
		return -1;
	}
	if (scn_parse_end(p, lx) == -1) {
		free(w);
		return -1;
	}
	p->s->client_vars = xreallocarray(p->s->client_vars,
	    p->s->nclient_vars + 1, sizeof(char *));
	p->s->client_vars[p->s->nclient_vars++] = w;
	return 0;
}

/* scn_parse_h_timeout - `timeout DURATION`. */
static int
scn_parse_h_timeout(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	char *w;
	int col, rc;

	if (scn_parse_once(p, &p->timeout_line, "timeout", kcol) == -1)
		return -1;
	if ((w = scn_parse_word(p, lx, &col, "a duration after "
	    "\"timeout\"")) == NULL)
		return -1;
	rc = scn_parse_duration(p, w, col, false, &p->s->timeout_ms);
	free(w);
	return rc == 0 ? scn_parse_end(p, lx) : rc;
}

/* scn_parse_h_note - `note TEXT`; lines are joined with a space. */
static int
scn_parse_h_note(struct scn_parser *p, struct scn_lex *lx, int kcol)
{
	char *t, *j;
	int col;

	t = scn_lex_rest(lx, 1, &col);
	if (t == NULL)
		return scn_parse_err(p, col, "expected text after \"note\"");
	if (p->s->note == NULL) {
		p->s->note = t;
		return 0;
	}
	j = xasprintf("%s %s", p->s->note, t);
	free(p->s->note);
	free(t);
	p->s->note = j;
	return 0;
}

static const struct scn_parse_kw scn_parse_headers[] = {
	{ "id",		scn_parse_h_id },
	{ "title",	scn_parse_h_title },
	{ "rfc",	scn_parse_h_rfc },
	{ "level",	scn_parse_h_level },
	{ "tags",	scn_parse_h_tags },
	{ "role",	scn_parse_h_role },
	{ "catalog",	scn_parse_h_catalog },
	{ "requires",	scn_parse_h_requires },
	{ "timeout",	scn_parse_h_timeout },
	{ "message",	scn_parse_h_message },
	{ "client",	scn_parse_h_client },
	{ "note",	scn_parse_h_note },
	{ NULL,		NULL }
};

/* scn_parse_lookup - the handler for keyword w, or NULL. */
static scn_parse_fn
scn_parse_lookup(const struct scn_parse_kw *t, const char *w)
{
	size_t i;

	for (i = 0; t[i].name != NULL; i++)
		if (strcmp(t[i].name, w) == 0)
			return t[i].fn;
	return NULL;
}

/* scn_parse_header_done - the required fields, checked when the first
 * step (or the end of the file) is reached. */
static int
scn_parse_header_done(struct scn_parser *p, int line)
{
	const char *missing[4];
	char list[128];
	size_t n = 0, i, o;

	if (p->s->id == NULL)
		missing[n++] = "id";
	if (p->s->title == NULL)
		missing[n++] = "title";
	if (p->s->nrfc == 0)
		missing[n++] = "rfc";
	if (p->level_line == 0)
		missing[n++] = "level";
	if (n == 0)
		return 0;
	o = 0;
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"%s\"",
		    i == 0 ? "" : ", ", missing[i]);
	p->line = line;
	return scn_parse_err(p, 1, "missing required header field%s %s",
	    n > 1 ? "s" : "", list);
}

/* scn_parse_line - one line of the file (no line end). */
static int
scn_parse_line(struct scn_parser *p, const char *s, size_t len)
{
	struct scn_lex lx;
	scn_parse_fn fn;
	const char *near;
	const char *q;
	size_t i, start, nsteps;
	char *w, *got;
	int col, rc;

	if ((q = memchr(s, '\0', len)) != NULL)
		return scn_parse_err(p, (int)(q - s) + 1, "NUL byte in the "
		    "file");
	if (len > SCN_LINE_MAX)
		return scn_parse_err(p, SCN_LINE_MAX + 1, "line too long "
		    "(over %d bytes)", SCN_LINE_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return scn_parse_err(p, (int)i + 1, "control character "
			    "\\x%02X in the file: write such bytes as \\xNN "
			    "in a send-raw string", c);
	}
	scn_lex_init(&lx, p->path, p->line, s, len, p->err);
	if (scn_lex_at_end(&lx))
		return 0;
	if (p->in_pipeline)
		return scn_step_pipeline_line(p, &lx);
	start = lx.pos;
	w = scn_lex_word(&lx, &col);
	rc = 0;
	if ((fn = scn_parse_lookup(scn_parse_headers, w)) != NULL) {
		if (p->first_step_line != 0)
			rc = scn_parse_err(p, col, "header field \"%s\" after "
			    "the first step (line %d): the header comes "
			    "first", w, p->first_step_line);
		else
			rc = fn(p, &lx, col);
	} else if ((fn = scn_parse_lookup(scn_step_table, w)) != NULL) {
		if (p->first_step_line == 0) {
			p->first_step_line = p->line;
			rc = scn_parse_header_done(p, p->line);
		}
		nsteps = p->s->nsteps;
		if (rc == 0)
			rc = fn(p, &lx, col);
		if (rc == 0 && p->s->nsteps > nsteps)
			p->s->steps[nsteps].src = xstrndup(s + start,
			    lx.tok_end > start ? lx.tok_end - start :
			    strlen(w));
	} else if (strcmp(w, "end") == 0) {
		rc = scn_parse_err(p, col, "\"end\" without \"pipeline\"");
	} else {
		got = scn_lex_got(w);
		if (p->first_step_line == 0 &&
		    scn_parse_suggest(w, scn_step_names) == NULL) {
			near = scn_parse_suggest(w, scn_parse_header_names);
			if (near != NULL)
				rc = scn_parse_err(p, col, "unknown header field "
				    "\"%s\" (did you mean \"%s\"?)", got, near);
			else
				rc = scn_parse_err(p, col, "unknown header field "
				    "\"%s\"", got);
		} else {
			near = scn_parse_suggest(w, scn_step_names);
			if (near != NULL)
				rc = scn_parse_err(p, col, "unknown step \"%s\" "
				    "(did you mean \"%s\"?)", got, near);
			else
				rc = scn_parse_err(p, col, "unknown step \"%s\"",
				    got);
		}
		free(got);
	}
	free(w);
	return rc;
}

/* scn_parse_buf_refs - the parser proper. */
struct scn *
scn_parse_buf_refs(const char *path, const char *buf, size_t len,
    struct sc_err *err, scn_parse_ref_fn cb, void *arg)
{
	struct scn_parser p;
	const char *nl;
	size_t off, l, end;
	int rc = 0;

	if (len > SCN_FILE_MAX) {
		sc_err_set(err, path, 0, 0, "file too large (%zu bytes, "
		    "limit %d)", len, SCN_FILE_MAX);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.cb = cb;
	p.cb_arg = arg;
	p.s = xcalloc(1, sizeof(*p.s));
	p.s->path = xstrdup(path);
	p.s->role = SCN_ROLE_CLIENT;
	p.s->level = SCN_LEVEL_MUST;
	/* a UTF-8 byte order mark some editors write is not text */
	off = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	for (p.line = 1; off < len && rc == 0; p.line++) {
		nl = memchr(buf + off, '\n', len - off);
		end = nl != NULL ? (size_t)(nl - buf) : len;
		l = end - off;
		if (l > 0 && buf[off + l - 1] == '\r')
			l--;
		p.nlines = p.line;
		rc = scn_parse_line(&p, buf + off, l);
		off = end + 1;
	}
	if (rc == 0 && p.in_pipeline) {
		p.line = p.pipeline_line;
		rc = scn_parse_err(&p, p.pipeline_col, "\"pipeline\" without "
		    "\"end\"");
	}
	if (rc == 0 && p.first_step_line == 0) {
		rc = scn_parse_header_done(&p, 1);
		if (rc == 0) {
			p.line = p.nlines > 0 ? p.nlines : 1;
			rc = scn_parse_err(&p, 1, "no steps: expected connect, "
			    "send, expect and the like after the header");
		}
	}
	free(p.dir);
	if (rc == -1) {
		scn_free(p.s);
		return NULL;
	}
	scn_step_compile(p.s);
	return p.s;
}

/* scn_parse_buf - parse a buffer as if read from path. */
struct scn *
scn_parse_buf(const char *path, const char *buf, size_t len,
    struct sc_err *err)
{
	return scn_parse_buf_refs(path, buf, len, err, NULL, NULL);
}

/* scn_parse_file_refs - read path, then parse it. */
struct scn *
scn_parse_file_refs(const char *path, struct sc_err *err,
    scn_parse_ref_fn cb, void *arg)
{
	struct scn *s;
	char *buf;
	size_t len;

	buf = sc_read_file(path, SCN_FILE_MAX, &len, err);
	if (buf == NULL)
		return NULL;
	s = scn_parse_buf_refs(path, buf, len, err, cb, arg);
	free(buf);
	return s;
}

/* scn_parse_file - read and parse path. */
struct scn *
scn_parse_file(const char *path, struct sc_err *err)
{
	return scn_parse_file_refs(path, err, NULL, NULL);
}

/* scn_free_strv - free an array of owned strings. */
static void
scn_free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* scn_free - the scenario and all it owns; copes with a half-built one. */
void
scn_free(struct scn *s)
{
	struct scn_step *st;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsteps; i++) {
		st = &s->steps[i];
		free(st->src);
		switch (st->kind) {
		case SCN_STEP_SEND:
			scn_free_strv(st->u.send.lines, st->u.send.nlines);
			break;
		case SCN_STEP_SEND_RAW:
			free(st->u.raw);
			break;
		case SCN_STEP_BODY:
		case SCN_STEP_BODY_RAW:
			free(st->u.file);
			break;
		case SCN_STEP_EXPECT_REPLY:
			free(st->u.reply.enh);
			free(st->u.reply.text_src);
			if (st->u.reply.has_text_re)
				regfree(&st->u.reply.text_re);
			break;
		case SCN_STEP_EXPECT_KEYWORD:
		case SCN_STEP_EXPECT_NO_KEYWORD:
			free(st->u.kw.keyword);
			free(st->u.kw.param_src);
			if (st->u.kw.has_param_re)
				regfree(&st->u.kw.param_re);
			break;
		case SCN_STEP_STARTTLS:
		case SCN_STEP_SECURE:
			free(st->u.starttls.ciphers);
			break;
		case SCN_STEP_EXPECT_COMMAND:
			free(st->u.cmd.verbs);
			free(st->u.cmd.arg_src);
			if (st->u.cmd.has_arg_re)
				regfree(&st->u.cmd.arg_re);
			break;
		case SCN_STEP_EXPECT_BODY:
			free(st->u.body.text_src);
			if (st->u.body.has_text_re)
				regfree(&st->u.body.text_re);
			break;
		case SCN_STEP_CAPTURE:
			free(st->u.capture.var);
			free(st->u.capture.keyword);
			free(st->u.capture.re_src);
			if (st->u.capture.has_re)
				regfree(&st->u.capture.re);
			break;
		default:
			break;
		}
	}
	free(s->steps);
	for (i = 0; i < s->nreq; i++) {
		free(s->req[i].arg);
		free(s->req[i].param_src);
	}
	free(s->req);
	scn_free_strv(s->rfc, s->nrfc);
	scn_free_strv(s->tags, s->ntags);
	scn_free_strv(s->catalog, s->ncatalog);
	scn_free_strv(s->client_vars, s->nclient_vars);
	free(s->message);
	free(s->path);
	free(s->id);
	free(s->title);
	free(s->note);
	free(s);
}

/* scn_area - the id up to its first '.'. */
void
scn_area(const struct scn *s, char *buf, size_t size)
{
	const char *id, *dot;

	if (size == 0)
		return;
	id = s->id != NULL ? s->id : "";
	dot = strchr(id, '.');
	snprintf(buf, size, "%.*s", dot != NULL ? (int)(dot - id) :
	    (int)strlen(id), id);
}

/* scn_has_tag - case-insensitive tag match. */
bool
scn_has_tag(const struct scn *s, const char *tag)
{
	size_t i;

	for (i = 0; i < s->ntags; i++)
		if (strcasecmp(s->tags[i], tag) == 0)
			return true;
	return false;
}

/* scn_parse_unknown - "???(n)" for an enum value out of range. */
static const char *
scn_parse_unknown(int v)
{
	static _Thread_local char buf[32];

	snprintf(buf, sizeof(buf), "\?\?\?(%d)", v);
	return buf;
}

/* scn_role_str - the role as the language writes it. */
const char *
scn_role_str(enum scn_role r)
{
	switch (r) {
	case SCN_ROLE_CLIENT:	return "client";
	case SCN_ROLE_SERVER:	return "server";
	}
	return scn_parse_unknown((int)r);
}

/* scn_level_str - MUST, SHOULD, MAY. */
const char *
scn_level_str(enum scn_level l)
{
	switch (l) {
	case SCN_LEVEL_MUST:	return "MUST";
	case SCN_LEVEL_SHOULD:	return "SHOULD";
	case SCN_LEVEL_MAY:	return "MAY";
	}
	return scn_parse_unknown((int)l);
}

/* scn_step_kind_str - the step as the language writes it. */
const char *
scn_step_kind_str(enum scn_step_kind k)
{
	switch (k) {
	case SCN_STEP_CONNECT:		return "connect";
	case SCN_STEP_SEND:		return "send";
	case SCN_STEP_SEND_RAW:		return "send-raw";
	case SCN_STEP_BODY:		return "body";
	case SCN_STEP_BODY_RAW:		return "body-raw";
	case SCN_STEP_PAUSE:		return "pause";
	case SCN_STEP_EXPECT_REPLY:	return "expect";
	case SCN_STEP_EXPECT_KEYWORD:	return "expect keyword";
	case SCN_STEP_EXPECT_NO_KEYWORD: return "expect no keyword";
	case SCN_STEP_EXPECT_CLOSE:	return "expect close";
	case SCN_STEP_EXPECT_SILENCE:	return "expect silence";
	case SCN_STEP_CAPTURE:		return "capture";
	case SCN_STEP_CLOSE:		return "close";
	case SCN_STEP_STARTTLS:		return "starttls";
	case SCN_STEP_SECURE:		return "secure";
	case SCN_STEP_EXPECT_TLS:	return "expect tls";
	case SCN_STEP_ACCEPT:		return "accept";
	case SCN_STEP_EXPECT_COMMAND:	return "expect command";
	case SCN_STEP_EXPECT_BODY:	return "expect body";
	case SCN_STEP_EXPECT_EXIT:	return "expect exit";
	case SCN_STEP_EXPECT_QUIT:	return "expect quit";
	case SCN_STEP_EXPECT_AUTH:	return "expect auth";
	}
	return scn_parse_unknown((int)k);
}

/* scn_codeset_match - any pattern matches the three digits of code. */
bool
scn_codeset_match(const struct scn_codeset *cs, int code)
{
	char d[3];
	size_t i, j;

	if (code < 0 || code > 999)
		return false;
	d[0] = (char)('0' + code / 100);
	d[1] = (char)('0' + code / 10 % 10);
	d[2] = (char)('0' + code % 10);
	for (i = 0; i < cs->n; i++) {
		for (j = 0; j < 3; j++)
			if (cs->alt[i][j] != 'x' && cs->alt[i][j] != d[j])
				break;
		if (j == 3)
			return true;
	}
	return false;
}

/* scn_codeset_str - "250|251". */
void
scn_codeset_str(const struct scn_codeset *cs, char *buf, size_t size)
{
	size_t i, o;
	int n;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0, o = 0; i < cs->n && o < size; i++) {
		n = snprintf(buf + o, size - o, "%s%s", i == 0 ? "" : "|",
		    cs->alt[i]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/* scn_enh_match_part - one part of the pattern against a number. */
static bool
scn_enh_match_part(const char *a, size_t n, int v)
{
	long x;
	char tmp[8];

	if (n == 1 && a[0] == 'x')
		return true;
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, a, n);
	tmp[n] = '\0';
	return sc_parse_long(tmp, 0, 999, &x) == 0 && x == v;
}

/* scn_enh_match - "5.1.x" against 5.1.1; an absent code (class 0) never
 * matches. */
bool
scn_enh_match(const char *pattern, int cls, int subj, int detail)
{
	const char *d1, *d2;

	if (pattern == NULL || cls <= 0)
		return false;
	d1 = strchr(pattern, '.');
	if (d1 == NULL)
		return false;
	d2 = strchr(d1 + 1, '.');
	if (d2 == NULL)
		return false;
	return scn_enh_match_part(pattern, (size_t)(d1 - pattern), cls) &&
	    scn_enh_match_part(d1 + 1, (size_t)(d2 - d1 - 1), subj) &&
	    scn_enh_match_part(d2 + 1, strlen(d2 + 1), detail);
}
