/* SPDX-License-Identifier: ISC */
/*
 * scn_lint.h - what `smtpcheck lint` checks beyond the grammar.
 *
 * scn_lint_file parses a scenario and then checks what an author would
 * want caught before a run: every ${name} is built in, named by
 * `requires var`, or set by an earlier `capture`; a client scenario
 * connects before it sends or expects anything, and again after its own
 * `close`; no `expect` reply comes before any `connect`. scn_lint_ids checks
 * a whole set of scenarios for a duplicate id.
 *
 * Errors are one path:line:col: message in err, like the parser's.
 */
#ifndef SCN_LINT_H
#define SCN_LINT_H

#include <stddef.h>

struct sc_err;
struct scn;

/*
 * scn_lint_file - parse path and check it. Returns 0 and, when out is not
 * NULL, the owned scenario in *out; or -1 with err filled and *out NULL.
 */
int	scn_lint_file(const char *path, struct scn **out, struct sc_err *err);

/* scn_lint_buf - the same for len bytes of buf read as if from path. */
int	scn_lint_buf(const char *path, const char *buf, size_t len,
	    struct scn **out, struct sc_err *err);

/*
 * scn_lint_ids - no two of the n scenarios in v (NULL entries are skipped)
 * share an id. Returns 0, or -1 with err naming both files.
 */
int	scn_lint_ids(struct scn **v, size_t n, struct sc_err *err);

#endif /* SCN_LINT_H */
