/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth attach`: a running container's output from now on, read from its
 * log (the monitor keeps reading its terminal or pipes: a second reader of
 * the pty would take bytes from the log), and the caller's input through
 * the console (console.c): to its terminal, or to its stdin pipe when it
 * was run with -i. With a terminal, the caller's is raw while attached, its
 * size is the container's (again at each SIGWINCH), and the detach keys
 * end the attach with the container left running, as Docker's.
 */
#include "container/container.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "container/internal.h"
#include "core/json.h"

/* Docker's key names: ctrl-@, ctrl-a … ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_. */
static int ctrl_key(const char *name)
{
	static const char ctrl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
	if (strncasecmp(name, "ctrl-", 5) != 0 || strlen(name) != 6)
		return -1;
	char c = name[5] >= 'A' && name[5] <= 'Z' ? (char)(name[5] - 'A' + 'a') : name[5];
	const char *p = strchr(ctrl, c);
	return c && p ? (int)(p - ctrl) : -1;
}

int berth_detach_keys_parse(const char *spec, struct berth_detach_keys *ret,
			    struct berth_error **err)
{
	struct berth_detach_keys k = {0};
	const char *p = spec ? spec : "ctrl-p,ctrl-q";
	if (!*p) {
		*ret = k;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(p, ",");
		_cleanup_free_ char *key = berth_xstrndup(p, n);
		int c = n == 1 ? (unsigned char)key[0] : ctrl_key(key);
		if (c < 0)
			return berth_error_set(err, EINVAL,
					       "invalid detach keys '%s': unknown key '%s'", spec,
					       key);
		if (k.len == sizeof(k.seq))
			return berth_error_set(err, EINVAL,
					       "invalid detach keys '%s': more than %zu keys", spec,
					       sizeof(k.seq));
		k.seq[k.len++] = (unsigned char)c;
		if (!p[n])
			break;
		p += n + 1;
	}
	*ret = k;
	return 0;
}

size_t berth_detach_keys_filter(struct berth_detach_keys *k, const void *in, size_t n, void *out,
				bool *ret_detached)
{
	const unsigned char *p = in;
	unsigned char *o = out;
	size_t len = 0;
	*ret_detached = false;
	for (size_t i = 0; i < n; i++) {
		if (k->len && p[i] == k->seq[k->matched]) {
			/* held back until the sequence completes or breaks */
			if (++k->matched == k->len) {
				k->matched = 0;
				*ret_detached = true;
				return len;
			}
			continue;
		}
		/* a broken sequence was typed: what was held goes first */
		memcpy(o + len, k->seq, k->matched);
		len += k->matched;
		k->matched = 0;
		if (k->len && p[i] == k->seq[0]) {
			k->matched = 1;
			continue;
		}
		o[len++] = p[i];
	}
	return len;
}

/* The signals an attach handles while it runs (a forwarded one, SIGWINCH). */
static volatile sig_atomic_t attach_sig, attach_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		attach_winch = 1;
	else
		attach_sig = sig;
}

/* One attach: what it reads and writes, and what it restores at its end. */
struct attach {
	struct berth_store *store;
	const struct berth_container_attach_options *o;
	const char *id;
	bool tty;
	int con; /* the console (terminal or stdin pipe), -1: no input */
	int in;	 /* the caller's input while it lasts, else -1 */
	struct berth_detach_keys keys;
	struct termios saved;
	bool raw;
	struct sigaction old[3];
};

static const int attach_signals[] = {SIGINT, SIGTERM, SIGWINCH};

static void attach_begin(struct attach *a)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	attach_sig = attach_winch = 0;
	for (size_t i = 0; i < ELEMENTSOF(attach_signals); i++) {
		bool mine = attach_signals[i] == SIGWINCH ? a->tty : a->o->sig_proxy && !a->tty;
		sigaction(attach_signals[i], mine ? &sa : NULL, &a->old[i]);
	}
	if (a->tty && a->con >= 0 && a->in >= 0 && tcgetattr(a->in, &a->saved) == 0) {
		struct termios t = a->saved;
		cfmakeraw(&t);
		a->raw = tcsetattr(a->in, TCSANOW, &t) == 0;
	}
	attach_winch = a->tty;
}

static void attach_end(struct attach *a)
{
	if (a->raw)
		tcsetattr(a->in, TCSANOW, &a->saved);
	for (size_t i = 0; i < ELEMENTSOF(attach_signals); i++)
		sigaction(attach_signals[i], &a->old[i], NULL);
}

/* The caller's terminal size, onto the container's (a terminal that is not there: nothing). */
static void attach_resize(struct attach *a)
{
	struct winsize ws;
	attach_winch = 0;
	int from = isatty(a->o->out) ? a->o->out : a->in;
	if (from < 0 || ioctl(from, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return;
	(void)berth_container_resize(a->store, a->id, ws.ws_row, ws.ws_col, NULL);
}

/* Sends what the caller typed on; true when the detach keys were typed. */
static bool attach_input(struct attach *a)
{
	char buf[4096], out[sizeof(buf) + sizeof(a->keys.seq)];
	ssize_t n = read(a->in, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return false;
	if (n <= 0) {
		/* its end is the container's (StdinOnce) or only ours: either way ours goes */
		close(TAKE_FD(a->con));
		a->in = -1;
		return false;
	}
	bool detached = false;
	size_t len = (size_t)n;
	const char *p = buf;
	if (a->tty) {
		len = berth_detach_keys_filter(&a->keys, buf, (size_t)n, out, &detached);
		p = out;
	}
	/* a container that closed its input: the rest is dropped */
	if (len && berth_write_all(a->con, p, len, NULL) < 0) {
		close(TAKE_FD(a->con));
		a->in = -1;
	}
	return detached;
}

/* Copies the log's new records to the caller's output; 0, or -1 when that went away. */
static int attach_output(struct attach *a, struct berth_log_reader *r)
{
	struct berth_log_record rec;
	int ret = 0;
	while (ret == 0 && berth_log_reader_next(r, &rec) > 0) {
		ret = berth_write_all(rec.is_stderr ? a->o->err : a->o->out, rec.text, rec.len,
				      NULL) < 0
			      ? -1
			      : 0;
		berth_log_record_release(&rec);
	}
	return ret;
}

static bool attach_running(struct attach *a)
{
	_cleanup_json_ json_t *st = NULL;
	return berth_container_inspect(a->store, a->id, &st, NULL) >= 0 &&
	       berth_container_state_is_running(st);
}

/* The attach's loop: 1 when the caller detached, 0 when the container stopped. */
static int attach_loop(struct attach *a, struct berth_log_reader *r)
{
	for (;;) {
		if (attach_output(a, r) < 0)
			return 0;
		int sig = attach_sig;
		attach_sig = 0;
		if (sig)
			(void)berth_container_kill(a->store, a->id, sig, NULL);
		if (attach_winch)
			attach_resize(a);
		bool running = attach_running(a);
		/* what it wrote before it stopped is still shown */
		if (attach_output(a, r) < 0 || !running)
			return 0;
		struct pollfd p = {.fd = a->con >= 0 ? a->in : -1, .events = POLLIN};
		int n = poll(&p, 1, 100);
		if (n > 0 && attach_input(a))
			return 1;
	}
}

int berth_container_attach(struct berth_store *store, const char *what,
			   const struct berth_container_attach_options *o, int *ret_code,
			   struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_(berth_log_reader_freep) struct berth_log_reader *reader = NULL;
	int r = berth_container_inspect(store, what, &st, err);
	if (r < 0)
		return r;
	if (!berth_container_state_is_running(st))
		return berth_error_set(err, EINVAL,
				       "you cannot attach to a stopped container, start it first");
	json_t *cfg = json_object_get(st, "Config");
	_cleanup_free_ char *id = berth_xstrdup(json_string_value(json_object_get(st, "Id")));
	struct attach a = {.store = store,
			   .o = o,
			   .id = id,
			   .tty = json_is_true(json_object_get(cfg, "Tty")),
			   .con = -EBADF,
			   .in = -1};
	bool input = o->in >= 0 && json_is_true(json_object_get(cfg, "OpenStdin"));
	r = berth_detach_keys_parse(o->detach_keys, &a.keys, err);
	if (r < 0)
		return r;
	if (input && a.tty && !isatty(o->in))
		return berth_error_set(err, ENOTTY, "the input device is not a TTY");
	/* what the container writes from now on, as Docker's attach without --logs */
	r = berth_log_reader_open(store, id, true, &reader, err);
	if (r < 0)
		return r;
	/* no console: a StdinOnce input another attach took; output only */
	if (input && berth_container_console(store, id, &a.con, NULL) >= 0)
		a.in = o->in;
	attach_begin(&a);
	r = attach_loop(&a, reader);
	attach_end(&a);
	if (a.con >= 0)
		close(a.con);
	if (r > 0)
		return 1;
	r = berth_container_wait(store, id, -1, ret_code, err);
	return r < 0 ? r : 0;
}
