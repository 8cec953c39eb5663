/* SPDX-License-Identifier: ISC */
/*
 * ref_smtp.h - smtpref's SMTP server state machine (RFC 5321, 2920, 1870,
 * 6152, 6531, 3030, 3461, 2034; 3207 STARTTLS with --cert, 8314 implicit
 * TLS; 4954 AUTH with --auth-users, whose exchange is ref_auth.c).
 *
 * Takes framed command lines and DATA bytes from ref_sess, dispatches
 * commands through a {verb, flags, check_fn, proceed_fn} table, and queues
 * exactly one reply per command (5321 4.2). ref_smtp_enter_state() is the
 * only writer of sess->state. Transactions (struct ref_tx) are created at
 * MAIL and freed at RSET, end of data, EHLO/HELO, QUIT and close.
 * Fault profiles (ref_conf.h) are each checked in one place here, in
 * ref_data.c (DATA and the content), ref_bdat.c (BDAT chunks), ref_param.c
 * (MAIL/RCPT parameters) or in ref_sess.c (framing, flushing, deadlines).
 */
#ifndef SC_REF_SMTP_H
#define SC_REF_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ref_sess.h"

/* ref_smtp_start - send the greeting (5321 4.3.1). */
void	ref_smtp_start(struct ref_sess *);

/*
 * ref_smtp_line - one command line without its terminator; total is its
 * length on the wire (terminator included), checked against 5321
 * 4.5.3.1.4. line may hold any octets, NUL included.
 */
void	ref_smtp_line(struct ref_sess *, const char *line, size_t len,
	    size_t total);

/*
 * ref_smtp_hold_max - how many octets of an unfinished line to hold
 * before discarding it: REF_LINE_HOLD_MAX, or REF_AUTH_LINE_MAX for an
 * AUTH command line or a SASL response (RFC 4954 4). p[0..n) is the
 * line's start.
 */
size_t	ref_smtp_hold_max(const struct ref_sess *, const char *p, size_t n);

/* ref_smtp_too_long - a line was discarded for length: one 500 (5.5.6
 * during an AUTH exchange). */
void	ref_smtp_too_long(struct ref_sess *);

/* ref_smtp_timeout - the state's deadline passed: 421 4.4.2, close. */
void	ref_smtp_timeout(struct ref_sess *);

/* ref_smtp_tls_done - the STARTTLS handshake finished: reset to the
 * initial state (RFC 3207 4.2), dropping the EHLO/HELO name and any
 * transaction. */
void	ref_smtp_tls_done(struct ref_sess *);

/* ref_smtp_enter_state - the only writer of s->state; logs old -> new
 * and re-arms the deadline. */
void	ref_smtp_enter_state(struct ref_sess *, enum ref_smtp_state);
const char *ref_smtp_state_str(enum ref_smtp_state);

/* ref_smtp_tx_free - free a transaction, dropping an unfinished message;
 * NULL is ignored. */
void	ref_smtp_tx_free(struct ref_tx *);

/*
 * For ref_data.c, ref_bdat.c and ref_param.c, the other parts of the
 * state machine.
 */

/* ref_smtp_reply - queue one single-line reply; enh is the enhanced
 * status code, NULL where RFC 2034 4 has none. Counts 5yz command errors
 * toward max_errors. */
void	ref_smtp_reply(struct ref_sess *, int code, const char *enh,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* ref_smtp_advertises - is EHLO keyword kw ("DSN") offered to s? The
 * one reader of the extension settings. */
bool	ref_smtp_advertises(const struct ref_sess *, const char *kw);
/* ref_smtp_size_ok - is n octets within the SIZE limit (RFC 1870)? */
bool	ref_smtp_size_ok(const struct ref_sess *, uint64_t n);
/* ref_smtp_tx_end - free the transaction, back to READY. */
void	ref_smtp_tx_end(struct ref_sess *);
/* ref_smtp_after_cmd - after each reply to a command: 421 and close once
 * max_errors is reached (5321 7.8). */
void	ref_smtp_after_cmd(struct ref_sess *);

#endif /* SC_REF_SMTP_H */
