/* SPDX-License-Identifier: ISC */
/*
 * run_sess.h - what the fake client (run_exec.c) and the fake server
 * (run_serve.c) share while they play one scenario: its clock and
 * deadlines, the transcript notes, and how a mismatch is judged.
 *
 * Each session struct embeds a struct run_sess as its first member, so
 * the step loop and the judging live here once. Private to harness/run.
 */
#ifndef RUN_SESS_H
#define RUN_SESS_H

#include <stdbool.h>
#include <stdint.h>

#include "run_result.h"

struct cap_rec;
struct conn;
struct scn;
struct scn_step;

struct run_sess {
	const struct scn	*s;
	struct run_result	*r;
	double			 scale;		/* --timeout-scale */
	int64_t			 t0;		/* start, monotonic */
	int64_t			 deadline;	/* whole-scenario deadline */
	const struct scn_step	*step;		/* the step running now */
	enum run_verdict	 step_outcome;
	char			*step_detail;	/* owned */
	bool			 stop;		/* a FAIL/ERROR/SKIP ended it */
	struct cap_rec		*cap;		/* --pcap: this scenario's
						   recorder, owned; or NULL */
	const char		*pcap_dir;	/* borrowed */
};

/* run_sess_begin - start the clock of s; r is zeroed by the caller. */
void	run_sess_begin(struct run_sess *, const struct scn *s,
	    struct run_result *r, double scale);
/* run_sess_scaled_us - ms times the scale, in us (1 ms at the least). */
int64_t	run_sess_scaled_us(const struct run_sess *, long ms);
/* run_sess_deadline - now + ms (scaled), capped by the scenario's. */
int64_t	run_sess_deadline(const struct run_sess *, long ms);
/* run_sess_t - us since the scenario began. */
int64_t	run_sess_t(const struct run_sess *);
/* run_sess_event - a harness note in the transcript. */
void	run_sess_event(struct run_sess *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* run_sess_level - what a mismatch costs at the scenario's level: MUST
 * FAIL, SHOULD WARN, MAY INFO. */
enum run_verdict run_sess_level(const struct run_sess *);
/* run_sess_judge - a non-PASS outcome of the current step, with the
 * evidence; FAIL, ERROR and SKIP end the scenario. */
void	run_sess_judge(struct run_sess *, enum run_verdict v,
	    const char *expected, const void *got, size_t gotlen,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * run_sess_steps - run the steps of the scenario in order through fn
 * until one ends it, logging each in the timeline and judging a passed
 * scenario deadline.
 */
void	run_sess_steps(struct run_sess *,
	    void (*fn)(struct run_sess *, const struct scn_step *));
/*
 * Packet captures (--pcap DIR). run_sess_capture_begin (after
 * run_sess_begin) starts a recorder when dir is not NULL;
 * run_sess_capture_conn records a new connection into it (no-op without
 * one); run_sess_capture_end, once every connection is freed, writes
 * DIR/<id>.pcap and sets r->capture, or r->capture_err, and frees the
 * recorder.
 */
void	run_sess_capture_begin(struct run_sess *, const char *dir);
void	run_sess_capture_conn(struct run_sess *, struct conn *,
	    bool local_is_server);
void	run_sess_capture_end(struct run_sess *);

/* run_sess_end - free what the session holds; the duration. */
void	run_sess_end(struct run_sess *);

#endif /* RUN_SESS_H */
