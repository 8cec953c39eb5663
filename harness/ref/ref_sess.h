/* SPDX-License-Identifier: ISC */
/*
 * ref_sess.h - one smtpref connection: bytes in, lines out.
 *
 * Owns the socket, a bounded input buffer and a bounded output buffer, the
 * deadline timer and the current transaction. Frames command lines (CRLF
 * only, 5321 2.3.8), discards over-long ones to the next CRLF, hands DATA
 * bytes to ref_data_feed() and BDAT chunks to ref_bdat_feed(), stops reading while replies pile up unread,
 * and flushes replies whenever the input runs dry (RFC 2920 3.2). After
 * STARTTLS (state REF_SMTP_TLS) it flushes the 220, runs the handshake
 * from the event loop, and then reads and writes through the SSL; with
 * --implicit-tls the session starts in REF_SMTP_TLS, before the greeting.
 * The SMTP state machine itself is ref_smtp.c; per-connection data lives
 * in struct ref_sess, per-transaction data in struct ref_tx.
 */
#ifndef SC_REF_SESS_H
#define SC_REF_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ref_auth.h"
#include "ref_loop.h"
#include "sc_limits.h"
#include "smtp_addr.h"
#include "smtp_dot.h"

struct ref_server;
struct ref_store_msg;
struct ssl_st;

enum ref_smtp_state {
	REF_SMTP_INIT,		/* greeted, waiting for EHLO/HELO */
	REF_SMTP_REFUSED,	/* 554 greeting: only QUIT (5321 3.1) */
	REF_SMTP_READY,		/* after EHLO/HELO, no transaction */
	REF_SMTP_MAIL,		/* MAIL accepted */
	REF_SMTP_RCPT,		/* at least one RCPT accepted */
	REF_SMTP_DATA,		/* reading content */
	REF_SMTP_BDAT,		/* reading a BDAT chunk's octets (RFC 3030;
				 * struct ref_bdat has the count) */
	REF_SMTP_AUTH,		/* AUTH exchange: lines are SASL responses
				 * (ref_auth.h has the step) */
	REF_SMTP_TLS,		/* after 220 to STARTTLS: the handshake */
	REF_SMTP_CLOSING,	/* flushing the last replies */
	REF_SMTP_CLOSED,	/* dead, waiting to be freed */
};

/* What MAIL's parameters declared (ref_param.c), kept for the
 * transaction. */
struct ref_mailopt {
	bool	binarymime;	/* BODY=BINARYMIME: BDAT only (RFC 3030 3) */
	bool	smtputf8;	/* SMTPUTF8: UTF-8 addresses (RFC 6531 3.4) */
	bool	size_declared;	/* SIZE= given (RFC 1870) */
};

/* The BDAT chunk being read (RFC 3030 2): its octets are read, and
 * thrown away when the command failed, before its one reply is sent. */
struct ref_bdat {
	uint64_t	 size;		/* n, as the command said */
	uint64_t	 left;		/* octets still to read */
	bool		 last;		/* BDAT n LAST */
	enum ref_smtp_state back;	/* state after a refused chunk */
	int		 code;		/* 0: accepted; else the deferred
					 * refusal below */
	char		 enh[8];
	char		 text[96];
};

/* One mail transaction: created at MAIL, freed at RSET, end of data,
 * EHLO/HELO and QUIT (5321 4.1.4). */
struct ref_tx {
	char			*sender;	/* "" for <> */
	char			**rcpts;
	size_t			 nrcpts;
	bool			 last_rcpt_failed;
	struct ref_mailopt	 opt;		/* from MAIL's parameters */
	bool			 bdat;		/* a BDAT chunk was taken: DATA
						 * is 503 (RFC 3030 2) */
	bool			 started;	/* id, store, Received: done */
	/* DATA */
	struct smtp_unstuff	 un;
	struct ref_store_msg	*msg;		/* NULL: sink */
	uint64_t		 size;		/* content octets */
	size_t			 linelen;	/* current decoded line */
	size_t			 longest;	/* longest decoded line */
	unsigned char		 hist[4];	/* last raw octets (faults) */
	size_t			 nhist;
	bool			 store_failed;
	char			 id[REF_ID_MAX];
};

struct ref_sess {
	struct ref_server	*srv;
	const struct ref_conf	*conf;
	unsigned long		 id;
	struct ref_loop_io	 io;
	struct ref_timer	 deadline;
	struct ref_timer	 slow;		/* fault slow-reply */
	bool			 slow_due;
	char			 peer[REF_PEER_MAX];	/* address literal */
	enum ref_smtp_state	 state;
	char			 helo[SMTP_DOMAIN_MAX + 1];
	bool			 esmtp;
	unsigned		 errors;	/* 5yz protocol errors */
	bool			 mute;		/* fault silent-rcpt */
	struct ref_tx		*tx;
	struct smtp_envcmd	 env;		/* check_fn -> proceed_fn */
	struct ref_mailopt	 opt;		/* check_fn -> proceed_fn (MAIL) */
	struct ref_bdat		 chunk;		/* REF_SMTP_BDAT */
	struct ssl_st		*ssl;		/* from the STARTTLS handshake */
	bool			 tls;		/* handshake done (RFC 3207) */
	struct ref_auth		 auth;		/* RFC 4954 */
	unsigned		 tls_want;	/* REF_LOOP_IN/OUT OpenSSL waits
						 * for */

	char			*in;		/* REF_INBUF_MAX */
	size_t			 inoff, inlen;
	bool			 discarding;	/* over-long line */
	bool			 in_eof;
	char			*out;		/* REF_OUTBUF_MAX */
	size_t			 outoff, outlen;
	size_t			 marks[4];	/* out offsets of the first
						 * replies queued since the
						 * last flush (fault
						 * pipelining-reorder) */
	size_t			 nmarks;

	/* The message's data ended and it waits for the group commit at
	 * the end of the loop round: no reply queued yet, no more input
	 * parsed (the next command must follow the reply). Set by
	 * ref_sess_commit_hold, cleared by ref_sess_commit_done. */
	bool			 commit_pending;
	struct ref_sess		*commit_next;	/* server's commit list */

	struct ref_sess		*prev, *next;	/* server list */
};

/*
 * ref_sess_new - a session on an accepted, non-blocking fd (taken).
 * Sends the greeting. Returns the owned session, or NULL (fd closed).
 */
struct ref_sess *ref_sess_new(struct ref_server *, int fd,
	    const struct sockaddr *peer, socklen_t peerlen);
/* ref_sess_free - abort the transaction, close, unregister. */
void	ref_sess_free(struct ref_sess *);

/* ref_sess_send - queue reply bytes; the flush happens when input runs
 * dry. */
void	ref_sess_send(struct ref_sess *, const char *p, size_t n);
/* ref_sess_kill - close now, without flushing. */
void	ref_sess_kill(struct ref_sess *, const char *why);
/* ref_sess_arm - (re)start the deadline of the current state. */
void	ref_sess_arm(struct ref_sess *);
/* ref_sess_mark_reply - a reply starts here in the output (for the
 * pipelining-reorder fault). */
void	ref_sess_mark_reply(struct ref_sess *);
/* ref_sess_drop_input - discard all unparsed input (a fault). */
void	ref_sess_drop_input(struct ref_sess *);
/* ref_sess_update - recompute wanted events, flush (after state changes). */
void	ref_sess_update(struct ref_sess *);

/*
 * ref_sess_commit_hold - at the end of data of a message to store (state
 * still REF_SMTP_DATA or REF_SMTP_BDAT): join the server's group commit
 * and stop parsing input until ref_sess_commit_done.
 */
void	ref_sess_commit_hold(struct ref_sess *);
/*
 * ref_sess_commit_done - the group commit ran (ok: the message is durable
 * in new/): queue the 250 or 451, then parse what the client pipelined
 * meanwhile. A session killed while held only drops the hold (its message
 * is removed when it is freed).
 */
void	ref_sess_commit_done(struct ref_sess *, bool ok);

/* ref_sess_log - one key=value line to stderr with -v ("sess=ID ..."). */
void	ref_sess_log(const struct ref_sess *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* SC_REF_SESS_H */
