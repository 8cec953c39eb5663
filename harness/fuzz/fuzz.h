/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h - `smtpcheck fuzz`: grammar-aware fuzzing of an SMTP server.
 *
 * A case is one SMTP session planned in advance as a list of units (one
 * write each, with the replies it must get), made from the command lines
 * of the scenario corpus and bent by mutation operators (fuzz_case.c).
 * The driver (fuzz_drive.c) plays a case against the target, adapting
 * only where SMTP forces it (no message text without a 354, no BDAT
 * without CHUNKING), and judges it with the oracles below; a liveness
 * probe follows every case. A finding is shrunk (fuzz_min.c) and written
 * as a scenario that `smtpcheck run` replays. fuzz_run.c runs the cases
 * on worker threads with a rate limit; fuzz_cli.c is the command line.
 *
 * Determinism: case i is generated from (seed, i) alone, so the same
 * seed, corpus and target behaviour give the same cases in the same
 * order; with --jobs 1 they also run in that order.
 */
#ifndef SC_FUZZ_H
#define SC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn_tls_info;
struct run_ctx;
struct scn_vars;
struct tls_ctx;

#define FUZZ_UNITS_MAX		2048	/* units in one case */
#define FUZZ_UNIT_BYTES_MAX	(2 * 1024 * 1024) /* one unit's write */
#define FUZZ_CORPUS_LINES_MAX	4096	/* distinct corpus command lines */
#define FUZZ_CORPUS_BODY_MAX	(256 * 1024) /* a corpus message body */
#define FUZZ_CORPUS_BODIES_MAX	64
#define FUZZ_DRIP_MAX		96	/* units longer are not dripped */
#define FUZZ_QUIET_MIN_MS	20	/* extra replies: listen at least */
#define FUZZ_QUIET_MAX_MS	1000	/* ... and at most this long */
#define FUZZ_QUIET_LATENCIES	4	/* ... else this many reply latencies */
#define FUZZ_REPLY_MS_DEFAULT	10000	/* --reply-timeout: no reply = hang */
#define FUZZ_RATE_DEFAULT	10	/* --rate: new connections per second */
#define FUZZ_JOBS_MAX		16
#define FUZZ_ITERATIONS_DEFAULT	1000
#define FUZZ_MIN_ATTEMPTS	150	/* minimizer: replays per finding */
#define FUZZ_MIN_BUDGET_MS	60000	/* ... and wall time per finding */
#define FUZZ_KEEP_DEFAULT	1	/* reproducers per class and operator */
#define FUZZ_FINDINGS_MAX	10000	/* findings remembered for the report */
#define FUZZ_SILENCE_REPLAY	"1s"	/* reproducers' silence window */

/* The oracles: what a finding is. */
enum fuzz_class {
	FUZZ_OK = 0,
	FUZZ_MALFORMED,		/* a reply that is not well-formed SMTP */
	FUZZ_HANG,		/* no reply within --reply-timeout */
	FUZZ_DROPPED,		/* closed without replying (no 421) */
	FUZZ_CRASH,		/* no new connection or greeting after */
	FUZZ_ACCEPTED_INVALID,	/* 2xx to a syntactically invalid command */
	FUZZ_SMUGGLING,		/* a false end of data was taken */
	FUZZ_TLS_INJECTION,	/* input sent before TLS answered inside it */
	FUZZ_REPLY_COUNT,	/* replies do not match the commands sent */
	FUZZ_CLASS_COUNT
};

const char *fuzz_class_str(enum fuzz_class);	/* "reply-count" */
const char *fuzz_class_what(enum fuzz_class);	/* one line, for people */
const char *fuzz_class_rfc(enum fuzz_class);	/* "5321 4.2" */

/* What a unit must get back. */
enum fuzz_expect {
	FE_REPLIES,	/* nreplies replies, any code */
	FE_REFUSED,	/* one reply, not 2xx: the command is invalid */
	FE_SMUGGLE,	/* message text with a false end mark: one reply */
	FE_STARTTLS,	/* STARTTLS and a command behind it, one write */
	FE_SECURE,	/* STARTTLS, 220, handshake (--tls starttls) */
	FE_NONE,	/* an unfinished write before an abrupt close */
};

#define FU_NEED_PIPELINING	0x001	/* skipped unless offered */
#define FU_NEED_CHUNKING	0x002
#define FU_NEED_STARTTLS	0x004
#define FU_DATA		0x008	/* ends with DATA: a 354 opens the text */
#define FU_CONTENT	0x010	/* message text: sent only after a 354 */
#define FU_CLOSE	0x020	/* close after writing */
#define FU_COUNT	0x040	/* listen for extra replies after */
#define FU_EHLO		0x080	/* EHLO: its 250 gives the keywords */
#define FU_QUIT		0x100	/* QUIT: the end */

struct fuzz_unit {
	char	*bytes;		/* owned */
	size_t	 len;
	int	 nreplies;	/* FE_REPLIES */
	enum fuzz_expect expect;
	unsigned flags;		/* FU_* */
	size_t	 split;		/* > 0: two writes, cut here, a pause between */
	int	 drip_ms;	/* > 0: one octet per write, this far apart */
	const char *op;		/* the operator that made it (static), or NULL */
};

struct fuzz_case {
	uint64_t seed, index;
	struct fuzz_unit *u;
	size_t	 n, cap;
	char	 ops[128];	/* operators applied, "nul+split" */
};

void	fuzz_case_clear(struct fuzz_case *);
void	fuzz_case_copy(struct fuzz_case *dst, const struct fuzz_case *src);
/* fuzz_unit_add - append a unit with a copy of p[0..len). */
struct fuzz_unit *fuzz_unit_add(struct fuzz_case *, const void *p, size_t len,
	    int nreplies, enum fuzz_expect, unsigned flags);
void	fuzz_unit_remove(struct fuzz_case *, size_t i);

/* The corpus: command lines and message bodies taken from scenarios. */
struct fuzz_corpus;
/*
 * fuzz_corpus_load - the client-role scenarios under paths (or the
 * built-in suite when npaths is 0), their `send` lines expanded with vars
 * and their `body` fixtures. Returns NULL after printing file errors.
 */
struct fuzz_corpus *fuzz_corpus_load(const char **paths, size_t npaths,
	    const struct scn_vars *vars, size_t *nscenarios);
void	fuzz_corpus_free(struct fuzz_corpus *);

/* fuzz_case_gen - case index of seed: a session from the corpus and 1-3
 * mutations. tls_starttls: begin with EHLO and STARTTLS. */
void	fuzz_case_gen(struct fuzz_case *, const struct fuzz_corpus *,
	    const struct scn_vars *, uint64_t seed, uint64_t index,
	    bool tls_starttls);

/* The driver. */
struct fuzz_target {
	const char *host, *port;
	struct tls_ctx *tls;	/* any certificate; NULL: no TLS at all */
	bool	 implicit_tls;
	long	 reply_ms;	/* --reply-timeout */
	void	(*before_connect)(void *arg);	/* the rate limit, or NULL */
	void	*arg;
	volatile int *stop;	/* set on Ctrl-C; may be NULL */
};

/* What one sent unit got. */
struct fuzz_sent {
	size_t	 unit;		/* index in the case */
	int	 got;		/* replies read for it */
	int	 first_code;	/* its first reply's code, or -1 */
};

struct fuzz_outcome {
	enum fuzz_class cls;
	ssize_t	 unit;		/* the deciding unit; -1: greeting or after */
	char	*detail;	/* one line, bytes escaped; owned */
	struct fuzz_sent *sent;	/* in order; owned */
	size_t	 nsent;
	int	 greeting;	/* the greeting's code, -1 if none */
};

void	fuzz_outcome_clear(struct fuzz_outcome *);
/* fuzz_drive - play c; the first finding ends it. Returns its class. */
enum fuzz_class fuzz_drive(const struct fuzz_target *, const struct fuzz_case *,
	    struct fuzz_outcome *);
/* fuzz_alive - a new connection and a greeting: FUZZ_OK, FUZZ_CRASH or
 * FUZZ_HANG, with detail (owned) when not OK. */
enum fuzz_class fuzz_alive(const struct fuzz_target *, char **detail);

/* The minimizer and the reproducer. */
struct fuzz_found {
	enum fuzz_class cls;
	uint64_t seed, index;
	char	 ops[128];
	const char *op;		/* the deciding unit's operator, or "session" */
	char	*detail;	/* owned */
	char	*file;		/* the reproducer, owned; NULL when not kept */
	int	 replay;	/* verdict of the replay (enum run_verdict),
				   -1 when not replayed */
	size_t	 units_before, units_after;
	size_t	 bytes_before, bytes_after;
};

/*
 * fuzz_minimize - shrink c (in place) while it still gives cls: drop
 * units, then lines of the deciding unit, then halve runs of one octet.
 * o is replaced by the last outcome that gave cls.
 */
void	fuzz_minimize(const struct fuzz_target *, struct fuzz_case *c,
	    enum fuzz_class cls, struct fuzz_outcome *o);
/*
 * fuzz_scenario_text - the reproducer of (c, o) as scenario text; owned.
 * target is for the comment saying how to replay it.
 */
char	*fuzz_scenario_text(const struct fuzz_case *c,
	    const struct fuzz_outcome *o, const struct fuzz_target *,
	    const char *target, const char *id, const char *ops,
	    long reply_ms);
/* fuzz_finding_id - "fuzz.reply-count.s1-c4": the reproducer's id and,
 * with ".scn", its file name; owned. */
char	*fuzz_finding_id(enum fuzz_class, uint64_t seed, uint64_t index);

/* The run. */
struct fuzz_opts {
	const char *target;
	char	*host, *port;
	const char **paths;
	size_t	 npaths;
	uint64_t seed;
	uint64_t iterations;	/* 0: until --duration */
	long	 duration_ms;	/* 0: until --iterations */
	int	 jobs;
	const char *out_dir;
	bool	 tls_starttls, tls_implicit;
	double	 rate;		/* new connections per second; 0: no limit */
	long	 reply_ms;
	int	 keep;
	size_t	 stop_after;	/* findings; 0: never */
	bool	 minimize;
	bool	 quiet;
	const char *report_json;	/* extra copy of the summary, or NULL */
	const struct scn_vars *vars;
};

/* fuzz_run - the whole command after option parsing; the exit code. */
int	fuzz_run(const struct fuzz_opts *);
/* fuzz_command - `smtpcheck fuzz ARGS`: parse, run, exit code. */
int	fuzz_command(int argc, char **argv);

/* Small shared helpers (fuzz_case.c). */
uint64_t fuzz_mix(uint64_t);		/* splitmix64 finalizer */
/* fuzz_esc_raw - p as the body of a send-raw string: printable ASCII
 * kept, \r \n \t \0 \\ \" and \xNN otherwise, '$' '{' '}' as \xNN so
 * nothing expands; runs of 16 or more of one octet become ${repeat}.
 * Owned. */
char	*fuzz_esc_raw(const char *p, size_t len);

#endif /* SC_FUZZ_H */
