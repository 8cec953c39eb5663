/* SPDX-License-Identifier: ISC */
/*
 * ref_xtext.c - RFC 3461 4 xtext validation for smtpref's AUTH=, ENVID=
 * and ORCPT= parameters. Decoding is never needed: smtpref only checks.
 */
#include "ref_xtext.h"

/* ref_xtext_is_hex - an upper-case hex digit (RFC 3461 4 hexchar). */
static bool
ref_xtext_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* ref_xtext_is_valid - xchar or "+" HEXDIGIT HEXDIGIT, at least one. */
bool
ref_xtext_is_valid(const char *v, size_t n)
{
	unsigned char c;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c == '+') {
			if (n - i < 3 || !ref_xtext_is_hex(v[i + 1]) ||
			    !ref_xtext_is_hex(v[i + 2]))
				return false;
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return false;
		}
	}
	return true;
}

/* ref_xtext_decoded_len - each "+XX" counts as one octet. */
size_t
ref_xtext_decoded_len(const char *v, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++, len++)
		if (v[i] == '+')
			i += 2;
	return len;
}
