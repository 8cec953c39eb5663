/* SPDX-License-Identifier: ISC */
/*
 * ref_conf.c - smtpref serve options, config file, fault names.
 *
 * Flags and config lines go through one setter, ref_conf_set(), keyed by
 * the config name ("max_message_size"; the flag is "--max-message-size"),
 * so both accept the same settings with the same checks. Lists (domain,
 * user, fault) accumulate; scalars take the last value.
 */
#include "ref_conf.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ref_utf8.h"
#include "sc_util.h"
#include "smtp_addr.h"

#define REF_CONF_KEY_MAX	64	/* longest key or flag name */
#define REF_CONF_DEFAULT_HOST	"smtpref.test"
#define REF_CONF_DEFAULT_DOMAIN	"smtpref.test"

/* j\xc3\xb6s\xc3\xa9 ("jose" with o-umlaut and e-acute, UTF-8): the
 * RFC 6531 mailbox, compared as bytes (no Unicode normalisation). */
static const char *const ref_conf_default_users[] = {
	"alice", "bob", "j\xc3\xb6s\xc3\xa9",
};

/* Set by `--fault list`: ref_conf_usage prints the fault list instead. */
static bool ref_conf_usage_faults;

static const struct {
	const char	*name;
	unsigned	 flags;
	const char	*desc;
} ref_fault_table[REF_FAULT_COUNT] = {
#define REF_FAULT_ROW(id, n, fl, d)	{ n, fl, d },
	REF_FAULTS(REF_FAULT_ROW)
#undef REF_FAULT_ROW
};

/* ref_fault_str - the flag name. */
const char *
ref_fault_str(enum ref_fault f)
{
	static char buf[32];

	switch (f) {
#define REF_FAULT_CASE(id, n, fl, d)	case REF_FAULT_##id: return n;
	REF_FAULTS(REF_FAULT_CASE)
#undef REF_FAULT_CASE
	case REF_FAULT_COUNT:
		break;
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)f);
	return buf;
}

/* ref_fault_desc - one line for --help. */
const char *
ref_fault_desc(enum ref_fault f)
{
	if ((int)f < 0 || f >= REF_FAULT_COUNT)
		return "";
	return ref_fault_table[f].desc;
}

/* ref_fault_flags - REF_FAULT_F_* of f. */
unsigned
ref_fault_flags(enum ref_fault f)
{
	if ((int)f < 0 || f >= REF_FAULT_COUNT)
		return 0;
	return ref_fault_table[f].flags;
}

/* ref_fault_lookup - name to enum, -1 when unknown. */
int
ref_fault_lookup(const char *name)
{
	int i;

	for (i = 0; i < REF_FAULT_COUNT; i++)
		if (strcmp(ref_fault_table[i].name, name) == 0)
			return i;
	return -1;
}

/* ref_conf_init - defaults. */
void
ref_conf_init(struct ref_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_message_size = REF_MESSAGE_SIZE_DEFAULT;
	c->max_recipients = REF_RCPTS_DEFAULT;
	c->max_sessions = REF_SESSIONS_DEFAULT;
	c->max_errors = REF_ERRORS_DEFAULT;
	c->pipelining = true;
	c->size = true;
	c->eightbitmime = true;
	c->smtputf8 = true;
	c->chunking = true;
	c->dsn = true;
	c->timeout_command_ms = REF_TIMEOUT_CMD_MS;
	c->timeout_data_ms = REF_TIMEOUT_DATA_MS;
}

/* ref_conf_free_list - free an owned string array. */
static void
ref_conf_free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ref_conf_free_creds - free the accounts, wiping the passwords. */
static void
ref_conf_free_creds(struct ref_conf_cred *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].user);
		explicit_bzero(v[i].password, strlen(v[i].password));
		free(v[i].password);
	}
	free(v);
}

/* ref_conf_clear - free members. */
void
ref_conf_clear(struct ref_conf *c)
{
	free(c->listen);
	free(c->maildir);
	free(c->port_file);
	free(c->hostname);
	free(c->cert);
	free(c->key);
	free(c->auth_users);
	ref_conf_free_creds(c->creds, c->ncreds);
	ref_conf_free_list(c->domains, c->ndomains);
	ref_conf_free_list(c->users, c->nusers);
	memset(c, 0, sizeof(*c));
}

/* ref_conf_lower - an owned lower-case copy. */
static char *
ref_conf_lower(const char *s)
{
	char *d = xstrdup(s);
	char *p;

	for (p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* ref_conf_push - append an owned string to a bounded list. */
static int
ref_conf_push(char ***v, size_t *n, char *s)
{
	if (*n >= REF_CONF_LIST_MAX) {
		free(s);
		return -1;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
	return 0;
}

/* ref_conf_set_str - replace an owned string. */
static void
ref_conf_set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* ref_conf_add_user - check "local@domain" and add it (and its domain). */
static int
ref_conf_add_user(struct ref_conf *c, const char *v, const char *file,
    int line, struct sc_err *err)
{
	struct smtp_path p;
	size_t used;
	char *br;
	int rc;

	/* UTF-8 mailboxes are users too (RFC 6531), compared as bytes. */
	br = xasprintf("<%s>", v);
	rc = smtp_addr_parse_path(br, strlen(br), SMTP_ADDR_F_8BIT, NULL, &p,
	    &used);
	free(br);
	if (rc != SMTP_ADDR_OK || used != strlen(v) + 2 ||
	    p.dom_type != SMTP_ADDR_DOM_NAME ||
	    !ref_utf8_is_valid(v, strlen(v))) {
		sc_err_set(err, file, line, 0,
		    "user \"%s\": expected LOCAL@DOMAIN", v);
		return -1;
	}
	if (ref_conf_push(&c->users, &c->nusers, ref_conf_lower(v)) == -1) {
		sc_err_set(err, file, line, 0, "too many users (max %d)",
		    REF_CONF_LIST_MAX);
		return -1;
	}
	return 0;
}

/* ref_conf_set_long - a bounded number. */
static int
ref_conf_set_long(long *dst, const char *key, const char *v, long min,
    long max, const char *file, int line, struct sc_err *err)
{
	if (sc_parse_long(v, min, max, dst) == -1) {
		sc_err_set(err, file, line, 0,
		    "%s: expected a number from %ld to %ld, not \"%s\"", key,
		    min, max, v);
		return -1;
	}
	return 0;
}

/* ref_conf_set_ms - a duration, 1 ms to a day. */
static int
ref_conf_set_ms(long *dst, const char *key, const char *v, const char *file,
    int line, struct sc_err *err)
{
	long ms;

	if (sc_parse_duration_ms(v, &ms) == -1 || ms < 1 ||
	    ms > 24L * 3600 * 1000) {
		sc_err_set(err, file, line, 0,
		    "%s: expected a duration (\"300s\", \"5m\"), not \"%s\"",
		    key, v);
		return -1;
	}
	*dst = ms;
	return 0;
}

/* ref_conf_bool - the yes|no setting named key, or NULL. */
static bool *
ref_conf_bool(struct ref_conf *c, const char *key)
{
	const struct {
		const char	*key;
		bool		*b;
	} bools[] = {
		{ "pipelining", &c->pipelining },
		{ "size", &c->size },
		{ "8bitmime", &c->eightbitmime },
		{ "smtputf8", &c->smtputf8 },
		{ "chunking", &c->chunking },
		{ "dsn", &c->dsn },
		{ "auth_clear", &c->auth_clear },
		{ "implicit_tls", &c->implicit_tls },
	};
	size_t i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (strcmp(bools[i].key, key) == 0)
			return bools[i].b;
	return NULL;
}

/*
 * ref_conf_set - one setting by its config key. file/line name the source
 * for errors (a flag passes its own name and line 0).
 */
static int
ref_conf_set(struct ref_conf *c, const char *key, const char *v,
    const char *file, int line, struct sc_err *err)
{
	int f;

	if (strcmp(key, "listen") == 0)
		ref_conf_set_str(&c->listen, v);
	else if (strcmp(key, "maildir") == 0)
		ref_conf_set_str(&c->maildir, v);
	else if (strcmp(key, "cert") == 0)
		ref_conf_set_str(&c->cert, v);
	else if (strcmp(key, "key") == 0)
		ref_conf_set_str(&c->key, v);
	else if (strcmp(key, "port_file") == 0)
		ref_conf_set_str(&c->port_file, v);
	else if (strcmp(key, "auth_users") == 0)
		ref_conf_set_str(&c->auth_users, v);
	else if (strcmp(key, "sink") == 0) {
		if (strcmp(v, "yes") != 0) {
			sc_err_set(err, file, line, 0,
			    "sink: expected \"yes\" (a maildir turns it off)");
			return -1;
		}
		free(c->maildir);
		c->maildir = NULL;
	} else if (strcmp(key, "hostname") == 0 || strcmp(key, "domain") == 0) {
		if (smtp_addr_parse_domain(v, strlen(v), 0, NULL) !=
		    SMTP_ADDR_OK || v[0] == '[') {
			sc_err_set(err, file, line, 0,
			    "%s: \"%s\" is not a domain name", key, v);
			return -1;
		}
		if (key[0] == 'h')
			ref_conf_set_str(&c->hostname, v);
		else if (ref_conf_push(&c->domains, &c->ndomains,
		    ref_conf_lower(v)) == -1) {
			sc_err_set(err, file, line, 0, "too many domains");
			return -1;
		}
	} else if (strcmp(key, "user") == 0)
		return ref_conf_add_user(c, v, file, line, err);
	else if (strcmp(key, "max_message_size") == 0)
		return ref_conf_set_long(&c->max_message_size, key, v,
		    REF_MESSAGE_SIZE_MIN, LONG_MAX / 4, file, line, err);
	else if (strcmp(key, "max_recipients") == 0)
		return ref_conf_set_long(&c->max_recipients, key, v,
		    SMTP_RCPT_MIN, 1000000, file, line, err);
	else if (strcmp(key, "max_sessions") == 0)
		return ref_conf_set_long(&c->max_sessions, key, v, 1, 1000000,
		    file, line, err);
	else if (strcmp(key, "max_errors") == 0)
		return ref_conf_set_long(&c->max_errors, key, v, 1, 1000000,
		    file, line, err);
	else if (strcmp(key, "timeout_command") == 0)
		return ref_conf_set_ms(&c->timeout_command_ms, key, v, file,
		    line, err);
	else if (strcmp(key, "timeout_data") == 0)
		return ref_conf_set_ms(&c->timeout_data_ms, key, v, file, line,
		    err);
	else if (strcmp(key, "verbose") == 0) {
		long n;

		if (ref_conf_set_long(&n, key, v, 0, 9, file, line, err) == -1)
			return -1;
		c->verbose = (int)n;
	} else if (ref_conf_bool(c, key) != NULL) {
		bool *b = ref_conf_bool(c, key);

		if (strcmp(v, "yes") == 0)
			*b = true;
		else if (strcmp(v, "no") == 0)
			*b = false;
		else {
			sc_err_set(err, file, line, 0,
			    "%s: expected yes or no, got \"%s\"", key, v);
			return -1;
		}
	} else if (strcmp(key, "fault") == 0) {
		f = ref_fault_lookup(v);
		if (f < 0) {
			sc_err_set(err, file, line, 0,
			    "unknown fault \"%s\" (see --help)", v);
			return -1;
		}
		c->faults[f] = true;
	} else {
		sc_err_set(err, file, line, 0, "unknown key \"%s\"", key);
		return -1;
	}
	return 0;
}

/* ref_conf_trim - strip SP/HT at both ends, in place. */
static char *
ref_conf_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* ref_conf_load - `key = value` lines, '#' comments. */
int
ref_conf_load(struct ref_conf *c, const char *path, struct sc_err *err)
{
	char *text, *line, *next, *eq, *key, *val;
	size_t len;
	int lineno = 0, rc = 0;

	text = sc_read_file(path, REF_CONF_FILE_MAX, &len, err);
	if (text == NULL)
		return -1;
	if (memchr(text, '\0', len) != NULL) {
		sc_err_set(err, path, 1, 0, "NUL byte in config file");
		free(text);
		return -1;
	}
	for (line = text; line != NULL && rc == 0; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '#')) != NULL)
			*eq = '\0';
		key = ref_conf_trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			sc_err_set(err, path, lineno, 0,
			    "expected \"key = value\"");
			rc = -1;
			break;
		}
		*eq = '\0';
		key = ref_conf_trim(key);
		val = ref_conf_trim(eq + 1);
		if (*val == '\0') {
			sc_err_set(err, path, lineno, 0, "%s: empty value",
			    key);
			rc = -1;
			break;
		}
		rc = ref_conf_set(c, key, val, path, lineno, err);
	}
	free(text);
	return rc;
}

/* ref_conf_flag_key - "--max-message-size" to "max_message_size". */
static int
ref_conf_flag_key(const char *flag, size_t n, char *key, size_t size)
{
	size_t i;

	if (n < 3 || n - 2 >= size)
		return -1;
	for (i = 2; i < n; i++)
		key[i - 2] = flag[i] == '-' ? '_' : flag[i];
	key[n - 2] = '\0';
	return 0;
}

/* ref_conf_is_flag - a config key that is also a --flag with a value. */
static bool
ref_conf_is_flag(const char *key)
{
	static const char *const keys[] = {
		"listen", "maildir", "port_file", "hostname", "domain", "user",
		"max_message_size", "max_recipients", "max_sessions",
		"max_errors", "timeout_command", "timeout_data", "fault",
		"config", "pipelining", "size", "cert", "key", "auth_users",
		"auth_clear", "8bitmime", "smtputf8", "chunking", "dsn",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

/* ref_conf_parse_serve - flags. */
int
ref_conf_parse_serve(struct ref_conf *c, int argc, char **argv, bool *help,
    struct sc_err *err)
{
	char key[REF_CONF_KEY_MAX], flag[REF_CONF_KEY_MAX + 2];
	const char *a, *eq, *val;
	size_t n;
	int i;

	*help = false;
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
			return 0;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			c->verbose++;
			continue;
		}
		if (strcmp(a, "--implicit-tls") == 0) {
			c->implicit_tls = true;
			continue;
		}
		if (strcmp(a, "--sink") == 0) {
			free(c->maildir);
			c->maildir = NULL;
			continue;
		}
		eq = strchr(a, '=');
		n = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if (strncmp(a, "--", 2) != 0 ||
		    ref_conf_flag_key(a, n, key, sizeof(key)) == -1 ||
		    !ref_conf_is_flag(key)) {
			sc_err_set(err, a, 0, 0, "unknown option (see --help)");
			return -1;
		}
		snprintf(flag, sizeof(flag), "%.*s", (int)n, a);
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			sc_err_set(err, a, 0, 0, "needs a value");
			return -1;
		}
		if (strcmp(key, "fault") == 0 && strcmp(val, "list") == 0) {
			ref_conf_usage_faults = true;
			*help = true;
			return 0;
		}
		if (strcmp(key, "config") == 0) {
			if (ref_conf_load(c, val, err) == -1)
				return -1;
			continue;
		}
		if (ref_conf_set(c, key, val, flag, 0, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * ref_conf_cred_line - one "user:password" line (without its LF) into the
 * account list. The password is everything after the first ':', spaces
 * included, so only a trailing CR is dropped.
 */
static int
ref_conf_cred_line(struct ref_conf *c, char *line, const char *path,
    int lineno, struct sc_err *err)
{
	struct ref_conf_cred *cr;
	char *colon, *p;
	size_t i, len;

	len = strlen(line);
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0' || *p == '#')
		return 0;
	colon = strchr(line, ':');
	if (colon == NULL || colon == line || colon[1] == '\0') {
		sc_err_set(err, path, lineno, 0,
		    "expected \"user:password\" (both non-empty)");
		return -1;
	}
	*colon = '\0';
	for (i = 0; i < c->ncreds; i++)
		if (strcmp(c->creds[i].user, line) == 0) {
			sc_err_set(err, path, lineno, 0,
			    "user \"%s\" listed twice", line);
			return -1;
		}
	if (c->ncreds >= REF_AUTH_USERS_MAX) {
		sc_err_set(err, path, lineno, 0, "too many users (max %d)",
		    REF_AUTH_USERS_MAX);
		return -1;
	}
	c->creds = xreallocarray(c->creds, c->ncreds + 1, sizeof(*c->creds));
	cr = &c->creds[c->ncreds++];
	cr->user = xstrdup(line);
	cr->password = xstrdup(colon + 1);
	return 0;
}

/* ref_conf_load_creds - the --auth-users file. */
static int
ref_conf_load_creds(struct ref_conf *c, const char *path, struct sc_err *err)
{
	char *text, *line, *next;
	size_t len;
	int lineno = 0, rc = 0;

	text = sc_read_file(path, REF_AUTH_FILE_MAX, &len, err);
	if (text == NULL)
		return -1;
	if (memchr(text, '\0', len) != NULL) {
		sc_err_set(err, path, 1, 0, "NUL byte in users file");
		rc = -1;
	}
	for (line = text; rc == 0 && line != NULL; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		rc = ref_conf_cred_line(c, line, path, lineno, err);
	}
	if (rc == 0 && c->ncreds == 0) {
		sc_err_set(err, path, lineno, 0, "no \"user:password\" line");
		rc = -1;
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* ref_conf_finish - defaults and checks. */
int
ref_conf_finish(struct ref_conf *c, struct sc_err *err)
{
	size_t i, j;
	const char *at;
	bool found;

	if (c->listen == NULL) {
		sc_err_set(err, "--listen", 0, 0,
		    "required (HOST:PORT, port 0 picks one)");
		return -1;
	}
	if ((c->cert == NULL) != (c->key == NULL)) {
		sc_err_set(err, c->cert == NULL ? "--key" : "--cert", 0, 0,
		    "needs %s as well (STARTTLS takes both)",
		    c->cert == NULL ? "--cert" : "--key");
		return -1;
	}
	if (c->auth_users != NULL &&
	    ref_conf_load_creds(c, c->auth_users, err) == -1)
		return -1;
	if (c->hostname == NULL)
		c->hostname = xstrdup(REF_CONF_DEFAULT_HOST);
	if (c->ndomains == 0) {
		/* The users' domains, or the default one. */
		for (i = 0; i < c->nusers; i++) {
			at = strrchr(c->users[i], '@') + 1;
			found = false;
			for (j = 0; j < c->ndomains; j++)
				if (strcmp(c->domains[j], at) == 0)
					found = true;
			if (!found)
				ref_conf_push(&c->domains, &c->ndomains,
				    xstrdup(at));
		}
		if (c->ndomains == 0)
			ref_conf_push(&c->domains, &c->ndomains,
			    xstrdup(REF_CONF_DEFAULT_DOMAIN));
	}
	/* No --user: the default mailboxes in every served domain. */
	if (c->nusers == 0)
		for (i = 0; i < c->ndomains; i++)
			for (j = 0; j < sizeof(ref_conf_default_users) /
			    sizeof(ref_conf_default_users[0]); j++)
				ref_conf_push(&c->users, &c->nusers,
				    xasprintf("%s@%s",
				    ref_conf_default_users[j], c->domains[i]));
	for (i = 0; i < c->nusers; i++) {
		at = strrchr(c->users[i], '@') + 1;
		if (!ref_conf_serves(c, at, strlen(at))) {
			sc_err_set(err, "--user", 0, 0,
			    "%s: domain is not served (add --domain %s)",
			    c->users[i], at);
			return -1;
		}
	}
	return 0;
}

/* ref_conf_fault_list - "name<TAB>description[<TAB>needs]" lines. */
void
ref_conf_fault_list(FILE *fp)
{
	static const char *const needs[] = { "", "tls", "auth", "tls,auth" };
	unsigned fl;
	int i;

	for (i = 0; i < REF_FAULT_COUNT; i++) {
		fl = ref_fault_flags((enum ref_fault)i) &
		    (REF_FAULT_F_TLS | REF_FAULT_F_AUTH);
		fprintf(fp, "%s\t%s%s%s\n", ref_fault_str((enum ref_fault)i),
		    ref_fault_desc((enum ref_fault)i), fl != 0 ? "\t" : "",
		    needs[fl]);
	}
}

/* ref_conf_usage_faults_with - the faults whose needs are exactly fl. */
static void
ref_conf_usage_faults_with(FILE *fp, unsigned fl)
{
	int i;

	for (i = 0; i < REF_FAULT_COUNT; i++)
		if ((ref_fault_flags((enum ref_fault)i) &
		    (REF_FAULT_F_TLS | REF_FAULT_F_AUTH)) == fl)
			fprintf(fp, "  %-29s  %s\n",
			    ref_fault_str((enum ref_fault)i),
			    ref_fault_desc((enum ref_fault)i));
}

/* ref_conf_usage - --help, or the fault list after `--fault list`. */
void
ref_conf_usage(FILE *fp)
{
	if (ref_conf_usage_faults) {
		ref_conf_fault_list(fp);
		return;
	}
	fprintf(fp,
	    "usage: smtpref serve --listen HOST:PORT [options]\n"
	    "\n"
	    "The reference SMTP server (RFC 5321, PIPELINING, SIZE, 8BITMIME,\n"
	    "SMTPUTF8, CHUNKING, BINARYMIME, DSN, ENHANCEDSTATUSCODES;\n"
	    "STARTTLS with --cert, AUTH with --auth-users). Options (config\n"
	    "keys use '_' for '-'):\n"
	    "  --listen HOST:PORT        address to listen on ([::1]:0 for\n"
	    "                            IPv6; port 0 picks a free port)\n"
	    "  --port-file FILE          write the bound port to FILE\n"
	    "  --maildir DIR             deliver into DIR/{tmp,new} (fsynced)\n"
	    "  --sink                    discard messages (the default)\n"
	    "  --config FILE             `key = value` lines, '#' comments\n"
	    "  --hostname NAME           greeting name (default smtpref.test)\n"
	    "  --domain D                served domain, repeatable (default:\n"
	    "                            the users' domains, or smtpref.test)\n"
	    "  --user LOCAL@DOMAIN       a mailbox, repeatable, UTF-8 allowed\n"
	    "                            (default: alice, bob and the UTF-8\n"
	    "                            j\\xc3\\xb6s\\xc3\\xa9 in every served\n"
	    "                            domain; compared as bytes)\n"
	    "  --max-message-size N      SIZE limit, octets (default %ld)\n"
	    "  --max-recipients N        per message (default %ld)\n"
	    "  --max-sessions N          concurrent sessions (default %ld)\n"
	    "  --max-errors N            errors before 421 (default %ld)\n"
	    "  --timeout-command DUR     a whole command line must arrive\n"
	    "                            within DUR of the previous one, so a\n"
	    "                            drip of octets gets 421 4.4.2 too\n"
	    "                            (default %lds, RFC 5321 4.5.3.2.7)\n"
	    "  --timeout-data DUR        DATA or BDAT content must keep\n"
	    "                            coming: each read restarts it\n"
	    "                            (default %lds, 4.5.3.2.5)\n"
	    "  --pipelining yes|no       advertise PIPELINING (default yes)\n"
	    "  --size yes|no             advertise SIZE (default yes)\n"
	    "  --8bitmime yes|no         advertise 8BITMIME (default yes); with\n"
	    "                            no (and no CHUNKING) BODY= is 555;\n"
	    "                            8-bit content is accepted either way\n"
	    "                            (RFC 6152 leaves it to the server)\n"
	    "  --smtputf8 yes|no         advertise SMTPUTF8 (default yes; only\n"
	    "                            with 8BITMIME, RFC 6531 3.1): UTF-8\n"
	    "                            addresses need MAIL's SMTPUTF8\n"
	    "  --chunking yes|no         advertise CHUNKING and BINARYMIME,\n"
	    "                            BDAT (RFC 3030; default yes)\n"
	    "  --dsn yes|no              advertise DSN (RFC 3461; default yes):\n"
	    "                            RET, ENVID, NOTIFY and ORCPT are\n"
	    "                            checked, but no DSN is ever sent\n"
	    "  --cert FILE               PEM certificate chain: offer STARTTLS\n"
	    "  --key FILE                its PEM private key (with --cert)\n"
	    "  --implicit-tls            TLS handshake first, then the 220\n"
	    "                            (RFC 8314 port 465 style; needs\n"
	    "                            --cert); STARTTLS is not offered\n"
	    "  --auth-users FILE         offer AUTH PLAIN LOGIN (RFC 4954)\n"
	    "                            after TLS; FILE has user:password\n"
	    "                            lines, '#' comments\n"
	    "  --auth-clear yes|no       offer AUTH before TLS too (default\n"
	    "                            no: AUTH in clear gets 538)\n"
	    "  --fault NAME              break one rule on purpose (repeat;\n"
	    "                            `--fault list`: name TAB\n"
	    "                            description, and TAB tls|auth|\n"
	    "                            tls,auth when it needs --cert/--key\n"
	    "                            or --auth-users)\n"
	    "  -v, --verbose             log session events to stderr\n"
	    "  -h, --help                this text\n"
	    "\n"
	    "Faults:\n",
	    (long)REF_MESSAGE_SIZE_DEFAULT, REF_RCPTS_DEFAULT,
	    REF_SESSIONS_DEFAULT, REF_ERRORS_DEFAULT,
	    REF_TIMEOUT_CMD_MS / 1000, REF_TIMEOUT_DATA_MS / 1000);
	ref_conf_usage_faults_with(fp, 0);
	fprintf(fp, "\nTLS faults (need --cert/--key):\n");
	ref_conf_usage_faults_with(fp, REF_FAULT_F_TLS);
	fprintf(fp, "(The tls-cert-* faults mint their own certificate, signed "
	    "by ca.pem and\nca.key when --cert's folder holds them, else "
	    "self-signed.)\n");
	fprintf(fp, "\nAUTH faults (need --auth-users):\n");
	ref_conf_usage_faults_with(fp, REF_FAULT_F_AUTH);
	fprintf(fp, "\nAUTH faults (need --auth-users and --cert/--key):\n");
	ref_conf_usage_faults_with(fp, REF_FAULT_F_TLS | REF_FAULT_F_AUTH);
}

/* ref_conf_serves - served domain, any case. */
bool
ref_conf_serves(const struct ref_conf *c, const char *d, size_t len)
{
	size_t i;

	for (i = 0; i < c->ndomains; i++)
		if (strlen(c->domains[i]) == len &&
		    strncasecmp(c->domains[i], d, len) == 0)
			return true;
	return false;
}

/* ref_conf_has_user - local@domain, any case. */
bool
ref_conf_has_user(const struct ref_conf *c, const char *local, size_t llen,
    const char *domain, size_t dlen)
{
	const char *u;
	size_t i;

	for (i = 0; i < c->nusers; i++) {
		u = c->users[i];
		if (strlen(u) == llen + 1 + dlen &&
		    strncasecmp(u, local, llen) == 0 && u[llen] == '@' &&
		    strncasecmp(u + llen + 1, domain, dlen) == 0)
			return true;
	}
	return false;
}
