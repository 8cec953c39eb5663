/* SPDX-License-Identifier: ISC */
/*
 * smtp_reply.h - incremental parser for SMTP replies (RFC 5321 4.2).
 *
 * Feed it bytes as they arrive; it hands back one complete reply at a time,
 * single or multiline, and keeps any bytes after a final line buffered, so
 * pipelined replies are never lost (curl pingpong nfinal/overflow). The
 * result never depends on how the bytes were split.
 *
 * It is deliberately lenient about what it ACCEPTS as a reply boundary (a
 * line is ended by CRLF, or by a bare LF, which it notes) and strict about
 * what it REPORTS: every deviation from the RFC grammar is a flag on the
 * reply, so a verdict can cite it. Enhanced status codes (RFC 2034, 3463)
 * are parsed from the first line's text when present.
 *
 * Does not: judge codes against commands, or talk to sockets.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

/* Deviations, OR-ed into smtp_reply.flags. */
#define SMTP_REPLY_F_BAD_CODE	0x0001	/* not 3 digits [2-5][0-5][0-9] */
#define SMTP_REPLY_F_MIXED_CODE	0x0002	/* lines of one reply differ in code */
#define SMTP_REPLY_F_BARE_LF	0x0004	/* a line ended in LF without CR */
#define SMTP_REPLY_F_BARE_CR	0x0008	/* a CR not followed by LF in a line */
#define SMTP_REPLY_F_BAD_SEP	0x0010	/* 4th octet not SP, '-' or EOL */
#define SMTP_REPLY_F_LONG_LINE	0x0020	/* a line over SMTP_REPLY_LINE_MAX */
#define SMTP_REPLY_F_NUL	0x0040	/* a NUL octet in a line */
#define SMTP_REPLY_F_8BIT	0x0080	/* an octet >= 0x80 */
#define SMTP_REPLY_F_CTRL	0x0100	/* a control octet other than HT */
#define SMTP_REPLY_F_CODE_ONLY	0x0200	/* final line is the bare code, no SP */
#define SMTP_REPLY_F_TRUNCATED	0x0400	/* text cut at SC_REPLY_TEXT_MAX */
#define SMTP_REPLY_F_TOO_MANY	0x0800	/* over SC_REPLY_LINES_MAX lines */
#define SMTP_REPLY_F_HUGE_LINE	0x1000	/* a line over SC_REPLY_LINE_HARD_MAX:
					   the reply is malformed */

struct smtp_reply_line {
	char	*text;		/* after "NNN-" / "NNN " (the whole line if
				   it has no code), NUL-terminated, without
				   the line end; owned by the reply */
	size_t	 len;
	bool	 last;		/* this line ended the reply: SP, nothing or
				   a bad separator after the code, no code,
				   or a huge line */
};

struct smtp_reply {
	int	 code;		/* e.g. 250; -1 when the first line has no
				   3-digit code */
	/* Enhanced status code from the first line, e.g. 2.1.0; 0 = absent. */
	int	 enh_class, enh_subject, enh_detail;
	unsigned flags;		/* SMTP_REPLY_F_* */
	/* At most SC_REPLY_LINES_MAX: the first ones and the final one. */
	struct smtp_reply_line *lines;
	size_t	 nlines;
	char	*raw;		/* every byte of the reply, as received */
	size_t	 rawlen;
};

/*
 * smtp_reply_clear - free a reply's contents (not the struct itself) and
 * zero it, so it can be filled again. NULL does nothing.
 */
void	smtp_reply_clear(struct smtp_reply *);

/*
 * smtp_reply_has_enh - true when the first line's text starts with an
 * enhanced status code "X.Y.Z" (X in 2, 4, 5; Y and Z 1-3 digits) followed
 * by SP or the end of the text; enh_* then hold it.
 */
bool	smtp_reply_has_enh(const struct smtp_reply *);

/*
 * smtp_reply_flags_str - human list of flags, "bare LF, mixed codes", or
 * "none"; cut to fit size (always NUL-terminated when size > 0).
 */
void	smtp_reply_flags_str(unsigned flags, char *buf, size_t size);

/*
 * The incremental parser. It owns a bounded input buffer of
 * SC_RECV_BUF_MAX bytes.
 */
struct smtp_rparser;

struct smtp_rparser *smtp_rparser_new(void);
void	smtp_rparser_free(struct smtp_rparser *);

/*
 * smtp_rparser_feed - append bytes received from the peer.
 * Returns 0, or -1 when the buffer limit would be exceeded (the peer sent
 * more than SC_RECV_BUF_MAX bytes without completing a reply): the bytes
 * are not taken.
 */
int	smtp_rparser_feed(struct smtp_rparser *, const void *, size_t);

enum smtp_rparse_status {
	SMTP_RPARSE_NEED_MORE = 0,	/* no complete reply buffered */
	SMTP_RPARSE_REPLY,		/* *out filled */
};

/*
 * smtp_rparser_next - take the next complete reply from the buffer into
 * *out (which the caller later smtp_reply_clear()s). A reply ends at a
 * line whose 4th octet is not '-'. A line that does not start with three
 * digits ends the reply too (with SMTP_REPLY_F_BAD_CODE), so garbage is
 * reported rather than waited on. *out is overwritten, not freed: on
 * NEED_MORE it is zeroed.
 */
enum smtp_rparse_status smtp_rparser_next(struct smtp_rparser *,
	    struct smtp_reply *out);

/*
 * smtp_rparser_pending - bytes buffered that are not yet a whole reply
 * (for "partial reply at close" diagnostics). *len gets the count.
 */
const char *smtp_rparser_pending(const struct smtp_rparser *, size_t *len);

/* smtp_rparser_reset - drop everything buffered (after STARTTLS). */
void	smtp_rparser_reset(struct smtp_rparser *);

/*
 * EHLO keywords (RFC 5321 4.1.1.1): lines 2..n of a 250 reply to EHLO.
 * smtp_ehlo_find - the line text for keyword kw (case-insensitive), or
 * NULL. *params is set to the text after the keyword and its space ("" if
 * none); borrowed from the reply.
 */
const char *smtp_ehlo_find(const struct smtp_reply *, const char *kw,
	    const char **params);

#endif /* SMTP_REPLY_H */
