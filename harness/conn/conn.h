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
 * TLS arrives with its own issue, as a mode of the same connection.
 */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sc_err;
struct conn;

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
 * most cap, before deadline_us. *n gets the count on CONN_OK.
 */
enum conn_status conn_read(struct conn *, void *buf, size_t cap, size_t *n,
	    int64_t deadline_us, struct sc_err *err);

/* conn_shutdown_write - half-close: the peer sees EOF, we can still read. */
void	conn_shutdown_write(struct conn *);

/* conn_peer - "127.0.0.1:2525" of the connected peer; borrowed. */
const char *conn_peer(const struct conn *);

/* conn_free - close and release. NULL is fine. */
void	conn_free(struct conn *);

#endif /* CONN_H */
