/* SPDX-License-Identifier: ISC */
/*
 * load_msg.c - the bytes a load run sends, built once and shared by every
 * session: the message (RFC 5322 headers and body lines, dot-stuffed by
 * smtp_dot_stuff, RFC 5321 4.5.2) and the command lines (EHLO, the
 * MAIL/RCPT/DATA group of RFC 2920 3.1).
 *
 * Every message of a run is the same octets: a load test measures the
 * server's path, not our formatting, and generating per message would
 * cost what the rest of the hot path saves.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_dot.h"
#include "sc_util.h"

/* The filler of body lines: printable, no '.', fixed. */
static const char load_msg_filler[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "-_=+abcdefghijklmnopqrstuvwxyz";

/* load_msg_line_len - the next line's length, CRLF included, with r
 * octets left: at most LOAD_TEXT_LINE_MAX, and never leaving 1 octet,
 * which no line can hold. */
static size_t
load_msg_line_len(size_t r)
{
	size_t n = r < LOAD_TEXT_LINE_MAX ? r : LOAD_TEXT_LINE_MAX;

	if (r - n == 1)
		n--;
	return n;
}

/* load_msg_text - headers when they fit, then numbered body lines. */
char *
load_msg_text(size_t size, const char *from, const char *to)
{
	char *t, *hdr;
	size_t o, n, i, k, hlen, line;

	if (size < LOAD_SIZE_MIN)
		fatal("load: message size %zu below %d", size, LOAD_SIZE_MIN);
	t = xmalloc(size + 1);
	hdr = xasprintf("From: <%s>\r\nTo: <%s>\r\n"
	    "Subject: smtpcheck load test\r\n"
	    "Message-ID: <load@smtpcheck.test>\r\n\r\n", from, to);
	hlen = strlen(hdr);
	o = 0;
	/* Headers only when a body line can follow them whole. */
	if (hlen + LOAD_SIZE_MIN <= size) {
		memcpy(t, hdr, hlen);
		o = hlen;
	}
	free(hdr);
	for (line = 0; o < size; line++) {
		n = load_msg_line_len(size - o);
		for (i = 0; i + 2 < n; i++) {
			k = (line + i) % (sizeof(load_msg_filler) - 1);
			t[o + i] = load_msg_filler[k];
		}
		if (n > 2 && line % LOAD_DOT_EVERY == 1)
			t[o] = '.';	/* stuffed on the wire */
		t[o + n - 2] = '\r';
		t[o + n - 1] = '\n';
		o += n;
	}
	t[size] = '\0';
	return t;
}

/* load_msg_build - the message and the command lines for o. */
void
load_msg_build(struct load_msg *m, const struct load_opts *o)
{
	char *line;
	size_t cap, len, i;

	memset(m, 0, sizeof(*m));
	m->textlen = (size_t)o->size;
	m->text = load_msg_text(m->textlen, o->from, o->to[0]);
	m->wire = smtp_dot_stuff(m->text, m->textlen, &m->wirelen);
	m->ehlo = xasprintf("EHLO %s\r\n", o->helo);
	m->ehlolen = strlen(m->ehlo);

	m->nrcpt = o->recipients;
	m->rcpt_off = xcalloc((size_t)m->nrcpt + 1, sizeof(*m->rcpt_off));
	cap = 64;
	m->group = xmalloc(cap);
	len = 0;
	for (i = 0; i < (size_t)m->nrcpt + 2; i++) {
		if (i == 0)
			line = xasprintf("MAIL FROM:<%s>\r\n", o->from);
		else if (i <= (size_t)m->nrcpt)
			line = xasprintf("RCPT TO:<%s>\r\n",
			    o->to[(i - 1) % o->nto]);
		else
			line = xstrdup("DATA\r\n");
		if (i >= 1 && i <= (size_t)m->nrcpt)
			m->rcpt_off[i - 1] = len;
		if (i == (size_t)m->nrcpt + 1)
			m->data_off = len;
		while (len + strlen(line) > cap)
			cap *= 2;
		m->group = xrealloc(m->group, cap);
		memcpy(m->group + len, line, strlen(line));
		len += strlen(line);
		if (i == 0)
			m->mail_len = len;
		free(line);
	}
	m->rcpt_off[m->nrcpt] = m->data_off;
	m->grouplen = len;
}

/* load_msg_clear - free it all. */
void
load_msg_clear(struct load_msg *m)
{
	free(m->text);
	free(m->wire);
	free(m->ehlo);
	free(m->group);
	free(m->rcpt_off);
	memset(m, 0, sizeof(*m));
}
