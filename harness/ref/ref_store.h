/* SPDX-License-Identifier: ISC */
/*
 * ref_store.h - smtpref's maildir delivery.
 *
 * A message is written to DIR/tmp/NAME, fsynced, renamed into DIR/new/NAME,
 * and DIR/new is fsynced: only then may the server answer 250 (5321 4.1.1.4,
 * "accepted responsibility"). Aborted messages are unlinked. Blocking file
 * I/O on a local disk; the event loop accepts that cost.
 */
#ifndef SC_REF_STORE_H
#define SC_REF_STORE_H

#include <stddef.h>

struct sc_err;
struct ref_store;
struct ref_store_msg;

/*
 * ref_store_open - use dir as a maildir, creating dir, tmp, new and cur as
 * needed. Returns an owned store, or NULL with err filled.
 */
struct ref_store *ref_store_open(const char *dir, const char *host,
	    struct sc_err *err);
void	ref_store_free(struct ref_store *);

/* ref_store_begin - a new file in tmp/ named after id; NULL on failure
 * (errno set). The message is owned until commit or abort. */
struct ref_store_msg *ref_store_begin(struct ref_store *, const char *id);
/* ref_store_write - append (gathered: a failed write may show at a later
 * call or at ref_store_commit); 0 or -1. */
int	ref_store_write(struct ref_store_msg *, const void *p, size_t n);
/* ref_store_commit - fsync, rename into new/, fsync new/; frees msg.
 * Returns 0, or -1 (the file is removed). */
int	ref_store_commit(struct ref_store *, struct ref_store_msg *);
/* ref_store_abort - unlink and free; NULL is ignored. */
void	ref_store_abort(struct ref_store_msg *);

/* ref_store_date - RFC 5322 3.3 date-time of now, UTC, into buf. */
void	ref_store_date(char *buf, size_t size);

#endif /* SC_REF_STORE_H */
