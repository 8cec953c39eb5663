/* SPDX-License-Identifier: ISC */
/*
 * imp_pcap.c - read a capture with libpcap and decode each packet down to
 * its TCP segment: Ethernet (with 802.1Q/802.1ad tags), Linux cooked v1
 * and v2, BSD loopback (DLT_NULL, DLT_LOOP), raw IPv4/IPv6; then IPv4
 * (RFC 791; fragments skipped) or IPv6 (RFC 8200; hop-by-hop, routing,
 * destination options and AH walked, anything else skipped with a note),
 * and TCP (RFC 9293 3.1). Checksums are not checked: captures taken on
 * the sending host carry unfinished ones (checksum offload).
 *
 * The packet bytes are libpcap's; a decoded segment borrows them until
 * the next pcap_next_ex().
 */
#include "imp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "sc_limits.h"
#include "sc_util.h"

#define IMP_ETH_HDR	14
#define IMP_VLAN_HDR	4
#define IMP_SLL_HDR	16
#define IMP_SLL2_HDR	20
#define IMP_NULL_HDR	4
#define IMP_IP4_HDR_MIN	20
#define IMP_IP6_HDR	40
#define IMP_TCP_HDR_MIN	20

#define IMP_ETHERTYPE_IP	0x0800
#define IMP_ETHERTYPE_IPV6	0x86dd
#define IMP_ETHERTYPE_VLAN	0x8100
#define IMP_ETHERTYPE_QINQ	0x88a8

#define IMP_PROTO_TCP		6
#define IMP_IP6_HOPOPTS		0
#define IMP_IP6_ROUTING		43
#define IMP_IP6_FRAGMENT	44
#define IMP_IP6_AH		51
#define IMP_IP6_DSTOPTS		60

/* The magic numbers of the formats libpcap reads (pcap, its ns variant,
 * pcapng's section header block), in both byte orders. */
static const uint32_t imp_magics[] = {
	0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a,
};

const char *
imp_skip_str(enum imp_skip k)
{
	switch (k) {
	case IMP_SKIP_NOT_IP:	return "not IP";
	case IMP_SKIP_NOT_TCP:	return "not TCP";
	case IMP_SKIP_FRAGMENT:	return "IP fragments (not reassembled)";
	case IMP_SKIP_IPV6_EXT:	return "IPv6 with an extension header not "
				    "parsed";
	case IMP_SKIP_FLOWS:	return "TCP flows past the limit of "
				    "IMP_FLOWS_MAX";
	case IMP_SKIP_COUNT:	break;
	}
	return "???";
}

static uint16_t
imp_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
imp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

bool
imp_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
	case DLT_NULL: case DLT_LOOP: case DLT_RAW: case DLT_IPV4:
	case DLT_IPV6:
		return true;
	}
	return false;
}

/* imp_tcp - the TCP header and payload at p, of len octets (the IP
 * payload length, already checked against what was captured). */
static enum imp_decode_status
imp_tcp(const uint8_t *p, size_t len, struct imp_seg_in *out)
{
	size_t off;

	if (len < IMP_TCP_HDR_MIN)
		return IMP_DEC_SHORT;
	off = (size_t)(p[12] >> 4) * 4;
	if (off < IMP_TCP_HDR_MIN || off > len)
		return IMP_DEC_SHORT;
	out->src.port = imp_be16(p);
	out->dst.port = imp_be16(p + 2);
	out->seq = imp_be32(p + 4);
	out->flags = p[13];
	out->payload = p + off;
	out->len = len - off;
	return IMP_DEC_TCP;
}

/* imp_ipv4 - RFC 791; the total length bounds the payload, so that
 * Ethernet padding is not taken for data. */
static enum imp_decode_status
imp_ipv4(const uint8_t *p, size_t caplen, struct imp_seg_in *out,
    enum imp_skip *skip)
{
	size_t ihl, total;

	if (caplen < IMP_IP4_HDR_MIN)
		return IMP_DEC_SHORT;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	total = imp_be16(p + 2);
	/* 0: a segmentation-offload capture; take what is there */
	if (total == 0)
		total = caplen;
	if (ihl < IMP_IP4_HDR_MIN || total < ihl)
		return IMP_DEC_SHORT;
	if (p[9] != IMP_PROTO_TCP) {
		*skip = IMP_SKIP_NOT_TCP;
		return IMP_DEC_SKIP;
	}
	if ((imp_be16(p + 6) & 0x3fff) != 0) {	/* MF or an offset */
		*skip = IMP_SKIP_FRAGMENT;
		return IMP_DEC_SKIP;
	}
	if (total > caplen)
		return IMP_DEC_SHORT;
	out->src.family = out->dst.family = AF_INET;
	memset(out->src.a, 0, sizeof(out->src.a));
	memset(out->dst.a, 0, sizeof(out->dst.a));
	memcpy(out->src.a, p + 12, 4);
	memcpy(out->dst.a, p + 16, 4);
	return imp_tcp(p + ihl, total - ihl, out);
}

/* imp_ipv6 - RFC 8200 4: walk the extension headers we know to TCP. */
static enum imp_decode_status
imp_ipv6(const uint8_t *p, size_t caplen, struct imp_seg_in *out,
    enum imp_skip *skip)
{
	size_t off = IMP_IP6_HDR, total, hl;
	uint8_t nh;
	int i;

	if (caplen < IMP_IP6_HDR)
		return IMP_DEC_SHORT;
	total = IMP_IP6_HDR + imp_be16(p + 4);
	if (total == IMP_IP6_HDR)	/* a jumbogram or offload: all of it */
		total = caplen;
	nh = p[6];
	for (i = 0; nh != IMP_PROTO_TCP; i++) {
		if (i >= IMP_IPV6_EXT_MAX || (nh != IMP_IP6_HOPOPTS &&
		    nh != IMP_IP6_ROUTING && nh != IMP_IP6_DSTOPTS &&
		    nh != IMP_IP6_AH && nh != IMP_IP6_FRAGMENT)) {
			/* UDP, ICMPv6 and the like are simply not TCP */
			*skip = (nh == 17 || nh == 58 || nh == 59) ?
			    IMP_SKIP_NOT_TCP : IMP_SKIP_IPV6_EXT;
			return IMP_DEC_SKIP;
		}
		if (nh == IMP_IP6_FRAGMENT) {
			*skip = IMP_SKIP_FRAGMENT;
			return IMP_DEC_SKIP;
		}
		if (off + 2 > caplen || off + 2 > total)
			return IMP_DEC_SHORT;
		hl = nh == IMP_IP6_AH ? ((size_t)p[off + 1] + 2) * 4 :
		    ((size_t)p[off + 1] + 1) * 8;
		nh = p[off];
		off += hl;
	}
	if (total > caplen || off > total)
		return IMP_DEC_SHORT;
	out->src.family = out->dst.family = AF_INET6;
	memcpy(out->src.a, p + 8, 16);
	memcpy(out->dst.a, p + 24, 16);
	return imp_tcp(p + off, total - off, out);
}

/* imp_ip - the IP version from the first nibble (raw IP link types). */
static enum imp_decode_status
imp_ip(const uint8_t *p, size_t caplen, struct imp_seg_in *out,
    enum imp_skip *skip)
{
	if (caplen < 1)
		return IMP_DEC_SHORT;
	if (p[0] >> 4 == 4)
		return imp_ipv4(p, caplen, out, skip);
	if (p[0] >> 4 == 6)
		return imp_ipv6(p, caplen, out, skip);
	*skip = IMP_SKIP_NOT_IP;
	return IMP_DEC_SKIP;
}

/* imp_ethertype - dispatch on an Ethernet type or SLL protocol. */
static enum imp_decode_status
imp_ethertype(uint16_t type, const uint8_t *p, size_t caplen,
    struct imp_seg_in *out, enum imp_skip *skip)
{
	if (type == IMP_ETHERTYPE_IP)
		return imp_ipv4(p, caplen, out, skip);
	if (type == IMP_ETHERTYPE_IPV6)
		return imp_ipv6(p, caplen, out, skip);
	*skip = IMP_SKIP_NOT_IP;
	return IMP_DEC_SKIP;
}

/* imp_ether - Ethernet II with up to IMP_VLAN_TAGS_MAX tags. */
static enum imp_decode_status
imp_ether(const uint8_t *p, size_t caplen, struct imp_seg_in *out,
    enum imp_skip *skip)
{
	size_t off = 12;
	uint16_t type;
	int tags = 0;

	if (caplen < IMP_ETH_HDR)
		return IMP_DEC_SHORT;
	type = imp_be16(p + off);
	while ((type == IMP_ETHERTYPE_VLAN || type == IMP_ETHERTYPE_QINQ) &&
	    tags++ < IMP_VLAN_TAGS_MAX) {
		off += IMP_VLAN_HDR;
		if (off + 2 > caplen)
			return IMP_DEC_SHORT;
		type = imp_be16(p + off);
	}
	off += 2;
	return imp_ethertype(type, p + off, caplen - off, out, skip);
}

/* imp_null - BSD loopback: the address family, in the capturing host's
 * byte order for DLT_NULL, in network order for DLT_LOOP. AF_INET6 is
 * 10 on Linux, 24, 28 or 30 on the BSDs and macOS. */
static enum imp_decode_status
imp_null(int dlt, const uint8_t *p, size_t caplen, struct imp_seg_in *out,
    enum imp_skip *skip)
{
	uint32_t af, le;

	if (caplen < IMP_NULL_HDR)
		return IMP_DEC_SHORT;
	af = imp_be32(p);
	le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
	if (dlt == DLT_NULL && af > 0xffff)
		af = le;
	p += IMP_NULL_HDR;
	caplen -= IMP_NULL_HDR;
	if (af == 2)
		return imp_ipv4(p, caplen, out, skip);
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return imp_ipv6(p, caplen, out, skip);
	*skip = IMP_SKIP_NOT_IP;
	return IMP_DEC_SKIP;
}

enum imp_decode_status
imp_decode(int dlt, const uint8_t *p, size_t caplen, struct imp_seg_in *out,
    enum imp_skip *skip)
{
	switch (dlt) {
	case DLT_EN10MB:
		return imp_ether(p, caplen, out, skip);
	case DLT_LINUX_SLL:
		if (caplen < IMP_SLL_HDR)
			return IMP_DEC_SHORT;
		return imp_ethertype(imp_be16(p + 14), p + IMP_SLL_HDR,
		    caplen - IMP_SLL_HDR, out, skip);
	case DLT_LINUX_SLL2:
		if (caplen < IMP_SLL2_HDR)
			return IMP_DEC_SHORT;
		return imp_ethertype(imp_be16(p), p + IMP_SLL2_HDR,
		    caplen - IMP_SLL2_HDR, out, skip);
	case DLT_NULL:
	case DLT_LOOP:
		return imp_null(dlt, p, caplen, out, skip);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return imp_ip(p, caplen, out, skip);
	}
	*skip = IMP_SKIP_NOT_IP;
	return IMP_DEC_SKIP;
}

/* imp_check_magic - refuse what is no capture before libpcap sees it:
 * its own message for a text file is "unknown file format". */
static int
imp_check_magic(const char *path, struct sc_err *err)
{
	unsigned char m[4];
	uint32_t v;
	size_t n, i;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		sc_err_set(err, path, 0, 0, "%s", strerror(errno));
		return -1;
	}
	n = fread(m, 1, sizeof(m), f);
	fclose(f);
	if (n == 0) {
		sc_err_set(err, path, 0, 0, "not a pcap or pcapng file "
		    "(empty)");
		return -1;
	}
	if (n == sizeof(m)) {
		v = imp_be32(m);
		for (i = 0; i < sizeof(imp_magics) / sizeof(imp_magics[0]); i++)
			if (v == imp_magics[i])
				return 0;
	}
	sc_err_set(err, path, 0, 0, "not a pcap or pcapng file");
	return -1;
}

/* imp_dlt_name - "EN10MB (Ethernet)", or the number alone. */
static void
imp_dlt_name(int dlt, char *buf, size_t size)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (name == NULL)
		snprintf(buf, size, "%d", dlt);
	else if (desc == NULL)
		snprintf(buf, size, "%s (%d)", name, dlt);
	else
		snprintf(buf, size, "%s (%d, %s)", name, dlt, desc);
}

/* imp_capture_packets - every packet of p into c's flows. */
static int
imp_capture_packets(struct imp_capture *c, pcap_t *p, struct sc_err *err)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct imp_seg_in s;
	enum imp_skip skip;
	int rc;

	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		c->packets++;
		memset(&s, 0, sizeof(s));
		switch (imp_decode(c->dlt, data, h->caplen, &s, &skip)) {
		case IMP_DEC_SKIP:
			c->skipped[skip]++;
			continue;
		case IMP_DEC_SHORT:
			sc_err_set(err, c->path, 0, 0, "packet %llu is cut "
			    "short (%u of %u octets captured): its TCP segment "
			    "is incomplete", (unsigned long long)c->packets,
			    h->caplen, h->len);
			return -1;
		case IMP_DEC_TCP:
			break;
		}
		s.ts = h->ts;
		s.number = c->packets;
		imp_flow_add(c, &s);
	}
	if (rc == PCAP_ERROR) {
		sc_err_set(err, c->path, 0, 0, "after packet %llu: %s",
		    (unsigned long long)c->packets, pcap_geterr(p));
		return -1;
	}
	return 0;
}

/* imp_capture_classify - which flows are SMTP, and how far they went. */
static void
imp_capture_classify(struct imp_capture *c)
{
	struct imp_flow *f;
	struct imp_walk w;
	struct sc_err err;

	for (f = c->flows; f != NULL; f = f->next) {
		imp_flow_finish(f);
		if (!imp_is_smtp(f))
			continue;
		f->smtp = true;
		memset(&err, 0, sizeof(err));
		if (imp_scn_walk(f, NULL, &w, &err) == 0)
			f->starttls = w.starttls;
		c->smtp = xreallocarray(c->smtp, c->nsmtp + 1,
		    sizeof(*c->smtp));
		c->smtp[c->nsmtp++] = f;
	}
}

struct imp_capture *
imp_capture_read(const char *path, struct sc_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE], name[128];
	struct imp_capture *c;
	pcap_t *p;

	if (imp_check_magic(path, err) == -1)
		return NULL;
	ebuf[0] = '\0';
	if ((p = pcap_open_offline(path, ebuf)) == NULL) {
		sc_err_set(err, path, 0, 0, "%s", ebuf);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->dlt = pcap_datalink(p);
	if (!imp_dlt_supported(c->dlt)) {
		imp_dlt_name(c->dlt, name, sizeof(name));
		sc_err_set(err, path, 0, 0, "unsupported link type %s", name);
		goto fail;
	}
	if (imp_capture_packets(c, p, err) == -1)
		goto fail;
	pcap_close(p);
	imp_capture_classify(c);
	return c;
fail:
	pcap_close(p);
	imp_capture_free(c);
	return NULL;
}

void
imp_capture_free(struct imp_capture *c)
{
	struct imp_flow *f, *n;

	if (c == NULL)
		return;
	for (f = c->flows; f != NULL; f = n) {
		n = f->next;
		imp_flow_free(f);
	}
	free(c->smtp);
	free(c->path);
	free(c);
}
