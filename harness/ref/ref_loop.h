/* SPDX-License-Identifier: ISC */
/*
 * ref_loop.h - smtpref's event loop: fd readiness, timers, signals.
 *
 * Single-threaded. Callers embed struct ref_loop_io and struct ref_timer in
 * their own objects (no allocation per event); the loop only points at
 * them, so an object must ref_loop_del() and ref_loop_timer_cancel()
 * before it is freed. Objects are never freed inside their own callback:
 * the after-dispatch hook (ref_loop_set_after) is where deferred frees run.
 * SIGINT and SIGTERM end ref_loop_run() cleanly. One descriptor backend
 * is linked in, chosen at build time: epoll (ref_loop_epoll.c) or poll
 * (ref_loop_poll.c, CMake option SC_REF_POLL); see ref_loop_be.h.
 */
#ifndef SC_REF_LOOP_H
#define SC_REF_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REF_LOOP_IN	0x01	/* readable (or EOF) */
#define REF_LOOP_OUT	0x02	/* writable */
#define REF_LOOP_ERR	0x04	/* error or hang-up; always reported */

struct ref_loop;

typedef void ref_loop_io_fn(void *arg, unsigned events);
typedef void ref_loop_timer_fn(void *arg);
typedef void ref_loop_after_fn(void *arg);

struct ref_loop_io {
	int		 fd;
	unsigned	 events;	/* REF_LOOP_IN | REF_LOOP_OUT wanted */
	bool		 added;
	size_t		 slot;		/* private to the backend */
	ref_loop_io_fn	*fn;
	void		*arg;
};

struct ref_timer {
	int64_t		 when_us;	/* private */
	size_t		 slot;		/* private: heap index + 1, 0 idle */
	ref_loop_timer_fn *fn;
	void		*arg;
};

/* ref_loop_new - an owned loop, or NULL (errno set) when the backend
 * cannot start. */
struct ref_loop *ref_loop_new(void);
void	ref_loop_free(struct ref_loop *);

/* ref_loop_backend_name - the backend built in: "epoll" or "poll". */
const char *ref_loop_backend_name(void);

/*
 * ref_loop_add - watch io->fd for events, calling fn(arg, events).
 * Returns 0 or -1. ref_loop_want changes the events (cheap when equal);
 * ref_loop_del stops watching (the fd is not closed).
 */
int	ref_loop_add(struct ref_loop *, struct ref_loop_io *, int fd,
	    unsigned events, ref_loop_io_fn *fn, void *arg);
void	ref_loop_want(struct ref_loop *, struct ref_loop_io *, unsigned);
void	ref_loop_del(struct ref_loop *, struct ref_loop_io *);

/* ref_loop_timer_arm - (re)arm t to fire once after ms. */
void	ref_loop_timer_arm(struct ref_loop *, struct ref_timer *, long ms,
	    ref_loop_timer_fn *fn, void *arg);
void	ref_loop_timer_cancel(struct ref_loop *, struct ref_timer *);
bool	ref_loop_timer_is_armed(const struct ref_timer *);

/* ref_loop_set_after - fn runs after each round of dispatch. */
void	ref_loop_set_after(struct ref_loop *, ref_loop_after_fn *fn,
	    void *arg);

/*
 * ref_loop_run - dispatch until ref_loop_stop(), SIGINT or SIGTERM.
 * Returns 0, or -1 when the backend fails.
 */
int	ref_loop_run(struct ref_loop *);
void	ref_loop_stop(struct ref_loop *);

#endif /* SC_REF_LOOP_H */
