/* SPDX-License-Identifier: ISC */
/*
 * smtp_addr.c - RFC 5321 4.1.2 path, mailbox and esmtp-param parser.
 *
 * Token-based: each part (route domain, local part, domain, literal) is cut
 * at its delimiter first and then validated, so "bad_label.example" is
 * reported as a domain error rather than as a stray '_'. No allocation;
 * results point into the caller's buffer.
 */
#include "smtp_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sc_limits.h"

#define SMTP_ADDR_V6_TEXT_MAX	64	/* longest IPv6 text inet_pton sees */

static const struct smtp_addr_limits smtp_addr_rfc = {
	SMTP_LOCAL_PART_MAX, SMTP_DOMAIN_MAX, SMTP_PATH_MAX
};

/* smtp_addr_err_str - enum name. */
const char *
smtp_addr_err_str(enum smtp_addr_err e)
{
	static char buf[32];

	switch (e) {
#define CASE(x)	case x: return #x
	CASE(SMTP_ADDR_OK);
	CASE(SMTP_ADDR_E_SYNTAX);
	CASE(SMTP_ADDR_E_KEYWORD);
	CASE(SMTP_ADDR_E_NULL);
	CASE(SMTP_ADDR_E_CTRL);
	CASE(SMTP_ADDR_E_8BIT);
	CASE(SMTP_ADDR_E_DOMAIN);
	CASE(SMTP_ADDR_E_LITERAL);
	CASE(SMTP_ADDR_E_LOCAL_LONG);
	CASE(SMTP_ADDR_E_DOMAIN_LONG);
	CASE(SMTP_ADDR_E_PATH_LONG);
	CASE(SMTP_ADDR_E_PARAM);
	CASE(SMTP_ADDR_E_PARAMS_MAX);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)e);
	return buf;
}

/* smtp_addr_dom_str - enum name. */
const char *
smtp_addr_dom_str(enum smtp_addr_dom d)
{
	static char buf[32];

	switch (d) {
#define CASE(x)	case x: return #x
	CASE(SMTP_ADDR_DOM_NONE);
	CASE(SMTP_ADDR_DOM_NAME);
	CASE(SMTP_ADDR_DOM_IPV4);
	CASE(SMTP_ADDR_DOM_IPV6);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)d);
	return buf;
}

/* smtp_addr_limits_rfc - the RFC minimums. */
const struct smtp_addr_limits *
smtp_addr_limits_rfc(void)
{
	return &smtp_addr_rfc;
}

/* smtp_addr_is_alpha - ASCII letter. */
static inline bool
smtp_addr_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* smtp_addr_is_digit - ASCII digit. */
static inline bool
smtp_addr_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* smtp_addr_is_atext - RFC 5322 atext (5321 4.1.2 Atom). */
static bool
smtp_addr_is_atext(unsigned char c)
{
	return smtp_addr_is_alpha(c) || smtp_addr_is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* smtp_addr_octet_err - classify an octet no grammar rule accepted. */
static enum smtp_addr_err
smtp_addr_octet_err(unsigned char c, enum smtp_addr_err dflt)
{
	if (c < 0x20 || c == 0x7f)
		return SMTP_ADDR_E_CTRL;
	if (c >= 0x80)
		return SMTP_ADDR_E_8BIT;
	return dflt;
}

/*
 * smtp_addr_check_domain - s[0..len) is Domain: sub-domains of Let-dig
 * [Ldh-str], dot-separated. With F_8BIT, octets >= 0x80 count as letters
 * (U-labels, RFC 6531 3.3).
 */
static enum smtp_addr_err
smtp_addr_check_domain(const char *s, size_t len, unsigned flags)
{
	size_t i, label = 0;
	unsigned char c, prev = '.';

	if (len == 0)
		return SMTP_ADDR_E_SYNTAX;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (prev == '.' || prev == '-')
				return SMTP_ADDR_E_DOMAIN;
			label = 0;
		} else if (c == '-') {
			if (prev == '.')
				return SMTP_ADDR_E_DOMAIN;
			label++;
		} else if (smtp_addr_is_alpha(c) || smtp_addr_is_digit(c) ||
		    (c >= 0x80 && (flags & SMTP_ADDR_F_8BIT))) {
			label++;
		} else {
			return smtp_addr_octet_err(c, SMTP_ADDR_E_DOMAIN);
		}
		if (label > SMTP_ADDR_LABEL_MAX)
			return SMTP_ADDR_E_DOMAIN_LONG;
		prev = c;
	}
	if (prev == '.' || prev == '-')
		return SMTP_ADDR_E_DOMAIN;
	return SMTP_ADDR_OK;
}

/* smtp_addr_check_ipv4 - s[0..len) is Snum 3("." Snum), each 0..255. */
static bool
smtp_addr_check_ipv4(const char *s, size_t len)
{
	size_t i, digits = 0, dots = 0;
	unsigned val = 0;

	for (i = 0; i < len; i++) {
		if (smtp_addr_is_digit((unsigned char)s[i])) {
			val = val * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || val > 255)
				return false;
		} else if (s[i] == '.') {
			if (digits == 0 || ++dots > 3)
				return false;
			digits = 0;
			val = 0;
		} else {
			return false;
		}
	}
	return dots == 3 && digits > 0;
}

/*
 * smtp_addr_check_literal - s[0..len) is "[...]": IPv4, or "IPv6:" and an
 * address inet_pton takes. General-address-literal tags must be IANA
 * registered (5321 4.1.3) and none are, so any other tag is refused.
 */
static enum smtp_addr_err
smtp_addr_check_literal(const char *s, size_t len, enum smtp_addr_dom *type)
{
	char v6[SMTP_ADDR_V6_TEXT_MAX];
	struct in6_addr a6;
	size_t i;

	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return SMTP_ADDR_E_SYNTAX;
	s++;
	len -= 2;
	for (i = 0; i < len; i++) {
		enum smtp_addr_err e;

		e = smtp_addr_octet_err((unsigned char)s[i], SMTP_ADDR_OK);
		if (e != SMTP_ADDR_OK)
			return e;
	}
	if (len > 0 && smtp_addr_is_digit((unsigned char)s[0])) {
		*type = SMTP_ADDR_DOM_IPV4;
		return smtp_addr_check_ipv4(s, len) ? SMTP_ADDR_OK :
		    SMTP_ADDR_E_LITERAL;
	}
	if (len > 5 && strncasecmp(s, "IPv6:", 5) == 0 &&
	    len - 5 < sizeof(v6)) {
		memcpy(v6, s + 5, len - 5);
		v6[len - 5] = '\0';
		*type = SMTP_ADDR_DOM_IPV6;
		return inet_pton(AF_INET6, v6, &a6) == 1 ? SMTP_ADDR_OK :
		    SMTP_ADDR_E_LITERAL;
	}
	return SMTP_ADDR_E_LITERAL;
}

/* smtp_addr_parse_domain - the whole buffer is a domain or literal. */
enum smtp_addr_err
smtp_addr_parse_domain(const char *s, size_t len, unsigned flags,
    enum smtp_addr_dom *type)
{
	enum smtp_addr_dom t = SMTP_ADDR_DOM_NAME;
	enum smtp_addr_err e;

	if (len > 0 && s[0] == '[')
		e = smtp_addr_check_literal(s, len, &t);
	else
		e = smtp_addr_check_domain(s, len, flags);
	if (e == SMTP_ADDR_OK && len > SMTP_DOMAIN_MAX)
		e = SMTP_ADDR_E_DOMAIN_LONG;
	if (type != NULL)
		*type = t;
	return e;
}

/* smtp_addr_span - octets before the first of delims (or len). */
static size_t
smtp_addr_span(const char *s, size_t len, const char *delims)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != '\0' && strchr(delims, s[i]) != NULL)
			break;
	return i;
}

/* smtp_addr_check_dotstring - Atom *("." Atom). */
static enum smtp_addr_err
smtp_addr_check_dotstring(const char *s, size_t len, unsigned flags)
{
	size_t i;
	unsigned char c, prev = '.';

	if (len == 0)
		return SMTP_ADDR_E_SYNTAX;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (prev == '.')
				return SMTP_ADDR_E_SYNTAX;
		} else if (!smtp_addr_is_atext(c) &&
		    !(c >= 0x80 && (flags & SMTP_ADDR_F_8BIT))) {
			return smtp_addr_octet_err(c, SMTP_ADDR_E_SYNTAX);
		}
		prev = c;
	}
	return prev == '.' ? SMTP_ADDR_E_SYNTAX : SMTP_ADDR_OK;
}

/*
 * smtp_addr_scan_quoted - Quoted-string at s[0] ('"'): qtextSMTP and
 * quoted-pairSMTP. *qlen gets its length with both quotes.
 */
static enum smtp_addr_err
smtp_addr_scan_quoted(const char *s, size_t len, unsigned flags,
    size_t *qlen)
{
	size_t i;
	unsigned char c;

	for (i = 1; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"') {
			*qlen = i + 1;
			return SMTP_ADDR_OK;
		}
		if (c == '\\') {
			if (++i == len)
				break;
			c = (unsigned char)s[i];
			if (c >= 32 && c <= 126)
				continue;
		} else if ((c >= 32 && c <= 126) ||
		    (c >= 0x80 && (flags & SMTP_ADDR_F_8BIT))) {
			continue;
		}
		return smtp_addr_octet_err(c, SMTP_ADDR_E_SYNTAX);
	}
	return SMTP_ADDR_E_SYNTAX;
}

/* smtp_addr_parse_route - A-d-l ":" at s[0] ('@'); *n gets its length. */
static enum smtp_addr_err
smtp_addr_parse_route(const char *s, size_t len, unsigned flags, size_t *n)
{
	enum smtp_addr_err e;
	size_t i = 0, d;

	for (;;) {
		if (i >= len || s[i] != '@')
			return SMTP_ADDR_E_SYNTAX;
		i++;
		d = smtp_addr_span(s + i, len - i, ",:>");
		e = smtp_addr_check_domain(s + i, d, flags);
		if (e != SMTP_ADDR_OK)
			return e;
		i += d;
		if (i >= len)
			return SMTP_ADDR_E_SYNTAX;
		if (s[i] == ':') {
			*n = i + 1;
			return SMTP_ADDR_OK;
		}
		if (s[i] != ',')
			return SMTP_ADDR_E_SYNTAX;
		i++;
	}
}

/* smtp_addr_parse_path - one Path. */
enum smtp_addr_err
smtp_addr_parse_path(const char *s, size_t len, unsigned flags,
    const struct smtp_addr_limits *lim, struct smtp_path *out,
    size_t *used)
{
	enum smtp_addr_err e;
	size_t i = 1, n;

	if (lim == NULL)
		lim = &smtp_addr_rfc;
	memset(out, 0, sizeof(*out));
	*used = 0;
	if (len < 2 || s[0] != '<')
		return SMTP_ADDR_E_SYNTAX;
	if (s[1] == '>') {
		out->null = true;
		out->path_len = 2;
		*used = 2;
		return (flags & SMTP_ADDR_F_NULL) ? SMTP_ADDR_OK :
		    SMTP_ADDR_E_NULL;
	}
	if (s[i] == '@') {
		e = smtp_addr_parse_route(s + i, len - i, flags, &n);
		if (e != SMTP_ADDR_OK)
			return e;
		out->routed = true;
		i += n;
	}

	/* Local-part. */
	out->local = s + i;
	if (i < len && s[i] == '"') {
		e = smtp_addr_scan_quoted(s + i, len - i, flags, &n);
		if (e != SMTP_ADDR_OK)
			return e;
	} else {
		n = smtp_addr_span(s + i, len - i, "@> ");
		e = smtp_addr_check_dotstring(s + i, n, flags);
		if (e != SMTP_ADDR_OK)
			return e;
	}
	out->local_len = n;
	i += n;

	/* "<Postmaster>" (5321 4.1.1.3), only with no route. */
	if (i < len && s[i] == '>' && (flags & SMTP_ADDR_F_POSTMASTER) &&
	    !out->routed && smtp_addr_is_postmaster(out)) {
		out->dom_type = SMTP_ADDR_DOM_NONE;
		i++;
		goto lengths;
	}
	if (i >= len || s[i] != '@')
		return SMTP_ADDR_E_SYNTAX;
	i++;

	/* Domain or address-literal. */
	out->domain = s + i;
	if (i < len && s[i] == '[') {
		n = smtp_addr_span(s + i, len - i, "]");
		if (i + n >= len)
			return SMTP_ADDR_E_SYNTAX;
		n++;
		e = smtp_addr_check_literal(s + i, n, &out->dom_type);
	} else {
		n = smtp_addr_span(s + i, len - i, "> ");
		out->dom_type = SMTP_ADDR_DOM_NAME;
		e = smtp_addr_check_domain(s + i, n, flags);
	}
	if (e != SMTP_ADDR_OK)
		return e;
	out->domain_len = n;
	i += n;
	if (i >= len || s[i] != '>')
		return SMTP_ADDR_E_SYNTAX;
	i++;

lengths:
	out->path_len = i;
	*used = i;
	if (out->local_len > lim->local_max)
		return SMTP_ADDR_E_LOCAL_LONG;
	if (out->domain_len > lim->domain_max)
		return SMTP_ADDR_E_DOMAIN_LONG;
	if (out->path_len > lim->path_max)
		return SMTP_ADDR_E_PATH_LONG;
	return SMTP_ADDR_OK;
}

/* smtp_addr_is_keychar - ALPHA / DIGIT / "-". */
static inline bool
smtp_addr_is_keychar(unsigned char c)
{
	return smtp_addr_is_alpha(c) || smtp_addr_is_digit(c) || c == '-';
}

/* smtp_addr_parse_params - *(SP esmtp-param), trailing SP/HT allowed. */
enum smtp_addr_err
smtp_addr_parse_params(const char *s, size_t len, unsigned flags,
    struct smtp_envcmd *out)
{
	struct smtp_param *p;
	size_t i = 0, sp;
	unsigned char c;

	for (;;) {
		for (sp = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
			sp++;
		if (i == len)
			return SMTP_ADDR_OK;
		if (sp == 0)
			return SMTP_ADDR_E_SYNTAX;
		if (out->nparams == SMTP_ADDR_PARAMS_MAX)
			return SMTP_ADDR_E_PARAMS_MAX;
		p = &out->params[out->nparams];
		p->key = s + i;
		p->value = NULL;
		p->value_len = 0;
		if (!smtp_addr_is_alpha((unsigned char)s[i]) &&
		    !smtp_addr_is_digit((unsigned char)s[i]))
			return smtp_addr_octet_err((unsigned char)s[i],
			    SMTP_ADDR_E_PARAM);
		while (i < len && smtp_addr_is_keychar((unsigned char)s[i]))
			i++;
		p->key_len = (size_t)(s + i - p->key);
		if (i < len && s[i] == '=') {
			i++;
			p->value = s + i;
			for (; i < len; i++) {
				c = (unsigned char)s[i];
				if (c == ' ' || c == '\t')
					break;
				if ((c >= 33 && c <= 126 && c != '=') ||
				    (c >= 0x80 && (flags & SMTP_ADDR_F_8BIT)))
					continue;
				return smtp_addr_octet_err(c,
				    SMTP_ADDR_E_PARAM);
			}
			p->value_len = (size_t)(s + i - p->value);
			if (p->value_len == 0)
				return SMTP_ADDR_E_PARAM;
		}
		if (i < len && s[i] != ' ' && s[i] != '\t')
			return smtp_addr_octet_err((unsigned char)s[i],
			    SMTP_ADDR_E_PARAM);
		out->nparams++;
	}
}

/* smtp_addr_parse_cmd - keyword, path, params. */
static enum smtp_addr_err
smtp_addr_parse_cmd(const char *kw, const char *arg, size_t len,
    unsigned flags, const struct smtp_addr_limits *lim,
    struct smtp_envcmd *out)
{
	enum smtp_addr_err e, pe;
	size_t kwlen = strlen(kw), used;

	memset(out, 0, sizeof(*out));
	if (len < kwlen || strncasecmp(arg, kw, kwlen) != 0)
		return SMTP_ADDR_E_KEYWORD;
	arg += kwlen;
	len -= kwlen;
	e = smtp_addr_parse_path(arg, len, flags, lim, &out->path, &used);
	if (used == 0)
		return e;
	/* A length error still lets the params be checked for syntax first:
	 * a malformed line is a syntax error whatever its length. */
	pe = smtp_addr_parse_params(arg + used, len - used, flags, out);
	if (e != SMTP_ADDR_OK && e != SMTP_ADDR_E_LOCAL_LONG &&
	    e != SMTP_ADDR_E_DOMAIN_LONG && e != SMTP_ADDR_E_PATH_LONG)
		return e;
	return pe != SMTP_ADDR_OK ? pe : e;
}

/* smtp_addr_parse_mail - "FROM:" Reverse-path params. */
enum smtp_addr_err
smtp_addr_parse_mail(const char *arg, size_t len, unsigned flags,
    const struct smtp_addr_limits *lim, struct smtp_envcmd *out)
{
	return smtp_addr_parse_cmd("FROM:", arg, len,
	    (flags | SMTP_ADDR_F_NULL) & ~(unsigned)SMTP_ADDR_F_POSTMASTER,
	    lim, out);
}

/* smtp_addr_parse_rcpt - "TO:" Forward-path params. */
enum smtp_addr_err
smtp_addr_parse_rcpt(const char *arg, size_t len, unsigned flags,
    const struct smtp_addr_limits *lim, struct smtp_envcmd *out)
{
	return smtp_addr_parse_cmd("TO:", arg, len,
	    (flags | SMTP_ADDR_F_POSTMASTER) & ~(unsigned)SMTP_ADDR_F_NULL,
	    lim, out);
}

/* smtp_addr_is_postmaster - unquoted "postmaster", any case. */
bool
smtp_addr_is_postmaster(const struct smtp_path *p)
{
	return p->local_len == 10 &&
	    strncasecmp(p->local, "postmaster", 10) == 0;
}

/* smtp_addr_param_is - key comparison, case-insensitive. */
bool
smtp_addr_param_is(const struct smtp_param *p, const char *name)
{
	size_t n = strlen(name);

	return p->key_len == n && strncasecmp(p->key, name, n) == 0;
}
