/* SPDX-License-Identifier: ISC */
/*
 * ref_loop_epoll.c - the epoll backend of smtpref's event loop (Linux).
 *
 * Level-triggered epoll; each registration carries its struct ref_loop_io
 * pointer. epoll_pwait() installs the caller's signal mask only while it
 * sleeps. Timers, signals and deferred frees are ref_loop.c's.
 */
#include "ref_loop_be.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sc_util.h"

#define REF_LOOP_EPOLL_EVENTS_MAX 256	/* events taken per epoll_pwait */

struct ref_loop_epoll {
	int	epfd;
};

/* ref_loop_epoll_init - an epoll instance. */
static void *
ref_loop_epoll_init(void)
{
	struct ref_loop_epoll *e;

	e = xcalloc(1, sizeof(*e));
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd == -1) {
		free(e);
		return NULL;
	}
	return e;
}

/* ref_loop_epoll_free - close it. */
static void
ref_loop_epoll_free(void *be)
{
	struct ref_loop_epoll *e = be;

	if (e == NULL)
		return;
	if (e->epfd != -1)
		close(e->epfd);
	free(e);
}

/* ref_loop_epoll_mask - REF_LOOP_* to epoll bits. */
static uint32_t
ref_loop_epoll_mask(unsigned events)
{
	uint32_t m = 0;

	if (events & REF_LOOP_IN)
		m |= EPOLLIN | EPOLLRDHUP;
	if (events & REF_LOOP_OUT)
		m |= EPOLLOUT;
	return m;
}

/* ref_loop_epoll_ctl - EPOLL_CTL_ADD or _MOD. */
static int
ref_loop_epoll_ctl(struct ref_loop_epoll *e, int op, struct ref_loop_io *io,
    unsigned events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = ref_loop_epoll_mask(events);
	ev.data.ptr = io;
	return epoll_ctl(e->epfd, op, io->fd, &ev);
}

/* ref_loop_epoll_add - register. */
static int
ref_loop_epoll_add(void *be, struct ref_loop_io *io)
{
	return ref_loop_epoll_ctl(be, EPOLL_CTL_ADD, io, io->events);
}

/* ref_loop_epoll_mod - change the events. */
static int
ref_loop_epoll_mod(void *be, struct ref_loop_io *io, unsigned events)
{
	return ref_loop_epoll_ctl(be, EPOLL_CTL_MOD, io, events);
}

/* ref_loop_epoll_del - unregister. */
static void
ref_loop_epoll_del(void *be, struct ref_loop_io *io)
{
	struct ref_loop_epoll *e = be;

	epoll_ctl(e->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

/* ref_loop_epoll_wait - sleep, then dispatch. */
static int
ref_loop_epoll_wait(void *be, int ms, const sigset_t *mask)
{
	struct ref_loop_epoll *e = be;
	struct epoll_event evs[REF_LOOP_EPOLL_EVENTS_MAX];
	struct ref_loop_io *io;
	unsigned got;
	int n, i;

	n = epoll_pwait(e->epfd, evs, REF_LOOP_EPOLL_EVENTS_MAX, ms, mask);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		io = evs[i].data.ptr;
		got = 0;
		if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
			got |= REF_LOOP_IN;
		if (evs[i].events & EPOLLOUT)
			got |= REF_LOOP_OUT;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			got |= REF_LOOP_ERR;
		/* Objects are only freed in the after hook, so io is still
		 * valid; a deleted one is skipped. */
		if (io->added)
			io->fn(io->arg, got);
	}
	return 0;
}

const struct ref_loop_backend ref_loop_backend = {
	.name = "epoll",
	.init = ref_loop_epoll_init,
	.free = ref_loop_epoll_free,
	.add = ref_loop_epoll_add,
	.mod = ref_loop_epoll_mod,
	.del = ref_loop_epoll_del,
	.wait = ref_loop_epoll_wait,
};
