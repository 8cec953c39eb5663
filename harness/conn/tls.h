/* SPDX-License-Identifier: ISC */
/*
 * tls.h - OpenSSL client setup for conn: one context per run (trust store,
 * client certificate, key log) and one SSL object per connection.
 *
 * It does no I/O and knows no SMTP: conn_start_tls (conn.h) runs the
 * handshake with its deadline. Verification is on unless opts.insecure.
 * A tls_ctx is read-only once built, so threads may share it; each SSL
 * belongs to one conn. OpenSSL error codes and errno never leave tls_ and
 * conn_: failures come back as one line in struct sc_err.
 */
#ifndef SC_TLS_H
#define SC_TLS_H

#include <stdbool.h>

struct conn_tls_opts;
struct sc_err;
struct ssl_st;		/* OpenSSL's SSL */
struct tls_ctx;

struct tls_client_opts {
	const char	*ca_file;	/* PEM trust anchors; NULL: system */
	bool		 insecure;	/* handshake even when verify fails */
	const char	*cert_file;	/* client certificate chain, or NULL */
	const char	*key_file;	/* its key; NULL: in cert_file */
	const char	*sni_host;	/* SNI and name checked; NULL: host */
};

/*
 * tls_client_ctx_new - a client context. Trust comes from opts->ca_file,
 * or the system store when it is NULL; the server certificate is checked
 * (SSL_VERIFY_PEER) unless opts->insecure. If SSLKEYLOGFILE is set in the
 * environment now, every connection appends its secrets there (NSS key log
 * format, for Wireshark). Strings in opts are copied. Returns an owned
 * context, or NULL with err naming the file and what OpenSSL said.
 */
struct tls_ctx *tls_client_ctx_new(const struct tls_client_opts *opts,
	    struct sc_err *err);

/* tls_ctx_is_insecure - true when verification failures are tolerated. */
bool	tls_ctx_is_insecure(const struct tls_ctx *);

/*
 * tls_ssl_new - a client SSL on the connected socket fd, with SNI and the
 * name check set for host (an IP literal is matched against IP SANs, and
 * sends no SNI), or for opts->sni_host when that was given; hopts (may
 * be NULL) narrows versions and ciphers for this handshake. Writes never
 * raise SIGPIPE. Returns an SSL owned by the caller (SSL_free), or NULL
 * with err filled. Used by conn_start_tls only.
 */
struct ssl_st *tls_ssl_new(struct tls_ctx *, int fd, const char *host,
	    const struct conn_tls_opts *hopts, struct sc_err *err);

/*
 * tls_err_str - the reason of the oldest queued OpenSSL error in one line
 * ("wrong version number"), or dflt when the queue is empty. The queue is
 * cleared. Borrowed, static text.
 */
const char *tls_err_str(const char *dflt);

/*
 * tls_server_ctx_new - a server context (for `smtpcheck serve`) with the
 * PEM certificate chain cert_file and its key key_file (NULL: in
 * cert_file). TLS 1.2 and later, OpenSSL's default ciphers. SSLKEYLOGFILE
 * is honoured as for clients. Owned, or NULL with err naming the file.
 */
struct tls_ctx *tls_server_ctx_new(const char *cert_file,
	    const char *key_file, struct sc_err *err);

/* tls_ssl_new_server - a server SSL on fd; NULL with err. */
struct ssl_st *tls_ssl_new_server(struct tls_ctx *, int fd,
	    struct sc_err *err);

/* tls_ctx_free - release. NULL is fine. */
void	tls_ctx_free(struct tls_ctx *);

#endif /* SC_TLS_H */
