/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Scope-bound cleanup (systemd's names). Declare cleanup variables at the
 * top of their block, initialised: pointers to NULL, fds to -EBADF. Hand
 * ownership out with TAKE_PTR()/TAKE_FD().
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

static inline void berth_freep(void *p)
{
	free(*(void **)p);
	*(void **)p = NULL;
}

static inline void berth_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -EBADF;
}

static inline void berth_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

static inline void berth_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
	*d = NULL;
}

/*
 * A mount point path that is unmounted when it goes out of scope: set it
 * right after the mount succeeded, TAKE_PTR() it once the mount is handed
 * on. The unmount is lazy (MNT_DETACH: whoever still has it open keeps it)
 * and does not follow a symlink at the last component.
 */
static inline void berth_umount_freep(char **path)
{
	if (*path) {
		int saved = errno;
		(void)umount2(*path, MNT_DETACH | UMOUNT_NOFOLLOW);
		free(*path);
		errno = saved;
	}
	*path = NULL;
}

/*
 * A child process that must not outlive the scope (a helper forked on a
 * path that can still fail): SIGKILL and reap. 0 or -1 means none; hand it
 * out with TAKE_PID(). errno is preserved for the caller's error path.
 */
static inline void berth_kill_and_reapp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
	*pid = 0;
}

/* Frees a NULL-terminated array of strings and the array. */
void berth_strv_free(char **v);
static inline void berth_strv_freep(char ***v)
{
	berth_strv_free(*v);
	*v = NULL;
}

#define _cleanup_free_	    _cleanup_(berth_freep)
#define _cleanup_close_	    _cleanup_(berth_closep)
#define _cleanup_fclose_    _cleanup_(berth_fclosep)
#define _cleanup_closedir_  _cleanup_(berth_closedirp)
#define _cleanup_strv_free_ _cleanup_(berth_strv_freep)
#define _cleanup_error_	    _cleanup_(berth_error_free)
#define _cleanup_umount_    _cleanup_(berth_umount_freep)
#define _cleanup_pid_	    _cleanup_(berth_kill_and_reapp)

#define TAKE_PTR(p)                                                                                \
	__extension__({                                                                            \
		__typeof__(p) _p_ = (p);                                                           \
		(p) = NULL;                                                                        \
		_p_;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	__extension__({                                                                            \
		int _fd_ = (fd);                                                                   \
		(fd) = -EBADF;                                                                     \
		_fd_;                                                                              \
	})

#define TAKE_PID(pid)                                                                              \
	__extension__({                                                                            \
		pid_t _pid_ = (pid);                                                               \
		(pid) = 0;                                                                         \
		_pid_;                                                                             \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
