/* SPDX-License-Identifier: ISC */
/*
 * smtp_dot.h - DATA transparency, both ways (RFC 5321 4.5.2, 4.1.1.4).
 *
 * Stuffing (client side): a line that starts with '.' gets one more '.',
 * line ends are left as they are, and the terminator "\r\n.\r\n" is
 * appended; a body not ending in CRLF gets one first (5321 4.1.1.4: the
 * terminator's first CRLF ends the last line).
 *
 * Unstuffing (server side): an incremental decoder that finds the end of
 * data CRLF.CRLF (only with real CRLF: a bare LF or bare CR around the dot
 * is NOT the end, which is what blocks SMTP smuggling) and removes one
 * leading dot from stuffed lines. The result never depends on how the
 * bytes were split.
 */
#ifndef SMTP_DOT_H
#define SMTP_DOT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * smtp_dot_stuff - stuffed copy of body with the terminator appended.
 * Owned result, *outlen set. A "line start" is offset 0 and every octet
 * after LF. (A bare-CR line break does not start a line: such bodies are
 * sent to provoke servers, and must reach them unchanged.) An empty body
 * gives just ".\r\n": the DATA command's CRLF ends the line before it.
 */
char	*smtp_dot_stuff(const void *body, size_t len, size_t *outlen);

/* Observations the decoder makes, OR-ed in smtp_unstuff.flags. */
#define SMTP_UNSTUFF_F_BARE_LF	0x01	/* a LF without CR before it */
#define SMTP_UNSTUFF_F_BARE_CR	0x02	/* a CR not followed by LF */
#define SMTP_UNSTUFF_F_LONG	0x04	/* a line over SMTP_TEXT_LINE_MAX */
#define SMTP_UNSTUFF_F_NUL	0x08

struct smtp_unstuff {
	int	 state;		/* private */
	size_t	 linelen;	/* private: octets in the current line */
	unsigned flags;		/* SMTP_UNSTUFF_F_* seen so far */
	bool	 done;		/* the terminator was seen */
};

void	smtp_unstuff_init(struct smtp_unstuff *);

/*
 * smtp_unstuff_feed - decode len bytes of in. Decoded content is written
 * to out (caller provides at least len + 1 bytes: a CR held back at the end
 * of the previous call, after a line-start ".", may come out first);
 * *outlen gets its length.
 * Returns how many input bytes were consumed: all of them, or fewer when
 * the terminator ended inside this chunk (the rest are the next command);
 * 0 once done. The terminator itself is not copied; the CRLF before the dot
 * is part of the content (the last line's end).
 */
size_t	smtp_unstuff_feed(struct smtp_unstuff *, const void *in, size_t len,
	    void *out, size_t *outlen);

#endif /* SMTP_DOT_H */
