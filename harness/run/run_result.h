/* SPDX-License-Identifier: ISC */
/*
 * run_result.h - what running one scenario produced: a verdict, the step
 * and exchange that decided it, and the bounded transcript behind it.
 *
 * This is the whole interface between the runner and the report writers:
 * reports read these structs and nothing else. A result owns its strings
 * and transcript; it borrows its struct scn, which must outlive it.
 */
#ifndef RUN_RESULT_H
#define RUN_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scn;

/* Verdicts. The enum order is the report order, not the rank: when a
 * scenario meets several, run_result_set() keeps the one that ranks highest,
 * ERROR > FAIL > SKIP > WARN > INFO > PASS. SKIP and ERROR end a scenario. */
enum run_verdict {
	RUN_PASS = 0,
	RUN_INFO,	/* a policy the peer may choose, recorded */
	RUN_WARN,	/* a SHOULD missed */
	RUN_FAIL,	/* a MUST broken */
	RUN_SKIP,	/* not applicable: prerequisite unmet */
	RUN_ERROR,	/* the harness could not run the check */
};
#define RUN_VERDICT_COUNT	6

/* run_verdict_str - "PASS", "FAIL", ...; "???(n)" for a bad value. */
const char *run_verdict_str(enum run_verdict);

enum tr_dir {
	TR_SENT,	/* bytes the harness wrote (one write) */
	TR_RECV,	/* bytes of one reply as received */
	TR_EVENT,	/* harness note: connect, close, EOF, timeout, pause */
};

const char *tr_dir_str(enum tr_dir);	/* "sent", "recv", "event" */

struct tr_entry {
	enum tr_dir dir;
	int64_t	 t_us;		/* since the scenario started */
	int	 step_line;	/* scenario line that caused it; 0 = none */
	char	*data;		/* bytes (sent/recv) or note text; owned;
				   cut at SC_TRANSCRIPT_ENTRY_SHOW */
	size_t	 len;
	size_t	 full_len;	/* length before the cut */
};

struct transcript {
	struct tr_entry *v;
	size_t	 n, cap;
	size_t	 bytes;		/* data bytes kept */
	bool	 truncated;	/* entries dropped at the limits */
};

/*
 * transcript_add - append a copy of len bytes of data (NUL-terminated in the
 * copy; data may be NULL when len is 0). The copy is cut at
 * SC_TRANSCRIPT_ENTRY_SHOW, full_len keeping the length before the cut. An
 * entry that would pass SC_TRANSCRIPT_ENTRIES_MAX entries or
 * SC_TRANSCRIPT_BYTES_MAX kept bytes is dropped and truncated is set: the
 * beginning of an exchange is kept, its overflow is not.
 */
void	transcript_add(struct transcript *, enum tr_dir, int64_t t_us,
	    int step_line, const void *data, size_t len);
/* transcript_clear - free the entries; t is empty and reusable after. */
void	transcript_clear(struct transcript *);

/* What each step did, for the JSON report's timeline. */
struct run_step_log {
	int	 line;
	char	*src;		/* owned copy of the step's source */
	int64_t	 t_us;		/* start, since the scenario started */
	int64_t	 dur_us;
	enum run_verdict outcome;
	char	*detail;	/* owned; NULL on a plain pass */
};

struct run_result {
	const struct scn *scn;	/* borrowed */
	enum run_verdict verdict;
	/* The deciding step, for any verdict but PASS (0 / NULL otherwise). */
	int	 step_line;
	char	*step_src;
	char	*expected;	/* what was expected, human text */
	char	*got;		/* what came, escaped bytes or "EOF" etc. */
	char	*reason;	/* one line: why this verdict */
	int64_t	 started_wall_us;	/* epoch microseconds */
	int64_t	 duration_us;
	struct run_step_log *steps;
	size_t	 nsteps;
	struct transcript tr;
	char	*capture;	/* the scenario's pcap (--pcap), owned; NULL
				   when none was written */
	char	*capture_err;	/* why --pcap could not write it: one line
				   naming the file, owned; else NULL */
};

/* run_result_clear - release what r owns (not r, not r->scn). */
void	run_result_clear(struct run_result *r);

/*
 * run_result_set - record a verdict with its evidence, if it outranks the
 * current one. Rank: ERROR > FAIL > SKIP > WARN > INFO > PASS. A FAIL found
 * before a prerequisite turned out unmet stays a FAIL (the broken MUST was
 * seen); an ERROR beats everything because it makes the harness's own
 * findings in that scenario suspect. On equal rank the first evidence stays.
 * The strings are copied; any may be NULL. got may hold any bytes: it is
 * escaped with sc_esc() and cut at SC_SHOW_BYTES_MAX.
 */
void	run_result_set(struct run_result *r, enum run_verdict v, int line,
	    const char *step_src, const char *expected, const void *got,
	    size_t gotlen, const char *reason);

/* run_step_log_add - append a timeline entry (src and detail copied; either
 * may be NULL). Entries past SCN_STEPS_MAX are dropped: a scenario has no
 * more steps than that, and the timeline is not evidence. */
void	run_step_log_add(struct run_result *r, int line, const char *src,
	    int64_t t_us, int64_t dur_us, enum run_verdict outcome,
	    const char *detail);

/* The whole run, as the reports see it. */
struct run_summary {
	const char *tool_version;
	const char *target;		/* "127.0.0.1:2525" */
	const char *shard;		/* "1/4" or NULL */
	const char *tls;		/* TLS mode and policy, or NULL */
	const char *tls_peer;		/* what the probe's TLS saw, or NULL */
	double	 timeout_scale;		/* --timeout-scale; 0 means 1 */
	int64_t	 started_wall_us;
	int64_t	 duration_us;
	struct run_result *results;	/* in selection order */
	size_t	 nresults;
	size_t	 counts[RUN_VERDICT_COUNT];
};

/* run_summary_count - fill counts[] from results (indexed by verdict). */
void	run_summary_count(struct run_summary *);

#endif /* RUN_RESULT_H */
