/* SPDX-License-Identifier: ISC */
/*
 * smtp_reply.c - incremental SMTP reply parser (RFC 5321 4.2, 4.2.1,
 * 4.5.3.1.5), enhanced status codes (RFC 2034 4, RFC 3463 2) and EHLO
 * keyword lookup (RFC 5321 4.1.1.1).
 *
 * Received bytes sit in one buffer of SC_RECV_BUF_MAX bytes, allocated
 * whole. smtp_rparser_next() cuts one reply at a time off its front; the
 * whole "NNN-" lines it has already seen of an unfinished reply are
 * remembered, so bytes fed one at a time are not rescanned. Every deviation
 * from the grammar is a flag on the reply; nothing the peer sends is fatal.
 * Not thread-safe: one parser per connection. A reply owns its lines and
 * its raw bytes; smtp_reply_clear() releases them.
 */
#include "smtp_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_limits.h"
#include "sc_util.h"

struct smtp_rparser {
	char	*buf;		/* SC_RECV_BUF_MAX bytes */
	size_t	 len;		/* bytes buffered */
	size_t	 scanned;	/* prefix of whole "NNN-" lines already seen */
};

static const struct {
	unsigned	 flag;
	const char	*name;
} smtp_reply_flag_names[] = {
	{ SMTP_REPLY_F_BAD_CODE, "bad code" },
	{ SMTP_REPLY_F_MIXED_CODE, "mixed codes" },
	{ SMTP_REPLY_F_BARE_LF, "bare LF" },
	{ SMTP_REPLY_F_BARE_CR, "bare CR" },
	{ SMTP_REPLY_F_BAD_SEP, "bad separator" },
	{ SMTP_REPLY_F_LONG_LINE, "long line" },
	{ SMTP_REPLY_F_NUL, "NUL" },
	{ SMTP_REPLY_F_8BIT, "8-bit" },
	{ SMTP_REPLY_F_CTRL, "control octet" },
	{ SMTP_REPLY_F_CODE_ONLY, "code only" },
	{ SMTP_REPLY_F_TRUNCATED, "text truncated" },
	{ SMTP_REPLY_F_TOO_MANY, "too many lines" },
	{ SMTP_REPLY_F_HUGE_LINE, "huge line" },
};

/* smtp_reply_is_digit - ASCII digit, whatever the locale. */
static bool
smtp_reply_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* smtp_reply_has_code - the line starts with three digits. */
static bool
smtp_reply_has_code(const char *p, size_t len)
{
	return len >= 3 && smtp_reply_is_digit(p[0]) &&
	    smtp_reply_is_digit(p[1]) && smtp_reply_is_digit(p[2]);
}

/* smtp_reply_line_continues - "NNN-": the reply goes on after this line. */
static bool
smtp_reply_line_continues(const char *p, size_t len)
{
	return len >= 4 && smtp_reply_has_code(p, len) && p[3] == '-';
}

/* smtp_reply_clear - free the contents and zero the struct. */
void
smtp_reply_clear(struct smtp_reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i].text);
	free(r->lines);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

/* smtp_reply_has_enh - an enhanced status code was parsed. */
bool
smtp_reply_has_enh(const struct smtp_reply *r)
{
	return r->enh_class != 0;
}

/* smtp_reply_flags_str - comma-separated flag names, cut to size. */
void
smtp_reply_flags_str(unsigned flags, char *buf, size_t size)
{
	size_t off, i;
	int n;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (flags == 0) {
		snprintf(buf, size, "none");
		return;
	}
	off = 0;
	for (i = 0; i < sizeof(smtp_reply_flag_names) /
	    sizeof(smtp_reply_flag_names[0]); i++) {
		if ((flags & smtp_reply_flag_names[i].flag) == 0)
			continue;
		flags &= ~smtp_reply_flag_names[i].flag;
		n = snprintf(buf + off, size - off, "%s%s",
		    off > 0 ? ", " : "", smtp_reply_flag_names[i].name);
		if (n < 0 || (size_t)n >= size - off)
			return;		/* cut: buf holds what fitted */
		off += (size_t)n;
	}
	if (flags != 0)
		snprintf(buf + off, size - off, "%sunknown 0x%x",
		    off > 0 ? ", " : "", flags);
}

/* smtp_reply_enh_num - 1 to 3 digits at s[*i] (RFC 3463 2). */
static int
smtp_reply_enh_num(const char *s, size_t len, size_t *i, int *out)
{
	size_t start;
	int v;

	start = *i;
	v = 0;
	while (*i < len && *i - start < 3 && smtp_reply_is_digit(s[*i])) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	if (*i == start || (*i < len && smtp_reply_is_digit(s[*i])))
		return -1;
	*out = v;
	return 0;
}

/*
 * smtp_reply_parse_enh - "X.Y.Z" at the start of the first line's text,
 * X one of 2, 4, 5, followed by SP or the end of the text.
 * Whether X agrees with the reply code is for the verdict, not the parser.
 */
static void
smtp_reply_parse_enh(struct smtp_reply *r)
{
	const char *s;
	size_t len, i;
	int sub, det;

	if (r->nlines == 0 || r->code == -1)
		return;
	s = r->lines[0].text;
	len = r->lines[0].len;
	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return;
	i = 2;
	if (smtp_reply_enh_num(s, len, &i, &sub) == -1 || i >= len ||
	    s[i] != '.')
		return;
	i++;
	if (smtp_reply_enh_num(s, len, &i, &det) == -1)
		return;
	if (i < len && s[i] != ' ')
		return;
	r->enh_class = s[0] - '0';
	r->enh_subject = sub;
	r->enh_detail = det;
}

/*
 * smtp_reply_add_line - parse one line of n octets (its line end included
 * when eol) into r. idx is the line's number in the reply, final says it
 * ends the reply, *kept counts text bytes kept so far.
 */
static void
smtp_reply_add_line(struct smtp_reply *r, const char *p, size_t n, bool eol,
    size_t idx, bool final, size_t *kept)
{
	struct smtp_reply_line *l;
	const char *text;
	size_t clen, tlen, i;
	unsigned char c;
	int code;

	clen = n;
	if (eol) {
		clen--;			/* the LF */
		if (clen > 0 && p[clen - 1] == '\r')
			clen--;
		else
			r->flags |= SMTP_REPLY_F_BARE_LF;
	}
	if (n > SMTP_REPLY_LINE_MAX)
		r->flags |= SMTP_REPLY_F_LONG_LINE;
	/* Content holds no LF; every CR left in it is a bare one. */
	for (i = 0; i < clen; i++) {
		c = (unsigned char)p[i];
		if (c == '\0')
			r->flags |= SMTP_REPLY_F_NUL;
		else if (c == '\r')
			r->flags |= SMTP_REPLY_F_BARE_CR;
		else if (c >= 0x80)
			r->flags |= SMTP_REPLY_F_8BIT;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			r->flags |= SMTP_REPLY_F_CTRL;
	}

	if (!smtp_reply_has_code(p, clen)) {
		r->flags |= SMTP_REPLY_F_BAD_CODE;
		if (idx == 0)
			r->code = -1;
		text = p;
		tlen = clen;
	} else {
		code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (p[0] < '2' || p[0] > '5' || p[1] > '5')
			r->flags |= SMTP_REPLY_F_BAD_CODE;
		if (idx == 0)
			r->code = code;
		else if (code != r->code)
			r->flags |= SMTP_REPLY_F_MIXED_CODE;
		if (clen == 3) {
			/* Only a final line can be bare: p[3] is no '-'. */
			r->flags |= SMTP_REPLY_F_CODE_ONLY;
			text = p + 3;
			tlen = 0;
		} else {
			/*
			 * A bad separator is skipped like a good one: the
			 * text starts after it. raw keeps every byte.
			 */
			if (p[3] != ' ' && p[3] != '-')
				r->flags |= SMTP_REPLY_F_BAD_SEP;
			text = p + 4;
			tlen = clen - 4;
		}
	}

	if (idx >= SC_REPLY_LINES_MAX)
		r->flags |= SMTP_REPLY_F_TOO_MANY;
	/* Keep the first SC_REPLY_LINES_MAX - 1 lines, and the final one. */
	if (!final && r->nlines >= SC_REPLY_LINES_MAX - 1)
		return;
	if (tlen > SC_REPLY_TEXT_MAX - *kept) {
		tlen = SC_REPLY_TEXT_MAX - *kept;
		r->flags |= SMTP_REPLY_F_TRUNCATED;
	}
	*kept += tlen;
	r->lines = xreallocarray(r->lines, r->nlines + 1, sizeof(*r->lines));
	l = &r->lines[r->nlines++];
	l->text = xmalloc(tlen + 1);
	memcpy(l->text, text, tlen);
	l->text[tlen] = '\0';
	l->len = tlen;
	l->last = final;
}

/* smtp_reply_build - parse the whole reply in p[0..len) into r. */
static void
smtp_reply_build(struct smtp_reply *r, const char *p, size_t len)
{
	const char *lf;
	size_t pos, end, idx, kept;

	memset(r, 0, sizeof(*r));
	r->raw = xmalloc(len + 1);
	memcpy(r->raw, p, len);
	r->raw[len] = '\0';
	r->rawlen = len;
	kept = 0;
	idx = 0;
	for (pos = 0; pos < len; pos = end) {
		/* Only a huge line, which is always the last, has no LF. */
		lf = memchr(p + pos, '\n', len - pos);
		end = lf != NULL ? (size_t)(lf - p) + 1 : len;
		if (lf == NULL)
			r->flags |= SMTP_REPLY_F_HUGE_LINE;
		smtp_reply_add_line(r, p + pos, end - pos, lf != NULL, idx++,
		    end == len, &kept);
	}
	smtp_reply_parse_enh(r);
}

/* smtp_rparser_new - a parser with an empty buffer. */
struct smtp_rparser *
smtp_rparser_new(void)
{
	struct smtp_rparser *rp;

	rp = xcalloc(1, sizeof(*rp));
	rp->buf = xmalloc(SC_RECV_BUF_MAX);
	return rp;
}

/* smtp_rparser_free - release the parser and its buffer. */
void
smtp_rparser_free(struct smtp_rparser *rp)
{
	if (rp == NULL)
		return;
	free(rp->buf);
	free(rp);
}

/* smtp_rparser_feed - append all of p, or nothing past the limit. */
int
smtp_rparser_feed(struct smtp_rparser *rp, const void *p, size_t len)
{
	if (len > SC_RECV_BUF_MAX - rp->len)
		return -1;
	if (len == 0)
		return 0;
	memcpy(rp->buf + rp->len, p, len);
	rp->len += len;
	return 0;
}

/*
 * smtp_rparser_find_end - offset just past the next whole reply, or 0.
 * A line is cut after SC_REPLY_LINE_HARD_MAX octets without LF: that cut
 * does not depend on how the bytes arrived, and it bounds the wait.
 */
static size_t
smtp_rparser_find_end(struct smtp_rparser *rp)
{
	const char *lf;
	size_t pos, avail, end;

	pos = rp->scanned;
	while (pos < rp->len) {
		avail = rp->len - pos;
		if (avail > SC_REPLY_LINE_HARD_MAX)
			avail = SC_REPLY_LINE_HARD_MAX;
		lf = memchr(rp->buf + pos, '\n', avail);
		if (lf == NULL && avail == SC_REPLY_LINE_HARD_MAX)
			return pos + avail;	/* a huge line */
		if (lf == NULL)
			return 0;
		end = (size_t)(lf - rp->buf) + 1;
		if (!smtp_reply_line_continues(rp->buf + pos, end - pos))
			return end;
		pos = end;
		rp->scanned = pos;
	}
	return 0;
}

/* smtp_rparser_next - cut the next whole reply off the buffer. */
enum smtp_rparse_status
smtp_rparser_next(struct smtp_rparser *rp, struct smtp_reply *out)
{
	size_t end;

	memset(out, 0, sizeof(*out));
	end = smtp_rparser_find_end(rp);
	if (end == 0)
		return SMTP_RPARSE_NEED_MORE;
	smtp_reply_build(out, rp->buf, end);
	memmove(rp->buf, rp->buf + end, rp->len - end);
	rp->len -= end;
	rp->scanned = 0;
	return SMTP_RPARSE_REPLY;
}

/* smtp_rparser_pending - the buffered bytes, borrowed. */
const char *
smtp_rparser_pending(const struct smtp_rparser *rp, size_t *len)
{
	*len = rp->len;
	return rp->buf;
}

/* smtp_rparser_reset - forget every buffered byte. */
void
smtp_rparser_reset(struct smtp_rparser *rp)
{
	rp->len = 0;
	rp->scanned = 0;
}

/* smtp_ehlo_kw_eq - ASCII case-insensitive compare of n octets. */
static bool
smtp_ehlo_kw_eq(const char *a, const char *b, size_t n)
{
	size_t i;
	char x, y;

	for (i = 0; i < n; i++) {
		x = a[i];
		y = b[i];
		if (x >= 'a' && x <= 'z')
			x = (char)(x - 'a' + 'A');
		if (y >= 'a' && y <= 'z')
			y = (char)(y - 'a' + 'A');
		if (x != y)
			return false;
	}
	return true;
}

/*
 * smtp_ehlo_find - the EHLO line for keyword kw. Only a 250 reply lists
 * extensions (RFC 5321 4.1.1.1); the first line is the greeting.
 */
const char *
smtp_ehlo_find(const struct smtp_reply *r, const char *kw,
    const char **params)
{
	const struct smtp_reply_line *l;
	size_t i, kwlen;

	if (params != NULL)
		*params = NULL;
	kwlen = strlen(kw);
	if (r->code != 250 || kwlen == 0)
		return NULL;
	for (i = 1; i < r->nlines; i++) {
		l = &r->lines[i];
		if (l->len < kwlen || !smtp_ehlo_kw_eq(l->text, kw, kwlen))
			continue;
		if (l->len > kwlen && l->text[kwlen] != ' ')
			continue;
		if (params != NULL)
			*params = l->text + kwlen + (l->len > kwlen ? 1 : 0);
		return l->text;
	}
	return NULL;
}
