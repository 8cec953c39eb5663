/* SPDX-License-Identifier: ISC */
/*
 * run_select.c - find scenario files, parse them, filter by role, tag and
 * id, and cut deterministic shards.
 *
 * Order is the sorted order of paths, so a selection (and each shard of
 * it) is the same on every machine; shard K of N takes every N-th
 * scenario starting at the K-th, so shards are balanced across areas.
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc_util.h"
#include "scn.h"
#include "scn_lint.h"

#define RUN_WALK_DEPTH_MAX	16

struct run_paths {
	char	**v;
	size_t	  n;
};

/* run_paths_add - keep a path (copied). */
static void
run_paths_add(struct run_paths *p, const char *path)
{
	p->v = xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	p->v[p->n++] = xstrdup(path);
}

/* run_has_suffix - does s end in suf? */
static bool
run_has_suffix(const char *s, const char *suf)
{
	size_t ls = strlen(s), lf = strlen(suf);

	return ls >= lf && strcmp(s + ls - lf, suf) == 0;
}

/* run_walk - every *.scn under dir. */
static int
run_walk(const char *dir, int depth, struct run_paths *out)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *p;
	int bad = 0;

	if (depth > RUN_WALK_DEPTH_MAX) {
		fprintf(stderr, "smtpcheck: %s: folders nested too deep\n", dir);
		return 1;
	}
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "smtpcheck: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			bad += run_walk(p, depth + 1, out);
		else if (run_has_suffix(de->d_name, ".scn"))
			run_paths_add(out, p);
		free(p);
	}
	closedir(d);
	return bad;
}

/* run_cmp_str - qsort on char *. */
static int
run_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* run_select_load - parse everything under paths. */
int
run_select_load(const char **paths, size_t npaths, struct run_selection *sel)
{
	struct run_paths ps = { 0 };
	struct sc_err err;
	struct stat st;
	struct scn *s;
	char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];
	size_t i;
	int bad = 0;

	memset(sel, 0, sizeof(*sel));
	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &st) == -1) {
			fprintf(stderr, "smtpcheck: %s: %s\n", paths[i],
			    strerror(errno));
			bad++;
		} else if (S_ISDIR(st.st_mode)) {
			bad += run_walk(paths[i], 0, &ps);
		} else {
			run_paths_add(&ps, paths[i]);
		}
	}
	if (ps.n > 0)
		qsort(ps.v, ps.n, sizeof(*ps.v), run_cmp_str);
	for (i = 0; i < ps.n; i++) {
		if (i > 0 && strcmp(ps.v[i], ps.v[i - 1]) == 0)
			continue;	/* named twice */
		memset(&err, 0, sizeof(err));
		s = NULL;
		if (scn_lint_file(ps.v[i], &s, &err) == -1) {
			sc_err_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			bad++;
			scn_free(s);
			continue;
		}
		sel->v = xreallocarray(sel->v, sel->n + 1, sizeof(*sel->v));
		sel->v[sel->n++] = s;
	}
	for (i = 0; i < ps.n; i++)
		free(ps.v[i]);
	free(ps.v);
	memset(&err, 0, sizeof(err));
	if (scn_lint_ids(sel->v, sel->n, &err) == -1) {
		sc_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		bad++;
	}
	return bad;
}

/* run_filter_keep - does f select s? */
static bool
run_filter_keep(const struct run_filter *f, const struct scn *s)
{
	size_t i;
	bool hit;

	if (f->role >= 0 && (int)s->role != f->role)
		return false;
	if (f->ntags > 0) {
		hit = false;
		for (i = 0; i < f->ntags && !hit; i++)
			hit = scn_has_tag(s, f->tags[i]);
		if (!hit)
			return false;
	}
	if (f->nids > 0) {
		hit = false;
		for (i = 0; i < f->nids && !hit; i++)
			hit = fnmatch(f->ids[i], s->id, 0) == 0;
		if (!hit)
			return false;
	}
	return true;
}

/* run_select_filter - keep the selected, then the shard. */
void
run_select_filter(struct run_selection *sel, const struct run_filter *f)
{
	size_t i, o = 0, k = 0;

	for (i = 0; i < sel->n; i++) {
		if (run_filter_keep(f, sel->v[i]))
			sel->v[o++] = sel->v[i];
		else
			scn_free(sel->v[i]);
	}
	sel->n = o;
	if (f->shard_n > 0) {
		o = 0;
		for (i = 0; i < sel->n; i++, k++) {
			if ((int)(k % (size_t)f->shard_n) == f->shard_k - 1)
				sel->v[o++] = sel->v[i];
			else
				scn_free(sel->v[i]);
		}
		sel->n = o;
	}
}

/* run_selection_clear - free every scenario. */
void
run_selection_clear(struct run_selection *sel)
{
	size_t i;

	for (i = 0; i < sel->n; i++)
		scn_free(sel->v[i]);
	free(sel->v);
	memset(sel, 0, sizeof(*sel));
}

/* run_suite_path - where scenarios/NAME is. */
char *
run_suite_path(const char *name)
{
	const char *bases[3];
	struct stat st;
	size_t i;
	char *p;

	bases[0] = getenv("SMTPCHECK_SCENARIOS");
	bases[1] = "scenarios";
#ifdef SC_SOURCE_DIR
	bases[2] = SC_SOURCE_DIR "/scenarios";
#else
	bases[2] = NULL;
#endif
	if (strchr(name, '/') != NULL || strcmp(name, "..") == 0)
		return NULL;
	for (i = 0; i < 3; i++) {
		if (bases[i] == NULL)
			continue;
		p = strcmp(name, ".") == 0 ? xstrdup(bases[i]) :
		    xasprintf("%s/%s", bases[i], name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return p;
		free(p);
	}
	return NULL;
}
