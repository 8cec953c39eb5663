/* SPDX-License-Identifier: ISC */
/*
 * ref_loop.c - smtpref's event loop: timers, signals, the run loop.
 *
 * Descriptors are watched by the one backend linked in (ref_loop_be.h:
 * epoll or poll). Timers live in a binary min-heap of caller-owned struct
 * ref_timer (each knows its slot, so re-arming is O(log n)). SIGINT and
 * SIGTERM are blocked except inside the backend's wait, which unblocks
 * them atomically (epoll_pwait, ppoll), so a signal can only arrive while
 * the loop sleeps and is never lost between check and wait.
 */
#include "ref_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ref_loop_be.h"
#include "sc_util.h"

#define REF_LOOP_WAIT_MAX_MS	60000	/* longest sleep with no timer */

struct ref_loop {
	void			*be;		/* the backend's state */
	bool			 stop;
	struct ref_timer	**heap;
	size_t			 nheap;
	size_t			 capheap;
	ref_loop_after_fn	*after;
	void			*after_arg;
	sigset_t		 waitmask;	/* mask while sleeping */
	sigset_t		 oldmask;	/* mask before ref_loop_run */
};

static volatile sig_atomic_t ref_loop_signalled;

/* ref_loop_on_signal - note SIGINT/SIGTERM; the loop returns. */
static void
ref_loop_on_signal(int sig)
{
	(void)sig;
	ref_loop_signalled = 1;
}

/* ref_loop_new - backend state and empty heap. */
struct ref_loop *
ref_loop_new(void)
{
	struct ref_loop *l;

	l = xcalloc(1, sizeof(*l));
	l->be = ref_loop_backend.init();
	if (l->be == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

/* ref_loop_free - backend state; registered objects stay the caller's. */
void
ref_loop_free(struct ref_loop *l)
{
	if (l == NULL)
		return;
	ref_loop_backend.free(l->be);
	free(l->heap);
	free(l);
}

/* ref_loop_backend_name - "epoll" or "poll". */
const char *
ref_loop_backend_name(void)
{
	return ref_loop_backend.name;
}

/* ref_loop_add - register. */
int
ref_loop_add(struct ref_loop *l, struct ref_loop_io *io, int fd,
    unsigned events, ref_loop_io_fn *fn, void *arg)
{
	io->fd = fd;
	io->events = events;
	io->fn = fn;
	io->arg = arg;
	if (ref_loop_backend.add(l->be, io) == -1)
		return -1;
	io->added = true;
	return 0;
}

/* ref_loop_want - change the wanted events. */
void
ref_loop_want(struct ref_loop *l, struct ref_loop_io *io, unsigned events)
{
	if (!io->added || io->events == events)
		return;
	if (ref_loop_backend.mod(l->be, io, events) == -1)
		fatal("%s: change fd %d: %s", ref_loop_backend.name, io->fd,
		    strerror(errno));
	io->events = events;
}

/* ref_loop_del - unregister. */
void
ref_loop_del(struct ref_loop *l, struct ref_loop_io *io)
{
	if (!io->added)
		return;
	ref_loop_backend.del(l->be, io);
	io->added = false;
}

/* ref_loop_heap_set - put t at index i. */
static void
ref_loop_heap_set(struct ref_loop *l, size_t i, struct ref_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

/* ref_loop_heap_up - sift up from i. */
static void
ref_loop_heap_up(struct ref_loop *l, size_t i)
{
	struct ref_timer *t = l->heap[i];
	size_t p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (l->heap[p]->when_us <= t->when_us)
			break;
		ref_loop_heap_set(l, i, l->heap[p]);
		i = p;
	}
	ref_loop_heap_set(l, i, t);
}

/* ref_loop_heap_down - sift down from i. */
static void
ref_loop_heap_down(struct ref_loop *l, size_t i)
{
	struct ref_timer *t = l->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap &&
		    l->heap[c + 1]->when_us < l->heap[c]->when_us)
			c++;
		if (t->when_us <= l->heap[c]->when_us)
			break;
		ref_loop_heap_set(l, i, l->heap[c]);
		i = c;
	}
	ref_loop_heap_set(l, i, t);
}

/* ref_loop_timer_cancel - remove t if armed. */
void
ref_loop_timer_cancel(struct ref_loop *l, struct ref_timer *t)
{
	size_t i;
	struct ref_timer *last;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	ref_loop_heap_set(l, i, last);
	ref_loop_heap_up(l, i);
	ref_loop_heap_down(l, last->slot - 1);
}

/* ref_loop_timer_arm - (re)arm. */
void
ref_loop_timer_arm(struct ref_loop *l, struct ref_timer *t, long ms,
    ref_loop_timer_fn *fn, void *arg)
{
	ref_loop_timer_cancel(l, t);
	t->when_us = sc_now_us() + (int64_t)ms * 1000;
	t->fn = fn;
	t->arg = arg;
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap == 0 ? 64 : l->capheap * 2;
		l->heap = xreallocarray(l->heap, l->capheap,
		    sizeof(*l->heap));
	}
	ref_loop_heap_set(l, l->nheap++, t);
	ref_loop_heap_up(l, l->nheap - 1);
}

/* ref_loop_timer_is_armed - pending? */
bool
ref_loop_timer_is_armed(const struct ref_timer *t)
{
	return t->slot != 0;
}

/* ref_loop_set_after - post-dispatch hook. */
void
ref_loop_set_after(struct ref_loop *l, ref_loop_after_fn *fn, void *arg)
{
	l->after = fn;
	l->after_arg = arg;
}

/* ref_loop_stop - return from ref_loop_run after this round. */
void
ref_loop_stop(struct ref_loop *l)
{
	l->stop = true;
}

/* ref_loop_run_timers - fire what is due; returns ms to the next one. */
static int
ref_loop_run_timers(struct ref_loop *l)
{
	struct ref_timer *t;
	int64_t now, wait;

	now = sc_now_us();
	while (l->nheap > 0 && l->heap[0]->when_us <= now) {
		t = l->heap[0];
		ref_loop_timer_cancel(l, t);
		t->fn(t->arg);
	}
	if (l->nheap == 0)
		return REF_LOOP_WAIT_MAX_MS;
	wait = (l->heap[0]->when_us - now + 999) / 1000;
	return wait > REF_LOOP_WAIT_MAX_MS ? REF_LOOP_WAIT_MAX_MS : (int)wait;
}

/* ref_loop_signals - block SIGINT/SIGTERM except while sleeping. */
static void
ref_loop_signals(struct ref_loop *l)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ref_loop_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &l->oldmask);
	l->waitmask = l->oldmask;
	sigdelset(&l->waitmask, SIGINT);
	sigdelset(&l->waitmask, SIGTERM);
}

/* ref_loop_run - the loop. */
int
ref_loop_run(struct ref_loop *l)
{
	int wait, rc = 0;

	ref_loop_signals(l);
	l->stop = false;
	while (!l->stop && !ref_loop_signalled) {
		wait = ref_loop_run_timers(l);
		if (l->after != NULL)
			l->after(l->after_arg);
		if (l->stop)
			break;
		if (ref_loop_backend.wait(l->be, wait, &l->waitmask) == -1) {
			rc = -1;
			break;
		}
		if (l->after != NULL)
			l->after(l->after_arg);
	}
	sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	return rc;
}
