/* SPDX-License-Identifier: ISC */
/*
 * smtp_dot.c - DATA transparency (RFC 5321 4.5.2) and the end-of-data
 * indicator (RFC 5321 4.1.1.4): stuffing for the client side, an
 * incremental unstuffing decoder for the server side.
 *
 * The decoder ends data only at CRLF "." CRLF with real CRLFs; a bare LF or
 * a bare CR is content, noted in a flag, and never a line end (the SMTP
 * smuggling defence). It is a byte-wise state machine, so its output does
 * not depend on how the input was split. It does not store the message:
 * the caller owns both buffers.
 */
#include "smtp_dot.h"

#include <stdint.h>
#include <string.h>

#include "sc_limits.h"
#include "sc_util.h"

/* Decoder states (smtp_unstuff.state). */
#define SMTP_UNSTUFF_S_BOL	0	/* at a line start, after CRLF */
#define SMTP_UNSTUFF_S_BOL_DOT	1	/* "." at a line start */
#define SMTP_UNSTUFF_S_BOL_DOT_CR 2	/* ".\r" at a line start: CR held */
#define SMTP_UNSTUFF_S_TEXT	3	/* inside a line */
#define SMTP_UNSTUFF_S_TEXT_CR	4	/* inside a line, after a CR */

/* smtp_dot_stuff - double each dot at a line start, append the terminator. */
char *
smtp_dot_stuff(const void *body, size_t len, size_t *outlen)
{
	const char *b = body;
	size_t ndots, i, o, total;
	bool add_crlf;
	char *out;

	ndots = 0;
	for (i = 0; i < len; i++)
		if (b[i] == '.' && (i == 0 || b[i - 1] == '\n'))
			ndots++;
	/*
	 * An empty body gets no CRLF of its own: the CRLF that ended the DATA
	 * command precedes the ".", and "\r\n.\r\n" would send one empty line.
	 */
	add_crlf = len > 0 &&
	    !(len >= 2 && b[len - 2] == '\r' && b[len - 1] == '\n');
	if (len > (SIZE_MAX - 6) / 2)
		fatal("body too large to stuff (%zu bytes)", len);
	total = len + ndots + (add_crlf ? 2 : 0) + 3;
	out = xmalloc(total + 1);
	o = 0;
	for (i = 0; i < len; i++) {
		if (b[i] == '.' && (i == 0 || b[i - 1] == '\n'))
			out[o++] = '.';
		out[o++] = b[i];
	}
	if (add_crlf) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	o += 3;
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

/*
 * smtp_unstuff_init - start of data: the CRLF that ended the DATA command
 * counts as the end of the line before, so a first line "." ends data.
 */
void
smtp_unstuff_init(struct smtp_unstuff *u)
{
	memset(u, 0, sizeof(*u));
	u->state = SMTP_UNSTUFF_S_BOL;
}

/* smtp_unstuff_emit - one content octet out, counted against the line. */
static void
smtp_unstuff_emit(struct smtp_unstuff *u, unsigned char *out, size_t *n,
    unsigned char c)
{
	out[(*n)++] = c;
	/* Saturate: the count only has to tell "over the limit". */
	if (u->linelen <= SMTP_TEXT_LINE_MAX)
		u->linelen++;
	if (u->linelen > SMTP_TEXT_LINE_MAX)
		u->flags |= SMTP_UNSTUFF_F_LONG;
}

/*
 * smtp_unstuff_feed - decode up to the terminator. Line lengths count
 * octets after unstuffing, CRLF included (RFC 5321 4.5.3.1.6 does not
 * count the stuffing dot). Once done, nothing more is consumed.
 */
size_t
smtp_unstuff_feed(struct smtp_unstuff *u, const void *in, size_t len,
    void *out, size_t *outlen)
{
	const unsigned char *s = in;
	unsigned char *o = out;
	unsigned char c;
	size_t i, n;

	n = 0;
	*outlen = 0;
	if (u->done)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '\0')
			u->flags |= SMTP_UNSTUFF_F_NUL;
		switch (u->state) {
		case SMTP_UNSTUFF_S_BOL:
			if (c == '.') {
				u->state = SMTP_UNSTUFF_S_BOL_DOT;
				continue;
			}
			break;
		case SMTP_UNSTUFF_S_BOL_DOT:
			if (c == '\r') {
				u->state = SMTP_UNSTUFF_S_BOL_DOT_CR;
				continue;
			}
			/* A stuffed line: its leading dot is dropped. */
			u->state = SMTP_UNSTUFF_S_TEXT;
			break;
		case SMTP_UNSTUFF_S_BOL_DOT_CR:
			if (c == '\n') {
				u->done = true;
				*outlen = n;
				return i + 1;
			}
			/* Not the end: the dot was stuffing, the CR content. */
			smtp_unstuff_emit(u, o, &n, '\r');
			u->state = SMTP_UNSTUFF_S_TEXT_CR;
			break;
		default:
			break;
		}
		/* c is content now; the state is BOL, TEXT or TEXT_CR. */
		if (u->state == SMTP_UNSTUFF_S_TEXT_CR && c != '\n')
			u->flags |= SMTP_UNSTUFF_F_BARE_CR;
		smtp_unstuff_emit(u, o, &n, c);
		if (c == '\n' && u->state == SMTP_UNSTUFF_S_TEXT_CR) {
			u->state = SMTP_UNSTUFF_S_BOL;
			u->linelen = 0;
		} else if (c == '\n') {
			/* Content, not a line end: no line start follows. */
			u->flags |= SMTP_UNSTUFF_F_BARE_LF;
			u->state = SMTP_UNSTUFF_S_TEXT;
		} else if (c == '\r')
			u->state = SMTP_UNSTUFF_S_TEXT_CR;
		else
			u->state = SMTP_UNSTUFF_S_TEXT;
	}
	*outlen = n;
	return len;
}
