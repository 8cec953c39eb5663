/* SPDX-License-Identifier: ISC */
/*
 * ref_tls.c - OpenSSL for smtpref's STARTTLS (RFC 3207): the server
 * context and non-blocking handshake, read and write.
 *
 * TLS 1.2 and later, no renegotiation, no client certificates; the TLS
 * fault profiles (REF_TLS_F_*) allow TLS 1.0/1.1 or weak cipher suites. Writes
 * allow partial progress and a moving buffer, because ref_sess compacts
 * its output buffer between calls. SIGPIPE is ignored by ref_loop, so the
 * socket BIO's plain write() cannot kill the server.
 */
#include "ref_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sc_util.h"

struct ref_tls {
	SSL_CTX	*ctx;
};

/* ref_tls_err_str - one line from the OpenSSL error queue. */
const char *
ref_tls_err_str(const char *dflt)
{
	static char buf[256];
	unsigned long e = ERR_get_error();
	const char *r;

	ERR_clear_error();
	if (e == 0)
		return dflt;
	r = ERR_reason_error_string(e);
	if (r != NULL)
		return r;
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}

/*
 * The tls-weak-ciphers list: everything OpenSSL has, NULL encryption
 * (eNULL, e.g. ECDHE-ECDSA-NULL-SHA) and no authentication (aNULL, e.g.
 * AECDH-NULL-SHA) included, at security level 0. Client preference is
 * kept, so a client that offers only strong suites still gets one.
 */
#define REF_TLS_WEAK_CIPHERS	"ALL:eNULL:@SECLEVEL=0"

/* ref_tls_ctx_new - a context without certificate; NULL with err set. */
static struct ref_tls *
ref_tls_ctx_new(unsigned flags, struct sc_err *err)
{
	struct ref_tls *t = xcalloc(1, sizeof(*t));

	ERR_clear_error();
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (t->ctx == NULL) {
		sc_err_set(err, "--cert", 0, 0, "TLS context: %s",
		    ref_tls_err_str("failed"));
		goto fail;
	}
	if (flags & REF_TLS_F_OLD_VERSIONS) {
		/* TLS 1.0/1.1 sign with SHA-1 and MD5: level 0 only. */
		SSL_CTX_set_security_level(t->ctx, 0);
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION);
	} else {
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	}
	if ((flags & REF_TLS_F_WEAK_CIPHERS) &&
	    SSL_CTX_set_cipher_list(t->ctx, REF_TLS_WEAK_CIPHERS) != 1) {
		sc_err_set(err, "--fault", 0, 0, "tls-weak-ciphers: %s",
		    ref_tls_err_str("no such ciphers"));
		goto fail;
	}
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* A client that closes without close_notify is an EOF, as in clear
	 * text: there is no length-delimited data to truncate in SMTP
	 * (the end of DATA is explicit). */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return t;
fail:
	ref_tls_free(t);
	return NULL;
}

/* ref_tls_new_pair - the context for a certificate in memory. */
struct ref_tls *
ref_tls_new_pair(X509 *cert, EVP_PKEY *key, unsigned flags,
    struct sc_err *err)
{
	struct ref_tls *t;

	if ((t = ref_tls_ctx_new(flags, err)) == NULL)
		return NULL;
	if (SSL_CTX_use_certificate(t->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(t->ctx, key) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		sc_err_set(err, "--fault", 0, 0, "minted certificate: %s",
		    ref_tls_err_str("rejected"));
		ref_tls_free(t);
		return NULL;
	}
	return t;
}

/* ref_tls_new - the server context. */
struct ref_tls *
ref_tls_new(const char *cert_file, const char *key_file, unsigned flags,
    struct sc_err *err)
{
	struct ref_tls *t;

	if ((t = ref_tls_ctx_new(flags, err)) == NULL)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != 1) {
		sc_err_set(err, cert_file, 0, 0, "certificate: %s",
		    ref_tls_err_str("cannot load"));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key_file, SSL_FILETYPE_PEM) !=
	    1) {
		sc_err_set(err, key_file, 0, 0, "private key: %s",
		    ref_tls_err_str("cannot load"));
		goto fail;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		sc_err_set(err, key_file, 0, 0,
		    "private key does not match the certificate: %s",
		    ref_tls_err_str("mismatch"));
		goto fail;
	}
	return t;
fail:
	ref_tls_free(t);
	return NULL;
}

/* ref_tls_free - release. */
void
ref_tls_free(struct ref_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/* ref_tls_ssl_new - a server SSL on fd. */
SSL *
ref_tls_ssl_new(struct ref_tls *t, int fd)
{
	SSL *ssl;

	ERR_clear_error();
	ssl = SSL_new(t->ctx);
	if (ssl == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

/* ref_tls_ssl_free - close_notify once, without waiting, and free. */
void
ref_tls_ssl_free(SSL *ssl)
{
	if (ssl == NULL)
		return;
	if (SSL_is_init_finished(ssl))
		(void)SSL_shutdown(ssl);
	ERR_clear_error();
	SSL_free(ssl);
}

/* ref_tls_result - SSL_get_error to a REF_TLS_* result. */
static int
ref_tls_result(SSL *ssl, int rc)
{
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return REF_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return REF_TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return REF_TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (errno == EINTR)
			return REF_TLS_WANT_READ;
		/* OpenSSL 3: an EOF without close_notify is an SSL error;
		 * a bare 0 from the socket still lands here. */
		return ERR_peek_error() == 0 && errno == 0 ? REF_TLS_EOF :
		    REF_TLS_ERR;
	default:
		return REF_TLS_ERR;
	}
}

/* ref_tls_accept - one handshake step. */
int
ref_tls_accept(SSL *ssl)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_accept(ssl);
	if (rc == 1)
		return REF_TLS_OK;
	return ref_tls_result(ssl, rc);
}

/* ref_tls_read - decrypted octets. */
ssize_t
ref_tls_read(SSL *ssl, void *p, size_t n)
{
	size_t got = 0;
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_read_ex(ssl, p, n, &got);
	if (rc == 1)
		return (ssize_t)got;
	return ref_tls_result(ssl, rc);
}

/* ref_tls_write - encrypt and send. */
ssize_t
ref_tls_write(SSL *ssl, const void *p, size_t n)
{
	size_t put = 0;
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_write_ex(ssl, p, n, &put);
	if (rc == 1)
		return (ssize_t)put;
	return ref_tls_result(ssl, rc);
}

/* ref_tls_has_pending - buffered plaintext. */
bool
ref_tls_has_pending(SSL *ssl)
{
	return SSL_pending(ssl) > 0;
}

/* ref_tls_version - for logs. */
const char *
ref_tls_version(SSL *ssl)
{
	return SSL_get_version(ssl);
}
