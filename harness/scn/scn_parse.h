/* SPDX-License-Identifier: ISC */
/*
 * scn_parse.h - the parser's insides, shared by scn_parse.c (the driver
 * and the header fields), scn_step.c (the steps) and scn_lint.c. Private
 * to harness/scn: everyone else uses scn.h.
 *
 * Every helper that can fail records one path:line:col: message through
 * scn_parse_err() and returns -1 (or NULL); the first error stops the
 * parse. Strings returned are owned by the caller (STYLE 14).
 */
#ifndef SCN_PARSE_H
#define SCN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "scn.h"

struct sc_err;
struct scn_lex;

/* scn_parse_ref_fn - one ${...} reference: the name (not NUL-terminated)
 * and where its '$' stands in the file. */
typedef void (*scn_parse_ref_fn)(void *arg, const char *name, size_t namelen,
    int line, int col);

/* The state of one parse. */
struct scn_parser {
	const char	*path;
	struct sc_err	*err;
	struct scn	*s;		/* the tree being built */
	size_t		 cap_steps, cap_rfc, cap_tags, cap_catalog, cap_req;
	int		 line;		/* the line being parsed */
	int		 nlines;
	int		 first_step_line;	/* 0 until the first step */
	int		 id_line, title_line, level_line, role_line;
	int		 timeout_line, message_line;
	bool		 in_pipeline;
	int		 pipeline_line, pipeline_col;
	char		*dir;		/* the scenario's folder, resolved */
	bool		 dir_done;
	scn_parse_ref_fn cb;		/* lint's hook, or NULL */
	void		*cb_arg;
	int		 ref_col;	/* column of the text being checked */
};

/* A header field or step: its keyword and the function that reads the
 * rest of the line (kcol is the keyword's column). */
typedef int (*scn_parse_fn)(struct scn_parser *, struct scn_lex *, int kcol);

struct scn_parse_kw {
	const char	*name;
	scn_parse_fn	 fn;
};

/* scn_parse_buf_refs - scn_parse_buf, calling cb (may be NULL) for each
 * ${...} reference, in file order. */
struct scn *scn_parse_buf_refs(const char *path, const char *buf, size_t len,
	    struct sc_err *err, scn_parse_ref_fn cb, void *arg);

/* scn_parse_file_refs - scn_parse_file, with cb as above. */
struct scn *scn_parse_file_refs(const char *path, struct sc_err *err,
	    scn_parse_ref_fn cb, void *arg);

/* scn_parse_suggest - the candidate (NULL-terminated list) nearest word
 * when it is a likely typo (edit distance at most 2), else NULL. */
const char *scn_parse_suggest(const char *word, const char *const *cands);

/* scn_parse_in - is word one of the NULL-terminated names? */
bool	scn_parse_in(const char *word, const char *const *names);

/* scn_parse_err - record an error at column col of the current line;
 * returns -1. */
int	scn_parse_err(struct scn_parser *, int col, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* scn_parse_err_got - "expected WHAT, got "word"" (word escaped, cut). */
int	scn_parse_err_got(struct scn_parser *, int col, const char *expected,
	    const char *word);

/* scn_parse_end - nothing but a comment may follow on the line. */
int	scn_parse_end(struct scn_parser *, struct scn_lex *);
/* scn_parse_word - the next word, or "expected WHAT" at the line's end. */
char	*scn_parse_word(struct scn_parser *, struct scn_lex *, int *col,
	    const char *expected);
/* scn_parse_text - check ${...} (and escapes when escapes) in text that
 * starts at column col0, reporting references to the lint hook. */
int	scn_parse_text(struct scn_parser *, const char *text, bool escapes,
	    int col0);
/* scn_parse_regex - a /regex/ that compiles (REG_EXTENDED|REG_ICASE); with
 * group, it must have a group 1. Returns the ERE, owned. */
char	*scn_parse_regex(struct scn_parser *, struct scn_lex *, bool group);
/* scn_parse_duration - "250ms", "2s", "1.5s", "1m" or bare seconds, at
 * most a day; zero only when zero_ok. */
int	scn_parse_duration(struct scn_parser *, const char *word, int col,
	    bool zero_ok, long *ms);
/* scn_parse_keyword - the next word as an EHLO keyword; after names the
 * context for the message. */
char	*scn_parse_keyword(struct scn_parser *, struct scn_lex *,
	    const char *after);
/* scn_parse_varname - the next word as a variable name. */
char	*scn_parse_varname(struct scn_parser *, struct scn_lex *,
	    const char *after);

#endif /* SCN_PARSE_H */
