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

#include "conn.h"
#include "run_result.h"

struct scn;
struct scn_vars;
struct smtp_reply;
struct sc_err;
struct tls_ctx;

/* How the harness reaches TLS (--tls). */
enum run_tls_mode {
	RUN_TLS_STARTTLS = 0,	/* clear, upgraded where a scenario says so */
	RUN_TLS_NONE,		/* never: TLS scenarios SKIP */
	RUN_TLS_IMPLICIT,	/* TLS from the first byte (RFC 8314, 465) */
};

/* EHLO keywords as a list: upper-cased keyword, parameters ("" if
 * none). */
struct run_keywords {
	char	**kw;		/* owned */
	char	**params;	/* owned; NULL when set up by hand */
	size_t	  n;
};

/* What the probe session learned about the target (once per run). */
struct run_probe {
	bool	 reached;	/* a TCP connection was made */
	int	 greeting_code;	/* -1 when none came */
	bool	 ehlo_ok;	/* EHLO got a 250 */
	struct run_keywords kw;	/* the EHLO reply (in clear, unless TLS is
				   implicit) */
	char	*detail;	/* what went wrong, owned; NULL if fine */
	/* TLS, when the mode allows it and the target offers it: the
	 * handshake is made with any certificate so that its facts can be
	 * reported; the policy is applied by each scenario's starttls. */
	bool	 tls_ok;	/* a handshake completed */
	struct conn_tls_info tls_info;
	struct run_keywords tls_kw;	/* the EHLO reply inside TLS */
	char	*tls_detail;	/* why TLS was not reached, owned */
};

struct run_ctx {
	char	*host, *port;		/* owned */
	char	*target;		/* as given, owned */
	const struct scn_vars *vars;	/* borrowed; copied per scenario */
	double	 timeout_scale;		/* multiplies every deadline */
	enum run_tls_mode tls_mode;
	struct tls_ctx	*tls;		/* owned; NULL under RUN_TLS_NONE */
	struct run_probe probe;
	const char	*pcap_dir;	/* --pcap: a capture per scenario
					   written there (it exists); NULL:
					   none. Borrowed */
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
/* run_keywords_params - the same for any keyword list. */
const char *run_keywords_params(const struct run_keywords *,
	    const char *kw);
/* run_tls_available - may TLS scenarios run: the mode allows TLS and the
 * probe reached it? */
bool	run_tls_available(const struct run_ctx *);
/* run_tls_describe - "TLSv1.3 TLS_AES_...; CN=...; issuer ...; expires
 * ... (N days); verified" for reports. Owned. */
char	*run_tls_describe(const struct conn_tls_info *);
/* run_tls_mode_str - "starttls", "none", "implicit". */
const char *run_tls_mode_str(enum run_tls_mode);

/* run_ctx_clear - release what ctx owns. */
void	run_ctx_clear(struct run_ctx *);

/*
 * run_scenario - play s against the target; fill *r (zeroed by the
 * caller). Never blocks past the scenario's deadline.
 */
void	run_scenario(const struct run_ctx *ctx, const struct scn *s,
	    struct run_result *r);

/*
 * The fake server (run_serve.c, `smtpcheck serve`): scenarios of role
 * server, played on a listening socket to the client under test.
 */
struct serve_ctx {
	int	 lfd;			/* listening socket (conn_listen) */
	char	*host, *port;		/* as bound, for {host} {port}; owned */
	const char *client_cmd;		/* template with {placeholders}, or
					   NULL: judge whoever connects */
	const struct scn_vars *vars;	/* borrowed */
	double	 timeout_scale;
	struct tls_ctx *tls;		/* server certificate, or NULL */
	const char *pcap_dir;		/* --pcap, as in struct run_ctx */
};

/*
 * run_serve_scenario - play s (role server) to the next client: with a
 * client command, start it first and end it after. Fills *r (zeroed by
 * the caller). Never blocks past the scenario's deadline plus the grace
 * given the client to exit.
 */
void	run_serve_scenario(const struct serve_ctx *ctx, const struct scn *s,
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
