/* SPDX-License-Identifier: ISC */
/*
 * test_scn_files.c - the scenario corpus under tests/scn: every file in
 * bad/ fails lint with exactly the message its first line names
 * ("# error: NAME.scn:LINE:COL: message", STYLE 37); every file in good/
 * passes, and together the good files use every step kind and option.
 */
#include "cu_main.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_lint.h"

#define BAD_DIR		"tests/scn/bad"
#define GOOD_DIR	"tests/scn/good"
#define FILES_MAX	256
#define ERROR_TAG	"# error: "

/* name_cmp - qsort by file name. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_scn - the *.scn names in dir, sorted; returns how many. */
static size_t
list_scn(const char *dir, char **names)
{
	struct dirent *de;
	DIR *d;
	size_t n = 0, len;

	if (chdir(SC_SOURCE_DIR) == -1)
		return 0;
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < FILES_MAX) {
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".scn") == 0)
			names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	return n;
}

/* expected_error - the message the first line of path promises, with
 * the folder put in front, as sc_err_format will print it; NULL when the
 * first line is not an error comment. */
static char *
expected_error(const char *path, const char *name)
{
	struct sc_err err;
	char *buf, *nl, *want = NULL;
	size_t len;

	memset(&err, 0, sizeof(err));
	buf = sc_read_file(path, SCN_FILE_MAX, &len, &err);
	if (buf == NULL)
		return NULL;
	nl = strchr(buf, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (strncmp(buf, ERROR_TAG, strlen(ERROR_TAG)) == 0 &&
	    strncmp(buf + strlen(ERROR_TAG), name, strlen(name)) == 0 &&
	    buf[strlen(ERROR_TAG) + strlen(name)] == ':')
		want = xasprintf("%s/%s", BAD_DIR, buf + strlen(ERROR_TAG));
	free(buf);
	return want;
}

/* message_part - the text after "file:line:col: ". */
static const char *
message_part(const char *s)
{
	const char *p = s;
	int colons = 0;

	while (*p != '\0' && colons < 3)
		if (*p++ == ':')
			colons++;
	return *p == ' ' ? p + 1 : p;
}

/* test_scn_files_bad - each bad file, its promised message. */
static void
test_scn_files_bad(void)
{
	char *names[FILES_MAX], *msgs[FILES_MAX];
	char path[512], got[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX];
	struct sc_err err;
	struct scn *s;
	size_t n, i, j, distinct;
	char *want;
	int rc;

	n = list_scn(BAD_DIR, names);
	CU_ASSERT_FATAL(n >= 15);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, names[i]);
		want = expected_error(path, names[i]);
		if (want == NULL)
			fprintf(stderr, "\n  %s: first line is not \"%s%s:"
			    "LINE:COL: message\"\n", path, ERROR_TAG,
			    names[i]);
		CU_ASSERT_PTR_NOT_NULL(want);
		memset(&err, 0, sizeof(err));
		s = (struct scn *)1;
		rc = scn_lint_file(path, &s, &err);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NULL(s);
		sc_err_format(&err, got, sizeof(got));
		if (want != NULL && strcmp(got, want) != 0)
			fprintf(stderr, "\n  %s\n    got:  %s\n    want: %s\n",
			    names[i], got, want);
		if (want != NULL)
			CU_ASSERT_STRING_EQUAL(got, want);
		msgs[i] = xstrdup(message_part(got));
		free(want);
	}
	/* the corpus covers distinct errors, not one error many times */
	distinct = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(msgs[i], msgs[j]) == 0)
				break;
		distinct += j == i;
	}
	CU_ASSERT(distinct >= 15);
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(msgs[i]);
	}
}

/* test_scn_files_good - each good file passes lint; together they use
 * every step kind and every expect option; no two share an id. */
static void
test_scn_files_good(void)
{
	char *names[FILES_MAX];
	struct scn *v[FILES_MAX];
	char path[512], got[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX];
	struct sc_err err;
	struct scn_step *st;
	bool kinds[SCN_STEP_LAST + 1];
	bool enh = false, text = false, warn = false, info = false;
	bool record = false, within = false, pipeline = false;
	bool negate = false, skip = false, times = false;
	size_t n, i, j, k;

	memset(kinds, 0, sizeof(kinds));
	n = list_scn(GOOD_DIR, names);
	CU_ASSERT_FATAL(n >= 3);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, names[i]);
		memset(&err, 0, sizeof(err));
		v[i] = NULL;
		if (scn_lint_file(path, &v[i], &err) == -1) {
			sc_err_format(&err, got, sizeof(got));
			fprintf(stderr, "\n  %s\n", got);
		}
		CU_ASSERT_PTR_NOT_NULL(v[i]);
		if (v[i] == NULL)
			continue;
		for (j = 0; j < v[i]->nsteps; j++) {
			st = &v[i]->steps[j];
			kinds[st->kind] = true;
			if (st->kind == SCN_STEP_SEND && st->u.send.nlines > 1)
				pipeline = true;
			if (st->kind != SCN_STEP_EXPECT_REPLY)
				continue;
			enh |= st->u.reply.enh != NULL;
			text |= st->u.reply.has_text_re;
			warn |= st->u.reply.warn_on.n > 0;
			info |= st->u.reply.info_on.n > 0;
			record |= st->u.reply.record;
			within |= st->within_ms > 0;
			negate |= st->u.reply.negate;
			skip |= st->u.reply.skip_on.n > 0;
			times |= st->u.reply.times > 1;
		}
	}
	for (k = 0; k <= SCN_STEP_LAST; k++) {
		if (!kinds[k])
			fprintf(stderr, "\n  no good file has a %s step\n",
			    scn_step_kind_str((enum scn_step_kind)k));
		CU_ASSERT(kinds[k]);
	}
	CU_ASSERT(enh && text && warn && info && record && within);
	CU_ASSERT(pipeline);
	CU_ASSERT(negate && skip && times);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_lint_ids(v, n, &err), 0);
	for (i = 0; i < n; i++) {
		scn_free(v[i]);
		free(names[i]);
	}
}

static const struct cu_test cu_tests[] = {
	CU_T(test_scn_files_bad),
	CU_T(test_scn_files_good),
	{ NULL, NULL }
};

#define CU_SUITE_NAME	"scn_files"
#include "cu_main.h"
