/* SPDX-License-Identifier: ISC */
/*
 * test_imp.c - `smtpcheck import` without a network: captures are built
 * in memory-backed files (memfd) with libpcap's own writer (pcap_open_dead,
 * pcap_dump_fopen, pcap_dump) on several link types, then read back:
 * the flows found, the bytes reassembled (retransmissions, overlaps,
 * out-of-order segments, a pipelined burst over several segments), the
 * scenario written (every send-raw and expect, the STARTTLS stop, the
 * close), that it passes lint, and the errors for bad files.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cu_main.h"
#include "imp.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_lint.h"

#define T_FRAME_MAX	2048
#define T_SNAPLEN	65535

/* A capture being written to a memfd; path reads it back. */
struct tcap {
	int	 fd;
	char	 path[64];
	int	 dlt;
	bool	 vlan;		/* EN10MB: an 802.1Q tag on every frame */
	pcap_t	*dead;
	pcap_dumper_t *d;
	long	 usec;		/* packet times: 1 ms apart */
};

/* One TCP connection; seqs advance as data is sent. */
struct tflow {
	uint8_t	 c[16], s[16];
	uint16_t cport, sport;
	bool	 v6;
	uint32_t cseq, sseq;
};

static void
tcap_open(struct tcap *t, int dlt, bool vlan)
{
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->fd = memfd_create("test_imp", 0);
	CU_ASSERT_FATAL(t->fd >= 0);
	snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", t->fd);
	t->dlt = dlt;
	t->vlan = vlan;
	t->dead = pcap_open_dead(dlt, T_SNAPLEN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->dead);
	f = fdopen(dup(t->fd), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	t->d = pcap_dump_fopen(t->dead, f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->d);
}

/* tcap_close - flush the file; path stays readable until tcap_drop. */
static void
tcap_close(struct tcap *t)
{
	pcap_dump_close(t->d);
	pcap_close(t->dead);
	t->d = NULL;
	t->dead = NULL;
}

static void
tcap_drop(struct tcap *t)
{
	close(t->fd);
}

static size_t
t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static void
t_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* t_link - the link-layer header for an IP packet; its length. */
static size_t
t_link(const struct tcap *t, bool v6, uint8_t *p)
{
	uint16_t et = v6 ? 0x86dd : 0x0800;
	size_t n = 0;

	switch (t->dlt) {
	case DLT_EN10MB:
		memset(p, 0x02, 12);
		n = 12;
		if (t->vlan) {
			n += t_put16(p + n, 0x8100);
			n += t_put16(p + n, 42);
		}
		n += t_put16(p + n, et);
		return n;
	case DLT_LINUX_SLL:
		memset(p, 0, 16);
		t_put16(p + 14, et);
		return 16;
	case DLT_LINUX_SLL2:
		memset(p, 0, 20);
		t_put16(p, et);
		return 20;
	case DLT_NULL: {
		uint32_t af = v6 ? AF_INET6 : AF_INET;	/* host order */

		memcpy(p, &af, 4);
		return 4;
	}
	case DLT_LOOP:
		t_put32(p, v6 ? AF_INET6 : AF_INET);
		return 4;
	}
	return 0;	/* DLT_RAW */
}

/* t_packet - one TCP segment from the client (or the server) of fl;
 * cut > 0 captures only that many octets of the frame. */
static void
t_packet_cut(struct tcap *t, const struct tflow *fl, bool from_client,
    uint32_t seq, uint8_t flags, const void *data, size_t len, size_t cut)
{
	uint8_t f[T_FRAME_MAX], *ip, *tcp;
	struct pcap_pkthdr h;
	size_t n, iplen;
	const uint8_t *src = from_client ? fl->c : fl->s;
	const uint8_t *dst = from_client ? fl->s : fl->c;

	CU_ASSERT_FATAL(len + 100 < sizeof(f));
	n = t_link(t, fl->v6, f);
	ip = f + n;
	if (fl->v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		t_put16(ip + 4, (uint16_t)(20 + len));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		iplen = 40;
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		t_put16(ip + 2, (uint16_t)(20 + 20 + len));
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		iplen = 20;
	}
	tcp = ip + iplen;
	memset(tcp, 0, 20);
	t_put16(tcp, from_client ? fl->cport : fl->sport);
	t_put16(tcp + 2, from_client ? fl->sport : fl->cport);
	t_put32(tcp + 4, seq);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	t_put16(tcp + 14, 65535);
	memcpy(tcp + 20, data, len);
	n += iplen + 20 + len;
	memset(&h, 0, sizeof(h));
	t->usec += 1000;
	h.ts.tv_sec = 1700000000 + t->usec / 1000000;
	h.ts.tv_usec = t->usec % 1000000;
	h.len = (bpf_u_int32)n;
	h.caplen = (bpf_u_int32)(cut > 0 && cut < n ? cut : n);
	pcap_dump((u_char *)t->d, &h, f);
}

static void
t_packet(struct tcap *t, const struct tflow *fl, bool from_client,
    uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	t_packet_cut(t, fl, from_client, seq, flags, data, len, 0);
}

/* t_send - data from one side at its current seq, which advances. */
static void
t_send(struct tcap *t, struct tflow *fl, bool from_client, const char *s)
{
	uint32_t *seq = from_client ? &fl->cseq : &fl->sseq;
	size_t len = strlen(s);

	t_packet(t, fl, from_client, *seq, IMP_TH_ACK, s, len);
	*seq += (uint32_t)len;
}

static void
t_handshake(struct tcap *t, struct tflow *fl)
{
	t_packet(t, fl, true, fl->cseq++, IMP_TH_SYN, "", 0);
	t_packet(t, fl, false, fl->sseq++, IMP_TH_SYN | IMP_TH_ACK, "", 0);
	t_packet(t, fl, true, fl->cseq, IMP_TH_ACK, "", 0);
}

static void
t_fin(struct tcap *t, struct tflow *fl, bool from_client)
{
	uint32_t *seq = from_client ? &fl->cseq : &fl->sseq;

	t_packet(t, fl, from_client, (*seq)++, IMP_TH_FIN | IMP_TH_ACK, "", 0);
}

static void
t_flow(struct tflow *fl, bool v6, int c, int s, uint16_t sport)
{
	memset(fl, 0, sizeof(*fl));
	fl->v6 = v6;
	if (v6) {
		fl->c[0] = fl->s[0] = 0x20;
		fl->c[1] = fl->s[1] = 0x01;
		fl->c[15] = (uint8_t)c;
		fl->s[15] = (uint8_t)s;
	} else {
		fl->c[0] = fl->s[0] = 10;
		fl->c[3] = (uint8_t)c;
		fl->s[3] = (uint8_t)s;
	}
	fl->cport = (uint16_t)(40000 + c);
	fl->sport = sport;
	fl->cseq = 0xfffffff0u - 300u * (uint32_t)c;	/* wraps */
	fl->sseq = 5000;
}

#define GREETING	"220 mx.test ESMTP\r\n"
#define EHLO		"EHLO client.test\r\n"
#define EHLO_REPLY	"250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
#define MAIL		"MAIL FROM:<a@client.test>\r\n"
#define RCPT		"RCPT TO:<b@mx.test>\r\n"
#define GROUP		"MAIL FROM:<c@client.test>\r\nRCPT TO:<d@mx.test>\r\n" \
			"DATA\r\n"
#define BODY		"Subject: x\r\n\r\n$hi {there}\r\n.\r\n"

/*
 * t_session - the whole test session: handshake, greeting, EHLO, MAIL
 * with a duplicate retransmission, RCPT in three segments of which two
 * arrive out of order (one overlapping), a pipelined MAIL/RCPT/DATA
 * group in three segments, the body, QUIT, and both FINs.
 */
static void
t_session(struct tcap *t, struct tflow *fl)
{
	uint32_t r;

	t_handshake(t, fl);
	t_send(t, fl, false, GREETING);
	t_send(t, fl, true, EHLO);
	t_send(t, fl, false, EHLO_REPLY);
	t_send(t, fl, true, MAIL);
	/* the same segment again: a retransmission */
	t_packet(t, fl, true, fl->cseq - (uint32_t)strlen(MAIL), IMP_TH_ACK,
	    MAIL, strlen(MAIL));
	t_send(t, fl, false, "250 2.1.0 ok\r\n");
	/* "RCPT TO:<" "b@mx.t" "est>\r\n": the 3rd, the 2nd (overlapping
	 * the 3rd by two octets), then the 1st */
	r = fl->cseq;
	t_packet(t, fl, true, r + 15, IMP_TH_ACK, RCPT + 15, 6);
	t_packet(t, fl, true, r + 9, IMP_TH_ACK, RCPT + 9, 8);
	t_packet(t, fl, true, r, IMP_TH_ACK, RCPT, 9);
	fl->cseq += (uint32_t)strlen(RCPT);
	t_send(t, fl, false, "250 2.1.5 ok\r\n");
	/* the group, split in three segments with no reply between */
	t_send(t, fl, true, "MAIL FROM:<c@client.test>\r\nRCPT");
	t_send(t, fl, true, " TO:<d@mx.test>\r\n");
	t_send(t, fl, true, "DATA\r\n");
	t_send(t, fl, false, "250 ok\r\n250 ok\r\n354 go ahead\r\n");
	t_send(t, fl, true, BODY);
	t_send(t, fl, false, "250 queued\r\n");
	t_send(t, fl, true, "QUIT\r\n");
	t_send(t, fl, false, "221 bye\r\n");
	t_fin(t, fl, false);
	t_fin(t, fl, true);
}

static const char t_steps[] =
	"connect\n"
	"expect 220\n"
	"send-raw \"EHLO client.test\\r\\n\"\n"
	"expect 250\n"
	"send-raw \"MAIL FROM:<a@client.test>\\r\\n\"\n"
	"expect 250\n"
	"send-raw \"RCPT TO:<b@mx.test>\\r\\n\"\n"
	"expect 250\n"
	"send-raw \"MAIL FROM:<c@client.test>\\r\\nRCPT TO:<d@mx.test>\\r\\n"
	"DATA\\r\\n\"\n"
	"expect 250\n"
	"expect 250\n"
	"expect 354\n"
	"send-raw \"Subject: x\\r\\n\\r\\n\\x24hi \\x7Bthere\\x7D\\r\\n.\\r\\n\"\n"
	"expect 250\n"
	"send-raw \"QUIT\\r\\n\"\n"
	"expect 221\n"
	"expect close\n";

/* t_read - the capture read back, which must succeed. */
static struct imp_capture *
t_read(struct tcap *t)
{
	struct sc_err err = { 0 };
	struct imp_capture *c = imp_capture_read(t->path, &err);

	if (c == NULL)
		fprintf(stderr, "\nimp_capture_read: %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* t_lint - the text passes lint as the file ID.scn. */
static void
t_lint(const char *text, const char *id)
{
	struct sc_err err = { 0 };
	struct scn *s = NULL;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "%s.scn", id);
	rc = scn_lint_buf(path, text, strlen(text), &s, &err);
	if (rc != 0)
		fprintf(stderr, "\nlint: %d:%d: %s\n%s", err.line, err.col,
		    err.msg, text);
	CU_ASSERT_EQUAL(rc, 0);
	scn_free(s);
}

/* t_steps_of - the text from "connect" on. */
static const char *
t_steps_of(const char *text)
{
	const char *p = strstr(text, "\nconnect\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p + 1;
}

/* The same session on every link type: the same bytes, the same steps. */
static void
test_imp_link_types(void)
{
	static const struct {
		const char *name;
		int	 dlt;
		bool	 vlan, v6;
	} cases[] = {
		{ "ethernet", DLT_EN10MB, false, false },
		{ "ethernet-vlan", DLT_EN10MB, true, false },
		{ "ethernet-ipv6", DLT_EN10MB, false, true },
		{ "linux-sll", DLT_LINUX_SLL, false, false },
		{ "linux-sll2", DLT_LINUX_SLL2, false, true },
		{ "null", DLT_NULL, false, false },
		{ "loop", DLT_LOOP, false, true },
		{ "raw", DLT_RAW, false, false },
	};
	const char *cli = EHLO MAIL RCPT GROUP BODY "QUIT\r\n";
	const char *srv = GREETING EHLO_REPLY "250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
	    "250 ok\r\n250 ok\r\n354 go ahead\r\n250 queued\r\n221 bye\r\n";
	struct imp_capture *c;
	const struct imp_flow *f;
	struct sc_err err = { 0 };
	struct tflow fl;
	struct tcap t;
	char *text;
	size_t i;
	int s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcap_open(&t, cases[i].dlt, cases[i].vlan);
		t_flow(&fl, cases[i].v6, 1, 2, 25);
		t_session(&t, &fl);
		tcap_close(&t);
		c = t_read(&t);
		CU_ASSERT_EQUAL(c->nflows, 1);
		CU_ASSERT_EQUAL_FATAL(c->nsmtp, 1);
		f = c->smtp[0];
		s = imp_flow_server(f);
		CU_ASSERT_EQUAL(s, 1);
		CU_ASSERT_PTR_NULL(f->err);
		CU_ASSERT(f->d[1 - s].len == strlen(cli) &&
		    memcmp(f->d[1 - s].buf, cli, strlen(cli)) == 0);
		CU_ASSERT(f->d[s].len == strlen(srv) &&
		    memcmp(f->d[s].buf, srv, strlen(srv)) == 0);
		CU_ASSERT(f->d[1 - s].retrans >= 1);
		CU_ASSERT(f->d[0].fin && f->d[1].fin);
		CU_ASSERT(!f->starttls);
		text = imp_scn_text(c, 1, "imported", true, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		if (strcmp(t_steps_of(text), t_steps) != 0)
			fprintf(stderr, "\n%s: got\n%s", cases[i].name, text);
		CU_ASSERT_STRING_EQUAL(t_steps_of(text), t_steps);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nid        imported\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, ", flow 1\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "Save it as imported.scn"));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "tags      imported\n"));
		t_lint(text, "imported");
		free(text);
		imp_capture_free(c);
		tcap_drop(&t);
	}
}

/* STARTTLS: up to the 220, a note, nothing of the TLS bytes. */
static void
test_imp_starttls(void)
{
	static const char tls[] = "\x16\x03\x01\x00\x05hello";
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct tflow fl;
	struct tcap t;
	char *text;
	const char *tail;

	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 587);
	t_handshake(&t, &fl);
	t_send(&t, &fl, false, GREETING);
	t_send(&t, &fl, true, EHLO);
	t_send(&t, &fl, false, "250-mx.test\r\n250 STARTTLS\r\n");
	t_send(&t, &fl, true, "STARTTLS\r\n");
	t_send(&t, &fl, false, "220 2.0.0 go ahead\r\n");
	t_packet(&t, &fl, true, fl.cseq, IMP_TH_ACK, tls, sizeof(tls) - 1);
	fl.cseq += sizeof(tls) - 1;
	t_packet(&t, &fl, false, fl.sseq, IMP_TH_ACK, tls, sizeof(tls) - 1);
	tcap_close(&t);
	c = t_read(&t);
	CU_ASSERT_EQUAL_FATAL(c->nsmtp, 1);
	CU_ASSERT(c->smtp[0]->starttls);
	text = imp_scn_text(c, 1, "tls-session", false, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	tail = "send-raw \"STARTTLS\\r\\n\"\nexpect 220\n# The session went "
	    "into TLS here; what followed was encrypted and is not\n"
	    "# imported.\n";
	CU_ASSERT(strlen(text) > strlen(tail) &&
	    strcmp(text + strlen(text) - strlen(tail), tail) == 0);
	CU_ASSERT_PTR_NULL(strstr(text, "hello"));
	CU_ASSERT_PTR_NULL(strstr(text, "\nclose\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "Save it as"));
	t_lint(text, "tls-session");
	free(text);
	imp_capture_free(c);
	tcap_drop(&t);
}

/* Two SMTP flows, interleaved, and an HTTP one: the list, and --flow. */
static void
test_imp_several_flows(void)
{
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct tflow a, b, h;
	struct tcap t;
	char *text, *line;

	tcap_open(&t, DLT_LINUX_SLL, false);
	t_flow(&a, false, 1, 9, 25);
	t_flow(&b, false, 2, 9, 2525);
	t_flow(&h, false, 3, 8, 80);
	t_handshake(&t, &h);
	t_send(&t, &h, true, "GET / HTTP/1.1\r\n\r\n");
	t_send(&t, &h, false, "HTTP/1.1 200 OK\r\n\r\n");
	t_handshake(&t, &a);
	t_handshake(&t, &b);
	t_send(&t, &a, false, GREETING);
	t_send(&t, &b, false, "220 other.test\r\n");
	t_send(&t, &b, true, "HELO b\r\n");
	t_send(&t, &a, true, "NOOP\r\n");
	t_send(&t, &b, false, "250 other.test\r\n");
	t_send(&t, &a, false, "250 ok\r\n");
	t_fin(&t, &b, true);
	tcap_close(&t);
	c = t_read(&t);
	CU_ASSERT_EQUAL(c->nflows, 3);
	CU_ASSERT_EQUAL_FATAL(c->nsmtp, 2);
	line = imp_flow_line(c, 2);
	CU_ASSERT_STRING_EQUAL(line, "2  10.0.0.2:40002 -> 10.0.0.9:2525  "
	    "2023-11-14T22:13:20.009000Z  client 8 octets, server 32 octets, "
	    "no STARTTLS");
	free(line);
	text = imp_scn_text(c, 2, "b", false, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(t_steps_of(text), "connect\nexpect 220\n"
	    "send-raw \"HELO b\\r\\n\"\nexpect 250\n"
	    "# the client closed here without QUIT\nclose\n");
	t_lint(text, "b");
	free(text);
	text = imp_scn_text(c, 1, "a", false, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "send-raw \"NOOP\\r\\n\"\n"
	    "expect 250\n# the capture ends here, before the client closed\n"
	    "close\n"));
	free(text);
	CU_ASSERT_PTR_NULL(imp_scn_text(c, 3, "a", false, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--flow 3: there are 2 SMTP"));
	imp_capture_free(c);
	tcap_drop(&t);
}

/* No SYN: the first seq seen is offset 0, and the scenario says so. */
static void
test_imp_midstream(void)
{
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct tflow fl;
	struct tcap t;
	char *text;

	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 25);
	t_send(&t, &fl, false, GREETING);
	t_send(&t, &fl, true, "QUIT\r\n");
	t_send(&t, &fl, false, "221 bye\r\n");
	tcap_close(&t);
	c = t_read(&t);
	CU_ASSERT_EQUAL_FATAL(c->nsmtp, 1);
	CU_ASSERT_EQUAL(imp_flow_server(c->smtp[0]), 0);
	text = imp_scn_text(c, 1, "mid", false, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "starts mid-flow"));
	CU_ASSERT_STRING_EQUAL(t_steps_of(text), "connect\nexpect 220\n"
	    "send-raw \"QUIT\\r\\n\"\nexpect 221\n"
	    "# the capture ends here, before the client closed\nclose\n");
	t_lint(text, "mid");
	free(text);
	imp_capture_free(c);
	tcap_drop(&t);
}

/* A lost segment: the flow is listed, its import names the offset. */
static void
test_imp_gap(void)
{
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct tflow fl;
	struct tcap t;

	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 25);
	t_handshake(&t, &fl);
	t_send(&t, &fl, false, GREETING);
	t_send(&t, &fl, true, EHLO);
	fl.cseq += 10;	/* ten octets never captured */
	t_send(&t, &fl, true, "QUIT\r\n");
	tcap_close(&t);
	c = t_read(&t);
	CU_ASSERT_EQUAL_FATAL(c->nsmtp, 1);
	CU_ASSERT_PTR_NULL(imp_scn_text(c, 1, "gap", false, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "flow 10.0.0.1:40001 -> "
	    "10.0.0.2:25: the client's bytes have a gap at offset 18"));
	imp_capture_free(c);
	tcap_drop(&t);
}

/* t_bad - reading path fails with a message containing want. */
static void
t_bad(const char *name, const char *path, const char *want)
{
	struct sc_err err = { 0 };
	struct imp_capture *c = imp_capture_read(path, &err);

	CU_ASSERT_PTR_NULL(c);
	if (c != NULL || strstr(err.msg, want) == NULL)
		fprintf(stderr, "\n%s: got \"%s\", want \"%s\"\n", name,
		    err.msg, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	CU_ASSERT_STRING_EQUAL(err.file, path);
	imp_capture_free(c);
}

/* Bad files: text, empty, truncated, cut short, link type, no SMTP. */
static void
test_imp_bad_files(void)
{
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct tflow fl;
	struct tcap t;
	off_t size;
	int fd;

	t_bad("text", SC_SOURCE_DIR "/README.md", "not a pcap or pcapng file");
	fd = memfd_create("empty", 0);
	CU_ASSERT_FATAL(fd >= 0);
	{
		char p[64];

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		t_bad("empty", p, "not a pcap or pcapng file (empty)");
	}
	close(fd);

	/* the last packet's record cut in the middle */
	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 25);
	t_session(&t, &fl);
	tcap_close(&t);
	size = lseek(t.fd, 0, SEEK_END);
	CU_ASSERT_FATAL(ftruncate(t.fd, size - 20) == 0);
	t_bad("truncated", t.path, "truncated");
	t_bad("truncated", t.path, "after packet");
	tcap_drop(&t);

	/* a packet the capture took only 40 octets of (snaplen) */
	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 25);
	t_handshake(&t, &fl);
	t_packet_cut(&t, &fl, false, fl.sseq, IMP_TH_ACK, GREETING,
	    strlen(GREETING), 40);
	tcap_close(&t);
	t_bad("cut", t.path, "packet 4 is cut short");
	tcap_drop(&t);

	/* 802.11 */
	tcap_open(&t, DLT_IEEE802_11, false);
	tcap_close(&t);
	t_bad("dlt", t.path, "unsupported link type IEEE802_11");
	tcap_drop(&t);

	/* only HTTP: read fine, no SMTP flow */
	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 80);
	t_handshake(&t, &fl);
	t_send(&t, &fl, true, "GET / HTTP/1.0\r\n\r\n");
	t_send(&t, &fl, false, "HTTP/1.0 200 OK\r\n\r\n");
	tcap_close(&t);
	c = imp_capture_read(t.path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->nflows, 1);
	CU_ASSERT_EQUAL(c->nsmtp, 0);
	imp_capture_free(c);
	tcap_drop(&t);
}

/* A write over IMP_RAW_CHUNK octets: several send-raw steps, same bytes;
 * a run of one octet is compressed by the escaper. */
static void
test_imp_long_write(void)
{
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct tflow fl;
	struct tcap t;
	char seg[1000], *text, *p;
	size_t i, n = 0, k;

	tcap_open(&t, DLT_EN10MB, false);
	t_flow(&fl, false, 1, 2, 25);
	t_handshake(&t, &fl);
	t_send(&t, &fl, false, GREETING);
	t_send(&t, &fl, true, "DATA\r\n");
	t_send(&t, &fl, false, "354 go\r\n");
	for (i = 0; i < 20; i++) {	/* 20000 octets, no run of 16 */
		for (k = 0; k < sizeof(seg) - 1; k++)
			seg[k] = (char)('a' + (i * 7 + k) % 26);
		seg[sizeof(seg) - 1] = '\0';
		t_send(&t, &fl, true, seg);
	}
	t_send(&t, &fl, true, "\r\n.\r\n");
	t_send(&t, &fl, false, "250 ok\r\n");
	tcap_close(&t);
	c = t_read(&t);
	text = imp_scn_text(c, 1, "long", false, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (p = text; (p = strstr(p, "\nsend-raw \"")) != NULL; p++)
		n++;
	CU_ASSERT_EQUAL(n, 1 + 3);	/* DATA, then 8192 + 8192 + 3601 */
	t_lint(text, "long");
	free(text);
	imp_capture_free(c);
	tcap_drop(&t);
}

/* imp_decode on hand-made packets: what is walked, what is skipped. */
static void
test_imp_decode(void)
{
	/* IPv6 header with next header nh, payload length plen */
#define T_IP6(nh, plen)	0x86, 0xdd, 0x60, 0, 0, 0, 0, (plen), (nh), 64, \
	0x20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, \
	0x20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
#define T_TCP4	0x9c, 0x41, 0, 25, 0, 0, 0, 7, 0, 0, 0, 0, 0x50, 0x18, \
	0xff, 0xff, 0, 0, 0, 0, 'h', 'i'
#define T_IP4(proto, frag) 0x08, 0, 0x45, 0, 0, 42, 0, 0, (frag), 0, 64, \
	(proto), 0, 0, 10, 0, 0, 1, 10, 0, 0, 2
#define T_MAC	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
	static const uint8_t hop[] = { T_MAC, T_IP6(0, 30), 6, 0, 1, 4, 0, 0,
	    0, 0, T_TCP4 };
	static const uint8_t dst_rt[] = { T_MAC, T_IP6(60, 38), 43, 0, 1, 4,
	    0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, T_TCP4 };
	static const uint8_t mobility[] = { T_MAC, T_IP6(135, 30), 6, 0, 1,
	    4, 0, 0, 0, 0, T_TCP4 };
	static const uint8_t frag6[] = { T_MAC, T_IP6(44, 30), 6, 0, 0, 1,
	    0, 0, 0, 1, T_TCP4 };
	static const uint8_t udp6[] = { T_MAC, T_IP6(17, 8), 0, 53, 0, 53,
	    0, 8, 0, 0 };
	static const uint8_t qinq[] = { T_MAC, 0x88, 0xa8, 0, 1, 0x81, 0, 0,
	    2, T_IP4(6, 0), T_TCP4 };
	static const uint8_t frag4[] = { T_MAC, T_IP4(6, 0x20), T_TCP4 };
	static const uint8_t udp4[] = { T_MAC, T_IP4(17, 0), T_TCP4 };
	static const uint8_t arp[] = { T_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4 };
	static const uint8_t padded[] = { T_MAC, T_IP4(6, 0), T_TCP4, 0, 0,
	    0, 0 };
	static const uint8_t short4[] = { T_MAC, T_IP4(6, 0), T_TCP4 };
	static const struct {
		const char *name;
		const uint8_t *p;
		size_t	 len;
		enum imp_decode_status want;
		enum imp_skip skip;
	} cases[] = {
		{ "ipv6 hop-by-hop", hop, sizeof(hop), IMP_DEC_TCP, 0 },
		{ "ipv6 dstopts+routing", dst_rt, sizeof(dst_rt), IMP_DEC_TCP,
		    0 },
		{ "ipv6 mobility", mobility, sizeof(mobility), IMP_DEC_SKIP,
		    IMP_SKIP_IPV6_EXT },
		{ "ipv6 fragment", frag6, sizeof(frag6), IMP_DEC_SKIP,
		    IMP_SKIP_FRAGMENT },
		{ "ipv6 udp", udp6, sizeof(udp6), IMP_DEC_SKIP,
		    IMP_SKIP_NOT_TCP },
		{ "802.1ad+802.1Q", qinq, sizeof(qinq), IMP_DEC_TCP, 0 },
		{ "ipv4 fragment", frag4, sizeof(frag4), IMP_DEC_SKIP,
		    IMP_SKIP_FRAGMENT },
		{ "ipv4 udp", udp4, sizeof(udp4), IMP_DEC_SKIP,
		    IMP_SKIP_NOT_TCP },
		{ "arp", arp, sizeof(arp), IMP_DEC_SKIP, IMP_SKIP_NOT_IP },
		{ "ethernet padding", padded, sizeof(padded), IMP_DEC_TCP, 0 },
		{ "cut short", short4, sizeof(short4) - 1, IMP_DEC_SHORT, 0 },
	};
	struct imp_seg_in s;
	enum imp_skip skip;
	enum imp_decode_status st;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		skip = IMP_SKIP_COUNT;
		st = imp_decode(DLT_EN10MB, cases[i].p, cases[i].len, &s,
		    &skip);
		if (st != cases[i].want || (st == IMP_DEC_SKIP &&
		    skip != cases[i].skip))
			fprintf(stderr, "\n%s: got %d/%d\n", cases[i].name,
			    (int)st, (int)skip);
		CU_ASSERT_EQUAL(st, cases[i].want);
		if (st == IMP_DEC_SKIP)
			CU_ASSERT_EQUAL(skip, cases[i].skip);
		if (st == IMP_DEC_TCP) {
			CU_ASSERT(s.len == 2 && memcmp(s.payload, "hi", 2) == 0);
			CU_ASSERT_EQUAL(s.dst.port, 25);
			CU_ASSERT_EQUAL(s.src.port, 40001);
			CU_ASSERT_EQUAL(s.seq, 7);
		}
	}
#undef T_IP6
#undef T_TCP4
#undef T_IP4
#undef T_MAC
}

static const struct cu_test cu_tests[] = {
	CU_T(test_imp_decode),
	CU_T(test_imp_link_types),
	CU_T(test_imp_starttls),
	CU_T(test_imp_several_flows),
	CU_T(test_imp_midstream),
	CU_T(test_imp_gap),
	CU_T(test_imp_bad_files),
	CU_T(test_imp_long_write),
	{ NULL, NULL }
};
#define CU_SUITE_NAME "imp"
#include "cu_main.h"
