/* SPDX-License-Identifier: ISC */
/*
 * run_matrix.h - the kill matrix: the proof that no scenario is vacuous.
 *
 * The selection runs against the reference server smtpref as it is (the
 * baseline: nothing may FAIL, WARN or ERROR) and then once under each of
 * its fault profiles, each a documented deviation from the RFCs. A
 * scenario is killed by a profile when it gets the verdict a mismatch at
 * its own level gives: FAIL for a MUST scenario; WARN (or FAIL) for a
 * SHOULD one, which by design never FAILs on its subject. A profile is
 * caught when some scenario FAILs or WARNs under it: a profile that breaks
 * only a SHOULD is caught by a WARN. The matrix holds when every scenario
 * is killed and every profile is caught.
 *
 * smtpref is started by this module, once per profile, on a free loopback
 * port (--listen 127.0.0.1:0 --port-file), and stopped after the run.
 */
#ifndef SC_RUN_MATRIX_H
#define SC_RUN_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"

struct scn;

struct sc_err;
struct scn_vars;

struct run_matrix_profile {
	char	*name;		/* "" for the baseline */
	char	*desc;
	char	*error;		/* could not run under it; NULL if it ran */
	enum run_verdict *v;	/* one per scenario of the selection */
};

struct run_matrix {
	const struct run_selection *sel;	/* borrowed */
	struct run_matrix_profile base;		/* no fault */
	struct run_matrix_profile *p;		/* one per fault */
	size_t	 np;
	int64_t	 duration_us;
};

struct run_matrix_opts {
	const char	*smtpref;	/* path of the smtpref binary */
	const char *const *faults;	/* only these; NULL: every profile */
	size_t		 nfaults;
	const struct scn_vars *vars;
	int		 jobs;
	double		 timeout_scale;
	const char *const *ref_args;	/* added to every smtpref's flags */
	size_t		 nref_args;
	enum run_tls_mode tls_mode;
	struct tls_ctx	*tls;		/* borrowed, shared by every run */
	/* called after each profile, for progress; may be NULL */
	void		(*progress)(void *arg, size_t done, size_t total,
			    const char *name);
	void		*arg;
};

/*
 * run_matrix_build - run the selection under the baseline and every
 * profile. Returns 0 (m filled; profiles that could not run carry an
 * error), or -1 when the fault list cannot be had from smtpref (err).
 */
int	run_matrix_build(const struct run_matrix_opts *o,
	    const struct run_selection *sel, struct run_matrix *m,
	    struct sc_err *err);
void	run_matrix_clear(struct run_matrix *m);

/* run_matrix_kills - does verdict v kill scenario s (see above)? */
bool	run_matrix_kills(const struct scn *s, enum run_verdict v);
/* run_matrix_catches - does verdict v catch a profile? (FAIL or WARN) */
bool	run_matrix_catches(enum run_verdict v);
/* run_matrix_holds - baseline clean, every profile ran and is caught,
 * every scenario is killed. */
bool	run_matrix_holds(const struct run_matrix *m);
/* run_matrix_baseline_ok - no FAIL, WARN or ERROR against smtpref. */
bool	run_matrix_baseline_ok(enum run_verdict v);

#endif /* SC_RUN_MATRIX_H */
