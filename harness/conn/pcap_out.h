/* SPDX-License-Identifier: ISC */
/*
 * pcap_out.h - write a capture recorder (cap.h) as a pcap file that
 * Wireshark and tshark decode as SMTP with no setting.
 *
 * Every connection becomes an Ethernet/IPv4/TCP stream (IPv6 when its
 * addresses are): a three-way handshake, the recorded bytes cut into
 * segments of at most SC_CAPTURE_MSS4 (SC_CAPTURE_MSS6) octets with
 * sequence and acknowledgement numbers that follow them, and a FIN
 * exchange at the end, or a RST where the connection was reset. The
 * times are the wall-clock times the bytes were read or written.
 *
 * What is not the wire's: bytes after a TLS handshake are the decrypted
 * stream the SMTP layer saw, marked with DSCP CS1 (IPv4 TOS 0x20, the
 * IPv6 traffic class likewise; Wireshark filter `ip.dsfield.dscp == 8`);
 * the TLS records themselves are not in the file. The server's port is
 * written as 25 unless it was 25 or 587, since those are the ports
 * Wireshark decodes as SMTP; the real port stays in the reports. The
 * MAC addresses are made up (locally administered), and a side whose
 * FIN was not seen (the recording ended first) is given one.
 */
#ifndef PCAP_OUT_H
#define PCAP_OUT_H

struct cap_rec;
struct sc_err;

/* The DSCP of packets carrying decrypted TLS bytes: CS1. */
#define PCAP_OUT_DSCP_TLS	8

/*
 * pcap_out_write - write rec to path (created or truncated). Returns 0,
 * or -1 with err naming the file and saying why.
 */
int	pcap_out_write(const struct cap_rec *rec, const char *path,
	    struct sc_err *err);

/* pcap_out_server_port - the port written for a server on port. */
unsigned int pcap_out_server_port(unsigned int port);

#endif /* PCAP_OUT_H */
