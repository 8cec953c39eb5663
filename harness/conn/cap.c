/* SPDX-License-Identifier: ISC */
/*
 * cap.c - the capture recorder: connections and what happened on them,
 * in memory, bounded by SC_CAPTURE_BYTES_MAX per recorder.
 */
#include "cap.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sc_limits.h"
#include "sc_util.h"

/* cap_rec_new - an empty recorder. */
struct cap_rec *
cap_rec_new(void)
{
	return xcalloc(1, sizeof(struct cap_rec));
}

/* cap_conn_free - one connection and its bytes. */
static void
cap_conn_free(struct cap_conn *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].data);
	free(c->v);
	free(c);
}

/* cap_rec_free - everything the recorder holds. */
void
cap_rec_free(struct cap_rec *rec)
{
	size_t i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->n; i++)
		cap_conn_free(rec->conns[i]);
	free(rec->conns);
	free(rec);
}

/* cap_rec_truncated - bytes were dropped at the limit. */
bool
cap_rec_truncated(const struct cap_rec *rec)
{
	return rec->truncated;
}

/* cap_addr_from - a sockaddr as a family-neutral endpoint. */
int
cap_addr_from(struct cap_addr *a, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		a->family = AF_INET;
		memcpy(a->ip, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		/* a dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d:
		 * written as IPv6 they would not be the addresses on the
		 * wire */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->ip, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &s6->sin6_addr, 16);
		}
		a->port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}

/* cap_conn_add - a new connection, last in rec. */
struct cap_conn *
cap_conn_add(struct cap_rec *rec, const struct cap_addr *local,
    const struct cap_addr *peer, bool local_is_server, int64_t wall_us)
{
	struct cap_conn *c;

	c = xcalloc(1, sizeof(*c));
	c->rec = rec;
	c->local = *local;
	c->peer = *peer;
	c->local_is_server = local_is_server;
	c->open_us = wall_us;
	rec->conns = xreallocarray(rec->conns, rec->n + 1,
	    sizeof(*rec->conns));
	rec->conns[rec->n++] = c;
	return c;
}

/* cap_push - append one event; NULL after a reset (nothing follows). */
static struct cap_seg *
cap_push(struct cap_conn *c, enum cap_kind kind, bool from_local,
    int64_t wall_us)
{
	struct cap_seg *sg;

	if (c->reset)
		return NULL;
	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 16 : c->cap * 2;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	sg = &c->v[c->n++];
	memset(sg, 0, sizeof(*sg));
	sg->kind = kind;
	sg->from_local = from_local;
	sg->wall_us = wall_us;
	return sg;
}

/* cap_data - bytes one way, unless the recorder is full. */
void
cap_data(struct cap_conn *c, bool from_local, bool tls, const void *p,
    size_t len, int64_t wall_us)
{
	struct cap_seg *sg;

	if (len == 0 || c->reset)
		return;
	if (c->rec->truncated ||
	    len > SC_CAPTURE_BYTES_MAX - c->rec->bytes) {
		/* keep the beginning of the exchange, like the transcript */
		c->rec->truncated = true;
		return;
	}
	sg = cap_push(c, CAP_DATA, from_local, wall_us);
	sg->tls = tls;
	sg->data = xmemdup(p, len);
	sg->len = len;
	c->rec->bytes += len;
}

/* cap_fin - the first FIN of a side. */
void
cap_fin(struct cap_conn *c, bool from_local, int64_t wall_us)
{
	bool *seen = from_local ? &c->local_fin : &c->peer_fin;

	if (*seen || c->reset)
		return;
	*seen = true;
	(void)cap_push(c, CAP_FIN, from_local, wall_us);
}

/* cap_rst - the connection was reset. */
void
cap_rst(struct cap_conn *c, bool from_local, int64_t wall_us)
{
	if (c->reset)
		return;
	(void)cap_push(c, CAP_RST, from_local, wall_us);
	c->reset = true;
}
