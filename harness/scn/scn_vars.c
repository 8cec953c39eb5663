/* SPDX-License-Identifier: ISC */
/*
 * scn_vars.c - scenario variables: the built-in defaults, profiles, --var,
 * and the expansion of ${...} (and escapes in quoted strings).
 *
 * One engine does both the parse-time check (no values: syntax, names,
 * literal limits) and the run-time expansion, so the two never disagree on
 * what is valid. Output is bounded by SCN_EXPAND_MAX, one ${repeat:...} by
 * SCN_REPEAT_MAX; a set holds at most SCN_VARS_MAX variables.
 *
 * Decisions the spec leaves open: a '$' not followed by '{' or '$' is an
 * error (a forgotten brace must not go out on the wire as text); TEXT in
 * ${repeat:N:TEXT} is literal apart from escapes (in quoted strings) and
 * plain ${name} references, so `\x7d` puts a '}' in it; arithmetic works
 * on signed decimal longs.
 */
#include "scn_vars.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sc_limits.h"
#include "sc_util.h"

struct scn_vars {
	size_t	 n;
	char	*name[SCN_VARS_MAX];
	char	*value[SCN_VARS_MAX];
};

/* The defaults fit the reference engine smtpref (README.md, "Scenario language",
 * "Variables"). */
static const struct {
	const char	*name;
	const char	*value;
} scn_vars_builtin[] = {
	{ "helo",		"client.smtpcheck.test" },
	{ "sender",		"sender@client.smtpcheck.test" },
	{ "domain",		"smtpref.test" },
	{ "rcpt",		"alice@smtpref.test" },
	{ "rcpt2",		"bob@smtpref.test" },
	{ "unknown_rcpt",	"nosuchuser-4f1c9a@smtpref.test" },
	{ "foreign_rcpt",	"victim@relay-target.invalid" },
	/* RFC 6531: UTF-8 in the local part ("jösé", in UTF-8 octets) */
	{ "utf8_sender",	"j\xc3\xb6s\xc3\xa9@client.smtpcheck.test" },
	{ "utf8_rcpt",		"j\xc3\xb6s\xc3\xa9@smtpref.test" },
	{ "user",		"" },
	{ "password",		"" },
};
#define SCN_VARS_NBUILTIN \
	(sizeof(scn_vars_builtin) / sizeof(scn_vars_builtin[0]))

/* scn_vars_name_len - length of the [a-z_][a-z0-9_]* name at p. */
static size_t
scn_vars_name_len(const char *p)
{
	size_t n;

	if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
		return 0;
	for (n = 1; (p[n] >= 'a' && p[n] <= 'z') ||
	    (p[n] >= '0' && p[n] <= '9') || p[n] == '_'; n++)
		;
	return n;
}

/* scn_vars_valid_name - the whole string is a variable name. */
static bool
scn_vars_valid_name(const char *name)
{
	size_t n;

	n = scn_vars_name_len(name);
	return n > 0 && name[n] == '\0';
}

/* scn_vars_new - a set holding the built-in defaults. */
struct scn_vars *
scn_vars_new(void)
{
	struct scn_vars *v;
	size_t i;

	v = xcalloc(1, sizeof(*v));
	for (i = 0; i < SCN_VARS_NBUILTIN; i++)
		if (scn_vars_set(v, scn_vars_builtin[i].name,
		    scn_vars_builtin[i].value) == -1)
			fatal("built-in variable %s", scn_vars_builtin[i].name);
	return v;
}

/* scn_vars_dup - an owned copy. */
struct scn_vars *
scn_vars_dup(const struct scn_vars *src)
{
	struct scn_vars *v;
	size_t i;

	v = xcalloc(1, sizeof(*v));
	for (i = 0; i < src->n; i++) {
		v->name[i] = xstrdup(src->name[i]);
		v->value[i] = xstrdup(src->value[i]);
	}
	v->n = src->n;
	return v;
}

/* scn_vars_free - release the set. */
void
scn_vars_free(struct scn_vars *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	free(v);
}

/* scn_vars_find - index of name (namelen bytes), or -1. */
static long
scn_vars_find(const struct scn_vars *v, const char *name, size_t namelen)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strlen(v->name[i]) == namelen &&
		    memcmp(v->name[i], name, namelen) == 0)
			return (long)i;
	return -1;
}

/* scn_vars_set - set or replace a variable. */
int
scn_vars_set(struct scn_vars *v, const char *name, const char *value)
{
	long i;

	if (!scn_vars_valid_name(name))
		return -1;
	i = scn_vars_find(v, name, strlen(name));
	if (i >= 0) {
		free(v->value[i]);
		v->value[i] = xstrdup(value);
		return 0;
	}
	if (v->n >= SCN_VARS_MAX)
		return -1;
	v->name[v->n] = xstrdup(name);
	v->value[v->n] = xstrdup(value);
	v->n++;
	return 0;
}

/* scn_vars_get - borrowed value or NULL. */
const char *
scn_vars_get(const struct scn_vars *v, const char *name)
{
	long i;

	i = scn_vars_find(v, name, strlen(name));
	return i >= 0 ? v->value[i] : NULL;
}

/* scn_vars_is_builtin - one of the spec's variables. */
bool
scn_vars_is_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < SCN_VARS_NBUILTIN; i++)
		if (strcmp(scn_vars_builtin[i].name, name) == 0)
			return true;
	return false;
}

/* scn_vars_count - how many variables are set. */
size_t
scn_vars_count(const struct scn_vars *v)
{
	return v->n;
}

/* scn_vars_at - the i-th variable, in the order they were first set. */
void
scn_vars_at(const struct scn_vars *v, size_t i, const char **name,
    const char **value)
{
	if (i >= v->n)
		fatal("scn_vars_at(%zu) of %zu", i, v->n);
	*name = v->name[i];
	*value = v->value[i];
}

/* scn_vars_set_nv - set name = value with errors for the user. */
static int
scn_vars_set_nv(struct scn_vars *v, const char *name, const char *value,
    const char *file, int line, int col, struct sc_err *err)
{
	if (!scn_vars_valid_name(name)) {
		sc_err_set(err, file, line, col, "invalid variable name "
		    "\"%s\": expected lower case letters, digits and _, "
		    "starting with a letter or _", name);
		return -1;
	}
	if (scn_vars_set(v, name, value) == -1) {
		sc_err_set(err, file, line, col, "too many variables "
		    "(at most %d)", SCN_VARS_MAX);
		return -1;
	}
	return 0;
}

/* scn_vars_load_profile - `name = value` lines. The value is everything
 * after '=' with blanks trimmed, '#' included: only whole lines are
 * comments, so a password may hold a '#'. */
int
scn_vars_load_profile(struct scn_vars *v, const char *path,
    struct sc_err *err)
{
	const char *p, *nul, *eq;
	char *buf, *name, *value;
	size_t len, off, l, ns, ne, vs, ve;
	int line, rc;

	buf = sc_read_file(path, SCN_FILE_MAX, &len, err);
	if (buf == NULL)
		return -1;
	rc = 0;
	for (off = 0, line = 1; off < len && rc == 0; line++) {
		p = buf + off;
		eq = memchr(p, '\n', len - off);
		l = eq != NULL ? (size_t)(eq - p) : len - off;
		off += l + 1;
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if ((nul = memchr(p, '\0', l)) != NULL) {
			sc_err_set(err, path, line, (int)(nul - p) + 1,
			    "NUL byte in the file");
			rc = -1;
			break;
		}
		for (ns = 0; ns < l && (p[ns] == ' ' || p[ns] == '\t'); ns++)
			;
		if (ns == l || p[ns] == '#')
			continue;
		eq = memchr(p + ns, '=', l - ns);
		if (eq == NULL) {
			sc_err_set(err, path, line, (int)ns + 1,
			    "expected name = value");
			rc = -1;
			break;
		}
		ne = (size_t)(eq - p);
		for (vs = ne + 1; vs < l && (p[vs] == ' ' || p[vs] == '\t'); vs++)
			;
		for (ve = l; ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t');
		    ve--)
			;
		while (ne > ns && (p[ne - 1] == ' ' || p[ne - 1] == '\t'))
			ne--;
		name = xstrndup(p + ns, ne - ns);
		value = xstrndup(p + vs, ve - vs);
		rc = scn_vars_set_nv(v, name, value, path, line, (int)ns + 1,
		    err);
		free(name);
		free(value);
	}
	free(buf);
	return rc;
}

/* scn_vars_set_arg - "name=value" from a --var flag. */
int
scn_vars_set_arg(struct scn_vars *v, const char *arg, struct sc_err *err)
{
	const char *eq;
	char *name;
	int rc;

	eq = strchr(arg, '=');
	if (eq == NULL) {
		sc_err_set(err, NULL, 0, 0, "--var \"%s\": expected name=value",
		    arg);
		return -1;
	}
	name = xstrndup(arg, (size_t)(eq - arg));
	if (!scn_vars_valid_name(name)) {
		sc_err_set(err, NULL, 0, 0, "--var \"%s\": invalid variable "
		    "name \"%s\": expected lower case letters, digits and _, "
		    "starting with a letter or _", arg, name);
		free(name);
		return -1;
	}
	rc = scn_vars_set_nv(v, name, eq + 1, NULL, 0, 0, err);
	free(name);
	return rc;
}

/*
 * The expansion engine. In check mode (check true) there are no values:
 * names are reported through cb and only syntax and literal limits are
 * checked; nothing is written.
 */
struct scn_vars_ctx {
	const char		*src;
	bool			 escapes;
	bool			 check;
	const struct scn_vars	*v;
	char			*buf;
	size_t			 len, cap;
	int			 col;		/* 1-based, of the error */
	struct sc_err		*err;
	void			(*cb)(void *, const char *, size_t, int);
	void			*arg;
};

/* scn_vars_fail - record an error at 1-based offset col of src. */
static int
scn_vars_fail(struct scn_vars_ctx *x, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
scn_vars_fail(struct scn_vars_ctx *x, size_t off, const char *fmt, ...)
{
	char msg[SC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->col = (int)off + 1;
	sc_err_set(x->err, NULL, 0, 0, "%s", msg);
	return -1;
}

/* scn_vars_reserve - room for n more output bytes (and a NUL). */
static int
scn_vars_reserve(struct scn_vars_ctx *x, size_t n, size_t off)
{
	size_t want;

	if (n > SCN_EXPAND_MAX || x->len > SCN_EXPAND_MAX - n)
		return scn_vars_fail(x, off, "the expanded text is over "
		    "%d bytes", SCN_EXPAND_MAX);
	want = x->len + n + 1;
	if (want > x->cap) {
		if (x->cap == 0)
			x->cap = 64;
		while (x->cap < want)
			x->cap *= 2;
		x->buf = xrealloc(x->buf, x->cap);
	}
	return 0;
}

/* scn_vars_emit - append n bytes (nothing in check mode). */
static int
scn_vars_emit(struct scn_vars_ctx *x, const char *p, size_t n, size_t off)
{
	if (x->check)
		return 0;
	if (scn_vars_reserve(x, n, off) == -1)
		return -1;
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	return 0;
}

/* scn_vars_hex - value of a hex digit, or -1. */
static int
scn_vars_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* scn_vars_escape - decode the escape at src[*ip] (a backslash). */
static int
scn_vars_escape(struct scn_vars_ctx *x, size_t *ip, char *out)
{
	const char *s = x->src + *ip;
	int hi, lo;

	switch (s[1]) {
	case 'r':  *out = '\r'; break;
	case 'n':  *out = '\n'; break;
	case 't':  *out = '\t'; break;
	case '0':  *out = '\0'; break;
	case '\\': *out = '\\'; break;
	case '"':  *out = '"'; break;
	case 'x':
		hi = scn_vars_hex(s[2]);
		lo = hi < 0 ? -1 : scn_vars_hex(s[3]);
		if (hi < 0 || lo < 0)
			return scn_vars_fail(x, *ip, "expected two hex digits "
			    "after \"\\x\"");
		*out = (char)(hi * 16 + lo);
		*ip += 4;
		return 0;
	case '\0':
		return scn_vars_fail(x, *ip, "\"\\\" at the end of the text: "
		    "write \\\\ for a backslash");
	default:
		if ((unsigned char)s[1] > 0x20 && (unsigned char)s[1] < 0x7f)
			return scn_vars_fail(x, *ip, "unknown escape \"\\%c\": "
			    "expected \\r \\n \\t \\0 \\\\ \\\" or \\xNN",
			    s[1]);
		return scn_vars_fail(x, *ip, "unknown escape \"\\\\x%02X\": "
		    "expected \\r \\n \\t \\0 \\\\ \\\" or \\xNN",
		    (unsigned char)s[1]);
	}
	*ip += 2;
	return 0;
}

/* scn_vars_lookup - the value of name (NULL in check mode); reports the
 * reference through cb. dollar is the offset of the '$'. */
static int
scn_vars_lookup(struct scn_vars_ctx *x, const char *name, size_t n,
    size_t dollar, const char **val)
{
	long i;

	*val = NULL;
	if (x->cb != NULL)
		x->cb(x->arg, name, n, (int)dollar + 1);
	if (x->check)
		return 0;
	i = x->v != NULL ? scn_vars_find(x->v, name, n) : -1;
	if (i < 0)
		return scn_vars_fail(x, dollar, "unknown variable \"%.*s\"",
		    (int)n, name);
	*val = x->v->value[i];
	return 0;
}

/* scn_vars_digits - a decimal number of at least one digit at src[*ip]. */
static int
scn_vars_digits(struct scn_vars_ctx *x, size_t *ip, long *out)
{
	const char *s = x->src;
	size_t i = *ip;
	long n = 0;

	if (!(s[i] >= '0' && s[i] <= '9'))
		return scn_vars_fail(x, i, "expected a number");
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > (LONG_MAX - (s[i] - '0')) / 10)
			return scn_vars_fail(x, *ip, "number too large");
		n = n * 10 + (s[i] - '0');
	}
	*ip = i;
	*out = n;
	return 0;
}

/* scn_vars_arith - name[+-/]N (/ divides, rounding down: 100-octet lines
 * that fill a size); *known false in check mode. At *ip is the operator
 * or the end of the name. */
static int
scn_vars_arith(struct scn_vars_ctx *x, const char *name, size_t n,
    size_t dollar, size_t *ip, long *out, bool *known)
{
	const char *val;
	long base, k;
	char sign;

	sign = x->src[*ip];
	k = 0;
	if (sign == '+' || sign == '-' || sign == '/') {
		(*ip)++;
		if (scn_vars_digits(x, ip, &k) == -1)
			return -1;
		if (sign == '/' && k == 0)
			return scn_vars_fail(x, *ip - 1, "division by zero");
	}
	if (scn_vars_lookup(x, name, n, dollar, &val) == -1)
		return -1;
	*known = !x->check;
	if (x->check)
		return 0;
	if (sc_parse_long(val, LONG_MIN, LONG_MAX, &base) == -1)
		return scn_vars_fail(x, dollar, "variable \"%.*s\" is not a "
		    "number (\"%s\")", (int)n, name, val);
	if (sign == '/') {
		*out = base / k;
		return 0;
	}
	if (sign == '-')
		k = -k;
	if (__builtin_add_overflow(base, k, out))
		return scn_vars_fail(x, dollar, "number overflow in "
		    "\"%.*s\" %c %ld", (int)n, name, sign, k);
	return 0;
}

/* scn_vars_repeat - ${repeat:N:TEXT}; *ip is just past "repeat:". */
static int
scn_vars_repeat(struct scn_vars_ctx *x, size_t dollar, size_t *ip)
{
	const char *s = x->src;
	char *text;
	size_t i, n, tlen, t;
	long count;
	bool known;
	char c;
	int rc;

	i = *ip;
	known = true;
	if (s[i] >= '0' && s[i] <= '9') {
		if (scn_vars_digits(x, &i, &count) == -1)
			return -1;
	} else {
		n = scn_vars_name_len(s + i);
		if (n == 0)
			return scn_vars_fail(x, i, "expected a repeat count "
			    "(a number, or a variable with an optional +N "
			    "or -N) after \"${repeat:\"");
		t = i;
		i += n;
		if (scn_vars_arith(x, s + t, n, dollar, &i, &count,
		    &known) == -1)
			return -1;
	}
	if (s[i] != ':')
		return scn_vars_fail(x, i, "expected \":\" after the repeat "
		    "count");
	i++;
	/* TEXT: to the closing brace, escapes decoded in quoted strings */
	text = xmalloc(strlen(s + i) + 1);
	tlen = 0;
	rc = 0;
	while (s[i] != '}') {
		if (s[i] == '\0') {
			rc = scn_vars_fail(x, dollar, "unterminated \"${\": "
			    "expected \"}\"");
			break;
		}
		if (x->escapes && s[i] == '\\') {
			if ((rc = scn_vars_escape(x, &i, &c)) == -1)
				break;
			text[tlen++] = c;
			continue;
		}
		if (s[i] == '$' && s[i + 1] == '{' &&
		    (n = scn_vars_name_len(s + i + 2)) > 0 &&
		    s[i + 2 + n] == '}') {
			/* a plain ${name} inside TEXT: its value, repeated */
			const char *val;

			if ((rc = scn_vars_lookup(x, s + i + 2, n, i,
			    &val)) == -1)
				break;
			if (val != NULL) {
				size_t vl = strlen(val);

				text = xrealloc(text, strlen(s + i) + tlen +
				    vl + 1);
				memcpy(text + tlen, val, vl);
				tlen += vl;
			}
			i += n + 3;
			continue;
		}
		text[tlen++] = s[i++];
	}
	if (rc == 0 && known) {
		if (count < 0)
			rc = scn_vars_fail(x, dollar, "negative repeat count "
			    "(%ld)", count);
		else if (count > SCN_REPEAT_MAX || (tlen > 0 &&
		    (size_t)count > SCN_REPEAT_MAX / tlen))
			rc = scn_vars_fail(x, dollar, "${repeat:...} is over "
			    "%d bytes", SCN_REPEAT_MAX);
	}
	if (rc == 0 && !x->check && tlen > 0 && count > 0) {
		rc = scn_vars_reserve(x, tlen * (size_t)count, dollar);
		for (t = 0; rc == 0 && t < (size_t)count; t++) {
			memcpy(x->buf + x->len, text, tlen);
			x->len += tlen;
		}
	}
	free(text);
	if (rc == 0)
		*ip = i + 1;
	return rc;
}

static int	scn_vars_run(struct scn_vars_ctx *);

/*
 * scn_vars_base64 - ${base64:TEXT}; *ip is just past "base64:". TEXT is
 * expanded first, escapes always on (so `\0` is a NUL even in `send`
 * text, as SASL PLAIN needs: ${base64:\0${user}\0${password}}), up to the
 * brace that matches; then the result is base64 (RFC 4648 4, no line
 * breaks).
 */
static int
scn_vars_base64(struct scn_vars_ctx *x, size_t dollar, size_t *ip)
{
	struct scn_vars_ctx in;
	const char *s = x->src;
	size_t i = *ip, depth = 0, start = *ip, olen;
	unsigned char *out;
	char *text;
	int rc;

	for (;; i++) {
		if (s[i] == '\0')
			return scn_vars_fail(x, dollar, "unterminated "
			    "\"${base64:\": expected \"}\"");
		if (s[i] == '\\' && s[i + 1] != '\0') {
			i++;
			continue;
		}
		if (s[i] == '$' && s[i + 1] == '{') {
			depth++;
			i++;
		} else if (s[i] == '}') {
			if (depth == 0)
				break;
			depth--;
		}
	}
	text = xstrndup(s + start, i - start);
	memset(&in, 0, sizeof(in));
	in.src = text;
	in.escapes = true;
	in.check = x->check;
	in.v = x->v;
	in.err = x->err;
	in.cb = x->cb;
	in.arg = x->arg;
	rc = scn_vars_run(&in);
	free(text);
	if (rc == -1) {
		x->col = (int)start + in.col;
		free(in.buf);
		return -1;
	}
	*ip = i + 1;
	if (x->check) {
		free(in.buf);
		return 0;
	}
	if (in.len > SCN_EXPAND_MAX / 2) {
		free(in.buf);
		return scn_vars_fail(x, dollar, "${base64:...} is over %d "
		    "bytes", SCN_EXPAND_MAX / 2);
	}
	out = xmalloc(4 * ((in.len + 2) / 3) + 1);
	olen = (size_t)EVP_EncodeBlock(out, (const unsigned char *)
	    (in.buf != NULL ? in.buf : ""), (int)in.len);
	rc = scn_vars_emit(x, (const char *)out, olen, dollar);
	free(out);
	free(in.buf);
	return rc;
}

/* scn_vars_dollar - $$ or ${...} at src[*ip]. */
static int
scn_vars_dollar(struct scn_vars_ctx *x, size_t *ip)
{
	const char *s = x->src;
	const char *val;
	char num[32];
	size_t d, j, k, n;
	long r;
	bool known;
	int len;

	d = *ip;
	if (s[d + 1] == '$') {
		*ip = d + 2;
		return scn_vars_emit(x, "$", 1, d);
	}
	if (s[d + 1] != '{')
		return scn_vars_fail(x, d, "expected \"{\" or \"$\" after "
		    "\"$\" (write $$ for a literal $)");
	j = d + 2;
	n = scn_vars_name_len(s + j);
	if (n == 0) {
		if (s[j] == '\0')
			return scn_vars_fail(x, d, "unterminated \"${\": "
			    "expected \"}\"");
		return scn_vars_fail(x, j, "expected a variable name (lower "
		    "case letters, digits and _) after \"${\"");
	}
	k = j + n;
	if (n == 6 && memcmp(s + j, "repeat", 6) == 0 && s[k] == ':') {
		*ip = k + 1;
		return scn_vars_repeat(x, d, ip);
	}
	if (n == 6 && memcmp(s + j, "base64", 6) == 0 && s[k] == ':') {
		*ip = k + 1;
		return scn_vars_base64(x, d, ip);
	}
	if (s[k] == '}') {
		if (scn_vars_lookup(x, s + j, n, d, &val) == -1)
			return -1;
		*ip = k + 1;
		return x->check ? 0 : scn_vars_emit(x, val, strlen(val), d);
	}
	if (s[k] == '+' || s[k] == '-' || s[k] == '/') {
		if (scn_vars_arith(x, s + j, n, d, &k, &r, &known) == -1)
			return -1;
		if (s[k] != '}')
			return scn_vars_fail(x, k, "expected \"}\" after the "
			    "number");
		*ip = k + 1;
		if (!known)
			return 0;
		len = snprintf(num, sizeof(num), "%ld", r);
		return scn_vars_emit(x, num, (size_t)len, d);
	}
	if (s[k] == '\0')
		return scn_vars_fail(x, d, "unterminated \"${\": expected "
		    "\"}\"");
	if ((s[k] >= 'A' && s[k] <= 'Z') || s[k] == '.' || s[k] == '-')
		return scn_vars_fail(x, k, "variable names are lower case "
		    "letters, digits and _");
	return scn_vars_fail(x, k, "expected \"}\", \"+N\" or \"-N\" after "
	    "the variable name");
}

/* scn_vars_run - the engine: walk src once. */
static int
scn_vars_run(struct scn_vars_ctx *x)
{
	size_t i, start;
	char c;

	i = 0;
	while (x->src[i] != '\0') {
		if (x->src[i] == '$') {
			if (scn_vars_dollar(x, &i) == -1)
				return -1;
			continue;
		}
		if (x->escapes && x->src[i] == '\\') {
			start = i;
			if (scn_vars_escape(x, &i, &c) == -1)
				return -1;
			if (scn_vars_emit(x, &c, 1, start) == -1)
				return -1;
			continue;
		}
		/* a run of plain bytes in one go */
		start = i;
		while (x->src[i] != '\0' && x->src[i] != '$' &&
		    !(x->escapes && x->src[i] == '\\'))
			i++;
		if (scn_vars_emit(x, x->src + start, i - start, start) == -1)
			return -1;
	}
	return 0;
}

/* scn_expand - expand src with the values of v. */
char *
scn_expand(const char *src, bool escapes, const struct scn_vars *v,
    size_t *len, struct sc_err *err)
{
	struct scn_vars_ctx x;

	memset(&x, 0, sizeof(x));
	x.src = src;
	x.escapes = escapes;
	x.v = v;
	x.err = err;
	if (scn_vars_run(&x) == -1) {
		free(x.buf);
		return NULL;
	}
	if (x.buf == NULL)
		x.buf = xmalloc(1);
	x.buf[x.len] = '\0';
	if (len != NULL)
		*len = x.len;
	return x.buf;
}

/* scn_expand_check - the same walk without values. */
int
scn_expand_check(const char *src, bool escapes, int *col,
    struct sc_err *err,
    void (*cb)(void *arg, const char *name, size_t namelen, int col),
    void *arg)
{
	struct scn_vars_ctx x;

	memset(&x, 0, sizeof(x));
	x.src = src;
	x.escapes = escapes;
	x.check = true;
	x.err = err;
	x.cb = cb;
	x.arg = arg;
	if (scn_vars_run(&x) == -1) {
		if (col != NULL)
			*col = x.col;
		return -1;
	}
	return 0;
}
