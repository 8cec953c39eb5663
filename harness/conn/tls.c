/* SPDX-License-Identifier: ISC */
/*
 * tls.c - OpenSSL client contexts and per-connection SSL objects for conn.
 *
 * Trust store, client certificate, SNI and the RFC 6125 name check (via
 * X509_VERIFY_PARAM), and the SSLKEYLOGFILE key log. The socket BIO here
 * sends with MSG_NOSIGNAL so that a write to a closed peer is an error,
 * not a SIGPIPE. The handshake and record I/O live in conn.c. A tls_ctx
 * is immutable after tls_client_ctx_new and may be shared by threads.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "sc_util.h"

struct tls_ctx {
	SSL_CTX	*ssl_ctx;
	bool	 insecure;
	char	*sni_host;	/* NULL: the host given to tls_ssl_new */
	char	*keylog_path;	/* NULL: no key log */
};

static BIO_METHOD *tls_bio_method;
static pthread_once_t tls_bio_once = PTHREAD_ONCE_INIT;

/* tls_err_str - reason text of the first queued OpenSSL error. */
const char *
tls_err_str(const char *dflt)
{
	unsigned long e;
	const char *s;

	e = ERR_get_error();
	ERR_clear_error();
	if (e == 0)
		return dflt;
	s = ERR_reason_error_string(e);
	return s != NULL ? s : dflt;
}

/* tls_keylog_cb - append one NSS key log line to $SSLKEYLOGFILE. */
static void
tls_keylog_cb(const SSL *ssl, const char *line)
{
	struct tls_ctx *t;
	char *s;
	size_t len;
	int fd;

	t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (t == NULL || t->keylog_path == NULL)
		return;
	/* One O_APPEND write per line: threads' lines never interleave. A
	 * key log that cannot be written is a debugging aid lost, not a
	 * reason to fail the connection. */
	fd = open(t->keylog_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return;
	s = xasprintf("%s\n", line);
	len = strlen(s);
	(void)!write(fd, s, len);
	free(s);
	close(fd);
}

/* tls_bio_write - send without SIGPIPE; EAGAIN becomes a retry. */
static int
tls_bio_write(BIO *b, const char *p, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	do
		n = send(BIO_get_fd(b, NULL), p, (size_t)len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return (int)n;
}

/* tls_bio_read - recv; EAGAIN becomes a retry, 0 is EOF. */
static int
tls_bio_read(BIO *b, char *p, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	do
		n = recv(BIO_get_fd(b, NULL), p, (size_t)len, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	return (int)n;
}

/* tls_bio_puts - BIO_puts on the socket. */
static int
tls_bio_puts(BIO *b, const char *s)
{
	return tls_bio_write(b, s, (int)strlen(s));
}

/* tls_bio_ctrl - the few controls SSL uses on a socket BIO. */
static long
tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_C_SET_FD:
		BIO_set_data(b, (void *)(intptr_t)*(int *)ptr);
		BIO_set_init(b, 1);
		return 1;
	case BIO_C_GET_FD:
		if (!BIO_get_init(b))
			return -1;
		if (ptr != NULL)
			*(int *)ptr = (int)(intptr_t)BIO_get_data(b);
		return (long)(intptr_t)BIO_get_data(b);
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

/* tls_bio_init_method - build the BIO method once per process. */
static void
tls_bio_init_method(void)
{
	BIO_METHOD *m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
	    BIO_TYPE_DESCRIPTOR, "smtpcheck socket");
	if (m == NULL || BIO_meth_set_write(m, tls_bio_write) != 1 ||
	    BIO_meth_set_read(m, tls_bio_read) != 1 ||
	    BIO_meth_set_puts(m, tls_bio_puts) != 1 ||
	    BIO_meth_set_ctrl(m, tls_bio_ctrl) != 1)
		fatal("cannot build the OpenSSL socket BIO method");
	tls_bio_method = m;
}

/* tls_ctx_keylog - every connection of t appends its secrets to
 * $SSLKEYLOGFILE when it is set (NSS key log format, for Wireshark). */
static void
tls_ctx_keylog(struct tls_ctx *t)
{
	const char *kl = getenv("SSLKEYLOGFILE");

	if (kl != NULL && *kl != '\0') {
		t->keylog_path = xstrdup(kl);
		SSL_CTX_set_keylog_callback(t->ssl_ctx, tls_keylog_cb);
	}
}

/* tls_ssl_on_fd - a new SSL of t on the socket fd, through our BIO
 * (writes never raise SIGPIPE), partial writes allowed; NULL with err. */
static SSL *
tls_ssl_on_fd(struct tls_ctx *t, int fd, struct sc_err *err)
{
	SSL *ssl;
	BIO *b;

	pthread_once(&tls_bio_once, tls_bio_init_method);
	ERR_clear_error();
	ssl = SSL_new(t->ssl_ctx);
	b = ssl != NULL ? BIO_new(tls_bio_method) : NULL;
	if (b == NULL) {
		sc_err_set(err, "", 0, 0, "TLS: cannot create a session: %s",
		    tls_err_str("unknown error"));
		SSL_free(ssl);
		return NULL;
	}
	BIO_set_fd(b, fd, BIO_NOCLOSE);
	SSL_set_bio(ssl, b, b);
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ssl;
}

/* tls_ctx_use_cert - t presents the PEM chain cert_file with the key in
 * key_file (NULL: in cert_file); role names it in errors. 0 or -1. */
static int
tls_ctx_use_cert(struct tls_ctx *t, const char *cert_file,
    const char *key_file, const char *role, struct sc_err *err)
{
	const char *kf = key_file != NULL ? key_file : cert_file;

	if (SSL_CTX_use_certificate_chain_file(t->ssl_ctx, cert_file) != 1) {
		sc_err_set(err, cert_file, 0, 0, "cannot load the %s "
		    "certificate: %s", role, tls_err_str("bad certificate"));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ssl_ctx, kf, SSL_FILETYPE_PEM) !=
	    1 || SSL_CTX_check_private_key(t->ssl_ctx) != 1) {
		sc_err_set(err, kf, 0, 0, "cannot use the %s key: %s", role,
		    tls_err_str("bad key"));
		return -1;
	}
	return 0;
}

/* tls_client_ctx_new - SSL_CTX with trust, client cert and key log. */
struct tls_ctx *
tls_client_ctx_new(const struct tls_client_opts *opts, struct sc_err *err)
{
	struct tls_ctx *t;

	t = xcalloc(1, sizeof(*t));
	t->insecure = opts->insecure;
	if (opts->sni_host != NULL)
		t->sni_host = xstrdup(opts->sni_host);
	ERR_clear_error();
	t->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (t->ssl_ctx == NULL) {
		sc_err_set(err, "", 0, 0, "TLS: cannot create a context: %s",
		    tls_err_str("unknown error"));
		goto fail;
	}
	SSL_CTX_set_app_data(t->ssl_ctx, t);
	if (opts->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(t->ssl_ctx, opts->ca_file,
		    NULL) != 1) {
			sc_err_set(err, opts->ca_file, 0, 0, "cannot load CA "
			    "certificates: %s", tls_err_str("no certificate"));
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(t->ssl_ctx) != 1) {
		sc_err_set(err, "", 0, 0, "TLS: cannot load the system trust "
		    "store: %s", tls_err_str("unknown error"));
		goto fail;
	}
	/* Under SSL_VERIFY_NONE OpenSSL still verifies the chain and the
	 * name and keeps the result: insecure only stops a failure from
	 * aborting the handshake, and conn reports it in conn_tls_info. */
	SSL_CTX_set_verify(t->ssl_ctx, opts->insecure ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	if (opts->cert_file != NULL && tls_ctx_use_cert(t, opts->cert_file,
	    opts->key_file, "client", err) == -1)
		goto fail;
	tls_ctx_keylog(t);
	return t;
fail:
	tls_ctx_free(t);
	return NULL;
}

/* tls_ctx_is_insecure - verification failures tolerated? */
bool
tls_ctx_is_insecure(const struct tls_ctx *t)
{
	return t->insecure;
}

/* tls_is_ip - is s an IPv4 or IPv6 address literal? */
static bool
tls_is_ip(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/*
 * tls_ssl_narrow - one handshake's versions, ciphers and verification.
 * Old versions and weak suites sit below OpenSSL 3's default security
 * level 1 (TLS 1.0/1.1 need SHA-1 signatures), so asking for either
 * drops this SSL's level to 0: the point is to see if the server agrees.
 */
static int
tls_ssl_narrow(SSL *ssl, const struct conn_tls_opts *o, struct sc_err *err)
{
	bool old = (o->min_version != 0 && o->min_version < TLS1_2_VERSION) ||
	    (o->max_version != 0 && o->max_version < TLS1_2_VERSION);

	if (o->any_cert)
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (old || o->ciphers != NULL)
		SSL_set_security_level(ssl, 0);
	if ((o->min_version != 0 &&
	    SSL_set_min_proto_version(ssl, o->min_version) != 1) ||
	    (o->max_version != 0 &&
	    SSL_set_max_proto_version(ssl, o->max_version) != 1)) {
		sc_err_set(err, "", 0, 0, "TLS: cannot limit the protocol "
		    "versions: %s", tls_err_str("unsupported version"));
		return -1;
	}
	if (o->ciphers != NULL && SSL_set_cipher_list(ssl, o->ciphers) != 1) {
		sc_err_set(err, "", 0, 0, "TLS: this OpenSSL has none of the "
		    "ciphers \"%s\": %s", o->ciphers,
		    tls_err_str("no cipher match"));
		return -1;
	}
	return 0;
}

/* tls_ssl_new - SSL on fd with SNI and the name to check. */
SSL *
tls_ssl_new(struct tls_ctx *t, int fd, const char *host,
    const struct conn_tls_opts *hopts, struct sc_err *err)
{
	X509_VERIFY_PARAM *vp;
	const char *name;
	SSL *ssl;
	int ok;

	name = t->sni_host != NULL ? t->sni_host : host;
	if ((ssl = tls_ssl_on_fd(t, fd, err)) == NULL)
		return NULL;
	if (hopts != NULL && tls_ssl_narrow(ssl, hopts, err) == -1) {
		SSL_free(ssl);
		return NULL;
	}
	vp = SSL_get0_param(ssl);
	if (tls_is_ip(name)) {
		/* RFC 6066 3: no IP literals in SNI. */
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, name);
	} else {
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		ok = SSL_set1_host(ssl, name) == 1 &&
		    SSL_set_tlsext_host_name(ssl, name) == 1;
	}
	if (ok != 1) {
		sc_err_set(err, "", 0, 0, "TLS: cannot use \"%s\" as the "
		    "server name: %s", name, tls_err_str("invalid name"));
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* tls_server_ctx_new - SSL_CTX with a certificate, for serve. */
struct tls_ctx *
tls_server_ctx_new(const char *cert_file, const char *key_file,
    struct sc_err *err)
{
	struct tls_ctx *t;

	t = xcalloc(1, sizeof(*t));
	ERR_clear_error();
	t->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (t->ssl_ctx == NULL) {
		sc_err_set(err, "", 0, 0, "TLS: cannot create a context: %s",
		    tls_err_str("unknown error"));
		goto fail;
	}
	SSL_CTX_set_app_data(t->ssl_ctx, t);
	(void)SSL_CTX_set_min_proto_version(t->ssl_ctx, TLS1_2_VERSION);
	if (tls_ctx_use_cert(t, cert_file, key_file, "server", err) == -1)
		goto fail;
	tls_ctx_keylog(t);
	return t;
fail:
	tls_ctx_free(t);
	return NULL;
}

/* tls_ssl_new_server - SSL on fd, accepting. */
SSL *
tls_ssl_new_server(struct tls_ctx *t, int fd, struct sc_err *err)
{
	return tls_ssl_on_fd(t, fd, err);
}

/* tls_ctx_free - SSL_CTX and strings. */
void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ssl_ctx);
	free(t->sni_host);
	free(t->keylog_path);
	free(t);
}
