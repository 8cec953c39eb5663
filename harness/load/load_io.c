/* SPDX-License-Identifier: ISC */
/*
 * load_io.c - one load session's transport: a non-blocking TCP socket,
 * in clear or through TLS, that never waits.
 *
 * Every call returns what it did at once, or LOAD_IO_WANT_READ /
 * LOAD_IO_WANT_WRITE (try again when the socket says so), LOAD_IO_EOF or
 * LOAD_IO_ERR. errno and SSL_get_error codes stay in this file. The SSL
 * comes from tls_ssl_new (harness/conn/tls.c: our socket BIO, so writes
 * never raise SIGPIPE, and EAGAIN becomes an OpenSSL retry); the run's
 * context is insecure, so the handshake finishes whatever the
 * certificate. Writes in clear are one sendmsg of every pending piece.
 */
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sc_util.h"
#include "tls.h"

/* load_io_connect - socket, options, connect started. */
int
load_io_connect(struct load_io *io, const void *sa, size_t salen, char *msg,
    size_t msgsize)
{
	const struct sockaddr *s = sa;
	int one = 1, fd;

	io->ssl = NULL;
	io->tls_done = false;
	fd = socket(s->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(msg, msgsize, "socket: %s", strerror(errno));
		io->fd = -1;
		return -1;
	}
	/* Each write is a whole command group or message: no Nagle wait. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	io->fd = fd;
	if (connect(fd, s, (socklen_t)salen) == -1 && errno != EINPROGRESS) {
		snprintf(msg, msgsize, "connect: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* load_io_connected - SO_ERROR after the socket became writable. */
int
load_io_connected(struct load_io *io, char *msg, size_t msgsize)
{
	socklen_t len = sizeof(int);
	int e = 0;

	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		snprintf(msg, msgsize, "connect: %s", strerror(e));
		return -1;
	}
	return 0;
}

/* load_io_tls_start - an SSL on the socket, handshake not yet run. */
int
load_io_tls_start(struct load_io *io, struct tls_ctx *ctx, const char *host,
    char *msg, size_t msgsize)
{
	struct sc_err err = { 0 };

	io->ssl = tls_ssl_new(ctx, io->fd, host, NULL, &err);
	if (io->ssl == NULL) {
		snprintf(msg, msgsize, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* load_io_ssl_result - an SSL_* return that is not a success. */
static int
load_io_ssl_result(struct load_io *io, int rc, char *msg, size_t msgsize)
{
	int e = SSL_get_error(io->ssl, rc);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return LOAD_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return LOAD_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return LOAD_IO_EOF;
	case SSL_ERROR_SYSCALL:
		if (msg != NULL)
			snprintf(msg, msgsize, "TLS: %s", rc == 0 || errno == 0 ?
			    "the peer closed" : strerror(errno));
		ERR_clear_error();
		return rc == 0 ? LOAD_IO_EOF : LOAD_IO_ERR;
	default:
		if (msg != NULL)
			snprintf(msg, msgsize, "TLS: %s",
			    tls_err_str("handshake failed"));
		ERR_clear_error();
		return LOAD_IO_ERR;
	}
}

/* load_io_handshake - one step of SSL_connect. */
int
load_io_handshake(struct load_io *io, char *msg, size_t msgsize)
{
	int rc;

	ERR_clear_error();
	rc = SSL_connect(io->ssl);
	if (rc == 1) {
		io->tls_done = true;
		return 0;
	}
	return load_io_ssl_result(io, rc, msg, msgsize);
}

/* load_io_read - recv or SSL_read. */
long
load_io_read(struct load_io *io, void *buf, size_t cap)
{
	ssize_t n;
	int rc;

	if (io->ssl != NULL) {
		ERR_clear_error();
		rc = SSL_read(io->ssl, buf, cap > INT32_MAX ? INT32_MAX :
		    (int)cap);
		if (rc > 0)
			return rc;
		return load_io_ssl_result(io, rc, NULL, 0);
	}
	do
		n = recv(io->fd, buf, cap, 0);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		return (long)n;
	if (n == 0)
		return LOAD_IO_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return LOAD_IO_WANT_READ;
	return LOAD_IO_ERR;
}

/* load_io_pending - decrypted bytes wait inside the SSL. */
bool
load_io_pending(const struct load_io *io)
{
	return io->ssl != NULL && SSL_pending(io->ssl) > 0;
}

/*
 * load_io_writev - sendmsg of every piece (MSG_NOSIGNAL: a closed peer is
 * an error here, not a signal), or SSL_write piece by piece, stopping at
 * the first short write. Partial writes are on (tls.c), so a retry after
 * WANT_WRITE may come with the same piece moved on.
 */
long
load_io_writev(struct load_io *io, const struct iovec *v, int n)
{
	struct msghdr mh;
	ssize_t w;
	long total;
	int i, rc;

	if (io->ssl != NULL) {
		total = 0;
		for (i = 0; i < n; i++) {
			if (v[i].iov_len == 0)
				continue;
			ERR_clear_error();
			rc = SSL_write(io->ssl, v[i].iov_base,
			    v[i].iov_len > INT32_MAX ? INT32_MAX :
			    (int)v[i].iov_len);
			if (rc <= 0) {
				if (total > 0)
					return total;
				return load_io_ssl_result(io, rc, NULL, 0);
			}
			total += rc;
			if ((size_t)rc < v[i].iov_len)
				break;
		}
		return total;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)v;
	mh.msg_iovlen = (size_t)n;
	do
		w = sendmsg(io->fd, &mh, MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w >= 0)
		return (long)w;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return LOAD_IO_WANT_WRITE;
	return LOAD_IO_ERR;
}

/* load_io_close - a close_notify if the socket takes it at once (never
 * waited for: the session is over either way), the SSL, then fd. */
void
load_io_close(struct load_io *io)
{
	if (io->ssl != NULL) {
		if (io->tls_done) {
			ERR_clear_error();
			(void)SSL_shutdown(io->ssl);
			ERR_clear_error();
		}
		SSL_free(io->ssl);
		io->ssl = NULL;
	}
	if (io->fd != -1) {
		/* An abortive close (RST): the session is over either way,
		 * and a FIN would leave a TIME_WAIT behind for each one, which
		 * at thousands of sessions a second fills the ephemeral ports
		 * and makes every connect search them (smtp-source does the
		 * same). */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(io->fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		close(io->fd);
	}
	io->fd = -1;
	io->tls_done = false;
}
