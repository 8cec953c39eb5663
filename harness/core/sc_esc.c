/* SPDX-License-Identifier: ISC */
/*
 * sc_esc.c - escape peer bytes for display (OpenSMTPD strnvis, Redis
 * sdscatrepr): printable ASCII passes, everything else is \r \n \t \0 or
 * \xNN, and backslash and double quote are escaped so the result can sit
 * inside quotes.
 */
#include "sc_esc.h"

#include <stdio.h>
#include <string.h>

#include "sc_util.h"

/* sc_esc - escaped copy of at most max bytes (0 = all). */
char *
sc_esc(const void *p, size_t len, size_t max)
{
	const unsigned char *s = p;
	size_t shown, i, o;
	char *out;

	shown = (max != 0 && len > max) ? max : len;
	/* worst case 4 output bytes per input byte, plus the cut marker */
	out = xmalloc(shown * 4 + 64);
	o = 0;
	for (i = 0; i < shown; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
		case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
		case '\t': out[o++] = '\\'; out[o++] = 't'; break;
		case '\0': out[o++] = '\\'; out[o++] = '0'; break;
		case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
		case '"': out[o++] = '\\'; out[o++] = '"'; break;
		default:
			if (c >= 0x20 && c < 0x7f)
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, 5, "\\x%02X", c);
		}
	}
	if (shown < len)
		o += (size_t)snprintf(out + o, 64, "...(+%zu bytes)",
		    len - shown);
	out[o] = '\0';
	return out;
}
