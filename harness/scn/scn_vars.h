/* SPDX-License-Identifier: ISC */
/*
 * scn_vars.h - variables for scenarios, and the expansion of ${...}.
 *
 * Variables come from, in rising priority: the built-in defaults (which fit
 * the reference engine smtpref), a profile file (`name = value` lines),
 * --var flags, and capture steps during a run.
 *
 * Expansion syntax, in send lines and quoted strings:
 *   ${name}            the variable's value
 *   ${name+N} ${name-N} a numeric variable plus or minus N
 *   ${repeat:N:TEXT}   TEXT repeated N times (N a number or name[+-]N);
 *                      TEXT runs to the closing brace and may not hold '}'
 *   $$                 a literal '$'
 * In quoted strings (send-raw), escapes are decoded too:
 *   \r \n \t \0 \\ \" \xNN
 */
#ifndef SCN_VARS_H
#define SCN_VARS_H

#include <stdbool.h>
#include <stddef.h>

struct sc_err;

struct scn_vars;

/* scn_vars_new - a set holding the built-in defaults. */
struct scn_vars *scn_vars_new(void);
/* scn_vars_dup - an owned copy (each scenario run gets its own). */
struct scn_vars *scn_vars_dup(const struct scn_vars *);
void	scn_vars_free(struct scn_vars *);

/* scn_vars_set - set or replace name (copied). Returns 0, or -1 when name
 * is not [a-z_][a-z0-9_]* or the set is full. */
int	scn_vars_set(struct scn_vars *, const char *name, const char *value);
/* scn_vars_get - borrowed value, or NULL when unset. */
const char *scn_vars_get(const struct scn_vars *, const char *name);
/* scn_vars_is_builtin - is name a built-in variable (for lint)? */
bool	scn_vars_is_builtin(const char *name);

/* scn_vars_count / scn_vars_at - iterate (for --help and reports). */
size_t	scn_vars_count(const struct scn_vars *);
void	scn_vars_at(const struct scn_vars *, size_t i, const char **name,
	    const char **value);

/*
 * scn_vars_load_profile - read `name = value` lines ('#' comments, blank
 * lines) from path into v. Errors name file:line. Returns 0 or -1.
 */
int	scn_vars_load_profile(struct scn_vars *, const char *path,
	    struct sc_err *err);
/* scn_vars_set_arg - "name=value" from a --var flag. */
int	scn_vars_set_arg(struct scn_vars *, const char *arg,
	    struct sc_err *err);

/*
 * scn_expand - expand ${...} in src (and escapes when escapes is true).
 * Returns an owned buffer (NUL-terminated, may hold NULs), *len set; or
 * NULL with err filled (unknown variable, non-numeric arithmetic, result
 * over SCN_EXPAND_MAX). err's file/line are left for the caller to set.
 */
char	*scn_expand(const char *src, bool escapes, const struct scn_vars *v,
	    size_t *len, struct sc_err *err);

/*
 * scn_expand_check - syntax check of src at parse time, without values:
 * balanced ${}, valid names, valid escapes. On error *col gets the 1-based
 * offset in src and err the message. Names referenced are reported through
 * cb (may be NULL) so lint can warn about unknown ones.
 */
int	scn_expand_check(const char *src, bool escapes, int *col,
	    struct sc_err *err,
	    void (*cb)(void *arg, const char *name, size_t namelen, int col),
	    void *arg);

#endif /* SCN_VARS_H */
