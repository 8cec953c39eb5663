/* SPDX-License-Identifier: ISC */
/*
 * ref_store.h - smtpref's maildir delivery.
 *
 * A message is written to DIR/tmp/NAME, fsynced, renamed into DIR/new/NAME,
 * and DIR/new is fsynced: only then may the server answer 250 (5321 4.1.1.4,
 * "accepted responsibility"). Messages whose data ended in the same
 * event-loop round are committed as one group, with one fsync of DIR/new.
 * Aborted messages are unlinked. Blocking file I/O on a local disk; the
 * event loop accepts that cost.
 */
#ifndef SC_REF_STORE_H
#define SC_REF_STORE_H

#include <stdbool.h>
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
/*
 * Commit, grouped: for each message of a group, ref_store_flush (when its
 * data ends) and ref_store_sync; then ref_store_sync_dir once for the
 * group; then ref_store_finish for each, durable only when both its sync
 * and the group's sync_dir returned 0. Only then may the server answer
 * 250. flush, sync, sync_dir: 0 or -1.
 */
int	ref_store_flush(struct ref_store_msg *);
int	ref_store_sync(struct ref_store *, struct ref_store_msg *);
int	ref_store_sync_dir(struct ref_store *);
/* ref_store_finish - free msg; not durable: its file is removed. */
void	ref_store_finish(struct ref_store_msg *, bool durable);
/* ref_store_abort - unlink and free; NULL is ignored. */
void	ref_store_abort(struct ref_store_msg *);

/* ref_store_date - RFC 5322 3.3 date-time of now, UTC, into buf. */
void	ref_store_date(char *buf, size_t size);

#endif /* SC_REF_STORE_H */
