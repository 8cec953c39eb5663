/* SPDX-License-Identifier: ISC */
/*
 * conn.c - TCP with deadlines: non-blocking sockets and poll(2), so that
 * every operation ends by its deadline whatever the peer does. After
 * conn_start_tls the same calls run OpenSSL's SSL_read/SSL_write on that
 * socket, turning WANT_READ/WANT_WRITE into polls; SSL_get_error codes and
 * errno stay here. The SSL objects come from tls.c.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cap.h"
#include "sc_util.h"
#include "tls.h"

#define CONN_PEER_MAX	(INET6_ADDRSTRLEN + 16)

struct conn {
	int	 fd;
	char	 peer[CONN_PEER_MAX];
	SSL	*ssl;		/* NULL: plain TCP */
	bool	 tls_dead;	/* fatal TLS error: no close_notify */
	struct cap_conn *cap;	/* --pcap: where to record, or NULL */
};

static enum conn_status conn_tls_read(struct conn *, void *, size_t, size_t *,
	    int64_t, struct sc_err *);
static enum conn_status conn_tls_handshake(struct conn *, SSL *,
	    struct tls_ctx *, bool, const struct conn_tls_opts *, int64_t,
	    struct conn_tls_info *, struct sc_err *);
static enum conn_status conn_tls_write(struct conn *, const void *, size_t,
	    int64_t, struct sc_err *);

/* conn_status_str - name for logs. */
const char *
conn_status_str(enum conn_status s)
{
	switch (s) {
	case CONN_OK: return "ok";
	case CONN_EOF: return "eof";
	case CONN_TIMEOUT: return "timeout";
	case CONN_ERR: return "error";
	}
	/* only a bug of ours can get here: say which value it was */
	{
		static _Thread_local char buf[32];

		snprintf(buf, sizeof(buf), "??" "?(%d)", (int)s);
		return buf;
	}
}

/* conn_cap_data - record bytes that passed, if c is recorded: in TLS
 * mode they are the decrypted stream, and marked so. */
static void
conn_cap_data(struct conn *c, bool out, const void *p, size_t n)
{
	if (c->cap != NULL)
		cap_data(c->cap, out, c->ssl != NULL, p, n, sc_wall_us());
}

/* conn_cap_end - record a side's FIN, or a reset. */
static void
conn_cap_end(struct conn *c, bool local, bool reset)
{
	if (c->cap == NULL)
		return;
	if (reset)
		cap_rst(c->cap, local, sc_wall_us());
	else
		cap_fin(c->cap, local, sc_wall_us());
}

/* conn_target_parse - HOST:PORT or [V6]:PORT. */
int
conn_target_parse(const char *target, char **host, char **port,
    struct sc_err *err)
{
	const char *colon, *h, *hend;
	long pnum;

	if (target == NULL || *target == '\0') {
		sc_err_set(err, "", 0, 0, "empty target: expected HOST:PORT");
		return -1;
	}
	if (target[0] == '[') {
		hend = strchr(target, ']');
		if (hend == NULL || hend[1] != ':') {
			sc_err_set(err, "", 0, 0, "bad target \"%s\": expected "
			    "[IPv6]:PORT", target);
			return -1;
		}
		h = target + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(target, ':');
		if (colon == NULL || strchr(target, ':') != colon) {
			sc_err_set(err, "", 0, 0, "bad target \"%s\": expected "
			    "HOST:PORT (IPv6 as [::1]:PORT)", target);
			return -1;
		}
		h = target;
		hend = colon;
	}
	if (hend == h || sc_parse_long(colon + 1, 1, 65535, &pnum) == -1) {
		sc_err_set(err, "", 0, 0, "bad target \"%s\": expected "
		    "HOST:PORT with a port in 1-65535", target);
		return -1;
	}
	*host = xstrndup(h, (size_t)(hend - h));
	*port = xstrdup(colon + 1);
	return 0;
}

/* conn_wait - poll fd for events until deadline; 1 ready, 0 timeout. */
static int
conn_wait(int fd, short events, int64_t deadline_us)
{
	struct pollfd pfd;
	int64_t left;
	int r;

	for (;;) {
		left = deadline_us - sc_now_us();
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)((left + 999) / 1000));
		if (r > 0)
			return 1;
		if (r == 0)
			continue;	/* re-check the clock */
		if (errno != EINTR)
			return -1;
	}
}

/* conn_format_peer - "addr:port" text for a sockaddr. */
static void
conn_format_peer(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	int port;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(buf, size, "[%s]:%d", host, port);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(buf, size, "%s:%d", host, port);
	}
}

/* conn_connect_one - one address; fd on success, -1 with *why set. */
static int
conn_connect_one(const struct addrinfo *ai, int64_t deadline_us,
    enum conn_status *st, int *why)
{
	socklen_t len;
	int fd, one = 1, soerr = 0, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		*st = CONN_ERR;
		*why = errno;
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*st = CONN_ERR;
		*why = errno;
		close(fd);
		return -1;
	}
	r = conn_wait(fd, POLLOUT, deadline_us);
	if (r == 0) {
		*st = CONN_TIMEOUT;
		*why = ETIMEDOUT;
		close(fd);
		return -1;
	}
	len = sizeof(soerr);
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1
	    || soerr != 0) {
		*st = CONN_ERR;
		*why = r < 0 ? errno : soerr;
		close(fd);
		return -1;
	}
	return fd;
}

/* conn_connect - try each address until one connects or time runs out. */
enum conn_status
conn_connect(const char *host, const char *port, int64_t deadline_us,
    struct conn **out, struct sc_err *err)
{
	struct addrinfo hints, *res, *ai;
	enum conn_status st = CONN_ERR;
	struct conn *c;
	int fd = -1, why = 0, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		sc_err_set(err, "", 0, 0, "%s:%s: cannot resolve: %s", host,
		    port, gai_strerror(gai));
		return CONN_ERR;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = conn_connect_one(ai, deadline_us, &st, &why);
		if (fd != -1)
			break;
		if (st == CONN_TIMEOUT)
			break;
	}
	if (fd == -1) {
		sc_err_set(err, "", 0, 0, "%s:%s: connect: %s", host, port,
		    st == CONN_TIMEOUT ? "timed out" : strerror(why));
		freeaddrinfo(res);
		return st;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	conn_format_peer(ai->ai_addr, c->peer, sizeof(c->peer));
	freeaddrinfo(res);
	*out = c;
	return CONN_OK;
}

/* conn_listen - a listening socket on host:port (port "0": any free). */
int
conn_listen(const char *host, const char *port, char *bound, size_t size,
    struct sc_err *err)
{
	struct addrinfo hints, *res;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		sc_err_set(err, "", 0, 0, "%s:%s: cannot resolve: %s", host,
		    port, gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, res->ai_protocol);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 || bind(fd, res->ai_addr, res->ai_addrlen) ==
	    -1 || listen(fd, CONN_LISTEN_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		sc_err_set(err, "", 0, 0, "%s:%s: cannot listen: %s", host,
		    port, strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (bound != NULL)
		conn_format_peer((struct sockaddr *)&ss, bound, size);
	return fd;
}

/* conn_accept - one client from lfd before the deadline. */
enum conn_status
conn_accept(int lfd, int64_t deadline_us, struct conn **out,
    struct sc_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	int fd, one = 1, r;

	for (;;) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC |
		    SOCK_NONBLOCK);
		if (fd != -1)
			break;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			sc_err_set(err, "", 0, 0, "accept: %s", strerror(errno));
			return CONN_ERR;
		}
		r = conn_wait(lfd, POLLIN, deadline_us);
		if (r == 0) {
			sc_err_set(err, "", 0, 0, "no client connected in time");
			return CONN_TIMEOUT;
		}
		if (r < 0) {
			sc_err_set(err, "", 0, 0, "accept: poll: %s",
			    strerror(errno));
			return CONN_ERR;
		}
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	conn_format_peer((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	*out = c;
	return CONN_OK;
}

/* conn_write - all of p before the deadline. */
enum conn_status
conn_write(struct conn *c, const void *p, size_t len, int64_t deadline_us,
    struct sc_err *err)
{
	const char *s = p;
	ssize_t n;
	int r;

	if (c->ssl != NULL)
		return conn_tls_write(c, p, len, deadline_us, err);
	while (len > 0) {
		n = send(c->fd, s, len, MSG_NOSIGNAL);
		if (n > 0) {
			conn_cap_data(c, true, s, (size_t)n);
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r = conn_wait(c->fd, POLLOUT, deadline_us);
			if (r == 0) {
				sc_err_set(err, c->peer, 0, 0, "write timed out "
				    "with %zu bytes unsent", len);
				return CONN_TIMEOUT;
			}
			if (r > 0)
				continue;
		}
		sc_err_set(err, c->peer, 0, 0, "write: %s", strerror(errno));
		if (errno == EPIPE || errno == ECONNRESET) {
			/* the peer's stack refused our bytes: a reset */
			conn_cap_end(c, false, true);
			return CONN_EOF;
		}
		return CONN_ERR;
	}
	return CONN_OK;
}

/* conn_read - some bytes, before the deadline. */
enum conn_status
conn_read(struct conn *c, void *buf, size_t cap, size_t *n, int64_t deadline_us,
    struct sc_err *err)
{
	ssize_t r;
	int w;

	if (c->ssl != NULL)
		return conn_tls_read(c, buf, cap, n, deadline_us, err);
	for (;;) {
		r = recv(c->fd, buf, cap, 0);
		if (r > 0) {
			*n = (size_t)r;
			conn_cap_data(c, false, buf, *n);
			return CONN_OK;
		}
		if (r == 0) {
			conn_cap_end(c, false, false);
			return CONN_EOF;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			w = conn_wait(c->fd, POLLIN, deadline_us);
			if (w == 0)
				return CONN_TIMEOUT;
			if (w > 0)
				continue;
		}
		if (errno == ECONNRESET) {
			sc_err_set(err, c->peer, 0, 0, "connection reset by peer");
			conn_cap_end(c, false, true);
			return CONN_EOF;
		}
		sc_err_set(err, c->peer, 0, 0, "read: %s", strerror(errno));
		return CONN_ERR;
	}
}

/* conn_tls_wait - poll for what SSL asked for; 1 retry, 0 timeout, -1. */
static int
conn_tls_wait(struct conn *c, int sslerr, int64_t deadline_us)
{
	return conn_wait(c->fd, sslerr == SSL_ERROR_WANT_WRITE ? POLLOUT :
	    POLLIN, deadline_us);
}

/* conn_tls_unexpected_eof - is the queued error a close without
 * close_notify (OpenSSL 3 reports it as an SSL error)? */
static bool
conn_tls_unexpected_eof(void)
{
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
	unsigned long e = ERR_peek_error();

	return ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#else
	return false;
#endif
}

/* conn_tls_read - SSL_read before the deadline. */
static enum conn_status
conn_tls_read(struct conn *c, void *buf, size_t cap, size_t *n,
    int64_t deadline_us, struct sc_err *err)
{
	int r, e, w, saved;

	if (cap > INT_MAX)
		cap = INT_MAX;
	for (;;) {
		/* SSL_read first: records already decrypted (SSL_pending) or
		 * buffered come back without polling a quiet socket. */
		ERR_clear_error();
		errno = 0;
		r = SSL_read(c->ssl, buf, (int)cap);
		saved = errno;
		if (r > 0) {
			*n = (size_t)r;
			conn_cap_data(c, false, buf, *n);
			return CONN_OK;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = conn_tls_wait(c, e, deadline_us);
			if (w > 0)
				continue;
			if (w == 0)
				return CONN_TIMEOUT;
			sc_err_set(err, c->peer, 0, 0, "TLS read: poll: %s",
			    strerror(errno));
			return CONN_ERR;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			ERR_clear_error();
			conn_cap_end(c, false, false);	/* close_notify */
			return CONN_EOF;
		}
		c->tls_dead = true;
		if ((e == SSL_ERROR_SSL && conn_tls_unexpected_eof()) ||
		    (e == SSL_ERROR_SYSCALL && saved == 0)) {
			ERR_clear_error();
			sc_err_set(err, c->peer, 0, 0, "closed without a TLS "
			    "close_notify");
			conn_cap_end(c, false, false);
			return CONN_EOF;
		}
		if (e == SSL_ERROR_SYSCALL) {
			ERR_clear_error();
			if (saved == ECONNRESET) {
				sc_err_set(err, c->peer, 0, 0,
				    "connection reset by peer");
				conn_cap_end(c, false, true);
				return CONN_EOF;
			}
			sc_err_set(err, c->peer, 0, 0, "TLS read: %s",
			    strerror(saved));
			return CONN_ERR;
		}
		sc_err_set(err, c->peer, 0, 0, "TLS read: %s",
		    tls_err_str("TLS protocol error"));
		return CONN_ERR;
	}
}

/* conn_tls_write - all of p through SSL_write before the deadline. */
static enum conn_status
conn_tls_write(struct conn *c, const void *p, size_t len, int64_t deadline_us,
    struct sc_err *err)
{
	const char *s = p;
	int r, e, w, saved;

	while (len > 0) {
		/* Partial writes are on (tls_ssl_new), so a retry after
		 * WANT_WRITE repeats the same bytes, as SSL_write requires. */
		ERR_clear_error();
		errno = 0;
		r = SSL_write(c->ssl, s, len > INT_MAX ? INT_MAX : (int)len);
		saved = errno;
		if (r > 0) {
			conn_cap_data(c, true, s, (size_t)r);
			s += r;
			len -= (size_t)r;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = conn_tls_wait(c, e, deadline_us);
			if (w > 0)
				continue;
			if (w == 0) {
				sc_err_set(err, c->peer, 0, 0, "TLS write timed "
				    "out with %zu bytes unsent", len);
				return CONN_TIMEOUT;
			}
			sc_err_set(err, c->peer, 0, 0, "TLS write: poll: %s",
			    strerror(errno));
			return CONN_ERR;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			ERR_clear_error();
			sc_err_set(err, c->peer, 0, 0, "TLS write: the peer "
			    "sent close_notify");
			return CONN_EOF;
		}
		c->tls_dead = true;
		if (e == SSL_ERROR_SYSCALL) {
			ERR_clear_error();
			sc_err_set(err, c->peer, 0, 0, "TLS write: %s",
			    saved != 0 ? strerror(saved) : "connection closed");
			if (saved == EPIPE || saved == ECONNRESET)
				conn_cap_end(c, false, true);
			return (saved == 0 || saved == EPIPE ||
			    saved == ECONNRESET) ? CONN_EOF : CONN_ERR;
		}
		sc_err_set(err, c->peer, 0, 0, "TLS write: %s",
		    tls_err_str("TLS protocol error"));
		return CONN_ERR;
	}
	return CONN_OK;
}

/* conn_copy - NUL-terminated copy of src, cut to size. */
static void
conn_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* conn_tls_name - RFC 2253 text of name (escaped by OpenSSL), cut. */
static void
conn_tls_name(const X509_NAME *name, char *buf, size_t size)
{
	BIO *b;
	int n;

	buf[0] = '\0';
	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(b, buf, (int)size - 1);
		buf[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
}

/* conn_tls_fill_info - what the handshake got this far. */
static void
conn_tls_fill_info(SSL *ssl, struct conn_tls_info *info)
{
	const SSL_CIPHER *ci;
	STACK_OF(X509) *chain;
	const ASN1_TIME *na;
	X509 *x;
	struct tm tm;
	long vr;
	int days, secs;

	if (info == NULL)
		return;
	memset(info, 0, sizeof(*info));
	conn_copy(info->version, sizeof(info->version), SSL_get_version(ssl));
	ci = SSL_get_current_cipher(ssl);
	if (ci != NULL)
		conn_copy(info->cipher, sizeof(info->cipher),
		    SSL_CIPHER_get_name(ci));
	x = SSL_get0_peer_certificate(ssl);
	if (x == NULL) {
		/* A failed verification leaves the certificate in the chain
		 * only. */
		chain = SSL_get_peer_cert_chain(ssl);
		if (chain != NULL && sk_X509_num(chain) > 0)
			x = sk_X509_value(chain, 0);
	}
	vr = SSL_get_verify_result(ssl);
	info->verified = x != NULL && vr == X509_V_OK;
	if (!info->verified)
		conn_copy(info->verify_error, sizeof(info->verify_error),
		    x == NULL ? "no server certificate" :
		    X509_verify_cert_error_string(vr));
	if (x == NULL)
		return;
	conn_tls_name(X509_get_subject_name(x), info->subject,
	    sizeof(info->subject));
	conn_tls_name(X509_get_issuer_name(x), info->issuer,
	    sizeof(info->issuer));
	na = X509_get0_notAfter(x);
	if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1 &&
	    strftime(info->not_after, sizeof(info->not_after),
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		info->not_after[0] = '\0';
	if (na != NULL && ASN1_TIME_diff(&days, &secs, NULL, na) == 1)
		info->days_left = days;
	/* issued by itself: names match and its own key verifies it */
	info->self_signed = X509_check_issued(x, x) == X509_V_OK;
}

/* conn_tls_version_parse - "1.2" or "TLSv1.2" to TLS1_2_VERSION. */
int
conn_tls_version_parse(const char *s)
{
	static const struct {
		const char *name;
		int	 v;
	} tab[] = {
		{ "1.0", TLS1_VERSION }, { "1.1", TLS1_1_VERSION },
		{ "1.2", TLS1_2_VERSION }, { "1.3", TLS1_3_VERSION },
	};
	size_t i;

	if (strncmp(s, "TLSv", 4) == 0)
		s += 4;
	if (strcmp(s, "1") == 0)	/* OpenSSL says "TLSv1" for 1.0 */
		s = "1.0";
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(s, tab[i].name) == 0)
			return tab[i].v;
	return 0;
}

/* conn_tls_version_cmp - compare "TLSv1.2" with "TLSv1.3". */
int
conn_tls_version_cmp(const char *a, const char *b)
{
	int va = conn_tls_version_parse(a), vb = conn_tls_version_parse(b);

	return (va > vb) - (va < vb);
}

/* conn_start_tls - non-blocking SSL_connect, then TLS mode. */
enum conn_status
conn_start_tls(struct conn *c, struct tls_ctx *ctx, const char *host,
    const struct conn_tls_opts *opts, int64_t deadline_us,
    struct conn_tls_info *info, struct sc_err *err)
{
	SSL *ssl;

	if (c->ssl != NULL)
		fatal("conn_start_tls: %s is already in TLS mode", c->peer);
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	ssl = tls_ssl_new(ctx, c->fd, host, opts, err);
	if (ssl == NULL)
		return CONN_ERR;
	return conn_tls_handshake(c, ssl, ctx, false, opts, deadline_us, info,
	    err);
}

/* conn_accept_tls - the server side of the handshake. */
enum conn_status
conn_accept_tls(struct conn *c, struct tls_ctx *ctx, int64_t deadline_us,
    struct conn_tls_info *info, struct sc_err *err)
{
	SSL *ssl;

	if (c->ssl != NULL)
		fatal("conn_accept_tls: %s is already in TLS mode", c->peer);
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	ssl = tls_ssl_new_server(ctx, c->fd, err);
	if (ssl == NULL)
		return CONN_ERR;
	return conn_tls_handshake(c, ssl, ctx, true, NULL, deadline_us, info,
	    err);
}

/*
 * conn_tls_handshake - drive SSL_connect or SSL_accept on ssl to the end
 * or the deadline; on success c goes into TLS mode with ssl, else ssl is
 * freed.
 */
static enum conn_status
conn_tls_handshake(struct conn *c, SSL *ssl, struct tls_ctx *ctx,
    bool server, const struct conn_tls_opts *opts, int64_t deadline_us,
    struct conn_tls_info *info, struct sc_err *err)
{
	enum conn_status st;
	long vr;
	int r, e, w, saved;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = server ? SSL_accept(ssl) : SSL_connect(ssl);
		saved = errno;
		if (r == 1) {
			conn_tls_fill_info(ssl, info);
			c->ssl = ssl;
			return CONN_OK;
		}
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = conn_tls_wait(c, e, deadline_us);
			if (w > 0)
				continue;
			if (w == 0) {
				st = CONN_TIMEOUT;
				sc_err_set(err, c->peer, 0, 0, "TLS handshake "
				    "timed out");
			} else {
				st = CONN_ERR;
				sc_err_set(err, c->peer, 0, 0, "TLS handshake: "
				    "poll: %s", strerror(errno));
			}
			break;
		}
		vr = SSL_get_verify_result(ssl);
		if (!server && vr != X509_V_OK && !tls_ctx_is_insecure(ctx) &&
		    (opts == NULL || !opts->any_cert)) {
			st = CONN_ERR;
			sc_err_set(err, c->peer, 0, 0, "TLS: certificate verify "
			    "failed: %s", X509_verify_cert_error_string(vr));
		} else if (e == SSL_ERROR_ZERO_RETURN ||
		    (e == SSL_ERROR_SSL && conn_tls_unexpected_eof()) ||
		    (e == SSL_ERROR_SYSCALL && saved == 0)) {
			st = CONN_EOF;
			sc_err_set(err, c->peer, 0, 0, "the peer closed the "
			    "connection during the TLS handshake");
			conn_cap_end(c, false, false);
		} else if (e == SSL_ERROR_SYSCALL) {
			st = saved == ECONNRESET ? CONN_EOF : CONN_ERR;
			if (saved == ECONNRESET)
				conn_cap_end(c, false, true);
			sc_err_set(err, c->peer, 0, 0, "TLS handshake: %s",
			    strerror(saved));
		} else {
			st = CONN_ERR;
			sc_err_set(err, c->peer, 0, 0, "TLS handshake failed: "
			    "%s", tls_err_str("TLS protocol error"));
		}
		break;
	}
	ERR_clear_error();
	conn_tls_fill_info(ssl, info);
	SSL_free(ssl);
	return st;
}

/* conn_is_tls - in TLS mode? */
bool
conn_is_tls(const struct conn *c)
{
	return c->ssl != NULL;
}

/* conn_tls_close_notify - send close_notify once if the socket takes it
 * now; never waits, never after a fatal error (SSL_shutdown(3)). */
static void
conn_tls_close_notify(struct conn *c)
{
	if (c->ssl == NULL || c->tls_dead ||
	    (SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN))
		return;
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

/* conn_shutdown_write - send FIN, keep reading. */
void
conn_shutdown_write(struct conn *c)
{
	conn_tls_close_notify(c);
	(void)shutdown(c->fd, SHUT_WR);
	conn_cap_end(c, true, false);
}

/* conn_set_capture - record c into rec from now on. */
int
conn_set_capture(struct conn *c, struct cap_rec *rec, bool local_is_server)
{
	struct sockaddr_storage ls, ps;
	struct cap_addr la, pa;
	socklen_t ll = sizeof(ls), pl = sizeof(ps);

	if (getsockname(c->fd, (struct sockaddr *)&ls, &ll) == -1 ||
	    getpeername(c->fd, (struct sockaddr *)&ps, &pl) == -1 ||
	    cap_addr_from(&la, (struct sockaddr *)&ls) == -1 ||
	    cap_addr_from(&pa, (struct sockaddr *)&ps) == -1)
		return -1;
	c->cap = cap_conn_add(rec, &la, &pa, local_is_server, sc_wall_us());
	return 0;
}

/* conn_peer - the peer's address text. */
const char *
conn_peer(const struct conn *c)
{
	return c->peer;
}

/* conn_free - close. */
void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	conn_tls_close_notify(c);
	SSL_free(c->ssl);
	close(c->fd);
	conn_cap_end(c, true, false);	/* none after a reset or a FIN */
	free(c);
}
