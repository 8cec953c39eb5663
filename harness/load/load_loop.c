/* SPDX-License-Identifier: ISC */
/*
 * load_loop.c - the load generator's event loop: descriptor readiness
 * only, epoll (Linux) or poll, chosen when the loop is made.
 *
 * Modelled on smtpref's ref_loop (level-triggered, caller-owned struct
 * load_loop_io, a deleted io is never called), but smaller: no timers and
 * no signal masks, since the run checks its deadlines on a fixed tick
 * (load_run.c) and a signal only has to cut a wait short. It is a copy,
 * not a link to harness/ref: smtpcheck_core must not depend on smtpref.
 * Both backends are compiled where epoll exists, so the tests can run
 * the poll one too (--loop poll).
 */
#include "load.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#define LOAD_HAVE_EPOLL 1
#endif

#include "sc_util.h"

#define LOAD_LOOP_EVENTS_MAX	256	/* events taken per epoll_wait */

struct load_loop_be {
	const char	*name;
	int		(*init)(struct load_loop *, size_t nfd);
	void		(*free)(struct load_loop *);
	int		(*add)(struct load_loop *, struct load_loop_io *);
	int		(*mod)(struct load_loop *, struct load_loop_io *,
			    unsigned);
	void		(*del)(struct load_loop *, struct load_loop_io *);
	int		(*wait)(struct load_loop *, int ms);
};

struct load_loop {
	const struct load_loop_be *be;
	int			 epfd;		/* epoll */
	struct pollfd		*pfd;		/* poll: nfd slots */
	struct load_loop_io	**pio;		/* poll: the io of each slot */
	size_t			 npfd, cappfd;
	int64_t			 now_us;	/* when the last wait returned */
};

/* load_loop_poll_bits - LOAD_LOOP_* to poll(2) bits. */
static short
load_loop_poll_bits(unsigned events)
{
	short m = 0;

	if (events & LOAD_LOOP_IN)
		m |= POLLIN;
	if (events & LOAD_LOOP_OUT)
		m |= POLLOUT;
	return m;
}

/* load_loop_poll_init - slots for nfd descriptors. */
static int
load_loop_poll_init(struct load_loop *l, size_t nfd)
{
	l->cappfd = nfd > 0 ? nfd : 1;
	l->pfd = xcalloc(l->cappfd, sizeof(*l->pfd));
	l->pio = xcalloc(l->cappfd, sizeof(*l->pio));
	return 0;
}

/* load_loop_poll_free - the slot arrays. */
static void
load_loop_poll_free(struct load_loop *l)
{
	free(l->pfd);
	free(l->pio);
}

/* load_loop_poll_add - take the next slot. */
static int
load_loop_poll_add(struct load_loop *l, struct load_loop_io *io)
{
	if (l->npfd == l->cappfd) {
		errno = EMFILE;
		return -1;
	}
	io->slot = l->npfd++;
	l->pfd[io->slot].fd = io->fd;
	l->pfd[io->slot].events = load_loop_poll_bits(io->events);
	l->pfd[io->slot].revents = 0;
	l->pio[io->slot] = io;
	return 0;
}

/* load_loop_poll_mod - new bits in place. */
static int
load_loop_poll_mod(struct load_loop *l, struct load_loop_io *io,
    unsigned events)
{
	l->pfd[io->slot].events = load_loop_poll_bits(events);
	return 0;
}

/* load_loop_poll_del - the last slot moves into the hole. A move during
 * a dispatch round is safe: the round walks by index and checks added. */
static void
load_loop_poll_del(struct load_loop *l, struct load_loop_io *io)
{
	size_t last = --l->npfd;

	if (io->slot != last) {
		l->pfd[io->slot] = l->pfd[last];
		l->pio[io->slot] = l->pio[last];
		l->pio[io->slot]->slot = io->slot;
	}
	l->pio[last] = NULL;
}

/*
 * load_loop_poll_wait - poll, then dispatch. The ready ios are collected
 * first: a callback may delete and add ios, which moves slots around.
 */
static int
load_loop_poll_wait(struct load_loop *l, int ms)
{
	struct load_loop_io *ready[LOAD_LOOP_EVENTS_MAX];
	unsigned got[LOAD_LOOP_EVENTS_MAX];
	size_t i, n;
	short re;
	int rc;

	rc = poll(l->pfd, (nfds_t)l->npfd, ms);
	l->now_us = sc_now_us();
	if (rc == -1)
		return errno == EINTR ? 0 : -1;
	n = 0;
	for (i = 0; i < l->npfd && n < LOAD_LOOP_EVENTS_MAX; i++) {
		re = l->pfd[i].revents;
		if (re == 0)
			continue;
		got[n] = 0;
		if (re & (POLLIN | POLLHUP))
			got[n] |= LOAD_LOOP_IN;
		if (re & POLLOUT)
			got[n] |= LOAD_LOOP_OUT;
		if (re & (POLLERR | POLLHUP | POLLNVAL))
			got[n] |= LOAD_LOOP_ERR;
		ready[n++] = l->pio[i];
	}
	/* An io deleted by an earlier callback of this round is skipped;
	 * ios are never freed during a round (load_run.c restarts ended
	 * sessions after it), so the pointer is still good. */
	for (i = 0; i < n; i++)
		if (ready[i]->added)
			ready[i]->fn(ready[i]->arg, got[i]);
	return 0;
}

static const struct load_loop_be load_loop_poll_be = {
	.name = "poll",
	.init = load_loop_poll_init,
	.free = load_loop_poll_free,
	.add = load_loop_poll_add,
	.mod = load_loop_poll_mod,
	.del = load_loop_poll_del,
	.wait = load_loop_poll_wait,
};

#ifdef LOAD_HAVE_EPOLL
/* load_loop_epoll_init - an epoll instance. */
static int
load_loop_epoll_init(struct load_loop *l, size_t nfd)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd == -1 ? -1 : 0;
}

/* load_loop_epoll_free - close it. */
static void
load_loop_epoll_free(struct load_loop *l)
{
	if (l->epfd != -1)
		close(l->epfd);
}

/* load_loop_epoll_ctl - EPOLL_CTL_ADD or _MOD. */
static int
load_loop_epoll_ctl(struct load_loop *l, int op, struct load_loop_io *io,
    unsigned events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	if (events & LOAD_LOOP_IN)
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (events & LOAD_LOOP_OUT)
		ev.events |= EPOLLOUT;
	ev.data.ptr = io;
	return epoll_ctl(l->epfd, op, io->fd, &ev);
}

/* load_loop_epoll_add - register. */
static int
load_loop_epoll_add(struct load_loop *l, struct load_loop_io *io)
{
	return load_loop_epoll_ctl(l, EPOLL_CTL_ADD, io, io->events);
}

/* load_loop_epoll_mod - change the events. */
static int
load_loop_epoll_mod(struct load_loop *l, struct load_loop_io *io,
    unsigned events)
{
	return load_loop_epoll_ctl(l, EPOLL_CTL_MOD, io, events);
}

/* load_loop_epoll_del - unregister. */
static void
load_loop_epoll_del(struct load_loop *l, struct load_loop_io *io)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

/* load_loop_epoll_wait - sleep, then dispatch. */
static int
load_loop_epoll_wait(struct load_loop *l, int ms)
{
	struct epoll_event evs[LOAD_LOOP_EVENTS_MAX];
	struct load_loop_io *io;
	unsigned got;
	int n, i;

	n = epoll_wait(l->epfd, evs, LOAD_LOOP_EVENTS_MAX, ms);
	l->now_us = sc_now_us();
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		io = evs[i].data.ptr;
		got = 0;
		if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
			got |= LOAD_LOOP_IN;
		if (evs[i].events & EPOLLOUT)
			got |= LOAD_LOOP_OUT;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			got |= LOAD_LOOP_ERR;
		if (io->added)
			io->fn(io->arg, got);
	}
	return 0;
}

static const struct load_loop_be load_loop_epoll_be = {
	.name = "epoll",
	.init = load_loop_epoll_init,
	.free = load_loop_epoll_free,
	.add = load_loop_epoll_add,
	.mod = load_loop_epoll_mod,
	.del = load_loop_epoll_del,
	.wait = load_loop_epoll_wait,
};
#endif

/* load_loop_new - the named backend, or the best one. */
struct load_loop *
load_loop_new(const char *name, size_t nfd, char *err, size_t errsize)
{
	const struct load_loop_be *be = NULL;
	struct load_loop *l;

#ifdef LOAD_HAVE_EPOLL
	if (name == NULL || strcmp(name, "epoll") == 0)
		be = &load_loop_epoll_be;
#else
	if (name == NULL)
		be = &load_loop_poll_be;
#endif
	if (name != NULL && strcmp(name, "poll") == 0)
		be = &load_loop_poll_be;
	if (be == NULL) {
		snprintf(err, errsize, "no event loop backend \"%s\" here",
		    name);
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->be = be;
	l->epfd = -1;
	l->now_us = sc_now_us();
	if (be->init(l, nfd) == -1) {
		snprintf(err, errsize, "%s: %s", be->name, strerror(errno));
		free(l);
		return NULL;
	}
	return l;
}

/* load_loop_free - the backend's state; the ios stay the caller's. */
void
load_loop_free(struct load_loop *l)
{
	if (l == NULL)
		return;
	l->be->free(l);
	free(l);
}

/* load_loop_name - "epoll" or "poll". */
const char *
load_loop_name(const struct load_loop *l)
{
	return l->be->name;
}

/* load_loop_now - the clock as the last wait returned: one reading per
 * round serves every callback of it. */
int64_t
load_loop_now(const struct load_loop *l)
{
	return l->now_us;
}

/* load_loop_add - register io for fd. */
int
load_loop_add(struct load_loop *l, struct load_loop_io *io, int fd,
    unsigned events, load_loop_fn *fn, void *arg)
{
	io->fd = fd;
	io->events = events;
	io->fn = fn;
	io->arg = arg;
	if (l->be->add(l, io) == -1)
		return -1;
	io->added = true;
	return 0;
}

/* load_loop_want - change the events (nothing when equal). */
void
load_loop_want(struct load_loop *l, struct load_loop_io *io, unsigned events)
{
	if (!io->added || io->events == events)
		return;
	if (l->be->mod(l, io, events) == -1)
		fatal("%s: change fd %d: %s", l->be->name, io->fd,
		    strerror(errno));
	io->events = events;
}

/* load_loop_del - unregister. */
void
load_loop_del(struct load_loop *l, struct load_loop_io *io)
{
	if (!io->added)
		return;
	l->be->del(l, io);
	io->added = false;
}

/* load_loop_forget - unregister an fd about to be closed: epoll drops a
 * closed descriptor by itself, so that costs no system call there. */
void
load_loop_forget(struct load_loop *l, struct load_loop_io *io)
{
	if (!io->added)
		return;
	if (l->be != &load_loop_poll_be) {
		io->added = false;
		return;
	}
	load_loop_del(l, io);
}

/* load_loop_wait - one round. */
int
load_loop_wait(struct load_loop *l, int ms)
{
	return l->be->wait(l, ms);
}
