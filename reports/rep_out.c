/* SPDX-License-Identifier: ISC */
/*
 * rep_out.c - quoting, time formatting and result views shared by the
 * report writers.
 *
 * Every string a report prints passes through one of the quoting functions
 * here, so each format's rules (JSON RFC 8259 section 7, XML 1.0 section
 * 2.2 Char, TAP 13 '#' escaping, no terminal escapes) live in one place.
 * Peer bytes arrive already escaped by sc_esc(); scenario text may hold any
 * UTF-8, and invalid UTF-8 is replaced, never copied.
 */
#include "rep_out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run_result.h"
#include "sc_esc.h"
#include "sc_util.h"
#include "scn.h"

#define REP_OUT_REPLACEMENT	0xFFFD	/* U+FFFD, for invalid UTF-8 */

/* rep_out_finish - flush, then report any earlier write error. */
int
rep_out_finish(FILE *f)
{
	if (fflush(f) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

/* rep_out_utf8 - decode one strict UTF-8 sequence (RFC 3629 section 4). */
size_t
rep_out_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		min = 0x80;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		min = 0x800;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		min = 0x10000;
		c &= 0x07;
	} else
		goto bad;
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = REP_OUT_REPLACEMENT;
	return 1;
}

/* rep_out_is_bad - was this decode a replacement for a bad byte? */
bool
rep_out_is_bad(const unsigned char *s, size_t n, uint32_t cp)
{
	/* a real U+FFFD in the input is three bytes long */
	return cp == REP_OUT_REPLACEMENT && n == 1 && s[0] >= 0x80;
}

/* rep_out_json_str - a JSON (and YAML) double-quoted string. */
void
rep_out_json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, n;
	uint32_t cp;

	if (str == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	len = strlen(str);
	while (len > 0) {
		n = rep_out_utf8(s, len, &cp);
		if (rep_out_is_bad(s, n, cp))
			fputs("\\ufffd", f);
		else if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		/* C0, DEL, C1 and the non-characters YAML will not take raw */
		else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
		    cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
			fprintf(f, "\\u%04x", (unsigned int)cp);
		else
			fwrite(s, 1, n, f);
		s += n;
		len -= n;
	}
	fputc('"', f);
}

/* rep_out_xml_ok - may cp appear in an XML 1.0 document (2.2 Char)? */
static bool
rep_out_xml_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD ||
	    (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
	    (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* rep_out_xml - XML text or attribute content. */
void
rep_out_xml(FILE *f, const char *str, bool attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, n, i;
	uint32_t cp;

	if (str == NULL)
		return;
	len = strlen(str);
	while (len > 0) {
		n = rep_out_utf8(s, len, &cp);
		/* no character reference can carry these: show the bytes */
		if (rep_out_is_bad(s, n, cp) || !rep_out_xml_ok(cp)) {
			for (i = 0; i < n; i++)
				fprintf(f, "\\x%02X", s[i]);
		} else if (cp == '&')
			fputs("&amp;", f);
		else if (cp == '<')
			fputs("&lt;", f);
		else if (cp == '>')
			fputs("&gt;", f);	/* keeps "]]>" out of text */
		else if (cp == '\r')
			fputs("&#13;", f);	/* else read back as \n */
		else if (attr && cp == '"')
			fputs("&quot;", f);
		else if (attr && cp == '\n')
			fputs("&#10;", f);	/* else read as a space */
		else if (attr && cp == '\t')
			fputs("&#9;", f);
		else
			fwrite(s, 1, n, f);
		s += n;
		len -= n;
	}
}

/* rep_out_plain - text that cannot drive a terminal. */
void
rep_out_plain(FILE *f, const char *str, bool tap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, n, i;
	uint32_t cp;

	if (str == NULL)
		return;
	len = strlen(str);
	while (len > 0) {
		n = rep_out_utf8(s, len, &cp);
		if (rep_out_is_bad(s, n, cp) || cp < 0x20 ||
		    (cp >= 0x7F && cp <= 0x9F)) {
			for (i = 0; i < n; i++)
				fprintf(f, "\\x%02X", s[i]);
		} else if (tap && (cp == '#' || cp == '\\'))
			fprintf(f, "\\%c", (int)cp);
		else
			fwrite(s, 1, n, f);
		s += n;
		len -= n;
	}
}

/* rep_out_rfc3339 - UTC time with microseconds (RFC 3339 section 5.6). */
void
rep_out_rfc3339(char *buf, size_t size, int64_t epoch_us)
{
	struct tm tm;
	int64_t secs, frac;
	time_t t;
	int n;

	secs = epoch_us / 1000000;
	frac = epoch_us % 1000000;
	if (frac < 0) {		/* before 1970: floor, not truncate */
		secs--;
		frac += 1000000;
	}
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)frac);
	if (n < 0 || (size_t)n >= size)
		fatal("time buffer too small (%zu)", size);
}

/* rep_out_secs - seconds with three decimals, rounded to the ms. */
void
rep_out_secs(char *buf, size_t size, int64_t us)
{
	long long ms;
	int n;

	ms = us > 0 ? (long long)((us + 500) / 1000) : 0;
	n = snprintf(buf, size, "%lld.%03lld", ms / 1000, ms % 1000);
	if (n < 0 || (size_t)n >= size)
		fatal("number buffer too small (%zu)", size);
}

/* rep_out_ms - milliseconds with three decimals (exact microseconds). */
void
rep_out_ms(char *buf, size_t size, int64_t us)
{
	long long v;
	int n;

	v = us > 0 ? (long long)us : 0;
	n = snprintf(buf, size, "%lld.%03lld", v / 1000, v % 1000);
	if (n < 0 || (size_t)n >= size)
		fatal("number buffer too small (%zu)", size);
}

/* rep_out_scn - the result's scenario, or a blank one. */
const struct scn *
rep_out_scn(const struct run_result *r)
{
	static const struct scn none;

	return r->scn != NULL ? r->scn : &none;
}

/* rep_out_s - never NULL. */
const char *
rep_out_s(const char *s)
{
	return s != NULL ? s : "";
}

/* rep_out_area - scn_area into a buffer sized for the whole id. */
char *
rep_out_area(const struct scn *s)
{
	size_t size;
	char *buf;

	if (s->id == NULL)
		return xstrdup("");
	size = strlen(s->id) + 1;
	buf = xmalloc(size);
	scn_area(s, buf, size);
	return buf;
}

/* rep_out_join - join strings with a separator. */
char *
rep_out_join(char *const *v, size_t n, const char *sep)
{
	size_t i, len, seplen, o, l;
	char *out;

	seplen = strlen(sep);
	len = 1;
	for (i = 0; i < n; i++)
		len += strlen(rep_out_s(v[i])) + (i > 0 ? seplen : 0);
	out = xmalloc(len);
	o = 0;
	for (i = 0; i < n; i++) {
		if (i > 0) {
			memcpy(out + o, sep, seplen);
			o += seplen;
		}
		l = strlen(rep_out_s(v[i]));
		memcpy(out + o, rep_out_s(v[i]), l);
		o += l;
	}
	out[o] = '\0';
	return out;
}

/* rep_out_tr_line - one transcript entry as a display line. */
char *
rep_out_tr_line(const struct tr_entry *e)
{
	char t[REP_OUT_NUM_MAX], *data, *line;

	rep_out_secs(t, sizeof(t), e->t_us);
	data = sc_esc(e->data != NULL ? e->data : "", e->len, 0);
	if (e->full_len > e->len)
		line = xasprintf("+%ss %-5s %s...(+%zu bytes)", t,
		    tr_dir_str(e->dir), data, e->full_len - e->len);
	else
		line = xasprintf("+%ss %-5s %s", t, tr_dir_str(e->dir), data);
	free(data);
	return line;
}

/* rep_out_count - verdict totals straight from the results. */
void
rep_out_count(const struct run_summary *sum, size_t *counts)
{
	struct run_summary tmp = *sum;

	run_summary_count(&tmp);
	memcpy(counts, tmp.counts, sizeof(tmp.counts));
}
