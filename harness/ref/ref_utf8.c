/* SPDX-License-Identifier: ISC */
/*
 * ref_utf8.c - the RFC 3629 4 UTF-8 syntax, octet by octet (no tables,
 * no locale), for the addresses of RFC 6531 transactions.
 */
#include "ref_utf8.h"

/* ref_utf8_is_valid - each sequence by its lead octet's ranges. */
bool
ref_utf8_is_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char lo, hi;
	size_t i = 0, k, need;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xBF;
		if (s[i] >= 0xC2 && s[i] <= 0xDF)
			need = 1;
		else if (s[i] >= 0xE0 && s[i] <= 0xEF) {
			need = 2;
			if (s[i] == 0xE0)
				lo = 0xA0;	/* overlong */
			else if (s[i] == 0xED)
				hi = 0x9F;	/* surrogates */
		} else if (s[i] >= 0xF0 && s[i] <= 0xF4) {
			need = 3;
			if (s[i] == 0xF0)
				lo = 0x90;	/* overlong */
			else if (s[i] == 0xF4)
				hi = 0x8F;	/* > U+10FFFF */
		} else
			return false;	/* C0, C1, F5..FF, continuation */
		if (n - i - 1 < need || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return false;
		i += need + 1;
	}
	return true;
}

/* ref_utf8_has_8bit - any octet >= 0x80. */
bool
ref_utf8_has_8bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}
