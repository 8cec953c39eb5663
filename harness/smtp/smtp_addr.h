/* SPDX-License-Identifier: ISC */
/*
 * smtp_addr.h - RFC 5321 4.1.2 paths and mailboxes, and ESMTP parameters.
 *
 * Pure functions: they parse a buffer and point into it; nothing is
 * allocated, nothing is stored. Covers Reverse-path / Forward-path, the
 * null path "<>", "<Postmaster>", source routes (A-d-l, recognised and
 * stripped: 5321 3.6.1, App C), Dot-string and Quoted-string local parts,
 * domains and address literals (IPv4, IPv6; 5321 4.1.3), the length
 * limits of 5321 4.5.3.1.1-3, and the Mail-/Rcpt-parameters of 4.1.2.
 * It does not resolve or compare addresses beyond the postmaster check.
 */
#ifndef SC_SMTP_ADDR_H
#define SC_SMTP_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "sc_limits.h"	/* SMTP_ADDR_PARAMS_MAX */

#define SMTP_ADDR_LABEL_MAX	63	/* 1035 2.3.4, via 5321 2.3.5 */

/* Parse flags. */
#define SMTP_ADDR_F_NULL	0x01	/* "<>" allowed (Reverse-path) */
#define SMTP_ADDR_F_POSTMASTER	0x02	/* "<Postmaster>" allowed (RCPT) */
#define SMTP_ADDR_F_8BIT	0x04	/* octets >= 0x80 allowed in atext,
					 * qtext, labels and param values
					 * (no UTF-8 validation) */

enum smtp_addr_err {
	SMTP_ADDR_OK = 0,
	SMTP_ADDR_E_SYNTAX,	/* not a Path (brackets, dots, '@') */
	SMTP_ADDR_E_KEYWORD,	/* no "FROM:" / "TO:" */
	SMTP_ADDR_E_NULL,	/* "<>" where a mailbox is needed */
	SMTP_ADDR_E_CTRL,	/* a control octet or NUL */
	SMTP_ADDR_E_8BIT,	/* an octet >= 0x80 without F_8BIT */
	SMTP_ADDR_E_DOMAIN,	/* a bad domain label ('_', '-' at an end) */
	SMTP_ADDR_E_LITERAL,	/* a bad or unknown address literal */
	SMTP_ADDR_E_LOCAL_LONG,	/* local part over the limit */
	SMTP_ADDR_E_DOMAIN_LONG, /* domain or a label over the limit */
	SMTP_ADDR_E_PATH_LONG,	/* whole path over the limit */
	SMTP_ADDR_E_PARAM,	/* malformed esmtp-param */
	SMTP_ADDR_E_PARAMS_MAX,	/* more than SMTP_ADDR_PARAMS_MAX params */
};

/* smtp_addr_err_str - the enum's name, for logs. */
const char *smtp_addr_err_str(enum smtp_addr_err);

enum smtp_addr_dom {
	SMTP_ADDR_DOM_NONE,	/* "<>" or "<Postmaster>" */
	SMTP_ADDR_DOM_NAME,
	SMTP_ADDR_DOM_IPV4,	/* [1.2.3.4] */
	SMTP_ADDR_DOM_IPV6,	/* [IPv6:...] */
};

/* smtp_addr_dom_str - the enum's name, for logs. */
const char *smtp_addr_dom_str(enum smtp_addr_dom);

/* Length limits enforced; callers may pass lower ones (smtpref faults). */
struct smtp_addr_limits {
	size_t	local_max;	/* octets of the local part, quotes included */
	size_t	domain_max;	/* octets of the domain or literal */
	size_t	path_max;	/* octets of the path, '<' and '>' included */
};

/* smtp_addr_limits_rfc - the RFC 5321 4.5.3.1 minimums (64, 255, 256). */
const struct smtp_addr_limits *smtp_addr_limits_rfc(void);

/*
 * A parsed path. local and domain point into the parsed buffer (borrowed,
 * valid while it is); the source route, when there was one, is dropped.
 */
struct smtp_path {
	bool		 null;		/* "<>" */
	bool		 routed;	/* "<@a,@b:u@d>": route stripped */
	enum smtp_addr_dom dom_type;
	const char	*local;		/* as sent, quotes included */
	size_t		 local_len;
	const char	*domain;	/* as sent, brackets included */
	size_t		 domain_len;	/* 0 for "<>" and "<Postmaster>" */
	size_t		 path_len;	/* octets from '<' to '>' */
};

struct smtp_param {
	const char	*key;		/* borrowed, not NUL-terminated */
	size_t		 key_len;
	const char	*value;		/* NULL when there is no '=' */
	size_t		 value_len;
};

/* "FROM:" path params, or "TO:" path params. */
struct smtp_envcmd {
	struct smtp_path	path;
	size_t			nparams;
	struct smtp_param	params[SMTP_ADDR_PARAMS_MAX];
};

/*
 * smtp_addr_parse_path - one Path starting at s[0] ('<'). *used gets the
 * octets consumed (the path length). Returns SMTP_ADDR_OK or the first
 * error found; syntax errors are reported before length errors.
 * lim NULL means smtp_addr_limits_rfc().
 */
enum smtp_addr_err smtp_addr_parse_path(const char *s, size_t len,
	    unsigned flags, const struct smtp_addr_limits *lim,
	    struct smtp_path *out, size_t *used);

/*
 * smtp_addr_parse_mail / smtp_addr_parse_rcpt - the argument of MAIL
 * ("FROM:" Reverse-path [SP Mail-parameters]) or RCPT ("TO:" Forward-path
 * [SP Rcpt-parameters]); keywords are case-insensitive, no space around
 * the colon, trailing SP/HT tolerated. parse_mail adds SMTP_ADDR_F_NULL,
 * parse_rcpt adds SMTP_ADDR_F_POSTMASTER. out points into arg.
 */
enum smtp_addr_err smtp_addr_parse_mail(const char *arg, size_t len,
	    unsigned flags, const struct smtp_addr_limits *lim,
	    struct smtp_envcmd *out);
enum smtp_addr_err smtp_addr_parse_rcpt(const char *arg, size_t len,
	    unsigned flags, const struct smtp_addr_limits *lim,
	    struct smtp_envcmd *out);

/*
 * smtp_addr_parse_params - " key[=value]..." after a path (leading SP
 * required unless empty). Appends to out->params.
 */
enum smtp_addr_err smtp_addr_parse_params(const char *s, size_t len,
	    unsigned flags, struct smtp_envcmd *out);

/*
 * smtp_addr_parse_domain - the whole of s is a Domain or an
 * address-literal (the EHLO/HELO argument). *type may be NULL.
 */
enum smtp_addr_err smtp_addr_parse_domain(const char *s, size_t len,
	    unsigned flags, enum smtp_addr_dom *type);

/* smtp_addr_is_postmaster - local part is "postmaster", any case, unquoted
 * (5321 4.5.1). */
bool	smtp_addr_is_postmaster(const struct smtp_path *);

/* smtp_addr_param_is - param key equals name, case-insensitively. */
bool	smtp_addr_param_is(const struct smtp_param *, const char *name);

#endif /* SC_SMTP_ADDR_H */
