/* SPDX-License-Identifier: ISC */
/*
 * load.h - `smtpcheck load`: the fake client as a load generator.
 *
 * N sessions run at once on one event loop (load_loop.c: epoll, or poll
 * where there is none), each an explicit state machine over a
 * non-blocking socket (load_sess.c), TLS through OpenSSL in non-blocking
 * mode (load_io.c). Every byte a session sends is built once before the
 * run and shared (load_msg.c): the message, already dot-stuffed (RFC 5321
 * 4.5.2), and the command lines; writes are iovecs pointing into them, so
 * the hot path allocates nothing but what smtp_rparser does per reply.
 * load_run.c owns the sessions, restarts them while messages remain and
 * runs the tick (deadlines, progress, --duration); load_stats.c counts and
 * keeps the latency histogram and writes the summary and the JSON report;
 * load_cli.c is the command line.
 *
 * Private to harness/load/ and its unit test; the rest of smtpcheck knows
 * only load_command(). Single-threaded.
 */
#ifndef SC_LOAD_H
#define SC_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

struct smtp_rparser;
struct tls_ctx;

#define LOAD_SESSIONS_MAX	10000	/* --sessions */
#define LOAD_MESSAGES_DEFAULT	100	/* --messages */
#define LOAD_MESSAGES_MAX	1000000000L
#define LOAD_SIZE_DEFAULT	1024	/* --size, octets of message text */
#define LOAD_SIZE_MIN		2	/* one empty line: CRLF */
#define LOAD_SIZE_MAX		(64L * 1024 * 1024) /* as SC_SEND_MAX */
#define LOAD_RCPTS_MAX		1000	/* --recipients; 5321 4.5.3.1.8
					 * asks servers for >= 100 */
#define LOAD_TO_MAX		64	/* --to addresses, used in turn */
#define LOAD_REPLY_MS_DEFAULT	30000	/* --reply-timeout */
#define LOAD_TEXT_LINE_MAX	78	/* generated lines, CRLF included
					 * (5322 2.1.1 SHOULD) */
#define LOAD_DOT_EVERY		16	/* body lines 2, 18, 34... start with
					 * '.', so stuffing is exercised */
#define LOAD_TICK_MS		50	/* deadlines are checked this often */
#define LOAD_PROGRESS_MS	250	/* progress line refresh on a TTY */
#define LOAD_READ_CHUNK		16384	/* octets read per read call */
#define LOAD_OUTV_MAX		4	/* pending write pieces: body, group,
					 * QUIT */
#define LOAD_INFLIGHT_MAX	2	/* messages a session holds: one in
					 * DATA, one pipelined behind it */
#define LOAD_HELO_DEFAULT	"client.smtpcheck.test"
#define LOAD_FROM_DEFAULT	"sender@client.smtpcheck.test"
#define LOAD_TO_DEFAULT		"alice@smtpref.test"

/* The latency histogram: exact below 2^LOAD_HIST_SUB_BITS microseconds,
 * then 2^LOAD_HIST_SUB_BITS buckets per power of two (error < 0.8 %). */
#define LOAD_HIST_SUB_BITS	7
#define LOAD_HIST_OCTAVES	34	/* up to 2^41 us: 25 days */
#define LOAD_HIST_BUCKETS	((LOAD_HIST_OCTAVES + 1) << LOAD_HIST_SUB_BITS)

enum load_tls_mode {
	LOAD_TLS_NONE = 0,
	LOAD_TLS_STARTTLS,
	LOAD_TLS_IMPLICIT,
};
const char *load_tls_mode_str(enum load_tls_mode);

struct load_opts {
	const char	*target;
	char		*host, *port;		/* owned */
	int		 sessions;
	long		 messages;		/* 0: no limit (--duration) */
	long		 per_session;		/* 0: no limit */
	long		 size;
	int		 recipients;
	bool		 pipelining;
	enum load_tls_mode tls;
	long		 duration_ms;		/* 0: none */
	long		 reply_ms;
	const char	*helo;
	const char	*from;
	const char	*to[LOAD_TO_MAX];
	size_t		 nto;
	const char	*report_json;
	const char	*loop;			/* "epoll", "poll", NULL */
	bool		 quiet;
};

/*
 * The command stage a reply (or its absence) belongs to. Errors are
 * counted by kind and stage.
 */
enum load_stage {
	LOAD_ST_CONNECT = 0,
	LOAD_ST_GREETING,
	LOAD_ST_EHLO,
	LOAD_ST_STARTTLS,
	LOAD_ST_TLS,		/* the handshake */
	LOAD_ST_MAIL,
	LOAD_ST_RCPT,
	LOAD_ST_DATA,
	LOAD_ST_END,		/* the reply to the end of data */
	LOAD_ST_QUIT,
	LOAD_ST_COUNT
};
const char *load_stage_str(enum load_stage);	/* "rcpt" */

enum load_err_kind {
	LOAD_E_CONNECT = 0,	/* the TCP connect failed or timed out */
	LOAD_E_NO_REPLY,	/* no reply within --reply-timeout */
	LOAD_E_4XX,
	LOAD_E_5XX,
	LOAD_E_CLOSED,		/* the server closed (or reset) mid-session */
	LOAD_E_TLS,		/* handshake failed, STARTTLS not offered */
	LOAD_E_PROTOCOL,	/* a reply that makes no sense here */
	LOAD_E_COUNT
};
const char *load_err_kind_str(enum load_err_kind);	/* "no_reply" */

/* load_stats.c: what a run counts. */
struct load_hist {
	uint64_t	 n;
	uint64_t	 max_us;
	uint64_t	 sum_us;
	uint64_t	 bucket[LOAD_HIST_BUCKETS];
};

void	 load_hist_add(struct load_hist *, uint64_t us);
/* load_hist_percentile - nearest rank: the smallest recorded value (to
 * the bucket's precision, never above max) that at least p percent of
 * the samples do not exceed; 0 when empty. */
uint64_t load_hist_percentile(const struct load_hist *, double p);
/* load_hist_bucket - the index of us; load_hist_top - the largest value
 * that falls in bucket i. */
size_t	 load_hist_bucket(uint64_t us);
uint64_t load_hist_top(size_t i);

struct load_stats {
	uint64_t	 messages_ok;
	uint64_t	 messages_failed;
	uint64_t	 sessions;		/* started: connect attempted */
	uint64_t	 sessions_connected;
	uint64_t	 sessions_pipelined;	/* PIPELINING offered and used */
	uint64_t	 sessions_tls;		/* handshake done */
	uint64_t	 bytes_sent;		/* message text written (dot-
						 * stuffed, with the end mark) */
	uint64_t	 errors[LOAD_E_COUNT][LOAD_ST_COUNT];
	struct load_hist lat;			/* MAIL written -> end reply */
	int64_t		 start_us, end_us;
	char		 first_error[256];	/* one line, for the summary */
};

uint64_t load_stats_errors(const struct load_stats *);
uint64_t load_stats_kind(const struct load_stats *, enum load_err_kind);
/* load_stats_print - the human summary. */
void	 load_stats_print(FILE *, const struct load_opts *,
	    const struct load_stats *, const char *loop_name);
/* load_stats_json - the report (reports/README.md); 0 or -1 (errno). */
int	 load_stats_json(FILE *, const struct load_opts *,
	    const struct load_stats *, const char *loop_name);

/* load_msg.c: the bytes every session sends, built once. */
struct load_msg {
	char	*text;		/* the message as the server stores it:
				   exactly size octets, CRLF lines */
	size_t	 textlen;
	char	*wire;		/* text dot-stuffed, with ".\r\n" after */
	size_t	 wirelen;
	char	*ehlo;		/* "EHLO name\r\n" */
	size_t	 ehlolen;
	/* "MAIL FROM:<..>\r\n" then R x "RCPT TO:<..>\r\n" then "DATA\r\n":
	 * one buffer, so that a pipelined group is one piece. */
	char	*group;
	size_t	 grouplen;
	size_t	 mail_len;	/* the MAIL line: group[0, mail_len) */
	size_t	*rcpt_off;	/* RCPT i: group[rcpt_off[i], rcpt_off[i+1]) */
	size_t	 data_off;	/* "DATA\r\n": group[data_off, grouplen) */
	int	 nrcpt;
};

/* load_msg_text - the generated message text of exactly size octets
 * (>= LOAD_SIZE_MIN): headers naming from and to when they fit, then body
 * lines of at most LOAD_TEXT_LINE_MAX octets, the second and every
 * LOAD_DOT_EVERY-th after it starting with '.', CRLF after each. Owned. */
char	*load_msg_text(size_t size, const char *from, const char *to);
/* load_msg_build - everything above for the options; load_msg_clear
 * frees it. */
void	 load_msg_build(struct load_msg *, const struct load_opts *);
void	 load_msg_clear(struct load_msg *);

/* load_loop.c: descriptor readiness, one backend chosen at start. */
#define LOAD_LOOP_IN	0x01
#define LOAD_LOOP_OUT	0x02
#define LOAD_LOOP_ERR	0x04	/* error or hang-up: always reported */

struct load_loop;
typedef void load_loop_fn(void *arg, unsigned events);

struct load_loop_io {
	int		 fd;
	unsigned	 events;	/* wanted */
	bool		 added;
	size_t		 slot;		/* private to the backend */
	load_loop_fn	*fn;
	void		*arg;
};

/* load_loop_new - an owned loop on backend name ("epoll", "poll"; NULL:
 * epoll where built, else poll) for up to nfd descriptors; NULL with a
 * message in err (size errsize) when it cannot start. */
struct load_loop *load_loop_new(const char *name, size_t nfd, char *err,
	    size_t errsize);
void	 load_loop_free(struct load_loop *);
const char *load_loop_name(const struct load_loop *);
/* load_loop_now - sc_now_us() as the last wait returned (or the loop was
 * made): the time of every event of the round, read once. */
int64_t	 load_loop_now(const struct load_loop *);
/* load_loop_add - watch fd; 0 or -1 (errno). _want changes the events,
 * _del stops watching (the fd stays open). */
int	 load_loop_add(struct load_loop *, struct load_loop_io *, int fd,
	    unsigned events, load_loop_fn *fn, void *arg);
void	 load_loop_want(struct load_loop *, struct load_loop_io *, unsigned);
void	 load_loop_del(struct load_loop *, struct load_loop_io *);
/* load_loop_forget - as _del, for an fd the caller closes right after
 * (no fd of ours is ever duplicated, so epoll forgets it on close). */
void	 load_loop_forget(struct load_loop *, struct load_loop_io *);
/* load_loop_wait - sleep up to ms, then call fn of each ready io still
 * added. 0 (also on EINTR), or -1 when the backend fails. */
int	 load_loop_wait(struct load_loop *, int ms);

/* load_io.c: one connection's bytes, TCP or TLS, never blocking. */
#define LOAD_IO_WANT_READ	(-1)
#define LOAD_IO_WANT_WRITE	(-2)
#define LOAD_IO_EOF		(-3)
#define LOAD_IO_ERR		(-4)

struct load_io {
	int		 fd;
	struct ssl_st	*ssl;		/* NULL in clear */
	bool		 tls_done;	/* handshake finished */
};

/* load_io_connect - a non-blocking TCP socket with TCP_NODELAY, connect
 * started to sa. 0 (connected or in progress) or -1 with msg filled. */
int	 load_io_connect(struct load_io *, const void *sa, size_t salen,
	    char *msg, size_t msgsize);
/* load_io_connected - the result of the connect: 0, or -1 with msg. */
int	 load_io_connected(struct load_io *, char *msg, size_t msgsize);
/* load_io_tls_start - an SSL on the socket (no certificate check);
 * load_io_handshake then returns 0 when done, LOAD_IO_WANT_*, or
 * LOAD_IO_ERR / LOAD_IO_EOF with msg. */
int	 load_io_tls_start(struct load_io *, struct tls_ctx *,
	    const char *host, char *msg, size_t msgsize);
int	 load_io_handshake(struct load_io *, char *msg, size_t msgsize);
/* load_io_read - bytes read (> 0), or LOAD_IO_*. */
long	 load_io_read(struct load_io *, void *buf, size_t cap);
/* load_io_pending - TLS bytes decrypted and not yet read: read again
 * without waiting for the socket. */
bool	 load_io_pending(const struct load_io *);
/* load_io_writev - bytes written from the pieces (> 0), or LOAD_IO_*. */
long	 load_io_writev(struct load_io *, const struct iovec *, int n);
/* load_io_close - close the socket and free the SSL; fd becomes -1. */
void	 load_io_close(struct load_io *);

/* load_sess.c: one SMTP client session; a slot is reused for the next. */
enum load_sess_state {
	LOAD_S_IDLE = 0,	/* no connection, none wanted */
	LOAD_S_CONNECTING,
	LOAD_S_TLS_HANDSHAKE,	/* implicit TLS, or after 220 to STARTTLS */
	LOAD_S_GREETING,
	LOAD_S_EHLO,
	LOAD_S_STARTTLS,
	LOAD_S_MAIL,
	LOAD_S_RCPT,
	LOAD_S_DATA,
	LOAD_S_END,		/* message written: the end-of-data reply */
	LOAD_S_QUIT,
	LOAD_S_DONE,		/* closed; the run starts the slot again */
};
const char *load_sess_state_str(enum load_sess_state);

/* One message's transaction (per-transaction data, kept apart). */
struct load_tx {
	int64_t		 mail_us;	/* MAIL written */
	bool		 failed;	/* an error was counted for it */
};

struct load_sess {
	struct load_run		*run;
	size_t			 id;
	enum load_sess_state	 state;
	int64_t			 deadline_us;
	struct load_io		 io;
	struct load_loop_io	 lio;
	struct smtp_rparser	*rp;		/* kept across connections */
	bool			 pipelining;	/* asked for and offered */
	long			 done_here;	/* messages ended on this
						 * connection */
	int			 held;		/* messages taken, not ended */
	struct load_tx		 tx[LOAD_INFLIGHT_MAX]; /* [0] in progress,
						 * [1] pipelined behind it */
	int			 rcpt_replies;
	bool			 group_ahead;	/* the next MAIL..DATA written */
	bool			 quit_ahead;	/* QUIT written behind the body */
	bool			 io_wants_out;	/* TLS read wants a write */
	struct iovec		 outv[LOAD_OUTV_MAX];
	int			 outn;		/* pieces queued */
	int			 outi;		/* first piece not all sent */
	struct load_sess	*next_ended;	/* the run's restart list */
};

void	 load_sess_init(struct load_sess *, struct load_run *, size_t id);
void	 load_sess_clear(struct load_sess *);
/* load_sess_start - take a message and connect; false when no message is
 * left (the slot goes idle) or the socket could not be made (counted,
 * the slot is on the restart list). */
bool	 load_sess_start(struct load_sess *);
/* load_sess_check - end the session if its deadline passed. */
void	 load_sess_check(struct load_sess *, int64_t now_us);
/* load_sess_abort - end it now (a second Ctrl-C): held messages fail. */
void	 load_sess_abort(struct load_sess *);

/* load_run.c: the sessions' shared state. */
struct load_run {
	const struct load_opts	*o;
	struct load_stats	*st;
	struct load_loop	*loop;
	struct load_msg		 msg;
	struct tls_ctx		*tls;
	char			 sa[128];	/* the target's sockaddr */
	size_t			 salen;
	struct load_sess	*sess;		/* o->sessions slots */
	uint64_t		 taken;		/* messages taken */
	bool			 stopping;	/* take no more */
	struct load_sess	*ended;		/* to restart after dispatch */
	size_t			 active;	/* slots with a connection */
};

/* load_run_take - one more message may be sent: counts it taken. */
bool	 load_run_take(struct load_run *);
/* load_run_ended - s has closed: restart it after this dispatch round. */
void	 load_run_ended(struct load_run *, struct load_sess *);

/* load_run - the whole run; fills *st. Returns 0, or -1 when it could not
 * start (a message on stderr). */
int	 load_run(const struct load_opts *, struct load_stats *st,
	    char *loop_name, size_t loop_name_size);

/* load_command - `smtpcheck load` (argv[0] is "load"). Exit status. */
int	 load_command(int argc, char **argv);

#endif /* SC_LOAD_H */
