/* SPDX-License-Identifier: ISC */
/*
 * ref_tls.h - smtpref's server side of STARTTLS (RFC 3207): the OpenSSL
 * context built from --cert/--key, and non-blocking handshake, read and
 * write on one session's SSL.
 *
 * Knows no SMTP and owns no socket: ref_sess.c drives these from the
 * event loop. SSL_get_error codes and errno never leave this module; the
 * calls return a byte count or one of the REF_TLS_* results below.
 * The context is read-only once built; each SSL belongs to one session.
 */
#ifndef SC_REF_TLS_H
#define SC_REF_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sc_err;
struct ssl_st;		/* OpenSSL's SSL */
struct x509_st;		/* OpenSSL's X509 */
struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */
struct ref_tls;

/* ref_tls_new flags: the weakenings of the TLS fault profiles. */
#define REF_TLS_F_OLD_VERSIONS	0x01	/* TLS 1.0 and 1.1, security level
					 * 0 (fault tls-old-versions) */
#define REF_TLS_F_WEAK_CIPHERS	0x02	/* NULL and anonymous suites
					 * (fault tls-weak-ciphers) */

/* Results of ref_tls_accept, ref_tls_read and ref_tls_write. */
#define REF_TLS_OK		0	/* handshake done */
#define REF_TLS_WANT_READ	(-1)	/* call again when readable */
#define REF_TLS_WANT_WRITE	(-2)	/* call again when writable */
#define REF_TLS_EOF		(-3)	/* the peer closed */
#define REF_TLS_ERR		(-4)	/* fatal; see ref_tls_err_str */

/*
 * ref_tls_new - a server context with the certificate chain of cert_file
 * and the private key of key_file (PEM), TLS 1.2 or later unless flags
 * (REF_TLS_F_*) weaken it. Returns an owned context, or NULL with err
 * naming the file (a user error).
 */
struct ref_tls *ref_tls_new(const char *cert_file, const char *key_file,
	    unsigned flags, struct sc_err *err);
/* ref_tls_new_pair - the same with a certificate and key in memory (not
 * taken: the context keeps its own references). */
struct ref_tls *ref_tls_new_pair(struct x509_st *cert,
	    struct evp_pkey_st *key, unsigned flags, struct sc_err *err);
/* ref_tls_free - release; NULL is fine. */
void	ref_tls_free(struct ref_tls *);

/* ref_tls_ssl_new - a server SSL on fd (not taken), or NULL. The caller
 * owns it and frees it with ref_tls_ssl_free. */
struct ssl_st *ref_tls_ssl_new(struct ref_tls *, int fd);
/* ref_tls_ssl_free - one best-effort close_notify, then free; NULL is
 * fine. */
void	ref_tls_ssl_free(struct ssl_st *);

/* ref_tls_accept - one step of the handshake: REF_TLS_OK, _WANT_READ,
 * _WANT_WRITE, _EOF or _ERR. */
int	ref_tls_accept(struct ssl_st *);
/* ref_tls_read - up to n decrypted octets: the count (> 0) or a REF_TLS_*
 * result. */
ssize_t	ref_tls_read(struct ssl_st *, void *p, size_t n);
/* ref_tls_write - up to n octets (partial writes allowed): the count or a
 * REF_TLS_* result. The same octets must be offered again after a WANT;
 * the buffer may move. */
ssize_t	ref_tls_write(struct ssl_st *, const void *p, size_t n);
/* ref_tls_has_pending - decrypted octets buffered inside OpenSSL (the
 * socket will not signal them). */
bool	ref_tls_has_pending(struct ssl_st *);
/* ref_tls_version - "TLSv1.3" and the like, for logs. */
const char *ref_tls_version(struct ssl_st *);
/* ref_tls_err_str - the reason of the oldest queued OpenSSL error in one
 * line, or dflt; clears the queue. Borrowed, static text. */
const char *ref_tls_err_str(const char *dflt);

#endif /* SC_REF_TLS_H */
