/* SPDX-License-Identifier: ISC */
/*
 * run.h - the runner: picks scenarios, probes the target once, runs each
 * scenario on its own connection (up to --jobs at once) and judges it.
 *
 * run_exec.c plays one client-role scenario step by step (the fake client);
 * run_select.c finds, filters and shards scenario files; run_pool.c runs a
 * selection with worker threads. Results land in struct run_result
 * (run_result.h), which the report writers read.
 *
 * Threading: each worker owns its connection, parser and variable copy;
 * the shared struct run_ctx is read-only while workers run.
 */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "run_result.h"

struct scn;
struct scn_vars;
struct smtp_reply;
struct sc_err;

/* What the probe session learned about the target (once per run). */
struct run_probe {
	bool	 reached;	/* a TCP connection was made */
	int	 greeting_code;	/* -1 when none came */
	bool	 ehlo_ok;	/* EHLO got a 250 */
	char	**keywords;	/* EHLO keywords, upper-cased, owned */
	char	**params;	/* each keyword's parameters ("" if none),
				   owned; NULL when set up by hand */
	size_t	  nkeywords;
	char	*detail;	/* what went wrong, owned; NULL if fine */
};

struct run_ctx {
	char	*host, *port;		/* owned */
	char	*target;		/* as given, owned */
	const struct scn_vars *vars;	/* borrowed; copied per scenario */
	double	 timeout_scale;		/* multiplies every deadline */
	bool	 tls_available;		/* false until TLS lands */
	struct run_probe probe;
};

/* run_probe_target - connect, read the greeting, EHLO, QUIT. Fills
 * ctx->probe. Returns 0 if the target was reached, -1 if not (err). */
int	run_probe_target(struct run_ctx *ctx, struct sc_err *err);
void	run_probe_clear(struct run_probe *);
bool	run_probe_has_keyword(const struct run_probe *, const char *kw);
/* run_probe_keyword_params - the parameters of keyword kw ("" if none),
 * or NULL when kw was not offered. Borrowed. */
const char *run_probe_keyword_params(const struct run_probe *,
	    const char *kw);

/* run_ctx_clear - release what ctx owns. */
void	run_ctx_clear(struct run_ctx *);

/*
 * run_scenario - play s against the target; fill *r (zeroed by the
 * caller). Never blocks past the scenario's deadline.
 */
void	run_scenario(const struct run_ctx *ctx, const struct scn *s,
	    struct run_result *r);

/* Selection. */
struct run_selection {
	struct scn **v;		/* owned */
	size_t	  n;
};

struct run_filter {
	const char *const *tags;	/* any of these tags; NULL/0 = all */
	size_t	  ntags;
	const char *const *ids;	/* fnmatch patterns on ids; NULL/0 = all */
	size_t	  nids;
	int	  role;		/* enum scn_role to keep, or -1 for all */
	int	  shard_k, shard_n;	/* 1-based K of N; N == 0: no shard */
};

/*
 * run_select_load - parse every .scn under paths (files or folders,
 * recursively), in sorted path order. Parse errors are printed to stderr
 * one per line (file:line:col: msg); returns the number of bad files, and
 * the good ones in *sel. Duplicate ids count as errors too.
 */
int	run_select_load(const char **paths, size_t npaths,
	    struct run_selection *sel);
/* run_select_filter - keep what f selects, free the rest. */
void	run_select_filter(struct run_selection *sel, const struct run_filter *f);
void	run_selection_clear(struct run_selection *);

/*
 * run_suite_path - the folder of the named suite: scenarios/NAME under
 * $SMTPCHECK_SCENARIOS, the current folder, or the source tree the binary
 * was built from. Owned result, or NULL.
 */
char	*run_suite_path(const char *name);

/* Progress callback, called under a lock as each scenario finishes. */
typedef void (*run_done_fn)(void *arg, size_t done, size_t total,
    const struct run_result *r);

/*
 * run_pool - run every scenario of sel with up to jobs threads; results[i]
 * belongs to sel->v[i]. cb may be NULL.
 */
void	run_pool(const struct run_ctx *ctx, const struct run_selection *sel,
	    int jobs, struct run_result *results, run_done_fn cb, void *arg);

#endif /* RUN_H */
