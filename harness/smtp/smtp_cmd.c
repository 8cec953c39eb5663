/* SPDX-License-Identifier: ISC */
/*
 * smtp_cmd.c - build SMTP command lines (RFC 5321 4.1.1, 4.1.2) and xtext
 * (RFC 3461 4).
 *
 * Every builder refuses CR, LF and NUL inside the line, so the harness never
 * injects by accident. It does not enforce SMTP_CMD_LINE_MAX: scenarios
 * send over-long commands on purpose, and the length is returned. Results
 * are owned by the caller; nothing is kept.
 */
#include "smtp_cmd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"

static const char smtp_cmd_hex[] = "0123456789ABCDEF";

/* One piece of a command line. */
struct smtp_cmd_part {
	const char	*p;
	size_t		 len;
};

/* smtp_cmd_check_verb - 1..SMTP_CMD_VERB_MAX octets of [A-Za-z0-9-]. */
static int
smtp_cmd_check_verb(const char *verb, struct sc_err *err)
{
	size_t len, i;
	char c, *shown;

	len = verb != NULL ? strlen(verb) : 0;
	for (i = 0; i < len; i++) {
		c = verb[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			break;
	}
	if (len >= 1 && len <= SMTP_CMD_VERB_MAX && i == len)
		return 0;
	shown = sc_esc(verb != NULL ? verb : "", len, SC_SHOW_BYTES_MAX);
	sc_err_set(err, "", 0, 0,
	    "command verb \"%s\": want 1 to %d octets of A-Z a-z 0-9 -",
	    shown, SMTP_CMD_VERB_MAX);
	free(shown);
	return -1;
}

/* smtp_cmd_check_text - no CR, LF or NUL in what goes into the line. */
static int
smtp_cmd_check_text(const char *what, const char *p, size_t len,
    struct sc_err *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0') {
			sc_err_set(err, "", 0, 0,
			    "%s holds %s at offset %zu: refused", what,
			    p[i] == '\r' ? "CR" : p[i] == '\n' ? "LF" : "NUL",
			    i);
			return -1;
		}
	}
	return 0;
}

/* smtp_cmd_join - the parts, then CRLF, in one owned NUL-terminated line. */
static char *
smtp_cmd_join(const struct smtp_cmd_part *parts, size_t n, size_t *len)
{
	size_t total, i, o;
	char *out;

	total = 2;
	for (i = 0; i < n; i++)
		total += parts[i].len;
	out = xmalloc(total + 1);
	o = 0;
	for (i = 0; i < n; i++) {
		if (parts[i].len > 0)
			memcpy(out + o, parts[i].p, parts[i].len);
		o += parts[i].len;
	}
	out[o++] = '\r';
	out[o++] = '\n';
	out[o] = '\0';
	if (len != NULL)
		*len = o;
	return out;
}

/* smtp_cmd_build - "VERB[ ARG]\r\n". */
char *
smtp_cmd_build(const char *verb, const char *arg, size_t *len,
    struct sc_err *err)
{
	struct smtp_cmd_part parts[3];
	size_t alen;

	if (len != NULL)
		*len = 0;
	if (smtp_cmd_check_verb(verb, err) == -1)
		return NULL;
	alen = arg != NULL ? strlen(arg) : 0;
	if (smtp_cmd_check_text("command argument", arg, alen, err) == -1)
		return NULL;
	parts[0].p = verb;
	parts[0].len = strlen(verb);
	parts[1].p = " ";
	parts[1].len = alen > 0 ? 1 : 0;
	parts[2].p = arg;
	parts[2].len = alen;
	return smtp_cmd_join(parts, 3, len);
}

/* smtp_cmd_path - "<prefix><path>[ params]\r\n" for MAIL and RCPT. */
static char *
smtp_cmd_path(const char *prefix, const char *path, const char *params,
    size_t *len, struct sc_err *err)
{
	struct smtp_cmd_part parts[5];
	size_t plen, qlen;

	if (len != NULL)
		*len = 0;
	plen = path != NULL ? strlen(path) : 0;
	qlen = params != NULL ? strlen(params) : 0;
	if (smtp_cmd_check_text("path", path, plen, err) == -1 ||
	    smtp_cmd_check_text("parameters", params, qlen, err) == -1)
		return NULL;
	parts[0].p = prefix;
	parts[0].len = strlen(prefix);
	parts[1].p = path;
	parts[1].len = plen;
	parts[2].p = ">";
	parts[2].len = 1;
	parts[3].p = " ";
	parts[3].len = qlen > 0 ? 1 : 0;
	parts[4].p = params;
	parts[4].len = qlen;
	return smtp_cmd_join(parts, 5, len);
}

/* smtp_cmd_mail - "MAIL FROM:<path>[ params]\r\n". */
char *
smtp_cmd_mail(const char *path, const char *params, size_t *len,
    struct sc_err *err)
{
	return smtp_cmd_path("MAIL FROM:<", path, params, len, err);
}

/* smtp_cmd_rcpt - "RCPT TO:<path>[ params]\r\n". */
char *
smtp_cmd_rcpt(const char *path, const char *params, size_t *len,
    struct sc_err *err)
{
	return smtp_cmd_path("RCPT TO:<", path, params, len, err);
}

/* smtp_cmd_line - text + "\r\n". */
char *
smtp_cmd_line(const char *text, size_t textlen, size_t *len,
    struct sc_err *err)
{
	struct smtp_cmd_part part;

	if (len != NULL)
		*len = 0;
	if (smtp_cmd_check_text("line", text, textlen, err) == -1)
		return NULL;
	part.p = text;
	part.len = textlen;
	return smtp_cmd_join(&part, 1, len);
}

/* smtp_xtext_encode - xtext, with "+XX" in upper-case hex. */
char *
smtp_xtext_encode(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i, o;
	char *out;

	if (len > (SIZE_MAX - 1) / 3)
		fatal("xtext input too long (%zu bytes)", len);
	out = xmalloc(len * 3 + 1);
	o = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < 33 || s[i] > 126 || s[i] == '+' || s[i] == '=') {
			out[o++] = '+';
			out[o++] = smtp_cmd_hex[s[i] >> 4];
			out[o++] = smtp_cmd_hex[s[i] & 0x0f];
		} else
			out[o++] = (char)s[i];
	}
	out[o] = '\0';
	return out;
}
