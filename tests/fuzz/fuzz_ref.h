/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ref.h - one smtpref session driven without its event loop, for
 * fuzz_ref_cmd and fuzz_ref_data.
 *
 * The session is made by ref_sess_new() on one end of a socketpair(2),
 * exactly as ref_server.c makes one on an accepted socket; the target
 * writes the client's bytes into the other end and reads the replies
 * back. fz_ref_pump() stands in for the loop: it polls the session's end
 * for the events the session asked for, calls the session's own I/O
 * callback, and frees dead sessions after it as the loop's after-dispatch
 * hook does. Timers are armed but never fire. The server is built once:
 * sink store, no TLS, every extension on, AUTH PLAIN/LOGIN in clear for
 * one account. Every reply read back must parse with smtp_reply.c
 * without a hard flag (FZ_FAIL otherwise).
 */
#ifndef SC_FUZZ_REF_H
#define SC_FUZZ_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "ref_sess.h"

struct smtp_rparser;

struct fz_ref {
	struct ref_sess		*s;	/* NULL once freed */
	int			 fd;	/* the client's end */
	struct smtp_rparser	*rp;
	size_t			 nreplies;	/* read so far */
	int			 last_code;	/* of the last reply read */
};

/* fz_ref_open - a greeted session (the 220 read and checked). */
void	fz_ref_open(struct fz_ref *);
/* fz_ref_write - send n bytes as the client, pumping while the socket is
 * full; stops early (false) when the session is gone. */
bool	fz_ref_write(struct fz_ref *, const void *p, size_t n);
/* fz_ref_pump - run the session until it has nothing more to do. */
void	fz_ref_pump(struct fz_ref *);
/* fz_ref_line - write p[0..n) plus CRLF in one write and pump; the
 * number of replies that came. fz_ref_cmd - the same for a string. */
size_t	fz_ref_line(struct fz_ref *, const char *p, size_t n);
size_t	fz_ref_cmd(struct fz_ref *, const char *line);
/* fz_ref_check - the session's own invariants (state vs transaction,
 * buffers in bounds); FZ_FAIL when one does not hold. */
void	fz_ref_check(const struct fz_ref *);
/* fz_ref_close - half-close as the client; the session must then flush
 * and close, leaving no partial reply. Frees everything. */
void	fz_ref_close(struct fz_ref *);

#endif /* SC_FUZZ_REF_H */
