/* SPDX-License-Identifier: ISC */
/*
 * test_pcap_out.c - the capture recorder (cap.c) and its pcap writer
 * (pcap_out.c): recorders built by hand are written, read back with
 * pcap_open_offline and taken apart frame by frame: link type, the
 * handshake, sequence and ack numbers, payload order, the DSCP mark on
 * decrypted bytes only, the port rule, the FIN exchange or the RST;
 * IPv6; the memory limit; and conn.c's hooks on a loopback connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cu_main.h"
#include "cap.h"
#include "conn.h"
#include "pcap_out.h"
#include "sc_limits.h"
#include "sc_util.h"

#define TP_PKTS_MAX	64
#define TP_LONG		3000	/* > 2 segments of 1460 */
#define TP_T0		1700000000000000LL	/* epoch us */

#define TF_FIN	0x01
#define TF_SYN	0x02
#define TF_RST	0x04
#define TF_ACK	0x10

/* One frame, taken apart. */
struct tp_pkt {
	int64_t	 t_us;
	int	 family;
	int	 dscp;
	uint8_t	 src[16], dst[16];
	unsigned sport, dport;
	uint32_t seq, ack;
	uint8_t	 flags;
	uint8_t	 payload[SC_CAPTURE_MSS4];
	size_t	 len;
};

struct tp_file {
	int	 linktype;
	size_t	 n;
	struct tp_pkt v[TP_PKTS_MAX];
};

static uint32_t
tp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* tp_parse - one Ethernet/IP/TCP frame; -1 when it is not one. */
static int
tp_parse(const uint8_t *f, size_t caplen, struct tp_pkt *k)
{
	unsigned type = (unsigned)f[12] << 8 | f[13];
	const uint8_t *ip = f + 14, *tcp;
	size_t iplen, total;

	memset(k, 0, sizeof(*k));
	if (type == 0x0800) {
		k->family = AF_INET;
		k->dscp = ip[1] >> 2;
		memcpy(k->src, ip + 12, 4);
		memcpy(k->dst, ip + 16, 4);
		iplen = (size_t)(ip[0] & 0x0f) * 4;
		total = (size_t)ip[2] << 8 | ip[3];
		if (ip[9] != IPPROTO_TCP)
			return -1;
	} else if (type == 0x86dd) {
		k->family = AF_INET6;
		k->dscp = (int)((tp_get32(ip) >> 20) & 0xff) >> 2;
		memcpy(k->src, ip + 8, 16);
		memcpy(k->dst, ip + 24, 16);
		iplen = 40;
		total = 40 + ((size_t)ip[4] << 8 | ip[5]);
		if (ip[6] != IPPROTO_TCP)
			return -1;
	} else
		return -1;
	if (14 + total != caplen)
		return -1;
	tcp = ip + iplen;
	k->sport = (unsigned)tcp[0] << 8 | tcp[1];
	k->dport = (unsigned)tcp[2] << 8 | tcp[3];
	k->seq = tp_get32(tcp + 4);
	k->ack = tp_get32(tcp + 8);
	k->flags = tcp[13];
	k->len = total - iplen - (size_t)(tcp[12] >> 4) * 4;
	if (k->len > sizeof(k->payload))
		return -1;
	memcpy(k->payload, tcp + (tcp[12] >> 4) * 4, k->len);
	return 0;
}

/* tp_read - the whole file, or a failed assertion. */
static void
tp_read(const char *path, struct tp_file *pf)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	memset(pf, 0, sizeof(*pf));
	p = pcap_open_offline(path, ebuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	pf->linktype = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &data) == 1) {
		CU_ASSERT_FATAL(pf->n < TP_PKTS_MAX);
		CU_ASSERT(h->caplen == h->len);
		CU_ASSERT_FATAL(tp_parse(data, h->caplen, &pf->v[pf->n]) == 0);
		pf->v[pf->n].t_us = (int64_t)h->ts.tv_sec * 1000000 +
		    h->ts.tv_usec;
		pf->n++;
	}
	pcap_close(p);
}

/* tp_addr4 - an IPv4 endpoint. */
static struct cap_addr
tp_addr4(const char *ip, uint16_t port)
{
	struct cap_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	CU_ASSERT(inet_pton(AF_INET, ip, a.ip) == 1);
	a.port = port;
	return a;
}

/* tp_write - rec to a temporary file; the path (owned). */
static char *
tp_write(const struct cap_rec *rec)
{
	struct sc_err err = { 0 };
	char *path = xstrdup("/tmp/test_pcap_out.XXXXXX");
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd != -1);
	close(fd);
	CU_ASSERT_FATAL(pcap_out_write(rec, path, &err) == 0);
	return path;
}

/*
 * tp_check_stream - what every stream must be: SYN, SYN-ACK, ACK first;
 * per direction, sequence numbers with no gap or overlap and acks that
 * follow the other side. client is the client's port as written.
 */
static void
tp_check_stream(const struct tp_file *pf, unsigned client)
{
	uint32_t next[2] = { 0, 0 };	/* [0] client, [1] server */
	size_t i;
	int d;

	CU_ASSERT_FATAL(pf->n >= 3);
	CU_ASSERT(pf->v[0].flags == TF_SYN && pf->v[0].sport == client);
	CU_ASSERT(pf->v[1].flags == (TF_SYN | TF_ACK) &&
	    pf->v[1].dport == client);
	CU_ASSERT(pf->v[2].flags == TF_ACK && pf->v[2].sport == client);
	CU_ASSERT(pf->v[1].ack == pf->v[0].seq + 1);
	next[0] = pf->v[0].seq + 1;
	next[1] = pf->v[1].seq + 1;
	for (i = 2; i < pf->n; i++) {
		const struct tp_pkt *k = &pf->v[i];

		d = k->sport == client ? 0 : 1;
		CU_ASSERT(k->seq == next[d]);
		if (k->flags & TF_ACK)
			CU_ASSERT(k->ack == next[!d]);
		next[d] += (uint32_t)k->len + ((k->flags & TF_FIN) ? 1 : 0);
		CU_ASSERT(k->len <= (k->family == AF_INET ? SC_CAPTURE_MSS4 :
		    SC_CAPTURE_MSS6));
	}
}

/* tp_payload - every payload byte of one direction, in order. */
static size_t
tp_payload(const struct tp_file *pf, unsigned sport, uint8_t *buf,
    size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < pf->n; i++) {
		if (pf->v[i].sport != sport || pf->v[i].len == 0)
			continue;
		CU_ASSERT_FATAL(n + pf->v[i].len <= cap);
		memcpy(buf + n, pf->v[i].payload, pf->v[i].len);
		n += pf->v[i].len;
	}
	return n;
}

/* A session like a STARTTLS exchange: client local on 40000, server on
 * 2525 (written as 25). */
static void
test_pcap_ipv4_starttls(void)
{
	struct cap_addr cl = tp_addr4("192.0.2.1", 40000);
	struct cap_addr sv = tp_addr4("192.0.2.25", 2525);
	static uint8_t big[TP_LONG], want_c[TP_LONG * 2], want_s[TP_LONG * 2],
	    got[TP_LONG * 2];
	struct tp_file *pf = xcalloc(1, sizeof(*pf));
	struct cap_rec *rec = cap_rec_new();
	struct cap_conn *c;
	size_t i, nc = 0, ns = 0, n, tls_pkts = 0;
	char *path;
	int64_t t = TP_T0;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
#define TP_C(s, tls) do { cap_data(c, true, (tls), (s), strlen(s), t += 10); \
	memcpy(want_c + nc, (s), strlen(s)); nc += strlen(s); } while (0)
#define TP_S(s, tls) do { cap_data(c, false, (tls), (s), strlen(s), t += 10); \
	memcpy(want_s + ns, (s), strlen(s)); ns += strlen(s); } while (0)
	c = cap_conn_add(rec, &cl, &sv, false, TP_T0);
	TP_S("220 mx.test ESMTP\r\n", false);
	TP_C("EHLO client.test\r\n", false);
	TP_S("250 mx.test\r\n", false);
	TP_C("STARTTLS\r\n", false);
	TP_S("220 go ahead\r\n", false);
	TP_C("EHLO client.test\r\n", true);
	cap_data(c, false, true, big, sizeof(big), t += 10);
	memcpy(want_s + ns, big, sizeof(big));
	ns += sizeof(big);
	TP_C("QUIT\r\n", true);
	cap_fin(c, true, t += 10);
	cap_fin(c, false, t += 10);
	cap_fin(c, false, t += 10);	/* only the first counts */
#undef TP_C
#undef TP_S
	path = tp_write(rec);
	tp_read(path, pf);
	CU_ASSERT(pf->linktype == DLT_EN10MB);
	/* 3 handshake + 5 + 1 + 3 (3000 split) + 1 + FIN, FIN, ACK */
	CU_ASSERT(pf->n == 3 + 5 + 1 + 3 + 1 + 3);
	tp_check_stream(pf, 40000);
	for (i = 0; i < pf->n; i++) {
		const struct tp_pkt *k = &pf->v[i];

		CU_ASSERT(k->family == AF_INET);
		CU_ASSERT(k->sport == 25 || k->dport == 25);
		CU_ASSERT(memcmp(k->sport == 25 ? k->src : k->dst, sv.ip, 4)
		    == 0);
		CU_ASSERT(k->t_us >= TP_T0);
		/* decrypted bytes, and only they, carry CS1 */
		CU_ASSERT(k->dscp == (i >= 8 && k->len > 0 ?
		    PCAP_OUT_DSCP_TLS : 0));
		if (k->dscp == PCAP_OUT_DSCP_TLS)
			tls_pkts++;
	}
	CU_ASSERT(tls_pkts == 5);
	CU_ASSERT(pf->v[3].t_us == TP_T0 + 10);	/* the greeting's time */
	/* the long write: 1460, 1460, 80 */
	CU_ASSERT(pf->v[9].len == 1460 && pf->v[10].len == 1460 &&
	    pf->v[11].len == 80);
	n = tp_payload(pf, 40000, got, sizeof(got));
	CU_ASSERT(n == nc && memcmp(got, want_c, nc) == 0);
	n = tp_payload(pf, 25, got, sizeof(got));
	CU_ASSERT(n == ns && memcmp(got, want_s, ns) == 0);
	/* the close: our FIN, theirs, our ACK */
	CU_ASSERT(pf->v[pf->n - 3].flags == (TF_FIN | TF_ACK) &&
	    pf->v[pf->n - 3].sport == 40000);
	CU_ASSERT(pf->v[pf->n - 2].flags == (TF_FIN | TF_ACK) &&
	    pf->v[pf->n - 2].sport == 25);
	CU_ASSERT(pf->v[pf->n - 1].flags == TF_ACK &&
	    pf->v[pf->n - 1].sport == 40000);
	unlink(path);
	free(path);
	cap_rec_free(rec);
	free(pf);
}

/* The fake server's side (local is the server), two connections, the
 * second reset by the client; port 587 kept. */
static void
test_pcap_serve_reset(void)
{
	struct cap_addr sv = tp_addr4("127.0.0.1", 587);
	struct cap_addr cl = tp_addr4("127.0.0.1", 51000);
	struct cap_addr cl2 = tp_addr4("127.0.0.1", 51001);
	struct tp_file *pf = xcalloc(1, sizeof(*pf));
	struct cap_rec *rec = cap_rec_new();
	struct cap_conn *c;
	size_t i, syns = 0;
	char *path;

	c = cap_conn_add(rec, &sv, &cl, true, TP_T0);
	cap_data(c, true, false, "220 x\r\n", 7, TP_T0 + 1);
	cap_data(c, false, false, "QUIT\r\n", 6, TP_T0 + 2);
	cap_fin(c, false, TP_T0 + 3);	/* the client closed first */
	c = cap_conn_add(rec, &sv, &cl2, true, TP_T0 + 10);
	cap_data(c, true, false, "220 x\r\n", 7, TP_T0 + 11);
	cap_rst(c, false, TP_T0 + 12);
	cap_data(c, true, false, "lost\r\n", 6, TP_T0 + 13);	/* ignored */
	cap_fin(c, true, TP_T0 + 14);				/* ignored */
	path = tp_write(rec);
	tp_read(path, pf);
	CU_ASSERT(pf->n == 3 + 2 + 3 + 3 + 1 + 1);
	for (i = 0; i < pf->n; i++) {
		CU_ASSERT(pf->v[i].sport == 587 || pf->v[i].dport == 587);
		if (pf->v[i].flags == TF_SYN) {
			/* the client opens each stream */
			CU_ASSERT(pf->v[i].sport == (syns == 0 ? 51000 :
			    51001));
			syns++;
		}
	}
	CU_ASSERT(syns == 2);
	/* the first: the client's FIN first, ours, its ACK */
	CU_ASSERT(pf->v[5].flags == (TF_FIN | TF_ACK) &&
	    pf->v[5].sport == 51000);
	CU_ASSERT(pf->v[6].flags == (TF_FIN | TF_ACK) &&
	    pf->v[6].sport == 587);
	CU_ASSERT(pf->v[7].flags == TF_ACK && pf->v[7].sport == 51000);
	/* the second ends with the client's RST, nothing after it */
	CU_ASSERT(pf->v[pf->n - 1].flags == (TF_RST | TF_ACK) &&
	    pf->v[pf->n - 1].sport == 51001);
	CU_ASSERT(pf->v[pf->n - 1].t_us == TP_T0 + 12);
	CU_ASSERT(pcap_out_server_port(25) == 25);
	CU_ASSERT(pcap_out_server_port(587) == 587);
	CU_ASSERT(pcap_out_server_port(2525) == 25);
	CU_ASSERT(pcap_out_server_port(465) == 25);
	unlink(path);
	free(path);
	cap_rec_free(rec);
	free(pf);
}

/* IPv6: the traffic class carries the mark; segments of 1440. */
static void
test_pcap_ipv6(void)
{
	struct cap_addr cl, sv;
	struct tp_file *pf = xcalloc(1, sizeof(*pf));
	struct cap_rec *rec = cap_rec_new();
	static uint8_t big[TP_LONG];
	struct cap_conn *c;
	char *path;
	size_t i;

	memset(&cl, 0, sizeof(cl));
	memset(&sv, 0, sizeof(sv));
	cl.family = sv.family = AF_INET6;
	CU_ASSERT(inet_pton(AF_INET6, "2001:db8::1", cl.ip) == 1);
	CU_ASSERT(inet_pton(AF_INET6, "2001:db8::25", sv.ip) == 1);
	cl.port = 45000;
	sv.port = 25;
	memset(big, 'x', sizeof(big));
	c = cap_conn_add(rec, &cl, &sv, false, TP_T0);
	cap_data(c, false, false, "220 x\r\n", 7, TP_T0 + 1);
	cap_data(c, true, true, big, sizeof(big), TP_T0 + 2);
	path = tp_write(rec);
	tp_read(path, pf);
	/* no FIN recorded: the writer gives both sides one */
	CU_ASSERT(pf->n == 3 + 1 + 3 + 3);
	tp_check_stream(pf, 45000);
	for (i = 0; i < pf->n; i++)
		CU_ASSERT(pf->v[i].family == AF_INET6);
	CU_ASSERT(pf->v[3].dscp == 0);
	CU_ASSERT(pf->v[4].len == 1440 && pf->v[4].dscp == PCAP_OUT_DSCP_TLS);
	CU_ASSERT(pf->v[6].len == TP_LONG - 2 * 1440);
	CU_ASSERT(memcmp(pf->v[4].src, cl.ip, 16) == 0);
	CU_ASSERT(pf->v[pf->n - 3].flags == (TF_FIN | TF_ACK) &&
	    pf->v[pf->n - 3].sport == 45000);
	unlink(path);
	free(path);
	cap_rec_free(rec);
	free(pf);
}

/* The limit: up to SC_CAPTURE_BYTES_MAX kept, then nothing more. */
static void
test_pcap_limit(void)
{
	struct cap_addr cl = tp_addr4("192.0.2.1", 40000);
	struct cap_addr sv = tp_addr4("192.0.2.25", 25);
	struct cap_rec *rec = cap_rec_new();
	size_t chunk = 1024 * 1024, i;
	struct cap_conn *c;
	char *buf = xcalloc(1, chunk);

	c = cap_conn_add(rec, &cl, &sv, false, TP_T0);
	for (i = 0; i < SC_CAPTURE_BYTES_MAX / chunk; i++)
		cap_data(c, true, false, buf, chunk, TP_T0 + 1);
	CU_ASSERT(!cap_rec_truncated(rec));
	CU_ASSERT(rec->bytes == SC_CAPTURE_BYTES_MAX);
	cap_data(c, false, false, "2", 1, TP_T0 + 2);
	CU_ASSERT(cap_rec_truncated(rec));
	CU_ASSERT(rec->bytes == SC_CAPTURE_BYTES_MAX);
	CU_ASSERT(c->n == SC_CAPTURE_BYTES_MAX / chunk);
	free(buf);
	cap_rec_free(rec);
}

/* A write error names the file. */
static void
test_pcap_write_error(void)
{
	struct sc_err err = { 0 };
	struct cap_rec *rec = cap_rec_new();

	CU_ASSERT(pcap_out_write(rec, "/nonexistent-dir/x.pcap", &err) == -1);
	CU_ASSERT(strcmp(err.file, "/nonexistent-dir/x.pcap") == 0);
	CU_ASSERT(strstr(err.msg, "cannot write capture") != NULL);
	cap_rec_free(rec);
}

/* conn.c's hooks: the real addresses, both directions, the FINs. */
static void
test_pcap_conn_hooks(void)
{
	struct sc_err err = { 0 };
	struct cap_rec *rec = cap_rec_new();
	struct conn *cli = NULL, *srv = NULL;
	char bound[64], buf[64], *port;
	int64_t dl = sc_now_us() + 5000000;
	const struct cap_conn *c;
	size_t n;
	int lfd;

	lfd = conn_listen("127.0.0.1", "0", bound, sizeof(bound), &err);
	CU_ASSERT_FATAL(lfd != -1);
	port = strrchr(bound, ':') + 1;
	CU_ASSERT_FATAL(conn_connect("127.0.0.1", port, dl, &cli, &err) ==
	    CONN_OK);
	CU_ASSERT_FATAL(conn_accept(lfd, dl, &srv, &err) == CONN_OK);
	CU_ASSERT(conn_set_capture(cli, rec, false) == 0);
	CU_ASSERT(conn_write(srv, "220 hi\r\n", 8, dl, &err) == CONN_OK);
	CU_ASSERT(conn_read(cli, buf, sizeof(buf), &n, dl, &err) == CONN_OK);
	CU_ASSERT(conn_write(cli, "QUIT\r\n", 6, dl, &err) == CONN_OK);
	/* read all of it: a close with unread bytes would be a reset */
	CU_ASSERT(conn_read(srv, buf, sizeof(buf), &n, dl, &err) == CONN_OK);
	conn_free(srv);
	CU_ASSERT(conn_read(cli, buf, sizeof(buf), &n, dl, &err) == CONN_EOF);
	conn_free(cli);

	CU_ASSERT_FATAL(rec->n == 1);
	c = rec->conns[0];
	CU_ASSERT(c->local.family == AF_INET && c->peer.family == AF_INET);
	CU_ASSERT(c->peer.port == (uint16_t)atoi(port));
	CU_ASSERT(c->local.port != 0 && !c->local_is_server);
	CU_ASSERT_FATAL(c->n == 4);
	CU_ASSERT(c->v[0].kind == CAP_DATA && !c->v[0].from_local &&
	    c->v[0].len == 8 && memcmp(c->v[0].data, "220 hi\r\n", 8) == 0);
	CU_ASSERT(c->v[1].kind == CAP_DATA && c->v[1].from_local &&
	    c->v[1].len == 6 && !c->v[1].tls);
	CU_ASSERT(c->v[2].kind == CAP_FIN && !c->v[2].from_local);
	CU_ASSERT(c->v[3].kind == CAP_FIN && c->v[3].from_local);
	CU_ASSERT(c->v[0].wall_us >= c->open_us &&
	    c->v[3].wall_us >= c->v[0].wall_us);

	/* the peer closes with our bytes unread: its stack resets */
	CU_ASSERT_FATAL(conn_connect("127.0.0.1", port, dl, &cli, &err) ==
	    CONN_OK);
	CU_ASSERT_FATAL(conn_accept(lfd, dl, &srv, &err) == CONN_OK);
	CU_ASSERT(conn_set_capture(cli, rec, false) == 0);
	CU_ASSERT(conn_write(cli, "NOOP\r\n", 6, dl, &err) == CONN_OK);
	usleep(20000);
	conn_free(srv);
	CU_ASSERT(conn_read(cli, buf, sizeof(buf), &n, dl, &err) == CONN_EOF);
	conn_free(cli);
	close(lfd);
	CU_ASSERT_FATAL(rec->n == 2);
	c = rec->conns[1];
	CU_ASSERT_FATAL(c->n == 2);
	CU_ASSERT(c->v[1].kind == CAP_RST && !c->v[1].from_local);
	cap_rec_free(rec);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_pcap_ipv4_starttls),
	CU_T(test_pcap_serve_reset),
	CU_T(test_pcap_ipv6),
	CU_T(test_pcap_limit),
	CU_T(test_pcap_write_error),
	CU_T(test_pcap_conn_hooks),
	{ NULL, NULL },
};
#define CU_SUITE_NAME "pcap_out"
#include "cu_main.h"
