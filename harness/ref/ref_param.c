/* SPDX-License-Identifier: ISC */
/*
 * ref_param.c - MAIL/RCPT parameters: SIZE, BODY, AUTH, SMTPUTF8, RET,
 * ENVID, NOTIFY, ORCPT (see ref_param.h for the RFCs).
 *
 * Reply codes: 555 5.5.4 for a parameter we do not offer (5321 4.1.1.11:
 * "not recognized or not implemented"); 501 5.5.4 for a recognised one
 * whose value is wrong or that is repeated. An unknown BODY value is 501,
 * not 555: the BODY parameter itself is implemented, so the error is in
 * its argument (5321 4.2.2 "syntax error in parameters or arguments";
 * 555 names the parameter, and RFC 6152 defines no code of its own).
 * Whether an extension is offered is asked of ref_smtp_advertises(), the
 * one place that reads the settings.
 */
#include "ref_param.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ref_auth.h"
#include "ref_conf.h"
#include "ref_sess.h"
#include "ref_smtp.h"
#include "ref_utf8.h"
#include "ref_xtext.h"
#include "sc_limits.h"

/* ref_param_is_value - p's value equals v, case-insensitively (ABNF
 * strings are, RFC 5234 2.3). */
static bool
ref_param_is_value(const struct smtp_param *p, const char *v)
{
	return p->value != NULL && p->value_len == strlen(v) &&
	    strncasecmp(p->value, v, p->value_len) == 0;
}

/*
 * ref_param_unknown - an unrecognised MAIL/RCPT parameter: 555
 * (5321 4.1.1.11). Returns true when it is to be ignored (fault).
 */
static bool
ref_param_unknown(struct ref_sess *s)
{
	if (REF_FAULT(s, NO_555))
		return true;
	if (REF_FAULT(s, PARAM_501))
		ref_smtp_reply(s, 501, "5.5.4", "Unrecognized parameter");
	else
		ref_smtp_reply(s, 555, "5.5.4",
		    "Unsupported MAIL/RCPT parameter");
	return false;
}

/* ref_param_bad - 501 for a recognised parameter; returns false. */
static bool
ref_param_bad(struct ref_sess *s, const char *name)
{
	ref_smtp_reply(s, 501, "5.5.4", "Bad %s parameter", name);
	return false;
}

/* ref_param_parse_size - 1*20DIGIT, saturating (never wraps). */
static int
ref_param_parse_size(const struct ref_sess *s, const struct smtp_param *p,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (p->value == NULL || p->value_len == 0 ||
	    p->value_len > REF_SIZE_DIGITS_MAX)
		return -1;
	for (i = 0; i < p->value_len; i++) {
		if (p->value[i] < '0' || p->value[i] > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + (uint64_t)(p->value[i] - '0');
	}
	if (REF_FAULT(s, SIZE_WRAP))
		v = (uint32_t)v;
	*out = v;
	return 0;
}

/* ref_param_size - SIZE= (RFC 1870 3, 6). */
static bool
ref_param_size(struct ref_sess *s, const struct smtp_param *p, bool seen)
{
	uint64_t size;

	/* the fault's other half: the keyword list */
	if (REF_FAULT(s, SIZE_HIDDEN_552)) {
		ref_smtp_reply(s, 552, "5.3.4", "Message size "
		    "exceeds fixed maximum message size");
		return false;
	}
	if (seen || ref_param_parse_size(s, p, &size))
		return ref_param_bad(s, "SIZE");
	if (!ref_smtp_size_ok(s, size)) {
		ref_smtp_reply(s, 552, "5.3.4", "Message size "
		    "exceeds fixed maximum message size");
		return false;
	}
	s->opt.size_declared = true;
	return true;
}

/* ref_param_body - BODY=7BIT, 8BITMIME (RFC 6152 2) or BINARYMIME
 * (RFC 3030 3), each only while its keyword is offered. */
static bool
ref_param_body(struct ref_sess *s, const struct smtp_param *p, bool seen)
{
	if (seen)
		return ref_param_bad(s, "BODY");
	if (ref_param_is_value(p, "7BIT"))
		return true;
	if (ref_param_is_value(p, "8BITMIME") &&
	    ref_smtp_advertises(s, "8BITMIME"))
		return true;
	if (ref_param_is_value(p, "BINARYMIME") &&
	    ref_smtp_advertises(s, "BINARYMIME")) {
		s->opt.binarymime = true;
		return true;
	}
	if (REF_FAULT(s, BODY_UNKNOWN_OK))
		return true;
	return ref_param_bad(s, "BODY");
}

/* ref_param_is_orcpt - addr-type ";" xtext (RFC 3461 4.2), addr-type an
 * atom of letters, digits and '-' (the registered types: rfc822, utf-8,
 * x400, unknown); at most REF_DSN_ORCPT_MAX octets decoded. */
static bool
ref_param_is_orcpt(const struct smtp_param *p)
{
	const char *semi;
	size_t i, tlen;

	if (p->value == NULL)
		return false;
	semi = memchr(p->value, ';', p->value_len);
	if (semi == NULL || semi == p->value)
		return false;
	tlen = (size_t)(semi - p->value);
	for (i = 0; i < tlen; i++)
		if (!((p->value[i] >= 'a' && p->value[i] <= 'z') ||
		    (p->value[i] >= 'A' && p->value[i] <= 'Z') ||
		    (p->value[i] >= '0' && p->value[i] <= '9') ||
		    p->value[i] == '-'))
			return false;
	if (!ref_xtext_is_valid(semi + 1, p->value_len - tlen - 1))
		return false;
	return tlen + 1 + ref_xtext_decoded_len(semi + 1,
	    p->value_len - tlen - 1) <= REF_DSN_ORCPT_MAX;
}

/* ref_param_is_notify - "NEVER" alone, or a comma list of SUCCESS,
 * FAILURE and DELAY (RFC 3461 4.1; case-insensitive). */
static bool
ref_param_is_notify(struct ref_sess *s, const struct smtp_param *p)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	const char *v = p->value, *end, *comma;
	size_t i, len;

	if (REF_FAULT(s, DSN_BAD_NOTIFY_OK))
		return true;
	if (v == NULL || p->value_len == 0)
		return false;
	if (ref_param_is_value(p, "NEVER"))
		return true;
	end = v + p->value_len;
	while (v <= end) {
		comma = memchr(v, ',', (size_t)(end - v));
		len = (size_t)((comma != NULL ? comma : end) - v);
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i]) == len &&
			    strncasecmp(words[i], v, len) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0]))
			return false;	/* NEVER in a list, empty, unknown */
		if (comma == NULL)
			break;
		v = comma + 1;
	}
	return true;
}

/* ref_param_dsn_rcpt - NOTIFY= or ORCPT= (RFC 3461 4.1, 4.2). */
static bool
ref_param_dsn_rcpt(struct ref_sess *s, const struct smtp_param *p,
    bool notify, bool seen)
{
	if (REF_FAULT(s, DSN_REFUSED)) {
		ref_smtp_reply(s, 555, "5.5.4",
		    "Unsupported MAIL/RCPT parameter");
		return false;
	}
	if (notify ? seen || !ref_param_is_notify(s, p) :
	    seen || !ref_param_is_orcpt(p))
		return ref_param_bad(s, notify ? "NOTIFY" : "ORCPT");
	return true;
}

/* ref_param_has_8bit - an octet >= 0x80 in a parameter: the parser
 * allows it (for UTF-8 paths), the parameters never do (RFC 6531 3.3
 * leaves esmtp-value ASCII). */
static bool
ref_param_has_8bit(const struct ref_sess *s)
{
	const struct smtp_param *p;
	size_t i;

	for (i = 0; i < s->env.nparams; i++) {
		p = &s->env.params[i];
		if (ref_utf8_has_8bit(p->key, p->key_len) ||
		    (p->value != NULL &&
		    ref_utf8_has_8bit(p->value, p->value_len)))
			return true;
	}
	return false;
}

/* ref_param_check_mail - each MAIL parameter once. */
bool
ref_param_check_mail(struct ref_sess *s)
{
	const struct smtp_param *p;
	bool seen_size = false, seen_body = false, seen_auth = false;
	bool seen_utf8 = false, seen_ret = false, seen_envid = false;
	bool dsn = ref_smtp_advertises(s, "DSN");
	size_t i;

	memset(&s->opt, 0, sizeof(s->opt));
	if (ref_param_has_8bit(s)) {
		ref_smtp_reply(s, 501, "5.5.4",
		    "Non-ASCII octets in a parameter");
		return false;
	}
	for (i = 0; i < s->env.nparams; i++) {
		p = &s->env.params[i];
		if (smtp_addr_param_is(p, "SIZE")) {
			if (!ref_param_size(s, p, seen_size))
				return false;
			seen_size = true;
		} else if (smtp_addr_param_is(p, "BODY") &&
		    (ref_smtp_advertises(s, "8BITMIME") ||
		    ref_smtp_advertises(s, "BINARYMIME"))) {
			if (!ref_param_body(s, p, seen_body))
				return false;
			seen_body = true;
		} else if (smtp_addr_param_is(p, "AUTH") &&
		    ref_auth_is_offered(s)) {
			if (!ref_auth_check_param(s, p, seen_auth))
				return false;
			seen_auth = true;
		} else if (smtp_addr_param_is(p, "SMTPUTF8") &&
		    ref_smtp_advertises(s, "SMTPUTF8")) {
			/* 6531 3.4: no value */
			if (seen_utf8 || p->value != NULL)
				return ref_param_bad(s, "SMTPUTF8");
			seen_utf8 = s->opt.smtputf8 = true;
		} else if (smtp_addr_param_is(p, "RET") && dsn) {
			if (seen_ret || !(ref_param_is_value(p, "FULL") ||
			    ref_param_is_value(p, "HDRS")))
				return ref_param_bad(s, "RET");
			seen_ret = true;
		} else if (smtp_addr_param_is(p, "ENVID") && dsn) {
			if (seen_envid || p->value == NULL ||
			    !ref_xtext_is_valid(p->value, p->value_len) ||
			    ref_xtext_decoded_len(p->value, p->value_len) >
			    REF_DSN_ENVID_MAX)
				return ref_param_bad(s, "ENVID");
			seen_envid = true;
		} else if (!ref_param_unknown(s)) {
			return false;
		}
	}
	return true;
}

/* ref_param_check_rcpt - NOTIFY and ORCPT once each. */
bool
ref_param_check_rcpt(struct ref_sess *s)
{
	const struct smtp_param *p;
	bool seen_notify = false, seen_orcpt = false;
	bool dsn = ref_smtp_advertises(s, "DSN");
	size_t i;

	if (ref_param_has_8bit(s)) {
		ref_smtp_reply(s, 501, "5.5.4",
		    "Non-ASCII octets in a parameter");
		return false;
	}
	for (i = 0; i < s->env.nparams; i++) {
		p = &s->env.params[i];
		if (smtp_addr_param_is(p, "NOTIFY") && dsn) {
			if (!ref_param_dsn_rcpt(s, p, true, seen_notify))
				return false;
			seen_notify = true;
		} else if (smtp_addr_param_is(p, "ORCPT") && dsn) {
			if (!ref_param_dsn_rcpt(s, p, false, seen_orcpt))
				return false;
			seen_orcpt = true;
		} else if (!ref_param_unknown(s)) {
			return false;
		}
	}
	return true;
}
