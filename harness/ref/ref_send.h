/* SPDX-License-Identifier: ISC */
/*
 * ref_send.h - "smtpref send": the reference SMTP client.
 *
 * Sends one message, once, to one server: RFC 5321 (3.3 transaction, 4.1.4
 * EHLO to HELO fallback, 4.5.2 transparency), RFC 2920 (PIPELINING), RFC
 * 1870 (SIZE), RFC 6152 (BODY=8BITMIME). No retries, no queue, no TLS or
 * AUTH yet (--tls none only). The outcome is a sysexits status; on failure
 * one line on stderr quotes the server's reply, escaped.
 */
#ifndef SC_REF_SEND_H
#define SC_REF_SEND_H

/*
 * ref_send_main - the send subcommand; argv[0] is the first flag after
 * "send". Returns the exit status: 0 accepted, 64 usage, 65 message over
 * the size limit, 66 cannot read FILE, 69 refused (5xx, or the server
 * lacks SIZE room or PIPELINING with --pipelining require), 75 temporary
 * (4xx, connect failure, timeout, connection lost), 76 a reply that makes
 * no sense (malformed, or a code no command allows there).
 */
int	ref_send_main(int argc, char **argv);

#endif /* SC_REF_SEND_H */
