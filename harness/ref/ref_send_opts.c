/* SPDX-License-Identifier: ISC */
/*
 * ref_send_opts.c - "smtpref send" flags and the message to send.
 *
 * Every flag is checked before anything is sent: addresses are parsed as
 * RFC 5321 Paths within the 4.5.3.1 limits, the EHLO name as a Domain or
 * address literal (4.1.1.1). The message becomes CRLF text: a LF without
 * CR before it gets one, a last line without a line end gets CRLF (5321
 * 2.3.8 allows no bare LF); bare CRs and NULs pass unchanged.
 */
#include "ref_send_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conn.h"
#include "sc_util.h"
#include "smtp_addr.h"

/* XXX belong in sc_limits.h (owned elsewhere). */
#define REF_SEND_INPUT_CHUNK	65536	/* first input buffer */
#define REF_SEND_FLAG_MAX	32	/* longest flag name */
#define REF_SEND_HELO_DEFAULT	"localhost"

_Static_assert(REF_SEND_FAULT_COUNT <= 32, "faults are bits of an unsigned");

/* ref_send_tls_str - enum name. */
const char *
ref_send_tls_str(enum ref_send_tls t)
{
	static char buf[32];

	switch (t) {
	case REF_SEND_TLS_OPPORTUNISTIC:
		return "opportunistic";
	case REF_SEND_TLS_NONE:
		return "none";
	case REF_SEND_TLS_REQUIRE:
		return "require";
	case REF_SEND_TLS_IMPLICIT:
		return "implicit";
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)t);
	return buf;
}

/* ref_send_opts_clear - free the members. */
void
ref_send_opts_clear(struct ref_send_opts *o)
{
	size_t i;

	free(o->auth_user);
	if (o->auth_password != NULL) {
		explicit_bzero(o->auth_password, strlen(o->auth_password));
		free(o->auth_password);
	}

	free(o->host);
	free(o->port);
	free(o->from);
	for (i = 0; i < o->nto; i++)
		free(o->to[i]);
	free(o->to);
	free(o->helo);
	memset(o, 0, sizeof(*o));
}

/*
 * ref_send_opts_crlf - the content as stored: LF without CR before it becomes
 * CRLF, and a non-empty message not ending in LF gets CRLF. Owned;
 * NULL when the result would be over max octets.
 */
static char *
ref_send_opts_crlf(const char *in, size_t len, size_t max, size_t *outlen,
    bool *eightbit)
{
	size_t i, o, extra = 0;
	bool add_end;
	char *out;

	*eightbit = false;
	for (i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			extra++;
		if ((unsigned char)in[i] >= 0x80)
			*eightbit = true;
	}
	add_end = len > 0 && in[len - 1] != '\n';
	if (len + extra + (add_end ? 2 : 0) > max)
		return NULL;
	out = xmalloc(len + extra + (add_end ? 2 : 0) + 1);
	for (i = 0, o = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = in[i];
	}
	if (add_end) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* ref_send_opts_message - the message, bounded, with CRLF line ends. */
int
ref_send_opts_message(const struct ref_send_opts *o, char **msg,
    size_t *msglen, bool *eightbit)
{
	const char *file = o->file;
	const char *name = file == NULL || strcmp(file, "-") == 0 ? NULL :
	    file;
	size_t len = 0, cap = REF_SEND_INPUT_CHUNK;
	char *buf;
	ssize_t n;
	int fd = 0;

	if (name != NULL &&
	    (fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "smtpref: send: %s: cannot open: %s\n", name,
		    strerror(errno));
		return EX_NOINPUT;
	}
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > REF_SEND_MESSAGE_MAX)
				break;		/* read one octet too many */
			cap = cap > REF_SEND_MESSAGE_MAX / 2 ?
			    (size_t)REF_SEND_MESSAGE_MAX + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "smtpref: send: %s: read error: %s\n",
			    name != NULL ? name : "stdin", strerror(errno));
			free(buf);
			if (name != NULL)
				close(fd);
			return EX_NOINPUT;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (name != NULL)
		close(fd);
	*msg = NULL;
	if (len <= REF_SEND_MESSAGE_MAX)
		*msg = ref_send_opts_crlf(buf, len, REF_SEND_MESSAGE_MAX,
		    msglen, eightbit);
	free(buf);
	if (*msg == NULL) {
		fprintf(stderr, "smtpref: send: %s: message over %d octets "
		    "(with CRLF line ends)\n", name != NULL ? name : "stdin",
		    REF_SEND_MESSAGE_MAX);
		return EX_DATAERR;
	}
	return EX_OK;
}

/*
 * ref_send_opts_addr - check a --from/--to address ("a@b" or "<a@b>") and
 * return it, owned, without brackets; NULL with err filled.
 */
static char *
ref_send_opts_addr(const char *flag, const char *v, bool sender,
    struct sc_err *err)
{
	struct smtp_path p;
	size_t len = strlen(v), used;
	char *br, *bare;
	enum smtp_addr_err e;

	if (len >= 2 && v[0] == '<' && v[len - 1] == '>')
		bare = xstrndup(v + 1, len - 2);
	else
		bare = xstrdup(v);
	br = xasprintf("<%s>", bare);
	e = smtp_addr_parse_path(br, strlen(br), sender ? SMTP_ADDR_F_NULL :
	    SMTP_ADDR_F_POSTMASTER, NULL, &p, &used);
	if (e != SMTP_ADDR_OK || used != strlen(br) || p.routed) {
		sc_err_set(err, flag, 0, 0, "\"%s\": not a %saddress (%s)", v,
		    sender ? "sender " : "", e != SMTP_ADDR_OK ?
		    smtp_addr_err_str(e) : "source route or junk");
		free(br);
		free(bare);
		return NULL;
	}
	free(br);
	return bare;
}

/* ref_send_opts_default_helo - this host's name if it is a domain. */
static char *
ref_send_opts_default_helo(void)
{
	char name[SMTP_DOMAIN_MAX + 1];

	if (gethostname(name, sizeof(name)) == 0 &&
	    memchr(name, '\0', sizeof(name)) != NULL &&
	    smtp_addr_parse_domain(name, strlen(name), 0, NULL) ==
	    SMTP_ADDR_OK && name[0] != '[')
		return xstrdup(name);
	return xstrdup(REF_SEND_HELO_DEFAULT);
}

/*
 * ref_send_opts_cred - check a --auth-user or password: 1 to
 * REF_SEND_AUTH_CRED_MAX octets (RFC 4616 2), no NUL, CR or LF. Returns an
 * owned copy, or NULL with err filled.
 */
static char *
ref_send_opts_cred(const char *flag, const char *v, size_t len,
    struct sc_err *err)
{
	if (len == 0 || len > REF_SEND_AUTH_CRED_MAX ||
	    memchr(v, '\0', len) != NULL || memchr(v, '\r', len) != NULL ||
	    memchr(v, '\n', len) != NULL) {
		sc_err_set(err, flag, 0, 0, "expected 1 to %d octets without "
		    "NUL, CR or LF (RFC 4616 2)", REF_SEND_AUTH_CRED_MAX);
		return NULL;
	}
	return xstrndup(v, len);
}

/* ref_send_opts_password_file - the first line of F, owned; NULL + err. */
static char *
ref_send_opts_password_file(const char *flag, const char *path,
    struct sc_err *err)
{
	struct sc_err terr = { 0 };
	size_t len, n;
	char *buf, *pw;

	buf = sc_read_file(path, REF_SEND_PASSWORD_FILE_MAX, &len, &terr);
	if (buf == NULL) {
		sc_err_set(err, flag, 0, 0, "%s: %s", path, terr.msg);
		return NULL;
	}
	for (n = 0; n < len && buf[n] != '\n'; n++)
		;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	pw = ref_send_opts_cred(flag, buf, n, err);
	explicit_bzero(buf, len);
	free(buf);
	return pw;
}

/* ref_send_opts_set - one option with its value. 0, or -1 with err filled. */
static int
ref_send_opts_set(struct ref_send_opts *o, const char *flag, char *v,
    struct sc_err *err)
{
	enum ref_send_fault f;
	struct sc_err terr;
	char *a;

	if (strcmp(flag, "--server") == 0) {
		free(o->host);
		free(o->port);
		o->host = o->port = NULL;
		o->server = v;
		memset(&terr, 0, sizeof(terr));
		if (conn_target_parse(v, &o->host, &o->port, &terr) == -1) {
			sc_err_set(err, flag, 0, 0, "%s", terr.msg);
			return -1;
		}
		return 0;
	}
	if (strcmp(flag, "--from") == 0) {
		if ((a = ref_send_opts_addr(flag, v, true, err)) == NULL)
			return -1;
		free(o->from);
		o->from = a;
		return 0;
	}
	if (strcmp(flag, "--to") == 0) {
		if (o->nto >= REF_SEND_RCPTS_MAX) {
			sc_err_set(err, flag, 0, 0, "more than %d recipients",
			    REF_SEND_RCPTS_MAX);
			return -1;
		}
		if ((a = ref_send_opts_addr(flag, v, false, err)) == NULL)
			return -1;
		o->to = xreallocarray(o->to, o->nto + 1, sizeof(*o->to));
		o->to[o->nto++] = a;
		return 0;
	}
	if (strcmp(flag, "--helo") == 0) {
		if (smtp_addr_parse_domain(v, strlen(v), 0, NULL) !=
		    SMTP_ADDR_OK) {
			sc_err_set(err, flag, 0, 0, "\"%s\" is not a domain or "
			    "address literal", v);
			return -1;
		}
		free(o->helo);
		o->helo = xstrdup(v);
		return 0;
	}
	if (strcmp(flag, "--pipelining") == 0) {
		if (strcmp(v, "auto") == 0)
			o->pipe = REF_SEND_PIPE_AUTO;
		else if (strcmp(v, "never") == 0)
			o->pipe = REF_SEND_PIPE_NEVER;
		else if (strcmp(v, "require") == 0)
			o->pipe = REF_SEND_PIPE_REQUIRE;
		else {
			sc_err_set(err, flag, 0, 0, "expected auto, never or "
			    "require, not \"%s\"", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(flag, "--timeout") == 0) {
		if (sc_parse_duration_ms(v, &o->timeout_ms) == -1 ||
		    o->timeout_ms < 1 ||
		    o->timeout_ms > REF_SEND_TIMEOUT_MAX_MS) {
			sc_err_set(err, flag, 0, 0, "expected a duration "
			    "(\"500ms\", \"10s\", \"2m\"), not \"%s\"", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(flag, "--tls") == 0) {
		if (strcmp(v, "none") == 0)
			o->tls = REF_SEND_TLS_NONE;
		else if (strcmp(v, "opportunistic") == 0)
			o->tls = REF_SEND_TLS_OPPORTUNISTIC;
		else if (strcmp(v, "require") == 0)
			o->tls = REF_SEND_TLS_REQUIRE;
		else if (strcmp(v, "implicit") == 0)
			o->tls = REF_SEND_TLS_IMPLICIT;
		else {
			sc_err_set(err, flag, 0, 0, "expected none, "
			    "opportunistic, require or implicit, not \"%s\"",
			    v);
			return -1;
		}
		return 0;
	}
	if (strcmp(flag, "--ca") == 0) {
		o->ca_file = v;
		return 0;
	}
	if (strcmp(flag, "--tls-name") == 0) {
		if (*v == '\0' || strlen(v) > SMTP_DOMAIN_MAX) {
			sc_err_set(err, flag, 0, 0, "expected a host name");
			return -1;
		}
		o->tls_name = v;
		return 0;
	}
	if ((strcmp(flag, "--auth-user") == 0 ||
	    strcmp(flag, "--auth-password") == 0) && *v == '\0') {
		/* empty: no AUTH, so that one command template (smtpcheck
		 * serve --client-cmd '... --auth-user {user} ...') fits both
		 * scenarios with and without credentials */
		return 0;
	}
	if (strcmp(flag, "--auth-user") == 0) {
		if ((a = ref_send_opts_cred(flag, v, strlen(v), err)) == NULL)
			return -1;
		free(o->auth_user);
		o->auth_user = a;
		return 0;
	}
	if (strcmp(flag, "--auth-password") == 0 ||
	    strcmp(flag, "--auth-password-file") == 0) {
		if (o->auth_password != NULL) {
			sc_err_set(err, flag, 0, 0, "one password only "
			    "(--auth-password or --auth-password-file)");
			return -1;
		}
		a = strcmp(flag, "--auth-password") == 0 ?
		    ref_send_opts_cred(flag, v, strlen(v), err) :
		    ref_send_opts_password_file(flag, v, err);
		if (a == NULL)
			return -1;
		o->auth_password = a;
		return 0;
	}
	if (strcmp(flag, "--fault") == 0) {
		if (strcmp(v, "list") == 0) {
			o->list_faults = true;
			return 0;
		}
		if (ref_send_fault_parse(v, &f) == -1) {
			sc_err_set(err, flag, 0, 0, "no fault \"%s\" (see "
			    "smtpref send --fault list)", v);
			return -1;
		}
		o->faults |= 1u << f;
		return 0;
	}
	sc_err_set(err, flag, 0, 0, "unknown option (see smtpref send "
	    "--help)");
	return -1;
}

/*
 * ref_send_opts_parse - flags and the optional FILE. *help set for --help.
 * Returns 0, or -1 with err filled.
 */
int
ref_send_opts_parse(struct ref_send_opts *o, int argc, char **argv, bool *help,
    struct sc_err *err)
{
	char flag[REF_SEND_FLAG_MAX], *a, *eq, *v;
	bool opts = true;
	int i;

	*help = false;
	o->timeout_ms = 0;	/* the RFC 5321 4.5.3.2 minimum per state */
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (!opts || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->file != NULL) {
				sc_err_set(err, a, 0, 0, "one message FILE "
				    "only (already have %s)", o->file);
				return -1;
			}
			o->file = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts = false;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
			return 0;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose++;
			continue;
		}
		if (strcmp(a, "--insecure") == 0) {
			o->insecure = true;
			continue;
		}
		if (strcmp(a, "--auth-clear") == 0) {
			o->auth_clear = true;
			continue;
		}
		eq = strchr(a, '=');
		if (eq != NULL) {
			if ((size_t)(eq - a) >= sizeof(flag)) {
				sc_err_set(err, a, 0, 0, "unknown option");
				return -1;
			}
			snprintf(flag, sizeof(flag), "%.*s", (int)(eq - a), a);
			v = eq + 1;
		} else {
			if (strlen(a) >= sizeof(flag)) {
				sc_err_set(err, a, 0, 0, "unknown option");
				return -1;
			}
			snprintf(flag, sizeof(flag), "%s", a);
			if (i + 1 >= argc) {
				sc_err_set(err, a, 0, 0, "needs a value");
				return -1;
			}
			v = argv[++i];
		}
		if (ref_send_opts_set(o, flag, v, err) == -1)
			return -1;
		if (o->list_faults)
			return 0;
	}
	if (o->host == NULL)
		sc_err_set(err, "--server", 0, 0, "required (HOST:PORT)");
	else if (o->from == NULL)
		sc_err_set(err, "--from", 0, 0, "required (\"\" for <>)");
	else if (o->nto == 0)
		sc_err_set(err, "--to", 0, 0, "at least one recipient");
	else if ((o->auth_user == NULL) != (o->auth_password == NULL))
		sc_err_set(err, o->auth_user == NULL ? "--auth-password" :
		    "--auth-user", 0, 0, "needs %s too", o->auth_user == NULL ?
		    "--auth-user" : "--auth-password or --auth-password-file");
	if (err->set)
		return -1;
	if (o->helo == NULL)
		o->helo = ref_send_opts_default_helo();
	return 0;
}

/* ref_send_opts_usage - --help. */
void
ref_send_opts_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: smtpref send --server HOST:PORT --from ADDR --to ADDR "
	    "[options] [FILE]\n"
	    "       smtpref send --fault list\n"
	    "\n"
	    "The reference SMTP client: sends one message from FILE (stdin "
	    "when absent\nor \"-\") to one server, once (RFC 5321, PIPELINING "
	    "2920, SIZE 1870,\n8BITMIME 6152, STARTTLS 3207, implicit TLS "
	    "8314, AUTH 4954 PLAIN 4616\nand LOGIN). No retries, no queue.\n"
	    "\n"
	    "  --server HOST:PORT   the server ([IPv6]:PORT for IPv6)\n"
	    "  --from ADDR          the sender; \"\" sends the null path <>\n"
	    "  --to ADDR            a recipient; repeat for more (max %d)\n"
	    "  --helo NAME          EHLO/HELO name (default: this host's "
	    "name, or %s)\n"
	    "  --pipelining MODE    auto (use it when offered, default), "
	    "never, or\n"
	    "                       require (exit 69 when not offered)\n"
	    "  --timeout DUR        one deadline for the connect, the TLS "
	    "handshake and each\n"
	    "                       read and write (\"500ms\", \"10s\", "
	    "\"2m\"); by default\n"
	    "                       RFC 5321 4.5.3.2: 5 min for each reply, "
	    "2 min for the\n"
	    "                       354, 3 min for each write, 10 min after "
	    "the final dot\n"
	    "  --tls MODE           opportunistic (default): STARTTLS when "
	    "offered, the\n"
	    "                         certificate is not checked, clear text "
	    "when not\n"
	    "                         offered or refused (4xx/5xx);\n"
	    "                       require: STARTTLS must be offered and "
	    "succeed with a\n"
	    "                         verified certificate, else QUIT: never "
	    "in clear;\n"
	    "                       implicit: TLS at connect (port 465, RFC "
	    "8314),\n"
	    "                         verified;\n"
	    "                       none: never TLS\n"
	    "  --ca FILE            PEM trust anchors (default: the system "
	    "store)\n"
	    "  --insecure           require/implicit: go on when the "
	    "certificate does not\n"
	    "                       verify\n"
	    "  --tls-name NAME      name to send as SNI and to check the "
	    "certificate\n"
	    "                       against (default: HOST of --server)\n"
	    "  --auth-user USER     authenticate (AUTH PLAIN with an initial "
	    "response, or\n"
	    "                       LOGIN when PLAIN is not offered), only "
	    "inside TLS;\n"
	    "                       an empty USER (or PW) means no AUTH\n"
	    "  --auth-password PW   its password (visible to ps(1); prefer "
	    "the file)\n"
	    "  --auth-password-file F  the password is the first line of F\n"
	    "  --auth-clear         allow AUTH without TLS\n"
	    "  --fault NAME         misbehave on purpose, as the named client "
	    "fault;\n"
	    "                       repeat for more; \"--fault list\" lists "
	    "them\n"
	    "  -v, --verbose        trace states and the dialogue on stderr "
	    "(AUTH\n"
	    "                       credentials are masked)\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "The message is read as bytes, at most %d octets. A LF not "
	    "preceded by CR\nbecomes CRLF and a last line without a line end "
	    "gets CRLF; nothing else\nchanges (no header is added). The "
	    "content is dot-stuffed (RFC 5321 4.5.2).\nEHLO refused with "
	    "500/502 falls back to HELO. A refused recipient is\nreported "
	    "and the message goes to the others; with none accepted it is "
	    "not\nsent. STARTTLS is sent alone; bytes the server sends after "
	    "its 220 and\nbefore the handshake are discarded (logged with -v), "
	    "and EHLO is sent\nagain inside TLS, whose keywords replace the "
	    "first ones (RFC 3207 4.2).\n"
	    "\n"
	    "Exit status (sysexits): 0 accepted at end of data, 64 usage "
	    "(also an\nunreadable --auth-password-file), 65 message too large, "
	    "66 cannot read\nFILE or --ca, 69 refused: 5xx, over the server's "
	    "SIZE, 8-bit content\nwithout 8BITMIME, no PIPELINING with "
	    "require, STARTTLS not offered with\n--tls require, credentials "
	    "without TLS, AUTH not offered, AUTH failed\n(535); 75 temporary: "
	    "4xx (also 454 to STARTTLS with --tls require),\ncannot connect, "
	    "timeout, connection lost, TLS handshake failed or\ncertificate "
	    "not verified (require, implicit); 76 a malformed or\nunexpected "
	    "reply. On failure one line on stderr quotes the server's\nreply, "
	    "escaped.\n",
	    REF_SEND_RCPTS_MAX, REF_SEND_HELO_DEFAULT,
	    REF_SEND_MESSAGE_MAX);
}
