/* SPDX-License-Identifier: ISC */
/*
 * ref_bdat.h - smtpref's BDAT command (RFC 3030 2 CHUNKING, 3 BINARYMIME).
 *
 * "BDAT n [LAST]" is followed by exactly n octets, read raw: no dot
 * handling, no line rules, nothing ends the chunk but its count. Each
 * chunk gets one reply, sent only after its last octet was read, even
 * when the command is refused (the chunk is read and thrown away so the
 * session stays in step: 3030 2). LAST ends the message, which is stored
 * as DATA's is (ref_data_begin/ref_data_store). Works on the session's
 * struct ref_bdat and struct ref_tx; never frees the session.
 */
#ifndef SC_REF_BDAT_H
#define SC_REF_BDAT_H

#include <stdbool.h>
#include <stddef.h>

struct ref_sess;

/*
 * ref_bdat_check - BDAT's check_fn: CHUNKING offered (else 502, and no
 * chunk is read: such a server does not know BDAT), and the arguments
 * parse (else 501 5.5.4, no chunk read: its size is unknown). Sequencing
 * errors are not refused here but by ref_bdat_do, after the chunk.
 */
bool	ref_bdat_check(struct ref_sess *, const char *arg, size_t len);

/*
 * ref_bdat_do - BDAT's proceed_fn: start reading the chunk (state
 * REF_SMTP_BDAT), to be taken or, when the command is out of sequence
 * (503 5.5.1) or the store fails (451), thrown away.
 */
void	ref_bdat_do(struct ref_sess *, const char *arg, size_t len);

/*
 * ref_bdat_feed - chunk octets in REF_SMTP_BDAT. Returns how many were
 * consumed (at least one when n > 0); the rest are commands. At the end
 * of the chunk it queues the chunk's reply and leaves the state.
 */
size_t	ref_bdat_feed(struct ref_sess *, const char *p, size_t n);
/*
 * ref_bdat_stored - a message held at BDAT LAST (--maildir) was committed
 * (ok) or not: queue LAST's 250 or 451 and end the transaction. Called by
 * ref_sess_commit_done only.
 */
void	ref_bdat_stored(struct ref_sess *, bool ok);

#endif /* SC_REF_BDAT_H */
