/* SPDX-License-Identifier: ISC */
/*
 * ref_send.h - "smtpref send": the reference SMTP client.
 *
 * Sends one message, once, to one server: RFC 5321 (3.3 transaction, 4.1.4
 * EHLO to HELO fallback, 4.5.2 transparency), RFC 2920 (PIPELINING), RFC
 * 1870 (SIZE), RFC 6152 (BODY=8BITMIME), RFC 3207 (STARTTLS), RFC 8314
 * (implicit TLS), RFC 4954 (AUTH PLAIN, LOGIN). No retries, no queue.
 * --fault makes it misbehave on purpose (ref_send_fault.h). The outcome
 * is a sysexits status; on failure one line on stderr quotes the server's
 * reply, escaped.
 */
#ifndef SC_REF_SEND_H
#define SC_REF_SEND_H

/*
 * ref_send_main - the send subcommand; argv[0] is the first flag after
 * "send". Returns the exit status: 0 accepted (also for --help and
 * --fault list), 64 usage, 65 message over the size limit, 66 cannot read
 * FILE or --ca, 69 refused (5xx; the server lacks SIZE room, 8BITMIME for
 * 8-bit content, PIPELINING with --pipelining require, STARTTLS with --tls
 * require, or AUTH; credentials without TLS; 535 to AUTH), 75 temporary
 * (4xx, 454 to STARTTLS with --tls require, connect failure, timeout,
 * connection lost, TLS handshake or certificate verification failed), 76
 * a reply that makes no sense (malformed, or a code no command allows
 * there).
 */
int	ref_send_main(int argc, char **argv);

#endif /* SC_REF_SEND_H */
