/* SPDX-License-Identifier: ISC */
/*
 * ref_loop_poll.c - the poll(2) backend of smtpref's event loop.
 *
 * For systems without epoll (CMake option SC_REF_POLL). One pollfd array
 * with a parallel array of struct ref_loop_io pointers; io->slot is the
 * index. Deleting only blanks a slot (fd -1, which poll ignores) so that
 * indices stay valid while callbacks run; the holes are squeezed out
 * before the next sleep. ppoll() installs the caller's signal mask only
 * while it sleeps. O(descriptors) per wake-up, which is fine for a test
 * server.
 */
#include "ref_loop_be.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sc_util.h"

#ifndef POLLRDHUP
#define POLLRDHUP	0
#endif

struct ref_loop_poll {
	struct pollfd		 *pfd;
	struct ref_loop_io	**ios;	/* NULL: a deleted slot */
	size_t			  n, cap;
	bool			  holes;
};

/* ref_loop_poll_init - empty arrays. */
static void *
ref_loop_poll_init(void)
{
	return xcalloc(1, sizeof(struct ref_loop_poll));
}

/* ref_loop_poll_free - the arrays; the io objects are the callers'. */
static void
ref_loop_poll_free(void *be)
{
	struct ref_loop_poll *p = be;

	if (p == NULL)
		return;
	free(p->pfd);
	free(p->ios);
	free(p);
}

/* ref_loop_poll_mask - REF_LOOP_* to poll bits. */
static short
ref_loop_poll_mask(unsigned events)
{
	short m = 0;

	if (events & REF_LOOP_IN)
		m |= POLLIN | POLLRDHUP;
	if (events & REF_LOOP_OUT)
		m |= POLLOUT;
	return m;
}

/* ref_loop_poll_add - append a slot. */
static int
ref_loop_poll_add(void *be, struct ref_loop_io *io)
{
	struct ref_loop_poll *p = be;

	if (p->n == p->cap) {
		p->cap = p->cap == 0 ? 64 : p->cap * 2;
		p->pfd = xreallocarray(p->pfd, p->cap, sizeof(*p->pfd));
		p->ios = xreallocarray(p->ios, p->cap, sizeof(*p->ios));
	}
	p->pfd[p->n].fd = io->fd;
	p->pfd[p->n].events = ref_loop_poll_mask(io->events);
	p->pfd[p->n].revents = 0;
	p->ios[p->n] = io;
	io->slot = p->n++;
	return 0;
}

/* ref_loop_poll_mod - change the events in place. */
static int
ref_loop_poll_mod(void *be, struct ref_loop_io *io, unsigned events)
{
	struct ref_loop_poll *p = be;

	if (io->slot >= p->n || p->ios[io->slot] != io)
		fatal("poll backend: fd %d not in its slot", io->fd);
	p->pfd[io->slot].events = ref_loop_poll_mask(events);
	return 0;
}

/* ref_loop_poll_del - blank the slot; squeezed out before the next wait. */
static void
ref_loop_poll_del(void *be, struct ref_loop_io *io)
{
	struct ref_loop_poll *p = be;

	if (io->slot >= p->n || p->ios[io->slot] != io)
		fatal("poll backend: fd %d not in its slot", io->fd);
	p->pfd[io->slot].fd = -1;
	p->pfd[io->slot].revents = 0;
	p->ios[io->slot] = NULL;
	p->holes = true;
}

/* ref_loop_poll_squeeze - drop blanked slots, renumbering the rest. */
static void
ref_loop_poll_squeeze(struct ref_loop_poll *p)
{
	size_t i, j = 0;

	for (i = 0; i < p->n; i++) {
		if (p->ios[i] == NULL)
			continue;
		p->pfd[j] = p->pfd[i];
		p->ios[j] = p->ios[i];
		p->ios[j]->slot = j;
		j++;
	}
	p->n = j;
	p->holes = false;
}

/* ref_loop_poll_wait - sleep, then dispatch. */
static int
ref_loop_poll_wait(void *be, int ms, const sigset_t *mask)
{
	struct ref_loop_poll *p = be;
	struct ref_loop_io *io;
	struct timespec ts;
	size_t i, n;
	unsigned got;
	short rev;
	int rc;

	if (p->holes)
		ref_loop_poll_squeeze(p);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	rc = ppoll(p->pfd, (nfds_t)p->n, ms < 0 ? NULL : &ts, mask);
	if (rc == -1)
		return errno == EINTR ? 0 : -1;
	/* Callbacks may add (appended past n) or delete (blanked) slots;
	 * only the slots that were polled are looked at. */
	n = p->n;
	for (i = 0; i < n && rc > 0; i++) {
		rev = p->pfd[i].revents;
		io = p->ios[i];
		if (rev == 0)
			continue;
		rc--;
		p->pfd[i].revents = 0;
		if (io == NULL || !io->added)
			continue;
		got = 0;
		if (rev & (POLLIN | POLLRDHUP))
			got |= REF_LOOP_IN;
		if (rev & POLLOUT)
			got |= REF_LOOP_OUT;
		if (rev & (POLLERR | POLLHUP | POLLNVAL))
			got |= REF_LOOP_ERR;
		io->fn(io->arg, got);
	}
	return 0;
}

const struct ref_loop_backend ref_loop_backend = {
	.name = "poll",
	.init = ref_loop_poll_init,
	.free = ref_loop_poll_free,
	.add = ref_loop_poll_add,
	.mod = ref_loop_poll_mod,
	.del = ref_loop_poll_del,
	.wait = ref_loop_poll_wait,
};
