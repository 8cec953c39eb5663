/* SPDX-License-Identifier: ISC */
/*
 * ref_data.h - smtpref's DATA command and message content (RFC 5321
 * 4.1.1.4, 3.3, 4.4, 4.5.2; RFC 1870).
 *
 * The second half of the state machine of ref_smtp.h: the DATA check and
 * 354, the content decoded by smtp_unstuff up to CRLF.CRLF, the one reply
 * at the end of data, and the content faults (smuggling, line length).
 * Works on the session's struct ref_tx; never frees the session.
 */
#ifndef SC_REF_DATA_H
#define SC_REF_DATA_H

#include <stdbool.h>
#include <stddef.h>

struct ref_sess;

/* ref_data_check - DATA's check_fn: a transaction with recipients
 * (5321 3.3). Returns false after queueing the refusal. */
bool	ref_data_check(struct ref_sess *, const char *arg, size_t len);

/* ref_data_do - DATA's proceed_fn: queue id, Received: header, 354, and
 * the DATA state; 451 when the store cannot take the message. */
void	ref_data_do(struct ref_sess *, const char *arg, size_t len);

/*
 * ref_data_begin - the message's start, shared by DATA and BDAT: queue
 * id, store file and Received: header; does nothing the second time.
 * Returns 0, or -1 when the store failed (the caller answers 451).
 */
int	ref_data_begin(struct ref_sess *);

/* ref_data_store - write content octets while the message may still be
 * taken (within SIZE, no earlier store failure); a sink keeps nothing.
 * The caller counts them in tx->size first. */
void	ref_data_store(struct ref_sess *, const char *p, size_t n);

/* ref_data_size_ok - is the content so far within SIZE (RFC 1870)? The
 * end-of-data check of DATA and BDAT. */
bool	ref_data_size_ok(const struct ref_sess *);

/*
 * ref_data_feed - DATA content bytes. Returns how many were consumed: all,
 * or fewer when the end of data came inside (the rest are commands).
 * Always consumes at least one octet when n > 0. At the end of data it
 * queues the one reply, ends the transaction and leaves the DATA state;
 * or, for a message to store, holds the session for the group commit
 * (ref_sess_commit_hold), still in the DATA state.
 */
size_t	ref_data_feed(struct ref_sess *, const char *p, size_t n);
/*
 * ref_data_stored - a message held at its end of data (--maildir) was
 * committed (ok) or not: queue its 250 or 451 and end the transaction.
 * Called by ref_sess_commit_done only.
 */
void	ref_data_stored(struct ref_sess *, bool ok);

#endif /* SC_REF_DATA_H */
