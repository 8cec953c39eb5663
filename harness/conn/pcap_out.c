/* SPDX-License-Identifier: ISC */
/*
 * pcap_out.c - a capture recorder as a pcap file (libpcap's dump API):
 * frames are built here, one TCP stream per recorded connection, with
 * real checksums so that no reader flags them.
 */
#include "pcap_out.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "cap.h"
#include "sc_limits.h"
#include "sc_util.h"

#define PO_ETH_LEN	14
#define PO_IP4_LEN	20
#define PO_IP6_LEN	40
#define PO_TCP_LEN	20
#define PO_FRAME_MAX	(PO_ETH_LEN + PO_IP6_LEN + PO_TCP_LEN + \
			    SC_CAPTURE_MSS4)
#define PO_TTL		64
#define PO_WINDOW	65535

#define PO_FIN	0x01
#define PO_SYN	0x02
#define PO_RST	0x04
#define PO_PSH	0x08
#define PO_ACK	0x10

#define PO_CLIENT	0
#define PO_SERVER	1

/* Initial sequence numbers: fixed, so that a capture is reproducible;
 * readers show them relative anyway. */
#define PO_ISN_CLIENT	0x10000000u
#define PO_ISN_SERVER	0x50000000u

struct po_side {
	const struct cap_addr *addr;
	unsigned int	 port;		/* as written */
	uint32_t	 next;		/* the next sequence number */
	bool		 fin;		/* its FIN is written */
	uint8_t		 mac[6];
};

struct po {
	pcap_dumper_t	*d;
	int		 family;
	struct po_side	 side[2];	/* PO_CLIENT, PO_SERVER */
	uint16_t	 ip_id;
	int64_t		 last_us;
};

/* pcap_out_server_port - 25 and 587 as they are, anything else as 25. */
unsigned int
pcap_out_server_port(unsigned int port)
{
	return port == 25 || port == 587 ? port : 25;
}

/* po_put16, po_put32 - big-endian stores. */
static void
po_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
po_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* po_sum - the one's-complement sum of p (RFC 1071), added to sum. */
static uint32_t
po_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* po_fold - the final checksum of a sum. */
static uint16_t
po_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* po_ip4 - the IPv4 header at p for tcplen bytes of TCP. */
static void
po_ip4(struct po *po, uint8_t *p, int from, size_t tcplen, bool tls)
{
	memset(p, 0, PO_IP4_LEN);
	p[0] = 0x45;
	p[1] = tls ? PCAP_OUT_DSCP_TLS << 2 : 0;
	po_put16(p + 2, (uint32_t)(PO_IP4_LEN + tcplen));
	po_put16(p + 4, po->ip_id++);
	p[6] = 0x40;			/* DF */
	p[8] = PO_TTL;
	p[9] = IPPROTO_TCP;
	memcpy(p + 12, po->side[from].addr->ip, 4);
	memcpy(p + 16, po->side[!from].addr->ip, 4);
	po_put16(p + 10, po_fold(po_sum(0, p, PO_IP4_LEN)));
}

/* po_ip6 - the IPv6 header at p for tcplen bytes of TCP. */
static void
po_ip6(struct po *po, uint8_t *p, int from, size_t tcplen, bool tls)
{
	uint32_t tc = tls ? PCAP_OUT_DSCP_TLS << 2 : 0;

	memset(p, 0, PO_IP6_LEN);
	po_put32(p, 6u << 28 | tc << 20);
	po_put16(p + 4, (uint32_t)tcplen);
	p[6] = IPPROTO_TCP;
	p[7] = PO_TTL;
	memcpy(p + 8, po->side[from].addr->ip, 16);
	memcpy(p + 24, po->side[!from].addr->ip, 16);
}

/* po_tcp_sum - the TCP checksum, with the pseudo-header of the family. */
static uint16_t
po_tcp_sum(const struct po *po, int from, const uint8_t *tcp, size_t len)
{
	size_t alen = po->family == AF_INET ? 4 : 16;
	uint8_t tail[8];
	uint32_t sum;

	sum = po_sum(0, po->side[from].addr->ip, alen);
	sum = po_sum(sum, po->side[!from].addr->ip, alen);
	memset(tail, 0, sizeof(tail));
	po_put32(tail, (uint32_t)len);
	tail[7] = IPPROTO_TCP;
	sum = po_sum(sum, tail, sizeof(tail));	/* the same sum for both
						   pseudo-header layouts */
	return po_fold(po_sum(sum, tcp, len));
}

/*
 * po_packet - one segment from side `from`: flags, len bytes of payload,
 * at wall_us. Sequence numbers advance by the payload, and by one for SYN
 * and FIN.
 */
static void
po_packet(struct po *po, int from, uint8_t flags, const uint8_t *payload,
    size_t len, bool tls, int64_t wall_us)
{
	uint8_t frame[PO_FRAME_MAX], *ip = frame + PO_ETH_LEN, *tcp;
	struct po_side *s = &po->side[from], *o = &po->side[!from];
	struct pcap_pkthdr h;
	size_t iplen = po->family == AF_INET ? PO_IP4_LEN : PO_IP6_LEN;
	size_t tcplen = PO_TCP_LEN + len;

	memcpy(frame, o->mac, 6);
	memcpy(frame + 6, s->mac, 6);
	po_put16(frame + 12, po->family == AF_INET ? 0x0800 : 0x86dd);
	if (po->family == AF_INET)
		po_ip4(po, ip, from, tcplen, tls);
	else
		po_ip6(po, ip, from, tcplen, tls);
	tcp = ip + iplen;
	memset(tcp, 0, PO_TCP_LEN);
	po_put16(tcp, s->port);
	po_put16(tcp + 2, o->port);
	po_put32(tcp + 4, s->next);
	po_put32(tcp + 8, flags & PO_ACK ? o->next : 0);
	tcp[12] = (PO_TCP_LEN / 4) << 4;
	tcp[13] = flags;
	po_put16(tcp + 14, PO_WINDOW);
	if (len > 0)
		memcpy(tcp + PO_TCP_LEN, payload, len);
	po_put16(tcp + 16, po_tcp_sum(po, from, tcp, tcplen));

	s->next += (uint32_t)len + ((flags & (PO_SYN | PO_FIN)) ? 1 : 0);
	if (wall_us < 0)
		wall_us = 0;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(wall_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(wall_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)(PO_ETH_LEN + iplen + tcplen);
	pcap_dump((u_char *)po->d, &h, frame);
	po->last_us = wall_us;
}

/* po_data - recorded bytes as segments of at most one MSS each. */
static void
po_data(struct po *po, int from, const struct cap_seg *sg)
{
	size_t mss = po->family == AF_INET ? SC_CAPTURE_MSS4 : SC_CAPTURE_MSS6;
	size_t off, n;

	for (off = 0; off < sg->len; off += n) {
		n = sg->len - off < mss ? sg->len - off : mss;
		po_packet(po, from, PO_ACK | (off + n == sg->len ? PO_PSH : 0),
		    sg->data + off, n, sg->tls, sg->wall_us);
	}
}

/* po_fin - side from's FIN, once. */
static void
po_fin(struct po *po, int from, int64_t wall_us)
{
	if (po->side[from].fin)
		return;
	po->side[from].fin = true;
	po_packet(po, from, PO_FIN | PO_ACK, NULL, 0, false, wall_us);
}

/* po_side_init - one endpoint of c. */
static void
po_side_init(struct po_side *s, const struct cap_addr *a, bool server,
    uint32_t isn)
{
	static const uint8_t mac[2][6] = {
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },	/* client */
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },	/* server */
	};

	memset(s, 0, sizeof(*s));
	s->addr = a;
	s->port = server ? pcap_out_server_port(a->port) : a->port;
	s->next = isn;
	memcpy(s->mac, mac[server], 6);
}

/* po_conn - one connection: handshake, what was recorded, the close. */
static void
po_conn(pcap_dumper_t *d, const struct cap_conn *c)
{
	const struct cap_addr *ca, *sa;
	const struct cap_seg *sg;
	struct po po;
	int from, first_fin = -1;
	size_t i;

	memset(&po, 0, sizeof(po));
	po.d = d;
	po.family = c->local.family == AF_INET6 || c->peer.family == AF_INET6 ?
	    AF_INET6 : AF_INET;
	ca = c->local_is_server ? &c->peer : &c->local;
	sa = c->local_is_server ? &c->local : &c->peer;
	po_side_init(&po.side[PO_CLIENT], ca, false, PO_ISN_CLIENT);
	po_side_init(&po.side[PO_SERVER], sa, true, PO_ISN_SERVER);

	po_packet(&po, PO_CLIENT, PO_SYN, NULL, 0, false, c->open_us);
	po_packet(&po, PO_SERVER, PO_SYN | PO_ACK, NULL, 0, false, c->open_us);
	po_packet(&po, PO_CLIENT, PO_ACK, NULL, 0, false, c->open_us);
	for (i = 0; i < c->n; i++) {
		sg = &c->v[i];
		from = sg->from_local == c->local_is_server ? PO_SERVER :
		    PO_CLIENT;
		switch (sg->kind) {
		case CAP_DATA:
			po_data(&po, from, sg);
			break;
		case CAP_FIN:
			if (first_fin == -1)
				first_fin = from;
			po_fin(&po, from, sg->wall_us);
			break;
		case CAP_RST:
			/* a reset ends the stream: no FIN exchange */
			po_packet(&po, from, PO_RST | PO_ACK, NULL, 0, false,
			    sg->wall_us);
			return;
		}
	}
	/* the recording may end before a side's FIN was seen (the harness
	 * closed and did not wait for the peer's): complete the exchange,
	 * and acknowledge the last FIN as a stack would */
	if (first_fin == -1)
		first_fin = c->local_is_server ? PO_SERVER : PO_CLIENT;
	po_fin(&po, first_fin, po.last_us);
	po_fin(&po, !first_fin, po.last_us);
	po_packet(&po, first_fin, PO_ACK, NULL, 0, false, po.last_us);
}

/* pcap_out_write - the whole recorder, one stream per connection. */
int
pcap_out_write(const struct cap_rec *rec, const char *path,
    struct sc_err *err)
{
	pcap_dumper_t *d;
	pcap_t *p;
	size_t i;
	int rc = 0;

	p = pcap_open_dead(DLT_EN10MB, SC_CAPTURE_SNAPLEN);
	if (p == NULL) {
		sc_err_set(err, path, 0, 0, "cannot write capture: libpcap "
		    "could not start");
		return -1;
	}
	d = pcap_dump_open(p, path);
	if (d == NULL) {
		sc_err_set(err, path, 0, 0, "cannot write capture: %s",
		    pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	for (i = 0; i < rec->n; i++)
		po_conn(d, rec->conns[i]);
	errno = 0;
	if (pcap_dump_flush(d) == -1 || ferror(pcap_dump_file(d))) {
		sc_err_set(err, path, 0, 0, "cannot write capture: %s",
		    errno != 0 ? strerror(errno) : "write error");
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}
