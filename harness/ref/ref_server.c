/* SPDX-License-Identifier: ISC */
/*
 * ref_server.c - listen, accept, keep the session list, free the dead.
 *
 * One listening socket (IPv4 or IPv6, from "HOST:PORT" or "[V6]:PORT").
 * Past max_sessions a new connection gets one best-effort 421 and is
 * closed (5321 3.8). At start the soft descriptor limit is raised to the
 * hard one, so max_sessions idle clients fit; when accept still runs out
 * of descriptors the listener pauses briefly instead of spinning. With
 * --cert/--key the TLS context for STARTTLS is built here, once; the
 * tls-cert-* faults mint its certificate instead (ref_cert.c), and the
 * tls-old-versions and tls-weak-ciphers faults weaken it.
 */
#include "ref_server.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ref_cert.h"
#include "ref_conf.h"
#include "ref_sess.h"
#include "ref_store.h"
#include "ref_tls.h"
#include "sc_util.h"

#define REF_ACCEPT_BATCH	64	/* accepts per readiness event */
#define REF_ACCEPT_RETRY_MS	100	/* pause after EMFILE */
#define REF_HOSTPORT_MAX	512	/* "HOST:PORT" text */
#define REF_BUSY_REPLY_MAX	600	/* the 421 line */

/* ref_server_split - "HOST:PORT" / "[V6]:PORT" into host and port. */
static int
ref_server_split(const char *hp, char *host, size_t hsize, char *port,
    size_t psize)
{
	const char *colon, *hend, *h = hp;
	size_t hl;

	if (hp[0] == '[') {
		hend = strchr(hp, ']');
		if (hend == NULL || hend[1] != ':')
			return -1;
		h = hp + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL || memchr(hp, ':', (size_t)(colon - hp)))
			return -1;
		hend = colon;
	}
	hl = (size_t)(hend - h);
	if (hl == 0 || hl >= hsize || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= psize)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

/* ref_server_bind - a listening, non-blocking socket; -1 on failure. */
static int
ref_server_bind(const char *hp, int *port, struct sc_err *err)
{
	char host[REF_HOSTPORT_MAX], serv[REF_HOSTPORT_MAX];
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	long pn;
	int fd = -1, one = 1, rc, saved = 0;

	if (ref_server_split(hp, host, sizeof(host), serv, sizeof(serv)) ==
	    -1 || sc_parse_long(serv, 0, 65535, &pn) == -1) {
		sc_err_set(err, "--listen", 0, 0,
		    "\"%s\": expected HOST:PORT or [IPV6]:PORT", hp);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0) {
		sc_err_set(err, "--listen", 0, 0, "%s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SOMAXCONN) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		sc_err_set(err, "--listen", 0, 0, "%s: %s", hp,
		    strerror(saved));
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* ref_server_busy - one 421 and close (5321 3.8). */
static void
ref_server_busy(struct ref_server *srv, int fd)
{
	char line[REF_BUSY_REPLY_MAX];
	int n;

	n = snprintf(line, sizeof(line),
	    "421 4.3.2 %s Too many sessions, try again later\r\n",
	    srv->conf->hostname);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void ref_server_on_accept(void *, unsigned);

/* ref_server_on_retry - listen again after EMFILE. */
static void
ref_server_on_retry(void *arg)
{
	struct ref_server *srv = arg;

	ref_loop_want(srv->loop, &srv->lio, REF_LOOP_IN);
}

/* ref_server_on_accept - take the pending connections. */
static void
ref_server_on_accept(void *arg, unsigned events)
{
	struct ref_server *srv = arg;
	struct sockaddr_storage ss;
	struct ref_sess *s;
	socklen_t sl;
	int fd, i;

	(void)events;
	for (i = 0; i < REF_ACCEPT_BATCH; i++) {
		sl = sizeof(ss);
		fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				ref_loop_want(srv->loop, &srv->lio, 0);
				ref_loop_timer_arm(srv->loop,
				    &srv->accept_retry, REF_ACCEPT_RETRY_MS,
				    ref_server_on_retry, srv);
			}
			return;
		}
		if ((long)srv->nsessions >= srv->conf->max_sessions) {
			ref_server_busy(srv, fd);
			continue;
		}
		s = ref_sess_new(srv, fd, (struct sockaddr *)&ss, sl);
		if (s == NULL)
			continue;
		s->next = srv->sessions;
		if (srv->sessions != NULL)
			srv->sessions->prev = s;
		srv->sessions = s;
		srv->nsessions++;
		/* Setup may have closed it before it was linked. */
		if (s->state == REF_SMTP_CLOSED)
			ref_server_kill(srv, s);
		else
			ref_sess_update(s);
	}
}

/* ref_server_kill - unlink from the live list, queue for freeing. */
void
ref_server_kill(struct ref_server *srv, struct ref_sess *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else if (srv->sessions == s)
		srv->sessions = s->next;
	else
		return;		/* not linked yet (setup failed) */
	if (s->next != NULL)
		s->next->prev = s->prev;
	srv->nsessions--;
	s->prev = NULL;
	s->next = srv->dead;
	srv->dead = s;
}

/* ref_server_commit_add - join the next group commit. */
void
ref_server_commit_add(struct ref_server *srv, struct ref_sess *s)
{
	s->commit_next = srv->commits;
	srv->commits = s;
}

/*
 * ref_server_commit - the group commit: start every file's writeback,
 * then fsync and rename each, then fsync new/ once for all of them (one
 * directory fsync per round, not per message: what made maildir delivery
 * slow with many sessions), then give each session its verdict. A message
 * is durable only when its own sync and the directory's both succeeded;
 * a failure gives 451 to the messages it touched only. Sessions that
 * died while held get no verdict: their files go when they are freed.
 */
static void
ref_server_commit(struct ref_server *srv)
{
	struct ref_sess *group, *s;
	size_t renamed = 0;
	bool dir_ok;

	group = srv->commits;
	srv->commits = NULL;
	for (s = group; s != NULL; s = s->commit_next)
		if (s->state != REF_SMTP_CLOSED &&
		    ref_store_flush(s->tx->msg) == -1)
			s->tx->store_failed = true;
	for (s = group; s != NULL; s = s->commit_next)
		if (s->state != REF_SMTP_CLOSED && !s->tx->store_failed) {
			if (ref_store_sync(srv->store, s->tx->msg) == 0)
				renamed++;
			else
				s->tx->store_failed = true;
		}
	dir_ok = renamed == 0 || ref_store_sync_dir(srv->store) == 0;
	while ((s = group) != NULL) {
		group = s->commit_next;
		s->commit_next = NULL;
		if (s->state != REF_SMTP_CLOSED) {
			if (!dir_ok)
				s->tx->store_failed = true;
			ref_store_finish(s->tx->msg, !s->tx->store_failed);
			s->tx->msg = NULL;
			ref_sess_commit_done(s, !s->tx->store_failed);
		} else {
			ref_sess_commit_done(s, false);
		}
	}
}

/*
 * ref_server_after - once per loop round, after dispatch: the group
 * commit (again while resumed sessions end more messages from input they
 * already hold), then free the dead sessions.
 */
static void
ref_server_after(void *arg)
{
	struct ref_server *srv = arg;
	struct ref_sess *s;

	while (srv->commits != NULL)
		ref_server_commit(srv);
	while ((s = srv->dead) != NULL) {
		srv->dead = s->next;
		ref_sess_free(s);
	}
}

/* ref_server_nofile - soft RLIMIT_NOFILE up to the hard limit. */
static void
ref_server_nofile(const struct ref_conf *conf)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	want = rl.rlim_max;
	if (want == RLIM_INFINITY || want > (rlim_t)REF_NOFILE_WANT)
		want = (rlim_t)REF_NOFILE_WANT;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;		/* keep what we have */
	}
	if (conf->verbose > 0)
		fprintf(stderr, "smtpref: ev=start loop=%s nofile=%llu\n",
		    ref_loop_backend_name(),
		    (unsigned long long)rl.rlim_cur);
}

/* ref_server_cert_fault - the tls-cert-* fault that is on, if any (the
 * first one in this order when several are). */
static bool
ref_server_cert_fault(const struct ref_conf *conf, enum ref_cert_kind *kind)
{
	static const struct {
		enum ref_fault		f;
		enum ref_cert_kind	k;
	} map[] = {
		{ REF_FAULT_TLS_CERT_EXPIRED, REF_CERT_EXPIRED },
		{ REF_FAULT_TLS_CERT_EXPIRING, REF_CERT_EXPIRING },
		{ REF_FAULT_TLS_CERT_WRONGHOST, REF_CERT_WRONGHOST },
		{ REF_FAULT_TLS_CERT_SELFSIGNED, REF_CERT_SELFSIGNED },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (conf->faults[map[i].f]) {
			*kind = map[i].k;
			return true;
		}
	return false;
}

/*
 * ref_server_tls - the TLS context: none, --cert/--key, or a minted
 * certificate (signed by the CA next to --cert when there is one).
 * Returns 0 or -1 with err set.
 */
static int
ref_server_tls(struct ref_server *srv, struct sc_err *err)
{
	const struct ref_conf *conf = srv->conf;
	enum ref_cert_kind kind;
	struct ref_cert mint;
	const char *slash;
	char *dir = NULL;
	unsigned flags = 0;
	bool minted;
	int rc;

	if (conf->faults[REF_FAULT_TLS_OLD_VERSIONS])
		flags |= REF_TLS_F_OLD_VERSIONS;
	if (conf->faults[REF_FAULT_TLS_WEAK_CIPHERS])
		flags |= REF_TLS_F_WEAK_CIPHERS;
	minted = ref_server_cert_fault(conf, &kind);
	if (minted) {
		if (conf->cert != NULL) {
			slash = strrchr(conf->cert, '/');
			dir = slash == NULL ? xstrdup(".") :
			    xstrndup(conf->cert, (size_t)(slash - conf->cert) +
			    (slash == conf->cert));
		}
		rc = ref_cert_mint(&mint, kind, dir, err);
		free(dir);
		if (rc == -1)
			return -1;
		srv->tls = ref_tls_new_pair(mint.cert, mint.key, flags, err);
		ref_cert_clear(&mint);
	} else if (conf->cert != NULL) {
		srv->tls = ref_tls_new(conf->cert, conf->key, flags, err);
	}
	if (srv->tls == NULL && (conf->cert != NULL || minted))
		return -1;
	if (conf->implicit_tls && srv->tls == NULL) {
		sc_err_set(err, "--implicit-tls", 0, 0,
		    "needs --cert and --key (or a tls-cert-* fault)");
		return -1;
	}
	return 0;
}

/* ref_server_new - listener and store. */
struct ref_server *
ref_server_new(const struct ref_conf *conf, struct ref_loop *loop,
    int *port, struct sc_err *err)
{
	struct ref_server *srv;

	srv = xcalloc(1, sizeof(*srv));
	srv->conf = conf;
	srv->loop = loop;
	srv->lfd = -1;
	ref_server_nofile(conf);
	if (conf->maildir != NULL) {
		srv->store = ref_store_open(conf->maildir, conf->hostname, err);
		if (srv->store == NULL)
			goto fail;
	}
	if (ref_server_tls(srv, err) == -1)
		goto fail;
	srv->lfd = ref_server_bind(conf->listen, port, err);
	if (srv->lfd == -1)
		goto fail;
	if (ref_loop_add(loop, &srv->lio, srv->lfd, REF_LOOP_IN,
	    ref_server_on_accept, srv) == -1) {
		sc_err_set(err, "--listen", 0, 0, "%s: %s",
		    ref_loop_backend_name(), strerror(errno));
		goto fail;
	}
	ref_loop_set_after(loop, ref_server_after, srv);
	return srv;
fail:
	ref_server_free(srv);
	return NULL;
}

/* ref_server_free - everything; copes with a half-built server. */
void
ref_server_free(struct ref_server *srv)
{
	struct ref_sess *s;

	if (srv == NULL)
		return;
	srv->commits = NULL;	/* held messages are removed with their tx */
	while ((s = srv->sessions) != NULL) {
		srv->sessions = s->next;
		ref_sess_free(s);
	}
	ref_server_after(srv);
	ref_loop_set_after(srv->loop, NULL, NULL);
	ref_loop_timer_cancel(srv->loop, &srv->accept_retry);
	ref_loop_del(srv->loop, &srv->lio);
	if (srv->lfd != -1)
		close(srv->lfd);
	ref_store_free(srv->store);
	ref_tls_free(srv->tls);
	free(srv);
}
