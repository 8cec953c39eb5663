/* SPDX-License-Identifier: ISC */
/*
 * ref_loop_be.h - private: the backend table behind ref_loop.c.
 *
 * ref_loop.c keeps timers, signals and the run loop; a backend only
 * watches descriptors. Exactly one backend is linked (ref_loop_epoll.c or
 * ref_loop_poll.c, chosen by the CMake option SC_REF_POLL) and defines
 * ref_loop_backend. Backends own their state; the struct ref_loop_io
 * objects stay the caller's.
 */
#ifndef SC_REF_LOOP_BE_H
#define SC_REF_LOOP_BE_H

#include <signal.h>

#include "ref_loop.h"

struct ref_loop_backend {
	const char	*name;		/* "epoll", "poll" */
	/* init - owned backend state, or NULL with errno set. */
	void		*(*init)(void);
	void		 (*free)(void *be);
	/* add, mod - watch io->fd for REF_LOOP_IN/OUT; 0 or -1 (errno). */
	int		 (*add)(void *be, struct ref_loop_io *io);
	int		 (*mod)(void *be, struct ref_loop_io *io,
			    unsigned events);
	void		 (*del)(void *be, struct ref_loop_io *io);
	/*
	 * wait - sleep up to ms with mask as the signal mask, then call the
	 * fn of every ready io that is still added. Returns 0 (also when a
	 * signal cut the sleep short) or -1 when the backend fails.
	 */
	int		 (*wait)(void *be, int ms, const sigset_t *mask);
};

extern const struct ref_loop_backend ref_loop_backend;

#endif /* SC_REF_LOOP_BE_H */
