/* SPDX-License-Identifier: ISC */
/*
 * imp.h - `smtpcheck import`: a packet capture becomes a scenario.
 *
 * imp_pcap.c reads a pcap or pcapng file with libpcap and decodes each
 * packet down to its TCP segment (link layers, IPv4, IPv6 with the
 * extension headers it can walk). imp_flow.c keeps one flow per TCP
 * connection and reassembles both directions (retransmissions, overlaps,
 * out-of-order segments held up to a limit, a capture that starts
 * mid-flow), noting the order in which the two sides' bytes arrived.
 * imp_scn.c walks that order, splitting the server's bytes into replies
 * (smtp_reply.h), and writes the client's side as a client-role scenario;
 * imp_cli.c is the command line.
 *
 * Private to harness/imp/ and its unit test; the rest of smtpcheck knows
 * only imp_command(). Everything a capture gives is bounded by the IMP_*
 * limits of sc_limits.h; a file that breaks them is bad input (exit 2),
 * never a crash.
 */
#ifndef SC_IMP_H
#define SC_IMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct sc_err;

/* One end of a TCP connection. */
struct imp_addr {
	int	 family;	/* AF_INET or AF_INET6 */
	uint8_t	 a[16];		/* network order; IPv4 in the first 4 */
	uint16_t port;		/* host order */
};

#define IMP_TH_FIN	0x01
#define IMP_TH_SYN	0x02
#define IMP_TH_RST	0x04
#define IMP_TH_ACK	0x10

/* One decoded TCP segment; payload borrows the packet buffer. */
struct imp_seg_in {
	struct imp_addr src, dst;
	uint32_t seq;
	uint8_t	 flags;		/* IMP_TH_* */
	const uint8_t *payload;
	size_t	 len;
	struct timeval ts;
	uint64_t number;	/* packet number in the file, from 1 */
};

/* Packets skipped, by reason: said on stderr, one line each. */
enum imp_skip {
	IMP_SKIP_NOT_IP = 0,	/* ARP, LLDP, ...: silently */
	IMP_SKIP_NOT_TCP,	/* UDP, ICMP: silently */
	IMP_SKIP_FRAGMENT,	/* IP fragments are not reassembled */
	IMP_SKIP_IPV6_EXT,	/* an IPv6 extension header not walked */
	IMP_SKIP_FLOWS,		/* past IMP_FLOWS_MAX flows */
	IMP_SKIP_COUNT
};

const char *imp_skip_str(enum imp_skip);

enum imp_decode_status {
	IMP_DEC_TCP = 0,	/* *out filled */
	IMP_DEC_SKIP,		/* not for us; *skip says why */
	IMP_DEC_SHORT,		/* a TCP segment cut short by the capture */
};

/*
 * imp_decode - the TCP segment in one captured packet of link type dlt
 * (pcap_datalink). caplen octets of p are there. Returns IMP_DEC_TCP with
 * out filled (payload borrows p), IMP_DEC_SKIP with *skip set, or
 * IMP_DEC_SHORT when the headers or payload go past caplen.
 */
enum imp_decode_status imp_decode(int dlt, const uint8_t *p, size_t caplen,
	    struct imp_seg_in *out, enum imp_skip *skip);
/* imp_dlt_supported - imp_decode knows this link type. */
bool	imp_dlt_supported(int dlt);

/* A segment held until the gap before it fills. */
struct imp_ooo {
	uint32_t seq;
	uint8_t	*data;		/* owned */
	size_t	 len;
	struct imp_ooo *next;	/* sorted by seq */
};

/* One direction of a flow, reassembled. */
struct imp_dir {
	bool	 started;	/* next is known */
	bool	 syn, fin, rst;
	bool	 midstream;	/* no SYN seen: started at the first seq */
	uint64_t closed_pkt;	/* packet number of its first FIN or RST */
	uint32_t base;		/* seq of stream offset 0 */
	uint32_t next;		/* seq of the next octet wanted */
	uint8_t	*buf;		/* the stream, owned, at most IMP_STREAM_MAX */
	size_t	 len, cap;
	struct imp_ooo *ooo;	/* owned */
	size_t	 nooo, ooo_bytes;
	uint64_t retrans;	/* segments that brought nothing new */
};

/* The order the bytes arrived in: side d's stream grew to end. */
struct imp_turn {
	uint8_t	 d;		/* 0 or 1, as imp_flow.d */
	size_t	 end;
};

struct imp_flow {
	struct imp_addr ep[2];	/* ep[0] sent the first packet seen */
	struct imp_dir d[2];	/* d[i]: what ep[i] sent */
	int	 client;	/* 0 or 1 once known (SYN or data), else -1 */
	struct timeval first;
	uint64_t first_pkt;
	struct imp_turn *turns;	/* owned */
	size_t	 nturns, capturns;
	char	*err;		/* owned: why the flow cannot be imported */
	/* Set by imp_capture_read for SMTP flows (imp_scn_walk). */
	bool	 smtp;
	bool	 starttls;
	struct imp_flow *next;	/* the capture's list, in order first seen */
};

struct imp_capture {
	char	*path;		/* owned */
	int	 dlt;
	uint64_t packets;
	size_t	 nflows;	/* TCP flows */
	struct imp_flow *flows;	/* owned, in order first seen */
	struct imp_flow *tail;	/* the last of flows */
	struct imp_flow *hit;	/* the flow of the last packet */
	struct imp_flow **smtp;	/* the SMTP ones, borrowed from flows */
	size_t	 nsmtp;
	uint64_t skipped[IMP_SKIP_COUNT];
};

/*
 * imp_flow_add - take one segment into c's flow table: a new flow or
 * its own. Returns the flow, or NULL when the table is full (counted in
 * skipped[IMP_SKIP_FLOWS]). A flow that breaks a limit gets err and
 * takes no more bytes.
 */
struct imp_flow *imp_flow_add(struct imp_capture *c,
	    const struct imp_seg_in *s);
/* imp_flow_finish - end of capture: a gap never filled sets err. */
void	imp_flow_finish(struct imp_flow *);
void	imp_flow_free(struct imp_flow *);
/* imp_flow_server - the server's side (1 - client; 1 when unknown). */
int	imp_flow_server(const struct imp_flow *);

/*
 * imp_capture_read - read path whole: decode, reassemble, find the SMTP
 * flows. Returns the owned capture, or NULL with err filled (one line:
 * not a capture, truncated, cut short, unsupported link type).
 */
struct imp_capture *imp_capture_read(const char *path, struct sc_err *err);
void	imp_capture_free(struct imp_capture *);

/* What imp_scn_walk gives back. */
struct imp_walk {
	size_t	 nreplies;
	bool	 starttls;	/* stopped at the 220 to STARTTLS */
	bool	 quit;		/* the client sent QUIT */
};

/* Text being written: p is owned, NUL-terminated, grown as needed. */
struct imp_text {
	char	*p;
	size_t	 len, cap;
};

/*
 * imp_scn_walk - go through f's turns as the scenario does; with out
 * non-NULL, append the steps to it. Returns 0, or -1 with err set (the
 * server sent more than SC_RECV_BUF_MAX octets that are no reply).
 */
int	imp_scn_walk(const struct imp_flow *f, struct imp_text *out,
	    struct imp_walk *w, struct sc_err *err);
/* imp_is_smtp - the server side starts with a reply as imp.h says. */
bool	imp_is_smtp(const struct imp_flow *f);

/*
 * imp_scn_text - the scenario for SMTP flow index (1-based) of c, with
 * the given id; stdout_note: add "save it as ID.scn". Returns the owned
 * text, or NULL with err set.
 */
char	*imp_scn_text(const struct imp_capture *c, size_t index,
	    const char *id, bool stdout_note, struct sc_err *err);
/* imp_flow_line - the --list line of SMTP flow index (1-based); owned. */
char	*imp_flow_line(const struct imp_capture *c, size_t index);
/* imp_addr_str - "192.0.2.1:25", "[2001:db8::1]:25" into buf. */
void	imp_addr_str(const struct imp_addr *, char *buf, size_t size);

/* imp_command - `smtpcheck import ARGS`: the exit code (0, or 2). */
int	imp_command(int argc, char **argv);

#endif /* SC_IMP_H */
