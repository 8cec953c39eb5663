/* SPDX-License-Identifier: ISC */
/*
 * imp_flow.c - the flow table and TCP reassembly (RFC 9293 3.4, 3.10.7).
 *
 * A flow is one TCP connection, named by its two endpoints. Each side's
 * bytes are put back in sequence order: a retransmission or an overlap
 * gives only the octets not seen yet, a segment ahead of a gap is held
 * (at most IMP_OOO_SEGS_MAX segments and IMP_OOO_BYTES_MAX octets a side)
 * until the gap fills. Each time a side's stream grows, a turn records
 * it, so the scenario writer knows what the client had sent when each
 * reply came. A flow that breaks a limit, or whose gap never fills, gets
 * an error naming it and the offset, and takes no more bytes; the others
 * go on.
 *
 * XXX A second connection on the same four-tuple (port reuse) is read as
 * more of the first one.
 */
#include "imp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sc_limits.h"
#include "sc_util.h"

#define IMP_ADDR_NAME_MAX	64	/* "[v6]:port" */
#define IMP_FLOW_NAME_MAX	(2 * IMP_ADDR_NAME_MAX + 8) /* "A -> B" */

static const uint16_t imp_smtp_ports[] = { 25, 465, 587, 2525 };

void
imp_addr_str(const struct imp_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->a, ip, sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	if (a->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, size, "%s:%u", ip, a->port);
}

static bool
imp_addr_eq(const struct imp_addr *x, const struct imp_addr *y)
{
	return x->family == y->family && x->port == y->port &&
	    memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

/* imp_flow_name - "client -> server" once the roles are known. */
static void
imp_flow_name(const struct imp_flow *f, char *buf, size_t size)
{
	char a[IMP_ADDR_NAME_MAX], b[IMP_ADDR_NAME_MAX];
	int srv = imp_flow_server(f);

	imp_addr_str(&f->ep[1 - srv], a, sizeof(a));
	imp_addr_str(&f->ep[srv], b, sizeof(b));
	snprintf(buf, size, "%s -> %s", a, b);
}

/* imp_flow_side - "client" or "server" for side d. */
static const char *
imp_flow_side(const struct imp_flow *f, int d)
{
	return d == imp_flow_server(f) ? "server" : "client";
}

/* imp_flow_fail - the first error of f; it takes no more bytes. */
static void
imp_flow_fail(struct imp_flow *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
imp_flow_fail(struct imp_flow *f, const char *fmt, ...)
{
	char name[IMP_FLOW_NAME_MAX], *msg;
	va_list ap;

	if (f->err != NULL)
		return;
	imp_flow_name(f, name, sizeof(name));
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	f->err = xasprintf("flow %s: %s", name, msg);
	free(msg);
}

/* imp_flow_turn - side d's stream now ends at end. */
static void
imp_flow_turn(struct imp_flow *f, int d, size_t end)
{
	if (f->nturns > 0 && f->turns[f->nturns - 1].d == d) {
		f->turns[f->nturns - 1].end = end;
		return;
	}
	if (f->nturns >= IMP_TURNS_MAX) {
		imp_flow_fail(f, "more than %d turns of the conversation "
		    "(IMP_TURNS_MAX)", IMP_TURNS_MAX);
		return;
	}
	if (f->nturns == f->capturns) {
		f->capturns = f->capturns == 0 ? 64 : f->capturns * 2;
		f->turns = xreallocarray(f->turns, f->capturns,
		    sizeof(*f->turns));
	}
	f->turns[f->nturns].d = (uint8_t)d;
	f->turns[f->nturns].end = end;
	f->nturns++;
}

/* imp_dir_append - n new in-order octets of side d. */
static void
imp_dir_append(struct imp_flow *f, int d, const uint8_t *p, size_t n)
{
	struct imp_dir *dir = &f->d[d];

	if (f->err != NULL || n == 0)
		return;
	if (n > IMP_STREAM_MAX - dir->len) {
		imp_flow_fail(f, "the %s sent more than %d octets "
		    "(IMP_STREAM_MAX)", imp_flow_side(f, d), IMP_STREAM_MAX);
		return;
	}
	if (dir->len + n > dir->cap) {
		while (dir->len + n > dir->cap)
			dir->cap = dir->cap == 0 ? 4096 : dir->cap * 2;
		if (dir->cap > IMP_STREAM_MAX)
			dir->cap = IMP_STREAM_MAX;
		dir->buf = xrealloc(dir->buf, dir->cap);
	}
	memcpy(dir->buf + dir->len, p, n);
	dir->len += n;
	dir->next += (uint32_t)n;
	imp_flow_turn(f, d, dir->len);
}

/* imp_dir_put - a segment that starts at or before next: append what is
 * new in it. Returns false when it brought nothing (a retransmission). */
static bool
imp_dir_put(struct imp_flow *f, int d, uint32_t seq, const uint8_t *p,
    size_t len)
{
	int32_t rel = (int32_t)(seq - f->d[d].next);
	size_t skip = (size_t)-(int64_t)rel;

	if (skip >= len)
		return false;
	imp_dir_append(f, d, p + skip, len - skip);
	return true;
}

/* imp_dir_drain - held segments the stream has now reached. */
static void
imp_dir_drain(struct imp_flow *f, int d)
{
	struct imp_dir *dir = &f->d[d];
	struct imp_ooo *h;

	while ((h = dir->ooo) != NULL &&
	    (int32_t)(h->seq - dir->next) <= 0) {
		dir->ooo = h->next;
		dir->nooo--;
		dir->ooo_bytes -= h->len;
		if (!imp_dir_put(f, d, h->seq, h->data, h->len))
			dir->retrans++;
		free(h->data);
		free(h);
	}
}

/* imp_dir_hold - a segment ahead of a gap: keep it, sorted by seq. */
static void
imp_dir_hold(struct imp_flow *f, int d, uint32_t seq, const uint8_t *p,
    size_t len)
{
	struct imp_dir *dir = &f->d[d];
	struct imp_ooo *o, **pp;

	if (dir->nooo >= IMP_OOO_SEGS_MAX ||
	    len > IMP_OOO_BYTES_MAX - dir->ooo_bytes) {
		imp_flow_fail(f, "the %s's bytes have a gap at offset %zu "
		    "that did not fill while %d segments or %d octets after "
		    "it were held (IMP_OOO_SEGS_MAX, IMP_OOO_BYTES_MAX)",
		    imp_flow_side(f, d), dir->len, IMP_OOO_SEGS_MAX,
		    IMP_OOO_BYTES_MAX);
		return;
	}
	for (pp = &dir->ooo; *pp != NULL &&
	    (int32_t)((*pp)->seq - seq) <= 0; pp = &(*pp)->next)
		;
	o = xcalloc(1, sizeof(*o));
	o->seq = seq;
	o->data = xmemdup(p, len);
	o->len = len;
	o->next = *pp;
	*pp = o;
	dir->nooo++;
	dir->ooo_bytes += len;
}

/* imp_dir_take - one segment sent by side d. */
static void
imp_dir_take(struct imp_flow *f, int d, const struct imp_seg_in *s)
{
	struct imp_dir *dir = &f->d[d];
	uint32_t seq = s->seq;

	if (s->flags & IMP_TH_SYN) {
		/* the SYN takes one sequence number (RFC 9293 3.4) */
		seq++;
		if (!dir->syn) {
			dir->syn = true;
			if (!dir->started || dir->len == 0) {
				dir->started = true;
				dir->midstream = false;
				dir->base = dir->next = seq;
			}
		}
	}
	if (!dir->started) {
		/* The capture starts mid-flow: no SYN was seen, so the first
		 * sequence number seen is taken as offset 0 of this side. */
		dir->started = true;
		dir->midstream = true;
		dir->base = dir->next = seq;
	}
	if (s->flags & IMP_TH_FIN)
		dir->fin = true;
	if (s->flags & IMP_TH_RST)
		dir->rst = true;
	if ((s->flags & (IMP_TH_FIN | IMP_TH_RST)) && dir->closed_pkt == 0)
		dir->closed_pkt = s->number;
	if (s->len == 0 || f->err != NULL)
		return;
	if ((int32_t)(seq - dir->next) <= 0) {
		if (!imp_dir_put(f, d, seq, s->payload, s->len))
			dir->retrans++;
		imp_dir_drain(f, d);
	} else
		imp_dir_hold(f, d, seq, s->payload, s->len);
}

/* imp_flow_sender - which side of f sent s: 0, 1, or -1 (another flow). */
static int
imp_flow_sender(const struct imp_flow *f, const struct imp_seg_in *s)
{
	if (imp_addr_eq(&f->ep[0], &s->src) && imp_addr_eq(&f->ep[1], &s->dst))
		return 0;
	if (imp_addr_eq(&f->ep[1], &s->src) && imp_addr_eq(&f->ep[0], &s->dst))
		return 1;
	return -1;
}

/* imp_flow_find - the flow of s, and the side that sent it. Most packets
 * belong to the flow of the one before, which is tried first; then a
 * linear search, at most IMP_FLOWS_MAX long. */
static struct imp_flow *
imp_flow_find(struct imp_capture *c, const struct imp_seg_in *s, int *d)
{
	struct imp_flow *f;

	if (c->hit != NULL && (*d = imp_flow_sender(c->hit, s)) != -1)
		return c->hit;
	for (f = c->flows; f != NULL; f = f->next)
		if ((*d = imp_flow_sender(f, s)) != -1)
			return f;
	return NULL;
}

struct imp_flow *
imp_flow_add(struct imp_capture *c, const struct imp_seg_in *s)
{
	struct imp_flow *f;
	int d = 0;

	if ((f = imp_flow_find(c, s, &d)) == NULL) {
		if (c->nflows >= IMP_FLOWS_MAX) {
			c->skipped[IMP_SKIP_FLOWS]++;
			return NULL;
		}
		f = xcalloc(1, sizeof(*f));
		d = 0;
		f->ep[0] = s->src;
		f->ep[1] = s->dst;
		f->client = -1;
		f->first = s->ts;
		f->first_pkt = s->number;
		if (c->tail == NULL)
			c->flows = f;
		else
			c->tail->next = f;
		c->tail = f;
		c->nflows++;
	}
	c->hit = f;
	if ((s->flags & (IMP_TH_SYN | IMP_TH_ACK)) == IMP_TH_SYN)
		f->client = d;
	else if ((s->flags & (IMP_TH_SYN | IMP_TH_ACK)) ==
	    (IMP_TH_SYN | IMP_TH_ACK) && f->client == -1)
		f->client = 1 - d;
	imp_dir_take(f, d, s);
	return f;
}

static bool
imp_port_is_smtp(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(imp_smtp_ports) / sizeof(imp_smtp_ports[0]);
	    i++)
		if (port == imp_smtp_ports[i])
			return true;
	return false;
}

/* imp_starts_with_code - the stream starts with three digits. */
static bool
imp_starts_with_code(const struct imp_dir *dir)
{
	return dir->len >= 3 && dir->buf[0] >= '2' && dir->buf[0] <= '5' &&
	    dir->buf[1] >= '0' && dir->buf[1] <= '9' &&
	    dir->buf[2] >= '0' && dir->buf[2] <= '9';
}

int
imp_flow_server(const struct imp_flow *f)
{
	if (f->client == 0 || f->client == 1)
		return 1 - f->client;
	/* no SYN seen: the side that spoke first with a reply code, else
	 * the one on an SMTP port, else the one the first packet went to */
	if (imp_starts_with_code(&f->d[0]) && !imp_starts_with_code(&f->d[1]))
		return 0;
	if (imp_starts_with_code(&f->d[1]))
		return 1;
	if (imp_port_is_smtp(f->ep[0].port) && !imp_port_is_smtp(f->ep[1].port))
		return 0;
	return 1;
}

void
imp_flow_finish(struct imp_flow *f)
{
	int d;

	if (f->client == -1)
		f->client = 1 - imp_flow_server(f);
	for (d = 0; d < 2; d++)
		if (f->d[d].ooo != NULL)
			imp_flow_fail(f, "the %s's bytes have a gap at offset "
			    "%zu that never fills (the capture lost a "
			    "segment)", imp_flow_side(f, d), f->d[d].len);
}

/*
 * imp_is_smtp - the server side starts with a "220" reply, or the server
 * is on an SMTP port and its first bytes parse as a reply.
 */
bool
imp_is_smtp(const struct imp_flow *f)
{
	const struct imp_dir *dir = &f->d[imp_flow_server(f)];
	const uint8_t *nl;

	if (dir->len >= 4 && memcmp(dir->buf, "220", 3) == 0 &&
	    (dir->buf[3] == ' ' || dir->buf[3] == '-' || dir->buf[3] == '\r'))
		return true;
	if (!imp_port_is_smtp(f->ep[imp_flow_server(f)].port) ||
	    !imp_starts_with_code(dir))
		return false;
	nl = memchr(dir->buf, '\n', dir->len);
	return nl != NULL && (dir->len == 3 || dir->buf[3] == ' ' ||
	    dir->buf[3] == '-' || dir->buf[3] == '\r');
}

void
imp_flow_free(struct imp_flow *f)
{
	struct imp_ooo *o, *n;
	int d;

	if (f == NULL)
		return;
	for (d = 0; d < 2; d++) {
		for (o = f->d[d].ooo; o != NULL; o = n) {
			n = o->next;
			free(o->data);
			free(o);
		}
		free(f->d[d].buf);
	}
	free(f->turns);
	free(f->err);
	free(f);
}
