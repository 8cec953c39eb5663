/* SPDX-License-Identifier: ISC */
/*
 * smtp_cmd.h - build SMTP command lines (RFC 5321 4.1).
 *
 * The builder refuses what would put a line break or NUL inside a command
 * (a harness must not inject by accident; scenarios that test injection use
 * raw bytes), and it reports the length so a caller can test the 512-octet
 * limit on purpose.
 */
#ifndef SMTP_CMD_H
#define SMTP_CMD_H

#include <stddef.h>

struct sc_err;

/*
 * smtp_cmd_build - "VERB[ ARG]\r\n" into a new owned buffer, *len set.
 * verb must be 1..64 octets of [A-Za-z0-9-]; arg may be NULL or "".
 * Returns NULL and fills err when verb or arg holds CR, LF or NUL, or the
 * verb is malformed.
 */
char	*smtp_cmd_build(const char *verb, const char *arg, size_t *len,
	    struct sc_err *err);

/*
 * smtp_cmd_mail / smtp_cmd_rcpt - "MAIL FROM:<path>[ params]\r\n",
 * "RCPT TO:<path>[ params]\r\n". path is written inside the brackets as is
 * ("" gives the null path <>). Same errors as smtp_cmd_build.
 */
char	*smtp_cmd_mail(const char *path, const char *params, size_t *len,
	    struct sc_err *err);
char	*smtp_cmd_rcpt(const char *path, const char *params, size_t *len,
	    struct sc_err *err);

/*
 * smtp_cmd_line - text + "\r\n" (the scenario's `send` step). Refuses CR,
 * LF and NUL inside text. Owned result.
 */
char	*smtp_cmd_line(const char *text, size_t textlen, size_t *len,
	    struct sc_err *err);

/*
 * smtp_xtext_encode - RFC 3461 4 xtext: "+XX" for '+', '=', and octets
 * outside 33..126. Owned result.
 */
char	*smtp_xtext_encode(const void *p, size_t len);

#endif /* SMTP_CMD_H */
