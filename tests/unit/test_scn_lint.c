/* SPDX-License-Identifier: ISC */
/*
 * test_scn_lint.c - the checks beyond the grammar: variables against
 * built-ins, `requires var` and earlier captures; connect before talking,
 * and again after close; duplicate ids across files.
 */
#include "cu_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_util.h"
#include "scn.h"
#include "scn_lint.h"

#define HDR	"id x\ntitle t\nrfc 5321 3.1\nlevel MUST\n"

/* Each case: the input (path "x.scn") and the message, "" when clean. */
static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} lint_cases[] = {
	{ "clean", HDR "connect\nexpect 220\nsend EHLO ${helo}\n", "" },
	{ "pause before connect", HDR "pause 1s\nconnect\n", "" },
	{ "captured var",
	  HDR "connect\nexpect 220\ncapture size from keyword SIZE\n"
	  "send MAIL FROM:<> SIZE=${size+1}\n", "" },
	{ "captured var in repeat count",
	  HDR "connect\ncapture n from reply /n=([0-9]+)/\n"
	  "send-raw \"${repeat:n-1:A}\\r\\n\"\n", "" },
	{ "required var",
	  HDR "requires var smtp_token\nconnect\nsend AUTH ${smtp_token}\n",
	  "" },
	{ "unknown var",
	  HDR "connect\nsend EHLO ${myhost}\n",
	  "x.scn:6:11: unknown variable \"myhost\": not built in, not set "
	  "by an earlier capture, not named by \"requires var\"" },
	{ "near builtin",
	  HDR "connect\nsend RCPT TO:<${rcpt3}>\n",
	  "x.scn:6:15: unknown variable \"rcpt3\" (did you mean \"rcpt\"?)" },
	{ "capture comes later",
	  HDR "connect\nsend X ${v}\ncapture v from reply /(.)/\n",
	  "x.scn:6:8: unknown variable \"v\": not built in, not set by an "
	  "earlier capture, not named by \"requires var\"" },
	{ "unknown var in pipeline",
	  HDR "connect\npipeline\n  MAIL FROM:<${sender}>\n"
	  "  RCPT TO:<${nobody}>\nend\n",
	  "x.scn:8:12: unknown variable \"nobody\": not built in, not set by "
	  "an earlier capture, not named by \"requires var\"" },
	{ "unknown var in send-raw",
	  HDR "connect\nsend-raw \"A\\r\\n${zz}\"\n",
	  "x.scn:6:16: unknown variable \"zz\": not built in, not set by an "
	  "earlier capture, not named by \"requires var\"" },
	{ "unknown repeat count",
	  HDR "connect\nsend ${repeat:count:A}\n",
	  "x.scn:6:6: unknown variable \"count\": not built in, not set by "
	  "an earlier capture, not named by \"requires var\"" },
	{ "send first", HDR "send QUIT\n",
	  "x.scn:5:1: \"send\" before \"connect\": a client scenario connects "
	  "first" },
	{ "pipeline first", HDR "pipeline\nNOOP\nend\nconnect\n",
	  "x.scn:5:1: \"pipeline\" before \"connect\": a client scenario "
	  "connects first" },
	{ "expect keyword first", HDR "expect keyword SIZE\n",
	  "x.scn:5:1: \"expect\" before \"connect\": a client scenario "
	  "connects first" },
	{ "close first", HDR "close\n",
	  "x.scn:5:1: \"close\" before \"connect\": a client scenario "
	  "connects first" },
	{ "expect after close",
	  HDR "connect\nclose\nexpect 220\n",
	  "x.scn:7:1: \"expect\" after \"close\" on line 6: \"connect\" again "
	  "first" },
	{ "reconnect after close",
	  HDR "connect\nclose\nexpect keyword SIZE\nconnect\nexpect 220\n",
	  "" },
	{ "send after expect close",
	  HDR "connect\nexpect close\nsend QUIT\n", "" },
	{ "server: accept first", HDR "role server\naccept\nsend 220 hi\n",
	  "" },
	{ "server: send first", HDR "role server\nsend 220 hi\n",
	  "x.scn:6:1: \"send\" before \"accept\": a server scenario waits "
	  "for the client first" },
	{ "server: a reply expectation", HDR "role server\n\nexpect 250\n",
	  "x.scn:7:1: \"expect\" is a client-role step; this scenario is role "
	  "server" },
	{ "parse error first", HDR "connect\nsend ${x\n",
	  "x.scn:6:6: unterminated \"${\": expected \"}\"" },
};

/* test_scn_lint_cases - each case, its exact message. */
static void
test_scn_lint_cases(void)
{
	char got[1024];
	struct sc_err err;
	struct scn *s;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(lint_cases) / sizeof(lint_cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		rc = scn_lint_buf("x.scn", lint_cases[i].in,
		    strlen(lint_cases[i].in), &s, &err);
		got[0] = '\0';
		if (rc == -1)
			sc_err_format(&err, got, sizeof(got));
		if (strcmp(got, lint_cases[i].want) != 0)
			fprintf(stderr, "\n  case \"%s\"\n    got:  %s\n"
			    "    want: %s\n", lint_cases[i].name, got,
			    lint_cases[i].want);
		CU_ASSERT_STRING_EQUAL(got, lint_cases[i].want);
		CU_ASSERT_EQUAL(rc == 0, s != NULL);
		CU_ASSERT_EQUAL(rc == 0, lint_cases[i].want[0] == '\0');
		scn_free(s);
	}
	/* out may be NULL: check only */
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_lint_buf("x.scn", HDR "connect\n",
	    strlen(HDR "connect\n"), NULL, &err), 0);
}

/* parse_as - a minimal scenario with the given id and path. */
static struct scn *
parse_as(const char *path, const char *id)
{
	struct sc_err err;
	struct scn *s;
	char *buf;

	buf = xasprintf("id %s\ntitle t\nrfc 5321 3.1\nlevel MAY\nconnect\n",
	    id);
	memset(&err, 0, sizeof(err));
	s = scn_parse_buf(path, buf, strlen(buf), &err);
	free(buf);
	return s;
}

/* test_scn_lint_ids - a duplicate id names both files. */
static void
test_scn_lint_ids(void)
{
	struct scn *v[4];
	struct sc_err err;
	char got[1024];
	size_t i;

	v[0] = parse_as("a/core.one.scn", "core.one");
	v[1] = parse_as("a/core.two.scn", "core.two");
	v[2] = NULL;
	v[3] = parse_as("b/core.one.scn", "core.one");
	for (i = 0; i < 4; i++)
		CU_ASSERT(i == 2 || v[i] != NULL);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_lint_ids(v, 3, &err), 0);
	CU_ASSERT(!err.set);
	CU_ASSERT_EQUAL(scn_lint_ids(v, 4, &err), -1);
	sc_err_format(&err, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "b/core.one.scn: duplicate id "
	    "\"core.one\": a/core.one.scn has it too");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_lint_ids(v, 0, &err), 0);
	for (i = 0; i < 4; i++)
		scn_free(v[i]);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_scn_lint_cases),
	CU_T(test_scn_lint_ids),
	{ NULL, NULL }
};

#define CU_SUITE_NAME	"scn_lint"
#include "cu_main.h"
