/* SPDX-License-Identifier: ISC */
/*
 * ref_xtext.h - RFC 3461 4 xtext, as smtpref checks it.
 *
 * The values of MAIL's AUTH= (RFC 4954 5), ENVID= and RCPT's ORCPT=
 * (RFC 3461 4.2, 4.4) are xtext. Pure functions on a borrowed buffer;
 * nothing is decoded into memory, nothing is stored.
 */
#ifndef SC_REF_XTEXT_H
#define SC_REF_XTEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * ref_xtext_is_valid - v[0..n) is xtext: at least one octet, each an
 * xchar (33..126 but '+' and '=') or '+' and two upper-case hex digits
 * (RFC 3461 4 hexchar; lower case is refused).
 */
bool	ref_xtext_is_valid(const char *v, size_t n);

/* ref_xtext_decoded_len - octets v[0..n) decodes to; v must be valid. */
size_t	ref_xtext_decoded_len(const char *v, size_t n);

#endif /* SC_REF_XTEXT_H */
