/* SPDX-License-Identifier: ISC */
/*
 * conn.h - the harness's transport: one TCP connection with a deadline on
 * every connect, read and write.
 *
 * conn deals in bytes, not SMTP. Every call takes an absolute deadline
 * (sc_now_us() microseconds) and returns when it is reached: nothing here
 * can hang. Errno values never leave this module: failures come back as a
 * status and a message in struct sc_err naming the peer.
 *
 * TLS is a mode of the same connection: after conn_start_tls, conn_read
 * and conn_write carry TLS records with the same deadlines. STARTTLS is
 * conn_connect, the SMTP exchange, then conn_start_tls; implicit TLS
 * (port 465, RFC 8314 3.3) is conn_connect then conn_start_tls at once.
 */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_limits.h"

struct sc_err;
struct conn;
struct tls_ctx;

enum conn_status {
	CONN_OK = 0,
	CONN_EOF,	/* the peer closed (read side) */
	CONN_TIMEOUT,	/* the deadline passed */
	CONN_ERR,	/* reset, refused, unreachable: see err */
};

const char *conn_status_str(enum conn_status);

/*
 * conn_target_parse - split "HOST:PORT", "[IPv6]:PORT" into owned host
 * and port strings. Returns 0, or -1 with err filled.
 */
int	conn_target_parse(const char *target, char **host, char **port,
	    struct sc_err *err);

/*
 * conn_connect - TCP connect to host:port (every address getaddrinfo
 * gives, in order) before deadline_us. TCP_NODELAY is set, so that one
 * write step leaves as one segment where it fits. Returns CONN_OK with
 * *out owned by the caller, or CONN_TIMEOUT / CONN_ERR with err filled.
 */
enum conn_status conn_connect(const char *host, const char *port,
	    int64_t deadline_us, struct conn **out, struct sc_err *err);

/* conn_write - write all len bytes before deadline_us. */
enum conn_status conn_write(struct conn *, const void *p, size_t len,
	    int64_t deadline_us, struct sc_err *err);

/*
 * conn_read - read what is available (at least one byte) into buf, at
 * most cap, before deadline_us. *n gets the count on CONN_OK. Under TLS,
 * records already decrypted (SSL_pending) are returned before the socket
 * is polled; CONN_EOF comes on close_notify, and also on a bare TCP close,
 * then with err saying the close_notify was missing.
 */
enum conn_status conn_read(struct conn *, void *buf, size_t cap, size_t *n,
	    int64_t deadline_us, struct sc_err *err);

/*
 * What the handshake gave, for reports. Text fields are NUL-terminated,
 * cut to size; subject and issuer are RFC 2253 with peer bytes escaped.
 */
struct conn_tls_info {
	char	version[CONN_TLS_VERSION_MAX];	/* "TLSv1.3" */
	char	cipher[CONN_TLS_CIPHER_MAX];	/* "TLS_AES_256_GCM_SHA384" */
	char	subject[CONN_TLS_NAME_MAX];	/* of the server certificate */
	char	issuer[CONN_TLS_NAME_MAX];
	char	not_after[CONN_TLS_TIME_MAX];	/* RFC 3339 UTC, "...Z" */
	long	days_left;		/* whole days to not_after; < 0: past */
	bool	verified;		/* chain and name checked out */
	bool	self_signed;		/* the certificate issued itself */
	char	verify_error[CONN_TLS_VERIFY_MAX]; /* "" when verified */
};

/*
 * What one handshake offers, beyond the context's defaults. Scenarios use
 * these to ask a server whether it still accepts old protocol versions or
 * weak ciphers: the handshake is then expected to fail. A zeroed struct
 * (or NULL) means the defaults: OpenSSL's versions, ciphers and security
 * level, and the context's verification policy.
 */
struct conn_tls_opts {
	bool	 any_cert;	/* finish even when verification fails, as
				   with --insecure; info still says why */
	int	 min_version;	/* TLS1_VERSION..TLS1_3_VERSION; 0: default */
	int	 max_version;	/* 0: default */
	const char *ciphers;	/* OpenSSL list for TLS <= 1.2, or NULL;
				   setting it also lowers the security level
				   to 0, so that weak suites can be offered */
};

/*
 * conn_start_tls - run a TLS client handshake on c before deadline_us,
 * with ctx's trust and client certificate, checking the certificate
 * against host (a name, or an IP literal matched to IP SANs) unless ctx
 * names another. From then on conn_read and conn_write go through TLS.
 *
 * The caller must first have consumed every byte it read in clear (its
 * reply parser drained: RFC 3207 4.2, nothing read before the handshake
 * may be used after it); conn keeps no buffer of its own, so any bytes
 * the server sent early are read as handshake data and fail it. Calling
 * it twice on one conn is a bug (fatal).
 *
 * Returns CONN_OK, info (if not NULL) filled; CONN_TIMEOUT; CONN_EOF when
 * the peer closed during the handshake; or CONN_ERR with err saying why
 * in one line, e.g. "TLS: certificate verify failed: certificate has
 * expired". When verification fails and ctx is insecure, the handshake
 * goes on and info says verified=false with the reason (so too with
 * opts->any_cert). opts may be NULL. On a failure,
 * info is filled as far as the server's certificate was seen. ctx must
 * outlive c.
 */
enum conn_status conn_start_tls(struct conn *c, struct tls_ctx *ctx,
	    const char *host, const struct conn_tls_opts *opts,
	    int64_t deadline_us, struct conn_tls_info *info,
	    struct sc_err *err);

/*
 * conn_tls_version_parse - "1.0", "1.1", "1.2", "1.3" (or "TLSv1.2") to
 * OpenSSL's version number; 0 when s names none of them.
 */
int	conn_tls_version_parse(const char *s);
/* conn_tls_version_cmp - order of two names as conn_tls_info gives them
 * ("TLSv1.2" < "TLSv1.3"): <0, 0, >0; unknown names sort first. */
int	conn_tls_version_cmp(const char *a, const char *b);

/*
 * conn_accept_tls - the server side: a TLS handshake on an accepted c
 * with ctx's certificate (tls_server_ctx_new), before deadline_us. The
 * client's certificate is not asked for. Same results as conn_start_tls;
 * info (if not NULL) gets the version and cipher.
 */
enum conn_status conn_accept_tls(struct conn *c, struct tls_ctx *ctx,
	    int64_t deadline_us, struct conn_tls_info *info,
	    struct sc_err *err);

/*
 * conn_listen - a non-blocking listening TCP socket on host:port ("0" for
 * a free port); bound (if not NULL) gets "addr:port" as bound. Returns the
 * fd (the caller closes it), or -1 with err filled.
 */
int	conn_listen(const char *host, const char *port, char *bound,
	    size_t size, struct sc_err *err);
/* conn_accept - the next client of lfd, before deadline_us: CONN_OK with
 * *out owned by the caller, CONN_TIMEOUT or CONN_ERR (err). */
enum conn_status conn_accept(int lfd, int64_t deadline_us, struct conn **out,
	    struct sc_err *err);

/* conn_is_tls - true after a successful conn_start_tls. */
bool	conn_is_tls(const struct conn *);

/*
 * conn_shutdown_write - half-close: the peer sees EOF, we can still read.
 * Under TLS a close_notify goes first (without waiting for the peer's).
 */
void	conn_shutdown_write(struct conn *);

/*
 * conn_set_capture - record, from now on, what c carries into rec (cap.h,
 * for --pcap): a new connection in rec with the socket's real addresses
 * (getsockname, getpeername), then every byte conn_read and conn_write
 * pass (marked when it went through TLS), each side's close and a reset.
 * local_is_server: we accepted c (`serve`). rec must outlive c. Returns
 * 0, or -1 when the socket's addresses cannot be had (nothing recorded).
 */
struct cap_rec;
int	conn_set_capture(struct conn *c, struct cap_rec *rec,
	    bool local_is_server);

/* conn_peer - "127.0.0.1:2525" of the connected peer; borrowed. */
const char *conn_peer(const struct conn *);

/*
 * conn_free - close and release. NULL is fine. Under TLS a close_notify is
 * sent if the socket takes it at once; conn_free never waits.
 */
void	conn_free(struct conn *);

#endif /* CONN_H */
