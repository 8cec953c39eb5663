/* SPDX-License-Identifier: ISC */
/*
 * conn.c - TCP with deadlines: non-blocking sockets and poll(2), so that
 * every operation ends by its deadline whatever the peer does.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sc_util.h"

#define CONN_PEER_MAX	(INET6_ADDRSTRLEN + 16)

struct conn {
	int	 fd;
	char	 peer[CONN_PEER_MAX];
};

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
	return "???";
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

/* conn_write - all of p before the deadline. */
enum conn_status
conn_write(struct conn *c, const void *p, size_t len, int64_t deadline_us,
    struct sc_err *err)
{
	const char *s = p;
	ssize_t n;
	int r;

	while (len > 0) {
		n = send(c->fd, s, len, MSG_NOSIGNAL);
		if (n > 0) {
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
		return (errno == EPIPE || errno == ECONNRESET) ? CONN_EOF :
		    CONN_ERR;
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

	for (;;) {
		r = recv(c->fd, buf, cap, 0);
		if (r > 0) {
			*n = (size_t)r;
			return CONN_OK;
		}
		if (r == 0)
			return CONN_EOF;
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
			return CONN_EOF;
		}
		sc_err_set(err, c->peer, 0, 0, "read: %s", strerror(errno));
		return CONN_ERR;
	}
}

/* conn_shutdown_write - send FIN, keep reading. */
void
conn_shutdown_write(struct conn *c)
{
	(void)shutdown(c->fd, SHUT_WR);
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
	close(c->fd);
	free(c);
}
