/* SPDX-License-Identifier: ISC */
/*
 * cap.h - a recorder of what the SMTP layer saw on its connections, for
 * packet captures (`--pcap DIR`, pcap_out.h).
 *
 * One struct cap_rec per scenario holds every connection the scenario
 * made, in order; each connection holds its two endpoints and the list
 * of what happened on it: bytes written or read (with the wall-clock time
 * and whether they were decrypted from TLS), a FIN from either side, a
 * reset. conn.c feeds it (conn_set_capture); nothing here does I/O.
 *
 * Recording is at the transport, not from the transcript, so that every
 * byte is kept (the transcript cuts entries). A recorder keeps at most
 * SC_CAPTURE_BYTES_MAX payload bytes: past that it drops further bytes
 * and says so in cap_rec_truncated(). Not thread-safe: one recorder
 * belongs to one scenario, which runs on one thread.
 */
#ifndef CAP_H
#define CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

enum cap_kind {
	CAP_DATA,	/* bytes, as the SMTP layer wrote or read them */
	CAP_FIN,	/* that side closed (its FIN) */
	CAP_RST,	/* that side reset the connection */
};

/* One endpoint, family-neutral: an IPv4-mapped IPv6 address is IPv4. */
struct cap_addr {
	int	 family;	/* AF_INET or AF_INET6 */
	uint8_t	 ip[16];	/* 4 bytes for AF_INET */
	uint16_t port;		/* host order */
};

struct cap_seg {
	enum cap_kind kind;
	int64_t	 wall_us;	/* epoch microseconds */
	bool	 from_local;	/* the harness's side sent it */
	bool	 tls;		/* CAP_DATA: decrypted from TLS */
	unsigned char *data;	/* CAP_DATA: owned */
	size_t	 len;
};

struct cap_rec;

struct cap_conn {
	struct cap_rec	*rec;		/* the recorder it belongs to */
	struct cap_addr	 local, peer;
	bool		 local_is_server; /* `serve`: we accepted */
	int64_t		 open_us;	/* wall clock of the handshake */
	struct cap_seg	*v;		/* in the order they happened */
	size_t		 n, cap;
	bool		 local_fin, peer_fin, reset; /* seen so far */
};

struct cap_rec {
	struct cap_conn	**conns;	/* owned, in the order made */
	size_t		  n;
	size_t		  bytes;	/* payload kept, all connections */
	bool		  truncated;	/* bytes dropped at the limit */
};

/* cap_rec_new - an empty recorder; cap_rec_free releases it (NULL ok). */
struct cap_rec *cap_rec_new(void);
void	cap_rec_free(struct cap_rec *);
/* cap_rec_truncated - were bytes dropped at SC_CAPTURE_BYTES_MAX? */
bool	cap_rec_truncated(const struct cap_rec *);

/*
 * cap_addr_from - fill a from a sockaddr (AF_INET or AF_INET6; a mapped
 * IPv4 address becomes AF_INET). Returns 0, or -1 for other families.
 */
int	cap_addr_from(struct cap_addr *a, const struct sockaddr *sa);

/*
 * cap_conn_add - a new connection between local and peer, its handshake
 * at wall_us. The connection belongs to rec (until cap_rec_free).
 */
struct cap_conn *cap_conn_add(struct cap_rec *rec,
	    const struct cap_addr *local, const struct cap_addr *peer,
	    bool local_is_server, int64_t wall_us);

/* cap_data - len bytes sent (from_local) or received; tls when they were
 * decrypted from TLS. Dropped once the recorder is full. */
void	cap_data(struct cap_conn *, bool from_local, bool tls,
	    const void *p, size_t len, int64_t wall_us);
/* cap_fin - a side closed; only its first FIN counts. */
void	cap_fin(struct cap_conn *, bool from_local, int64_t wall_us);
/* cap_rst - a side reset the connection; nothing after it counts. */
void	cap_rst(struct cap_conn *, bool from_local, int64_t wall_us);

#endif /* CAP_H */
