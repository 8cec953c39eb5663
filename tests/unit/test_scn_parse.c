/* SPDX-License-Identifier: ISC */
/*
 * test_scn_parse.c - the scenario parser: a good file becomes the expected
 * tree; each bad input gives its exact file:line:col: message; limits are
 * errors; garbage, prefixes and mutations of a good file never crash.
 */
#include "cu_main.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_lint.h"

#define GOOD_DIR	SC_SOURCE_DIR "/tests/scn/good"
#define EVERY_STEP	GOOD_DIR "/core.every-step.scn"
#define BODY_SUFFIX	"/tests/scn/fixtures/scn-body.eml"

/* The header every buffer case starts with (path "x.scn", id x). */
#define HDR	"id x\ntitle t\nrfc 5321 3.1\nlevel MUST\n"

/* parse_str - parse a NUL-terminated buffer as path; *msg gets the
 * formatted error ("" on success). */
static struct scn *
parse_str(const char *path, const char *buf, char *msg, size_t size)
{
	struct sc_err err;
	struct scn *s;

	memset(&err, 0, sizeof(err));
	s = scn_parse_buf(path, buf, strlen(buf), &err);
	msg[0] = '\0';
	if (s == NULL)
		sc_err_format(&err, msg, size);
	return s;
}

/* ends_with - does s end in suffix? */
static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* test_scn_parse_every_step - the good file's tree, field by field. */
static void
test_scn_parse_every_step(void)
{
	struct sc_err err;
	struct scn *s;
	struct scn_step *st;
	char buf[64];

	memset(&err, 0, sizeof(err));
	s = scn_parse_file(EVERY_STEP, &err);
	if (s == NULL) {
		sc_err_format(&err, buf, sizeof(buf));
		fprintf(stderr, "\n  %s\n", err.msg);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->path, EVERY_STEP);
	CU_ASSERT_STRING_EQUAL(s->id, "core.every-step");
	CU_ASSERT_STRING_EQUAL(s->title, "Every step kind parses");
	CU_ASSERT_STRING_EQUAL(s->note,
	    "The first line of the note, and the second.");
	CU_ASSERT_EQUAL_FATAL(s->nrfc, 2);
	CU_ASSERT_STRING_EQUAL(s->rfc[0], "5321 4.1.1.1");
	CU_ASSERT_STRING_EQUAL(s->rfc[1], "2920 3.1");
	CU_ASSERT_EQUAL(s->level, SCN_LEVEL_SHOULD);
	CU_ASSERT_EQUAL_FATAL(s->ntags, 3);
	CU_ASSERT_STRING_EQUAL(s->tags[0], "core");
	CU_ASSERT_STRING_EQUAL(s->tags[2], "pipelining");
	CU_ASSERT(scn_has_tag(s, "PARSER"));
	CU_ASSERT(!scn_has_tag(s, "pars"));
	CU_ASSERT_EQUAL(s->role, SCN_ROLE_CLIENT);
	CU_ASSERT_EQUAL_FATAL(s->ncatalog, 2);
	CU_ASSERT_STRING_EQUAL(s->catalog[1], "S-CORE-002");
	CU_ASSERT_EQUAL_FATAL(s->nreq, 4);
	CU_ASSERT_EQUAL(s->req[0].kind, SCN_REQ_KEYWORD);
	CU_ASSERT_STRING_EQUAL(s->req[0].arg, "PIPELINING");
	CU_ASSERT_EQUAL(s->req[0].line, 12);
	CU_ASSERT_EQUAL(s->req[1].kind, SCN_REQ_NO_KEYWORD);
	CU_ASSERT_STRING_EQUAL(s->req[1].arg, "CHUNKING");
	CU_ASSERT_EQUAL(s->req[2].kind, SCN_REQ_VAR);
	CU_ASSERT_STRING_EQUAL(s->req[2].arg, "rcpt");
	CU_ASSERT_EQUAL(s->req[3].kind, SCN_REQ_TLS);
	CU_ASSERT_PTR_NULL(s->req[3].arg);
	CU_ASSERT_EQUAL(s->timeout_ms, 90000);
	scn_area(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "core");

	CU_ASSERT_EQUAL_FATAL(s->nsteps, 37);
	st = s->steps;
	CU_ASSERT_EQUAL(st[0].kind, SCN_STEP_CONNECT);
	CU_ASSERT_EQUAL(st[0].line, 20);
	CU_ASSERT_STRING_EQUAL(st[0].src, "connect");

	CU_ASSERT_EQUAL(st[1].kind, SCN_STEP_EXPECT_REPLY);
	CU_ASSERT_EQUAL(st[1].within_ms, 30000);
	CU_ASSERT_EQUAL(st[1].u.reply.pass.n, 1);
	CU_ASSERT_STRING_EQUAL(st[1].u.reply.pass.alt[0], "220");
	CU_ASSERT_PTR_NULL(st[1].u.reply.enh);
	CU_ASSERT(!st[1].u.reply.has_text_re);

	CU_ASSERT_EQUAL(st[2].kind, SCN_STEP_SEND);
	CU_ASSERT_EQUAL_FATAL(st[2].u.send.nlines, 1);
	CU_ASSERT_STRING_EQUAL(st[2].u.send.lines[0], "EHLO ${helo}");

	CU_ASSERT_STRING_EQUAL(st[3].u.reply.text_src, "pipelining");
	CU_ASSERT_FATAL(st[3].u.reply.has_text_re);
	/* case-insensitive, as the spec says */
	CU_ASSERT_EQUAL(regexec(&st[3].u.reply.text_re, "250-PIPELINING", 0,
	    NULL, 0), 0);

	CU_ASSERT_EQUAL(st[4].kind, SCN_STEP_EXPECT_KEYWORD);
	CU_ASSERT_STRING_EQUAL(st[4].u.kw.keyword, "SIZE");
	CU_ASSERT_STRING_EQUAL(st[4].u.kw.param_src, "^[0-9]+$");
	CU_ASSERT_FATAL(st[4].u.kw.has_param_re);
	CU_ASSERT_EQUAL(regexec(&st[4].u.kw.param_re, "1048576", 0, NULL,
	    0), 0);
	CU_ASSERT_NOT_EQUAL(regexec(&st[4].u.kw.param_re, "big", 0, NULL,
	    0), 0);
	CU_ASSERT_EQUAL(st[5].kind, SCN_STEP_EXPECT_KEYWORD);
	CU_ASSERT_PTR_NULL(st[5].u.kw.param_src);
	CU_ASSERT(!st[5].u.kw.has_param_re);
	CU_ASSERT_EQUAL(st[6].kind, SCN_STEP_EXPECT_NO_KEYWORD);
	CU_ASSERT_STRING_EQUAL(st[6].u.kw.keyword, "CHUNKING");

	CU_ASSERT_EQUAL(st[7].kind, SCN_STEP_CAPTURE);
	CU_ASSERT_STRING_EQUAL(st[7].u.capture.var, "maxsize");
	CU_ASSERT_EQUAL(st[7].u.capture.from, SCN_CAPTURE_KEYWORD);
	CU_ASSERT_STRING_EQUAL(st[7].u.capture.keyword, "SIZE");
	CU_ASSERT(!st[7].u.capture.has_re);
	CU_ASSERT_EQUAL(st[8].u.capture.from, SCN_CAPTURE_TEXT);
	CU_ASSERT_STRING_EQUAL(st[8].u.capture.re_src, "^([^ ]+)");
	CU_ASSERT_FATAL(st[8].u.capture.has_re);
	{
		regmatch_t m[2];

		CU_ASSERT_EQUAL_FATAL(regexec(&st[8].u.capture.re,
		    "smtpref.test ESMTP", 2, m, 0), 0);
		CU_ASSERT_EQUAL(m[1].rm_so, 0);
		CU_ASSERT_EQUAL(m[1].rm_eo, 12);
	}

	CU_ASSERT_EQUAL(st[9].kind, SCN_STEP_SEND);
	CU_ASSERT_EQUAL(st[9].line, 29);
	CU_ASSERT_EQUAL_FATAL(st[9].u.send.nlines, 4);
	CU_ASSERT_STRING_EQUAL(st[9].u.send.lines[0],
	    "MAIL FROM:<${sender}> SIZE=${maxsize-1}");
	CU_ASSERT_STRING_EQUAL(st[9].u.send.lines[2],
	    "RCPT TO:<${unknown_rcpt}>");
	CU_ASSERT_STRING_EQUAL(st[9].u.send.lines[3], "DATA");
	CU_ASSERT_STRING_EQUAL(st[9].src, "pipeline: MAIL FROM:<${sender}> "
	    "SIZE=${maxsize-1}; RCPT TO:<${rcpt}>; RCPT TO:<${unknown_rcpt}>; "
	    "DATA");

	CU_ASSERT_EQUAL(st[10].line, 36);
	scn_codeset_str(&st[11].u.reply.pass, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "250|251");
	CU_ASSERT_STRING_EQUAL(st[11].u.reply.enh, "2.1.5");
	CU_ASSERT_EQUAL(st[11].u.reply.info_on.n, 1);
	CU_ASSERT_STRING_EQUAL(st[11].u.reply.info_on.alt[0], "252");
	CU_ASSERT_STRING_EQUAL(st[11].u.reply.warn_on.alt[0], "4xx");
	CU_ASSERT(!st[11].u.reply.record);
	CU_ASSERT_EQUAL(st[11].within_ms, 0);

	CU_ASSERT_STRING_EQUAL(st[12].u.reply.pass.alt[0], "5xx");
	CU_ASSERT_STRING_EQUAL(st[12].u.reply.enh, "5.1.x");
	CU_ASSERT_STRING_EQUAL(st[12].u.reply.text_src,
	    "user unknown|no such");
	CU_ASSERT(st[12].u.reply.record);
	CU_ASSERT_EQUAL(st[12].within_ms, 2500);
	CU_ASSERT_EQUAL(st[12].u.reply.warn_on.n, 0);

	CU_ASSERT_EQUAL(st[14].kind, SCN_STEP_BODY);
	CU_ASSERT(st[14].u.file[0] == '/');
	CU_ASSERT(ends_with(st[14].u.file, BODY_SUFFIX));
	CU_ASSERT_STRING_EQUAL(st[14].src, "body fixtures/scn-body.eml");

	CU_ASSERT_EQUAL(st[16].kind, SCN_STEP_SEND_RAW);
	CU_ASSERT_STRING_EQUAL(st[16].u.raw, "RSET\\r\\n");
	CU_ASSERT_STRING_EQUAL(st[18].u.send.lines[0],
	    "NOOP #1 is sent, this is not a comment");
	CU_ASSERT_STRING_EQUAL(st[19].u.send.lines[0], "NOOP");
	CU_ASSERT_STRING_EQUAL(st[19].src, "send NOOP");
	CU_ASSERT_EQUAL(st[22].kind, SCN_STEP_PAUSE);
	CU_ASSERT_EQUAL(st[22].u.pause_ms, 200);
	CU_ASSERT_EQUAL(st[27].kind, SCN_STEP_BODY_RAW);
	CU_ASSERT(ends_with(st[27].u.file, BODY_SUFFIX));
	CU_ASSERT_STRING_EQUAL(st[28].u.raw,
	    ".\\r\\n${repeat:3:\\x41}$$\\t\\0\\\\\\\"\\n");
	CU_ASSERT_EQUAL(st[29].within_ms, 60000);
	CU_ASSERT_EQUAL(st[30].kind, SCN_STEP_EXPECT_SILENCE);
	CU_ASSERT_EQUAL(st[30].u.silence_ms, 500);
	CU_ASSERT_EQUAL(st[31].kind, SCN_STEP_EXPECT_REPLY);
	CU_ASSERT(st[31].u.reply.negate);
	CU_ASSERT_STRING_EQUAL(st[31].u.reply.pass.alt[0], "250");
	CU_ASSERT_EQUAL(st[31].within_ms, 3000);
	CU_ASSERT_STRING_EQUAL(st[31].src, "expect not 250 within 3s");
	CU_ASSERT(!st[29].u.reply.negate);
	CU_ASSERT_EQUAL(st[34].kind, SCN_STEP_EXPECT_CLOSE);
	CU_ASSERT_EQUAL(st[34].within_ms, 5000);
	CU_ASSERT_EQUAL(st[35].kind, SCN_STEP_CONNECT);
	CU_ASSERT_EQUAL(st[36].kind, SCN_STEP_CLOSE);
	CU_ASSERT_EQUAL(st[36].line, 62);
	scn_free(s);
}

/* test_scn_parse_defaults - what a minimal file leaves at its defaults. */
static void
test_scn_parse_defaults(void)
{
	struct scn *s;
	char msg[256];

	s = parse_str("x.scn", HDR "connect\n", msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->role, SCN_ROLE_CLIENT);
	CU_ASSERT_EQUAL(s->level, SCN_LEVEL_MUST);
	CU_ASSERT_EQUAL(s->timeout_ms, 0);
	CU_ASSERT_PTR_NULL(s->note);
	CU_ASSERT_EQUAL(s->ntags, 0);
	CU_ASSERT_EQUAL(s->nreq, 0);
	CU_ASSERT_EQUAL(s->nsteps, 1);
	CU_ASSERT_EQUAL(s->steps[0].line, 5);
	scn_free(s);
}

/* test_scn_parse_crlf - CRLF and LF give the same tree. */
static void
test_scn_parse_crlf(void)
{
	const char *lf = HDR "connect\nsend EHLO ${helo}\nexpect 250\n";
	const char *crlf = "id x\r\ntitle t\r\nrfc 5321 3.1\r\nlevel MUST\r\n"
	    "connect\r\nsend EHLO ${helo}\r\nexpect 250";	/* no last EOL */
	struct scn *a, *b;
	char msg[256];
	size_t i;

	a = parse_str("x.scn", lf, msg, sizeof(msg));
	b = parse_str("x.scn", crlf, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(a->title, b->title);
	CU_ASSERT_EQUAL_FATAL(a->nsteps, b->nsteps);
	for (i = 0; i < a->nsteps; i++) {
		CU_ASSERT_EQUAL(a->steps[i].kind, b->steps[i].kind);
		CU_ASSERT_EQUAL(a->steps[i].line, b->steps[i].line);
		CU_ASSERT_STRING_EQUAL(a->steps[i].src, b->steps[i].src);
	}
	CU_ASSERT_STRING_EQUAL(b->steps[1].u.send.lines[0], "EHLO ${helo}");
	scn_free(a);
	scn_free(b);
}

/* test_scn_parse_text_forms - comments, regex slashes, bare ids. */
static void
test_scn_parse_text_forms(void)
{
	struct scn *s;
	char msg[256];

	s = parse_str("x.scn", HDR "connect\n"
	    "send X #y\n"			/* one blank: sent */
	    "send X\t\t# y\n"			/* two blanks: comment */
	    "send #z\n"
	    "expect 250 text /a\\/b\\.c/   # the regex holds a slash\n"
	    "expect 250 text /a#b/\n"		/* '#' inside a regex */
	    "send-raw \"a # b\"  # comment\n"
	    "  # an indented comment line\n"
	    "\t\n",
	    msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(s->nsteps, 7);
	CU_ASSERT_STRING_EQUAL(s->steps[1].u.send.lines[0], "X #y");
	CU_ASSERT_STRING_EQUAL(s->steps[2].u.send.lines[0], "X");
	CU_ASSERT_STRING_EQUAL(s->steps[3].u.send.lines[0], "#z");
	CU_ASSERT_STRING_EQUAL(s->steps[4].u.reply.text_src, "a/b\\.c");
	CU_ASSERT_EQUAL(regexec(&s->steps[4].u.reply.text_re, "A/B.C", 0,
	    NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(regexec(&s->steps[4].u.reply.text_re, "a/bxc", 0,
	    NULL, 0), 0);
	CU_ASSERT_STRING_EQUAL(s->steps[4].src,
	    "expect 250 text /a\\/b\\.c/");
	CU_ASSERT_STRING_EQUAL(s->steps[5].u.reply.text_src, "a#b");
	CU_ASSERT_STRING_EQUAL(s->steps[6].u.raw, "a # b");
	scn_free(s);

	/* the id is held to the file name only for .scn paths */
	s = parse_str("stdin", HDR "connect\n", msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(s);
	scn_free(s);
	s = parse_str("dir.scn/x.scn", HDR "connect\n", msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(s);
	scn_free(s);
}

/* test_scn_parse_body_paths - FILE next to the scenario, in a folder
 * above it, or absolute. */
static void
test_scn_parse_body_paths(void)
{
	struct scn *s;
	char msg[512];
	char *abs;

	/* tests/scn/good/fixtures is absent: tests/scn/fixtures wins */
	s = parse_str(GOOD_DIR "/x.scn", HDR "connect\n"
	    "body fixtures/scn-body.eml\n"
	    "body-raw scn/fixtures/scn-body.eml\n", msg, sizeof(msg));
	if (s == NULL)
		fprintf(stderr, "\n  %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(ends_with(s->steps[1].u.file, BODY_SUFFIX));
	CU_ASSERT(ends_with(s->steps[2].u.file, BODY_SUFFIX));
	abs = xstrdup(s->steps[1].u.file);
	scn_free(s);

	s = parse_str(GOOD_DIR "/x.scn", HDR "connect\nbody-raw /\n", msg,
	    sizeof(msg));
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(strstr(msg, ":6:10: body file \"/\" not found") != NULL);

	{
		char *buf = xasprintf(HDR "connect\nbody %s\n", abs);

		s = parse_str("elsewhere/x.scn", buf, msg, sizeof(msg));
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_STRING_EQUAL(s->steps[1].u.file, abs);
		scn_free(s);
		free(buf);
	}
	free(abs);
}

/* The bad inputs: each one exact message. Files in tests/scn/bad cover
 * more; these are the ones a file cannot hold well (limits, line ends). */
static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} bad_cases[] = {
	{ "empty file", "",
	  "x.scn:1:1: missing required header fields \"id\", \"title\", "
	  "\"rfc\", \"level\"" },
	{ "header only", HDR,
	  "x.scn:4:1: no steps: expected connect, send, expect and the like "
	  "after the header" },
	{ "missing rfc", "id x\ntitle t\nlevel MAY\n\n\nconnect\n",
	  "x.scn:6:1: missing required header field \"rfc\"" },
	{ "near miss header", "id x\nlevle MUST\n",
	  "x.scn:2:1: unknown header field \"levle\" (did you mean "
	  "\"level\"?)" },
	{ "unknown header, high bytes", "id x\ntitl\xe9 t\n",
	  "x.scn:2:1: unknown header field \"titl\\xE9\"" },
	{ "byte order mark", "\xef\xbb\xbfid y\n",
	  "x.scn:1:4: id \"y\" does not match the file name \"x.scn\"" },
	{ "unknown header", "id x\nauthor me\n",
	  "x.scn:2:1: unknown header field \"author\"" },
	{ "unknown step", HDR "connect\nhelo x\n",
	  "x.scn:6:1: unknown step \"helo\"" },
	{ "capitalised step", HDR "Connect\n",
	  "x.scn:5:1: unknown step \"Connect\" (did you mean \"connect\"?)" },
	{ "id vs file", "id y\n",
	  "x.scn:1:4: id \"y\" does not match the file name \"x.scn\"" },
	{ "id twice", "id x\nid x\n",
	  "x.scn:2:1: duplicate header field \"id\" (first on line 1)" },
	{ "id missing value", "id\n",
	  "x.scn:1:3: expected an id after \"id\"" },
	{ "title missing", "id x\ntitle   # nothing\n",
	  "x.scn:2:9: expected a title after \"title\"" },
	{ "rfc without section", "id x\nrfc 5321\n",
	  "x.scn:2:9: expected a section like 4.5.3.1.4 after the RFC "
	  "number" },
	{ "tag with comma", "id x\ntags core, mail\n",
	  "x.scn:2:6: expected a tag (letters, digits, '.', '_', '-'), got "
	  "\"core,\"" },
	{ "role", "id x\nrole both\n",
	  "x.scn:2:6: expected client or server, got \"both\"" },
	{ "timeout zero", "id x\ntimeout 0s\n",
	  "x.scn:2:9: expected a duration above zero, got \"0s\"" },
	{ "timeout hex", "id x\ntimeout 0x10\n",
	  "x.scn:2:9: expected a duration like 250ms, 2s, 1.5s or 1m, got "
	  "\"0x10\"" },
	{ "timeout over a day", "id x\ntimeout 25h\n",
	  "x.scn:2:9: expected a duration like 250ms, 2s, 1.5s or 1m, got "
	  "\"25h\"" },
	{ "duration over a day", "id x\ntimeout 86401s\n",
	  "x.scn:2:9: duration \"86401s\" is over a day" },
	{ "requires no", "id x\nrequires no kw X\n",
	  "x.scn:2:13: expected keyword after \"requires no\", got \"kw\"" },
	{ "requires var", "id x\nrequires var Rcpt\n",
	  "x.scn:2:14: expected a variable name (lower case letters, digits "
	  "and _, starting with a letter or _), got \"Rcpt\"" },
	{ "requires tls junk", "id x\nrequires tls 1.3\n",
	  "x.scn:2:14: expected keyword or the end of the line after "
	  "\"requires tls\", got \"1.3\"" },
	{ "header after step", HDR "connect\nnote late\n",
	  "x.scn:6:1: header field \"note\" after the first step (line 5): "
	  "the header comes first" },
	{ "send nothing", HDR "connect\nsend  # just a comment\n",
	  "x.scn:6:7: expected text after \"send\" (an empty line is "
	  "send-raw \"\\r\\n\")" },
	{ "send bad var", HDR "connect\nsend MAIL FROM:<${sender>\n",
	  "x.scn:6:25: expected \"}\", \"+N\" or \"-N\" after the variable "
	  "name" },
	{ "send unterminated var", HDR "connect\nsend X ${helo\n",
	  "x.scn:6:8: unterminated \"${\": expected \"}\"" },
	{ "send-raw no string", HDR "connect\nsend-raw QUIT\n",
	  "x.scn:6:10: expected a quoted string after \"send-raw\", like "
	  "\"QUIT\\r\\n\"" },
	{ "send-raw empty", HDR "connect\nsend-raw \"\"\n",
	  "x.scn:6:10: empty string: send-raw needs at least one byte" },
	{ "send-raw junk after", HDR "connect\nsend-raw \"a\"b\n",
	  "x.scn:6:13: expected a blank or the end of the line after the "
	  "string, got \"b\"" },
	{ "send-raw bad hex", HDR "connect\nsend-raw \"\\x4g\"\n",
	  "x.scn:6:11: expected two hex digits after \"\\x\"" },
	{ "send-raw escaped quote open", HDR "connect\nsend-raw \"a\\\"\n",
	  "x.scn:6:10: unterminated string: expected a closing '\"'" },
	{ "pipeline args", HDR "connect\npipeline now\n",
	  "x.scn:6:10: expected the end of the line, got \"now\"" },
	{ "pipeline at eof", HDR "connect\n  pipeline\nNOOP",
	  "x.scn:6:3: \"pipeline\" without \"end\"" },
	{ "pipeline bad var", HDR "connect\npipeline\nRCPT TO:<${1x}>\nend\n",
	  "x.scn:7:12: expected a variable name (lower case letters, digits "
	  "and _) after \"${\"" },
	{ "end junk", HDR "connect\npipeline\nNOOP\nend now\n",
	  "x.scn:8:5: expected the end of the line, got \"now\"" },
	{ "body without file", HDR "connect\nbody\n",
	  "x.scn:6:5: expected a file name after \"body\"" },
	{ "body missing", HDR "connect\nbody-raw nope.eml  # c\n",
	  "x.scn:6:10: body file \"nope.eml\" not found next to the scenario "
	  "or in any folder above it" },
	{ "pause negative", HDR "connect\npause -1s\n",
	  "x.scn:6:7: expected a duration like 250ms, 2s, 1.5s or 1m, got "
	  "\"-1s\"" },
	{ "pause dot", HDR "connect\npause 1.s\n",
	  "x.scn:6:7: expected a duration like 250ms, 2s, 1.5s or 1m, got "
	  "\"1.s\"" },
	{ "expect nothing", HDR "connect\nexpect\n",
	  "x.scn:6:7: expected a reply code like 250, 2xx or 250|251, or "
	  "keyword, no keyword, not, tls, command, body, exit, quit, auth, "
	  "close or silence after \"expect\"" },
	{ "expect word", HDR "connect\nexpect ok\n",
	  "x.scn:6:8: expected a reply code like 250, 2xx or 250|251, or "
	  "keyword, no keyword, not, tls, command, body, exit, quit, auth, "
	  "close or silence, got \"ok\"" },
	{ "expect not without within", HDR "connect\nexpect not 250\n",
	  "x.scn:6:15: expected \"within DURATION\" after the codes of "
	  "\"expect not\"" },
	{ "expect not with option", HDR "connect\nexpect not 250 enh 2.0.0\n",
	  "x.scn:6:16: expected \"within DURATION\" after the codes of "
	  "\"expect not\", got \"enh\"" },
	{ "expect not bad code", HDR "connect\nexpect not 2500 within 1s\n",
	  "x.scn:6:12: expected a reply code like 250, 2xx or 250|251, got "
	  "\"2500\"" },
	{ "expect not nothing", HDR "connect\nexpect not\n",
	  "x.scn:6:11: expected reply codes after \"expect not\"" },
	{ "expect not junk", HDR "connect\nexpect not 250 within 1s x\n",
	  "x.scn:6:26: expected the end of the line, got \"x\"" },
	{ "code upper X", HDR "connect\nexpect 2XX\n",
	  "x.scn:6:8: expected a reply code like 250, 2xx or 250|251, got "
	  "\"2XX\"" },
	{ "code 4 chars", HDR "connect\nexpect 2500\n",
	  "x.scn:6:8: expected a reply code like 250, 2xx or 250|251, got "
	  "\"2500\"" },
	{ "code 6xx", HDR "connect\nexpect 250|600\n",
	  "x.scn:6:12: expected a reply code like 250, 2xx or 250|251, got "
	  "\"600\"" },
	{ "code empty alt", HDR "connect\nexpect 250|\n",
	  "x.scn:6:12: expected a reply code like 250, 2xx or 250|251, got "
	  "\"\"" },
	{ "warn-on bad", HDR "connect\nexpect 250 warn-on 45\n",
	  "x.scn:6:20: expected a reply code like 250, 2xx or 250|251, got "
	  "\"45\"" },
	{ "info-on missing", HDR "connect\nexpect 250 info-on\n",
	  "x.scn:6:19: expected reply codes after the option" },
	{ "enh class", HDR "connect\nexpect 550 enh 3.1.1\n",
	  "x.scn:6:16: expected an enhanced status code like 5.1.1 or 5.1.x, "
	  "got \"3.1.1\"" },
	{ "enh long part", HDR "connect\nexpect 550 enh 5.1000.1\n",
	  "x.scn:6:16: expected an enhanced status code like 5.1.1 or 5.1.x, "
	  "got \"5.1000.1\"" },
	{ "text without regex", HDR "connect\nexpect 250 text ok\n",
	  "x.scn:6:17: expected a /regex/ after \"text\"" },
	{ "empty regex", HDR "connect\nexpect 250 text //\n",
	  "x.scn:6:17: empty regex" },
	{ "regex flags", HDR "connect\nexpect 250 text /ok/i\n",
	  "x.scn:6:21: expected a blank or the end of the line after the "
	  "regex, got \"i\"" },
	{ "unknown option", HDR "connect\nexpect 250 quickly\n",
	  "x.scn:6:12: expected an option (enh, text, warn-on, info-on, "
	  "skip-on, record, within, times), got \"quickly\"" },
	{ "record twice", HDR "connect\nexpect 250 record record\n",
	  "x.scn:6:19: duplicate option \"record\"" },
	{ "within zero", HDR "connect\nexpect 250 within 0ms\n",
	  "x.scn:6:19: expected a duration above zero, got \"0ms\"" },
	{ "keyword bad", HDR "connect\nexpect keyword -X\n",
	  "x.scn:6:16: expected an EHLO keyword like PIPELINING, got \"-X\"" },
	{ "keyword missing", HDR "connect\nexpect keyword\n",
	  "x.scn:6:15: expected an EHLO keyword after \"expect keyword\"" },
	{ "no keyword regex junk",
	  HDR "connect\nexpect no keyword X /y/ z\n",
	  "x.scn:6:25: expected the end of the line, got \"z\"" },
	{ "keyword junk", HDR "connect\nexpect keyword X y\n",
	  "x.scn:6:18: expected the end of the line, got \"y\"" },
	{ "expect no what", HDR "connect\nexpect no SIZE\n",
	  "x.scn:6:11: expected keyword after \"expect no\", got \"SIZE\"" },
	{ "close junk", HDR "connect\nexpect close soon\n",
	  "x.scn:6:14: expected \"within\" or the end of the line, got "
	  "\"soon\"" },
	{ "silence missing", HDR "connect\nexpect silence\n",
	  "x.scn:6:15: expected a duration after \"expect silence\"" },
	{ "capture bad name", HDR "connect\ncapture Size from keyword SIZE\n",
	  "x.scn:6:9: expected a variable name (lower case letters, digits "
	  "and _, starting with a letter or _), got \"Size\"" },
	{ "capture no from", HDR "connect\ncapture size of keyword SIZE\n",
	  "x.scn:6:14: expected \"from\" after the variable name, got "
	  "\"of\"" },
	{ "capture from what", HDR "connect\ncapture size from ehlo SIZE\n",
	  "x.scn:6:19: expected keyword or reply after \"from\", got "
	  "\"ehlo\"" },
	{ "capture reply no regex", HDR "connect\ncapture v from reply x\n",
	  "x.scn:6:22: expected a /regex/ with a group after \"from reply\"" },
	{ "end alone", HDR "connect\n  end\n",
	  "x.scn:6:3: \"end\" without \"pipeline\"" },
	{ "control byte", HDR "connect\nsend A\rB\n",
	  "x.scn:6:7: control character \\x0D in the file: write such bytes "
	  "as \\xNN in a send-raw string" },
	{ "DEL byte", HDR "connect\nsend A\x7f\n",
	  "x.scn:6:7: control character \\x7F in the file: write such bytes "
	  "as \\xNN in a send-raw string" },
	{ "dollar at end", HDR "connect\nsend PRICE 5$\n",
	  "x.scn:6:13: expected \"{\" or \"$\" after \"$\" (write $$ for a "
	  "literal $)" },
	{ "repeat count", HDR "connect\nsend ${repeat:x y:A}\n",
	  "x.scn:6:16: expected \":\" after the repeat count" },
};

/* test_scn_parse_bad - each bad input, its exact message. */
static void
test_scn_parse_bad(void)
{
	struct scn *s;
	char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		s = parse_str("x.scn", bad_cases[i].in, msg, sizeof(msg));
		if (s != NULL || strcmp(msg, bad_cases[i].want) != 0)
			fprintf(stderr, "\n  case \"%s\"\n    got:  %s\n"
			    "    want: %s\n", bad_cases[i].name,
			    s != NULL ? "(parsed)" : msg, bad_cases[i].want);
		CU_ASSERT_PTR_NULL(s);
		CU_ASSERT_STRING_EQUAL(msg, bad_cases[i].want);
		scn_free(s);
	}
}

/* test_scn_parse_nul - a NUL byte anywhere is an error, not an end. */
static void
test_scn_parse_nul(void)
{
	static const char buf[] = HDR "connect\nsend A\0B\n";
	struct sc_err err;
	struct scn *s;
	char msg[256];

	memset(&err, 0, sizeof(err));
	s = scn_parse_buf("x.scn", buf, sizeof(buf) - 1, &err);
	CU_ASSERT_PTR_NULL(s);
	sc_err_format(&err, msg, sizeof(msg));
	CU_ASSERT_STRING_EQUAL(msg, "x.scn:6:7: NUL byte in the file");
}

/* test_scn_parse_limits - at each limit it parses, one past it fails. */
static void
test_scn_parse_limits(void)
{
	struct sc_err err;
	struct scn *s;
	char msg[512];
	char *buf, *p;
	size_t n, i, hdr = strlen(HDR);

	/* a line of exactly SCN_LINE_MAX bytes, then one byte more */
	buf = xmalloc(hdr + SCN_LINE_MAX + 64);
	memcpy(buf, HDR "connect\nsend ", hdr + 13);
	n = hdr + 13;
	memset(buf + n, 'A', SCN_LINE_MAX - 5);
	n += SCN_LINE_MAX - 5;
	buf[n] = '\0';
	s = parse_str("x.scn", buf, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT_EQUAL(strlen(s->steps[1].u.send.lines[0]),
		    SCN_LINE_MAX - 5);
	scn_free(s);
	buf[n] = 'A';
	buf[n + 1] = '\0';
	s = parse_str("x.scn", buf, msg, sizeof(msg));
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_STRING_EQUAL(msg, "x.scn:6:65537: line too long "
	    "(over 65536 bytes)");
	free(buf);

	/* SCN_STEPS_MAX steps, then one more */
	buf = xmalloc(hdr + (SCN_STEPS_MAX + 1) * 8 + 1);
	memcpy(buf, HDR, hdr);
	p = buf + hdr;
	for (i = 0; i < SCN_STEPS_MAX; i++) {
		memcpy(p, "connect\n", 8);
		p += 8;
	}
	*p = '\0';
	s = parse_str("x.scn", buf, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT_EQUAL(s->nsteps, SCN_STEPS_MAX);
	scn_free(s);
	memcpy(p, "close\n", 7);
	s = parse_str("x.scn", buf, msg, sizeof(msg));
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_STRING_EQUAL(msg, "x.scn:10005:1: too many steps "
	    "(at most 10000)");
	free(buf);

	/* SCN_CODE_ALTS_MAX alternatives */
	s = parse_str("x.scn", HDR "connect\nexpect 200|201|202|203|204|205|"
	    "206|207|208|209|210|211|212|213|214|215\n", msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT_EQUAL(s->steps[1].u.reply.pass.n, SCN_CODE_ALTS_MAX);
	scn_free(s);

	/* SCN_FILE_MAX: over it is an error before any line is read */
	n = SCN_FILE_MAX + 1;
	buf = xmalloc(n);
	memset(buf, '#', n);
	memset(&err, 0, sizeof(err));
	s = scn_parse_buf("x.scn", buf, n, &err);
	CU_ASSERT_PTR_NULL(s);
	sc_err_format(&err, msg, sizeof(msg));
	CU_ASSERT_STRING_EQUAL(msg, "x.scn: file too large (1048577 bytes, "
	    "limit 1048576)");
	free(buf);

	/* a file that does not exist */
	memset(&err, 0, sizeof(err));
	s = scn_parse_file(GOOD_DIR "/no-such.scn", &err);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(err.set);
	CU_ASSERT_EQUAL(err.line, 0);
}

/* test_scn_parse_server_role - role server parses with the same steps. */
static void
test_scn_parse_server_role(void)
{
	struct scn *s;
	char msg[256];

	s = parse_str("x.scn", HDR "role server\nconnect\nsend 220 hi\n"
	    "expect close\n", msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->role, SCN_ROLE_SERVER);
	CU_ASSERT_STRING_EQUAL(scn_role_str(s->role), "server");
	CU_ASSERT_EQUAL(s->nsteps, 3);
	scn_free(s);
}

/* test_scn_parse_strs - enum names, with a fallback for bad values. */
static void
test_scn_parse_strs(void)
{
	CU_ASSERT_STRING_EQUAL(scn_level_str(SCN_LEVEL_MAY), "MAY");
	CU_ASSERT_STRING_EQUAL(scn_role_str(SCN_ROLE_CLIENT), "client");
	CU_ASSERT_STRING_EQUAL(scn_step_kind_str(SCN_STEP_SEND_RAW),
	    "send-raw");
	CU_ASSERT_STRING_EQUAL(scn_step_kind_str(SCN_STEP_EXPECT_NO_KEYWORD),
	    "expect no keyword");
	CU_ASSERT_STRING_EQUAL(scn_step_kind_str((enum scn_step_kind)99),
	    "\?\?\?(99)");
	CU_ASSERT_STRING_EQUAL(scn_level_str((enum scn_level)-1), "\?\?\?(-1)");
}

/* test_scn_parse_codeset - matching and printing reply-code patterns. */
static void
test_scn_parse_codeset(void)
{
	struct scn_codeset cs;
	char buf[16];

	memset(&cs, 0, sizeof(cs));
	memcpy(cs.alt[0], "250", 4);
	memcpy(cs.alt[1], "4xx", 4);
	memcpy(cs.alt[2], "x5x", 4);
	cs.n = 3;
	CU_ASSERT(scn_codeset_match(&cs, 250));
	CU_ASSERT(!scn_codeset_match(&cs, 261));
	CU_ASSERT(scn_codeset_match(&cs, 251));		/* x5x */
	CU_ASSERT(scn_codeset_match(&cs, 421));
	CU_ASSERT(scn_codeset_match(&cs, 554));
	CU_ASSERT(!scn_codeset_match(&cs, 500));
	CU_ASSERT(!scn_codeset_match(&cs, -1));
	CU_ASSERT(!scn_codeset_match(&cs, 1250));
	scn_codeset_str(&cs, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "250|4xx|x5x");
	scn_codeset_str(&cs, buf, 6);		/* cut, still terminated */
	CU_ASSERT_STRING_EQUAL(buf, "250|4");
	cs.n = 0;
	CU_ASSERT(!scn_codeset_match(&cs, 250));
	scn_codeset_str(&cs, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
}

/* test_scn_parse_enh - enhanced status code patterns. */
static void
test_scn_parse_enh(void)
{
	CU_ASSERT(scn_enh_match("5.1.1", 5, 1, 1));
	CU_ASSERT(scn_enh_match("5.1.x", 5, 1, 7));
	CU_ASSERT(scn_enh_match("x.x.x", 2, 0, 0));
	CU_ASSERT(scn_enh_match("4.7.100", 4, 7, 100));
	CU_ASSERT(!scn_enh_match("5.1.x", 5, 2, 1));
	CU_ASSERT(!scn_enh_match("5.1.1", 4, 1, 1));
	CU_ASSERT(!scn_enh_match("x.x.x", 0, 0, 0));	/* absent */
	CU_ASSERT(!scn_enh_match("5.1", 5, 1, 0));
	CU_ASSERT(!scn_enh_match(NULL, 5, 1, 1));
}

/* test_scn_parse_area - the id before its first dot. */
static void
test_scn_parse_area(void)
{
	struct scn s;
	char buf[8];

	memset(&s, 0, sizeof(s));
	s.id = "core.mail.null";
	scn_area(&s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "core");
	s.id = "single";
	scn_area(&s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "single");
	s.id = "averylongarea.x";
	scn_area(&s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "averylo");
}

/* check_outcome - a parse either gives a tree or an error, never both,
 * never neither; returns 1 when it holds. */
static int
check_outcome(struct scn *s, const struct sc_err *err)
{
	if (s != NULL)
		return !err->set;
	return err->set && err->msg[0] != '\0' && err->line >= 0 &&
	    err->col >= 0;
}

/* rnd - xorshift64, fixed seed: the same "random" inputs every run. */
static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

/* Fragments that make random input look like scenario text, so the
 * parser gets past the first line. */
static const char *const soup[] = {
	"connect", "send ", "send-raw ", "expect ", "250", "2xx", "|", "251",
	"pipeline", "end", "${", "}", "${helo}", "${repeat:3:A}", "${x+1}",
	"\"", "/", "(", ")", "#", " ", "  ", "\t", "within ", "1s", "250ms",
	"enh ", "5.1.x", "text ", "/a(b)c/", "capture ", "from ", "reply ",
	"keyword ", "no ", "SIZE", "body ", "fixtures/scn-body.eml",
	"body-raw ", "\\x4", "\\r", "\\", "$$", "$", "\r", "\n", "\n", "\n",
	"close", "silence ", "pause ", "record", "warn-on ", "info-on ", "not ",
	"x", "tags a", "\x80", "\xff",
};

/* test_scn_parse_fuzz - random bytes and random fragments: every parse
 * (and lint) ends in a tree or an error. ASan runs make this bite. */
static void
test_scn_parse_fuzz(void)
{
	const char *path = GOOD_DIR "/fuzz.scn";
	const char *hdr = "id fuzz\ntitle t\nrfc 5321 3.1\nlevel MUST\n";
	struct sc_err err;
	struct scn *s;
	uint64_t st = 0x5eed5eed12345678ULL;
	char buf[2048];
	size_t i, j, n, len, bad = 0, parsed = 0;
	int rc;

	for (i = 0; i < 4000; i++) {
		len = 0;
		if (i % 2 == 0) {
			n = rnd(&st) % sizeof(buf);
			for (j = 0; j < n; j++)
				buf[j] = (char)(rnd(&st) & 0xff);
			len = n;
		} else {
			len = strlen(hdr);
			memcpy(buf, hdr, len);
			n = rnd(&st) % 80;
			for (j = 0; j < n; j++) {
				const char *f;

				f = soup[rnd(&st) % (sizeof(soup) /
				    sizeof(soup[0]))];
				if (len + strlen(f) >= sizeof(buf))
					break;
				memcpy(buf + len, f, strlen(f));
				len += strlen(f);
			}
		}
		memset(&err, 0, sizeof(err));
		s = scn_parse_buf(path, buf, len, &err);
		if (!check_outcome(s, &err))
			bad++;
		parsed += s != NULL;
		scn_free(s);
		memset(&err, 0, sizeof(err));
		rc = scn_lint_buf(path, buf, len, &s, &err);
		if ((rc == 0) != (s != NULL) || !check_outcome(s, &err))
			bad++;
		scn_free(s);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* the fragments do build some valid files */
	CU_ASSERT(parsed > 0);
}

/* test_scn_parse_prefixes - every prefix of the good file, and every
 * one-byte change to it, parses or fails cleanly. */
static void
test_scn_parse_prefixes(void)
{
	static const char repl[] = { '\0', '\n', '"', '/', '$', '{', '#',
	    ' ', 'x', '|' };
	struct sc_err err;
	struct scn *s;
	char *buf;
	size_t len, n, i, k, bad = 0;

	memset(&err, 0, sizeof(err));
	buf = sc_read_file(EVERY_STEP, SCN_FILE_MAX, &len, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (n = 0; n <= len; n++) {
		memset(&err, 0, sizeof(err));
		s = scn_parse_buf(EVERY_STEP, buf, n, &err);
		if (!check_outcome(s, &err))
			bad++;
		if (n == len && s == NULL)
			bad++;
		scn_free(s);
	}
	for (i = 0; i < len; i++) {
		char keep = buf[i];

		for (k = 0; k < sizeof(repl); k++) {
			buf[i] = repl[k];
			memset(&err, 0, sizeof(err));
			s = scn_parse_buf(EVERY_STEP, buf, len, &err);
			if (!check_outcome(s, &err))
				bad++;
			scn_free(s);
		}
		buf[i] = keep;
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_scn_parse_every_step),
	CU_T(test_scn_parse_defaults),
	CU_T(test_scn_parse_crlf),
	CU_T(test_scn_parse_text_forms),
	CU_T(test_scn_parse_body_paths),
	CU_T(test_scn_parse_bad),
	CU_T(test_scn_parse_nul),
	CU_T(test_scn_parse_limits),
	CU_T(test_scn_parse_server_role),
	CU_T(test_scn_parse_strs),
	CU_T(test_scn_parse_codeset),
	CU_T(test_scn_parse_enh),
	CU_T(test_scn_parse_area),
	CU_T(test_scn_parse_fuzz),
	CU_T(test_scn_parse_prefixes),
	{ NULL, NULL }
};

#define CU_SUITE_NAME	"scn_parse"
#include "cu_main.h"
