/* SPDX-License-Identifier: ISC */
/*
 * scn_lex.c - tokens of one scenario line, pulled by the parser.
 *
 * Does not: decode escapes or ${...} (scn_vars does), or know keywords
 * (scn_parse does). Works on one line at a time; the line holds no NUL and
 * no line end (the parser has checked).
 */
#include "scn_lex.h"

#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_util.h"

/* scn_lex_is_blank - a blank separates words: space or tab. */
static bool
scn_lex_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* scn_lex_init - start reading one line. */
void
scn_lex_init(struct scn_lex *lx, const char *path, int line, const char *s,
    size_t len, struct sc_err *err)
{
	lx->path = path;
	lx->line = line;
	lx->s = s;
	lx->len = len;
	lx->pos = 0;
	lx->tok_end = 0;
	lx->err = err;
}

/* scn_lex_col - 1-based column of the read position. */
int
scn_lex_col(const struct scn_lex *lx)
{
	return (int)lx->pos + 1;
}

/* scn_lex_skip_blanks - move past blanks. */
static void
scn_lex_skip_blanks(struct scn_lex *lx)
{
	while (lx->pos < lx->len && scn_lex_is_blank(lx->s[lx->pos]))
		lx->pos++;
}

/* scn_lex_at_end - end of line, or a comment: '#' first on the line or
 * after a blank. */
bool
scn_lex_at_end(struct scn_lex *lx)
{
	scn_lex_skip_blanks(lx);
	if (lx->pos >= lx->len)
		return true;
	if (lx->s[lx->pos] == '#' &&
	    (lx->pos == 0 || scn_lex_is_blank(lx->s[lx->pos - 1])))
		return true;
	return false;
}

/* scn_lex_peek - next byte after blanks, '\0' at the end or a comment. */
char
scn_lex_peek(struct scn_lex *lx)
{
	if (scn_lex_at_end(lx))
		return '\0';
	return lx->s[lx->pos];
}

/* scn_lex_word - next run of non-blanks. */
char *
scn_lex_word(struct scn_lex *lx, int *col)
{
	size_t start;

	if (scn_lex_at_end(lx))
		return NULL;
	start = lx->pos;
	while (lx->pos < lx->len && !scn_lex_is_blank(lx->s[lx->pos]))
		lx->pos++;
	lx->tok_end = lx->pos;
	if (col != NULL)
		*col = (int)start + 1;
	return xstrndup(lx->s + start, lx->pos - start);
}

/* scn_lex_after_token - a string or regex must be followed by a blank or
 * the end of the line. */
static int
scn_lex_after_token(struct scn_lex *lx, const char *what)
{
	if (lx->pos < lx->len && !scn_lex_is_blank(lx->s[lx->pos])) {
		sc_err_set(lx->err, lx->path, lx->line, scn_lex_col(lx),
		    "expected a blank or the end of the line after the %s, "
		    "got \"%c\"", what, lx->s[lx->pos]);
		return -1;
	}
	return 0;
}

/* scn_lex_string - "..." as written; a backslash protects the next byte. */
char *
scn_lex_string(struct scn_lex *lx, int *col)
{
	size_t start, i;

	scn_lex_skip_blanks(lx);
	start = lx->pos;
	if (col != NULL)
		*col = (int)start + 1;
	if (start >= lx->len || lx->s[start] != '"') {
		sc_err_set(lx->err, lx->path, lx->line, (int)start + 1,
		    "expected a quoted string");
		return NULL;
	}
	for (i = start + 1; i < lx->len; i++) {
		if (lx->s[i] == '\\') {
			i++;
			continue;
		}
		if (lx->s[i] == '"')
			break;
	}
	if (i >= lx->len) {
		sc_err_set(lx->err, lx->path, lx->line, (int)start + 1,
		    "unterminated string: expected a closing '\"'");
		return NULL;
	}
	lx->pos = i + 1;
	lx->tok_end = lx->pos;
	if (scn_lex_after_token(lx, "string") == -1)
		return NULL;
	return xstrndup(lx->s + start + 1, i - start - 1);
}

/* scn_lex_regex - /.../ with `\/` for a slash; the ERE comes back with
 * `\/` turned into `/` (an escaped ordinary character is undefined in
 * POSIX EREs), every other escape kept for regcomp. */
char *
scn_lex_regex(struct scn_lex *lx, int *col)
{
	size_t start, i, o;
	char *re;

	scn_lex_skip_blanks(lx);
	start = lx->pos;
	if (col != NULL)
		*col = (int)start + 1;
	if (start >= lx->len || lx->s[start] != '/') {
		sc_err_set(lx->err, lx->path, lx->line, (int)start + 1,
		    "expected a /regex/");
		return NULL;
	}
	re = xmalloc(lx->len - start);
	o = 0;
	for (i = start + 1; i < lx->len; i++) {
		if (lx->s[i] == '\\' && i + 1 < lx->len) {
			if (lx->s[i + 1] != '/')
				re[o++] = '\\';
			re[o++] = lx->s[++i];
			continue;
		}
		if (lx->s[i] == '/')
			break;
		re[o++] = lx->s[i];
	}
	re[o] = '\0';
	if (i >= lx->len) {
		sc_err_set(lx->err, lx->path, lx->line, (int)start + 1,
		    "unterminated regex: expected a closing '/'");
		free(re);
		return NULL;
	}
	if (o == 0) {
		sc_err_set(lx->err, lx->path, lx->line, (int)start + 1,
		    "empty regex");
		free(re);
		return NULL;
	}
	lx->pos = i + 1;
	lx->tok_end = lx->pos;
	if (scn_lex_after_token(lx, "regex") == -1) {
		free(re);
		return NULL;
	}
	return re;
}

/* scn_lex_rest - free text to the end of the statement. A '#' is a
 * comment when nblanks blanks precede it, or when it is the first
 * non-blank of the line. */
char *
scn_lex_rest(struct scn_lex *lx, int nblanks, int *col)
{
	size_t start, end, i, b;

	scn_lex_skip_blanks(lx);
	start = lx->pos;
	end = lx->len;
	for (i = start; i < lx->len; i++) {
		if (lx->s[i] != '#')
			continue;
		for (b = 0; b < i && scn_lex_is_blank(lx->s[i - b - 1]); b++)
			;
		if (b >= (size_t)nblanks || b == i) {
			end = i;
			break;
		}
	}
	while (end > start && scn_lex_is_blank(lx->s[end - 1]))
		end--;
	lx->pos = lx->len;
	if (col != NULL)
		*col = (int)start + 1;
	if (end == start)
		return NULL;
	lx->tok_end = end;
	return xstrndup(lx->s + start, end - start);
}

/* scn_lex_got - quote a bad token in an error, escaped and cut. */
char *
scn_lex_got(const char *s)
{
	return sc_esc(s, strlen(s), SCN_LEX_GOT_SHOW);
}
