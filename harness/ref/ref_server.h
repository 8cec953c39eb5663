/* SPDX-License-Identifier: ISC */
/*
 * ref_server.h - smtpref's listener and session registry.
 *
 * Owns the listening socket, every session, the store and the TLS
 * context. Accepts without blocking, refuses past max_sessions with 421,
 * and frees sessions only in the loop's after-dispatch hook (sessions mark
 * themselves dead). The same hook first runs the maildir group commit:
 * every message whose data ended during the round is made durable with
 * one fsync of new/, and only then are the sessions' replies queued.
 */
#ifndef SC_REF_SERVER_H
#define SC_REF_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "ref_loop.h"

struct ref_conf;
struct ref_sess;
struct ref_store;
struct ref_tls;
struct sc_err;

struct ref_server {
	const struct ref_conf	*conf;
	struct ref_loop		*loop;
	struct ref_store	*store;		/* NULL: sink */
	struct ref_tls		*tls;		/* NULL: no STARTTLS */
	struct ref_loop_io	 lio;		/* the listener */
	int			 lfd;
	struct ref_timer	 accept_retry;	/* after EMFILE */
	struct ref_sess		*sessions;	/* live, doubly linked */
	struct ref_sess		*dead;		/* to free after dispatch */
	struct ref_sess		*commits;	/* held for the group commit */
	size_t			 nsessions;
	unsigned long		 next_id;
	unsigned long		 next_msg;	/* queue id counter */
};

/*
 * ref_server_new - listen on conf->listen ("HOST:PORT", "[V6]:PORT") and
 * open the maildir; load --cert/--key. *port gets the bound port. Returns
 * an owned server or NULL with err filled (user error: bad address, bind
 * failure, maildir, certificate or key).
 */
struct ref_server *ref_server_new(const struct ref_conf *,
	    struct ref_loop *, int *port, struct sc_err *err);
/* ref_server_free - close every session (transactions aborted), the
 * listener and the store. */
void	ref_server_free(struct ref_server *);

/* ref_server_commit_add - hold s's message (tx->msg) for the group
 * commit that runs after this round's dispatch (ref_sess_commit_hold). */
void	ref_server_commit_add(struct ref_server *, struct ref_sess *);

/* ref_server_kill - move a session to the dead list (freed later). */
void	ref_server_kill(struct ref_server *, struct ref_sess *);

#endif /* SC_REF_SERVER_H */
