/* SPDX-License-Identifier: ISC */
/*
 * scn_lex.h - the tokens of one scenario line: words, "quoted strings",
 * /regexes/, the rest of a line, and comments.
 *
 * A pull lexer: the parser knows what it expects next (a word, a string, a
 * regex, free text) and asks for exactly that, so `/` starts a regex only
 * where a regex may stand and `body /abs/path` stays a word.
 *
 * Comment rule (README.md, "Scenario language", "Lexical rules"): '#' starts a
 * comment at the start of a statement or after a blank outside a string or
 * regex; free text (send, pipeline lines) needs two blanks before the '#'.
 *
 * Ownership: every returned string is owned by the caller (STYLE 14: the
 * lexer allocates token text, the parser stores it or frees it). Errors go
 * into the struct sc_err given at init, as path:line:col.
 */
#ifndef SCN_LEX_H
#define SCN_LEX_H

#include <stdbool.h>
#include <stddef.h>

struct sc_err;

/* How many bytes of a bad token an error message quotes (escaped). */
#define SCN_LEX_GOT_SHOW	40

struct scn_lex {
	const char	*path;
	int		 line;		/* 1-based */
	const char	*s;		/* the line, without its end */
	size_t		 len;
	size_t		 pos;		/* next byte to read */
	size_t		 tok_end;	/* end of the last token read */
	struct sc_err	*err;
};

/* scn_lex_init - start reading line s[0..len) of path. */
void	scn_lex_init(struct scn_lex *, const char *path, int line,
	    const char *s, size_t len, struct sc_err *err);

/* scn_lex_col - the 1-based column of the read position. */
int	scn_lex_col(const struct scn_lex *);

/* scn_lex_at_end - skip blanks; true at the end of the line or at a
 * comment. */
bool	scn_lex_at_end(struct scn_lex *);

/* scn_lex_peek - the next byte after blanks, or '\0' at the end. */
char	scn_lex_peek(struct scn_lex *);

/* scn_lex_word - the next blank-delimited word, or NULL at the end of the
 * statement. *col gets its column. */
char	*scn_lex_word(struct scn_lex *, int *col);

/* scn_lex_string - a "quoted string" at the read position: its content as
 * written (escapes not decoded), *col the column of the opening quote.
 * NULL with err set when unterminated or followed by anything but a blank.
 */
char	*scn_lex_string(struct scn_lex *, int *col);

/* scn_lex_regex - a /regex/ at the read position: the ERE with each `\/`
 * turned into `/`, other escapes kept. NULL with err set when unterminated,
 * empty, or followed by anything but a blank. */
char	*scn_lex_regex(struct scn_lex *, int *col);

/* scn_lex_rest - the rest of the statement, blanks trimmed, cut at a '#'
 * preceded by at least nblanks blanks (1 for header text, 2 for send).
 * NULL when nothing is left. *col gets the column where the text starts
 * (or would start). */
char	*scn_lex_rest(struct scn_lex *, int nblanks, int *col);

/* scn_lex_got - the escaped, shortened form of s for "got ..." in errors.
 * Owned. */
char	*scn_lex_got(const char *s);

#endif /* SCN_LEX_H */
