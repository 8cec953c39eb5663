/* SPDX-License-Identifier: ISC */
/*
 * ref_utf8.h - UTF-8 validation for smtpref's SMTPUTF8 addresses
 * (RFC 6531 3.3 UTF8-non-ascii, by RFC 3629 4). Pure functions; no
 * normalisation, no case folding: smtpref compares mailboxes as bytes.
 */
#ifndef SC_REF_UTF8_H
#define SC_REF_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* ref_utf8_is_valid - p[0..n) is well-formed UTF-8 (RFC 3629 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
bool	ref_utf8_is_valid(const char *p, size_t n);

/* ref_utf8_has_8bit - some octet of p[0..n) is >= 0x80. */
bool	ref_utf8_has_8bit(const char *p, size_t n);

#endif /* SC_REF_UTF8_H */
