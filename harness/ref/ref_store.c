/* SPDX-License-Identifier: ISC */
/*
 * ref_store.c - maildir delivery: tmp/, fsync, rename to new/, fsync dir.
 *
 * Commits are grouped (ref_server.c, once per event-loop round): every
 * message of the round is fsynced and renamed, then new/ is fsynced once
 * for all of them, instead of one directory fsync per message.
 *
 * File names are "SECONDS.ID.PID.HOST": the queue id is unique within the
 * process, the pid across processes sharing a maildir. Content arrives a
 * line at a time (ref_data.c measures lines); it is gathered into
 * REF_STORE_WBUF_MAX octets per write(2), since one write per line was
 * 1,300 system calls for a 100 KiB message and most of the time spent.
 */
#include "ref_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sc_limits.h"
#include "sc_util.h"

struct ref_store {
	char	*dir;
	char	*host;
	int	 newfd;		/* DIR/new, for fsync */
};

struct ref_store_msg {
	int	 fd;
	char	*name;
	char	*tmppath;
	char	*dst;		/* new/NAME once renamed (ref_store_sync) */
	char	*wbuf;		/* REF_STORE_WBUF_MAX, not yet written */
	size_t	 wlen;
	bool	 failed;	/* a write failed: commit fails */
};

/* ref_store_mkdir - mkdir unless it exists as a directory. */
static int
ref_store_mkdir(const char *path, struct sc_err *err)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	sc_err_set(err, path, 0, 0, "cannot create maildir folder: %s",
	    strerror(errno));
	return -1;
}

/* ref_store_open - check or create the maildir. */
struct ref_store *
ref_store_open(const char *dir, const char *host, struct sc_err *err)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	struct ref_store *st;
	char *p;
	size_t i;
	int rc;

	if (ref_store_mkdir(dir, err) == -1)
		return NULL;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		p = xasprintf("%s/%s", dir, subs[i]);
		rc = ref_store_mkdir(p, err);
		free(p);
		if (rc == -1)
			return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->dir = xstrdup(dir);
	st->host = xstrdup(host);
	p = xasprintf("%s/new", dir);
	st->newfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->newfd == -1) {
		sc_err_set(err, p, 0, 0, "cannot open: %s", strerror(errno));
		free(p);
		ref_store_free(st);
		return NULL;
	}
	free(p);
	return st;
}

/* ref_store_free - release; copes with a half-built store. */
void
ref_store_free(struct ref_store *st)
{
	if (st == NULL)
		return;
	if (st->newfd > 0)
		close(st->newfd);
	free(st->dir);
	free(st->host);
	free(st);
}

/* ref_store_msg_free - close and free, no unlink. */
static void
ref_store_msg_free(struct ref_store_msg *m)
{
	if (m->fd != -1)
		close(m->fd);
	free(m->name);
	free(m->tmppath);
	free(m->dst);
	free(m->wbuf);
	free(m);
}

/* ref_store_begin - open tmp/NAME exclusively. */
struct ref_store_msg *
ref_store_begin(struct ref_store *st, const char *id)
{
	struct ref_store_msg *m;

	m = xcalloc(1, sizeof(*m));
	m->name = xasprintf("%lld.%s.%ld.%s", (long long)time(NULL), id,
	    (long)getpid(), st->host);
	m->tmppath = xasprintf("%s/tmp/%s", st->dir, m->name);
	m->fd = open(m->tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (m->fd == -1) {
		ref_store_msg_free(m);
		return NULL;
	}
	m->wbuf = xmalloc(REF_STORE_WBUF_MAX);
	return m;
}

/* ref_store_put - write all of p to the file. */
static int
ref_store_put(struct ref_store_msg *m, const char *c, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(m->fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			m->failed = true;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ref_store_drain - write out what the buffer holds. */
static int
ref_store_drain(struct ref_store_msg *m)
{
	size_t n = m->wlen;

	m->wlen = 0;
	return m->failed ? -1 : ref_store_put(m, m->wbuf, n);
}

/* ref_store_write - append p to the buffer, writing it out when full. */
int
ref_store_write(struct ref_store_msg *m, const void *p, size_t n)
{
	if (m->failed)
		return -1;
	if (m->wlen + n > REF_STORE_WBUF_MAX && ref_store_drain(m) == -1)
		return -1;
	if (n >= REF_STORE_WBUF_MAX)
		return ref_store_put(m, p, n);
	memcpy(m->wbuf + m->wlen, p, n);
	m->wlen += n;
	return 0;
}

/*
 * ref_store_flush - write out the rest and start the file's writeback
 * without waiting for it, so the fsyncs of a group (ref_store_sync) find
 * most of their data already on its way (sync_file_range(2), Linux).
 */
int
ref_store_flush(struct ref_store_msg *m)
{
	if (ref_store_drain(m) == -1)
		return -1;
#ifdef SYNC_FILE_RANGE_WRITE
	/* Only a hint: ref_store_sync's fsync is what makes it durable. */
	(void)sync_file_range(m->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
	return 0;
}

/* ref_store_sync - fsync the file, close it, rename it into new/. */
int
ref_store_sync(struct ref_store *st, struct ref_store_msg *m)
{
	if (ref_store_drain(m) == -1 || fsync(m->fd) == -1)
		return -1;
	if (close(m->fd) == -1) {
		m->fd = -1;
		return -1;
	}
	m->fd = -1;
	m->dst = xasprintf("%s/new/%s", st->dir, m->name);
	if (rename(m->tmppath, m->dst) == -1) {
		free(m->dst);
		m->dst = NULL;
		return -1;
	}
	return 0;
}

/* ref_store_sync_dir - fsync new/: the renames of the group are durable. */
int
ref_store_sync_dir(struct ref_store *st)
{
	return fsync(st->newfd);
}

/* ref_store_finish - free; not durable: remove the file where it is. */
void
ref_store_finish(struct ref_store_msg *m, bool durable)
{
	if (!durable)
		unlink(m->dst != NULL ? m->dst : m->tmppath);
	ref_store_msg_free(m);
}

/* ref_store_abort - drop the temporary file. */
void
ref_store_abort(struct ref_store_msg *m)
{
	if (m == NULL)
		return;
	unlink(m->tmppath);
	ref_store_msg_free(m);
}

/* ref_store_date - "Mon, 02 Jan 2006 15:04:05 +0000". */
void
ref_store_date(char *buf, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	if (strftime(buf, size, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0 &&
	    size > 0)
		buf[0] = '\0';
}
