/* SPDX-License-Identifier: ISC */
/*
 * scn_step.h - the step keywords of the scenario language and the
 * functions that parse them (private to harness/scn, used by scn_parse.c).
 */
#ifndef SCN_STEP_H
#define SCN_STEP_H

#include "scn_parse.h"

struct scn;
struct scn_lex;

/* The steps, keyword -> parser; ends with { NULL, NULL }. */
extern const struct scn_parse_kw scn_step_table[];
/* The step keywords, NULL-terminated (for suggestions and for catching a
 * step written inside a pipeline). */
extern const char *const scn_step_names[];

/* scn_step_pipeline_line - one line between `pipeline` and `end`: a
 * command for the open step, or `end`. */
int	scn_step_pipeline_line(struct scn_parser *, struct scn_lex *);

/* scn_step_find_file - FILE next to the scenario or in a folder above
 * it: the absolute path, owned; NULL with an error at col. */
char	*scn_step_find_file(struct scn_parser *, const char *name, int col);

/* scn_step_compile - compile the regexes the steps hold, in place; called
 * once the step array has its final address. */
void	scn_step_compile(struct scn *);

#endif /* SCN_STEP_H */
