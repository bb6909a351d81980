/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dockerfile/dockerfile-internal.h"
#include "dockerfile/gostr.h"

#include "core/buf.h"

/*
 * BuildKit's Node.Dump(): the keyword lower-cased, the flags as Go prints a
 * []string with %q, then each argument quoted with strconv.Quote; ONBUILD's
 * argument is the dump of its instruction in parentheses. Each level is
 * trimmed with strings.TrimSpace.
 */

static void trim_into(struct berth_buf *out, const struct berth_buf *in)
{
	const char *s = in->buf;
	size_t len = in->len;

	go_trim_space(&s, &len);
	berth_buf_add(out, s, len);
}

static void dump_instruction(struct berth_buf *out, const struct berth_dockerfile_instruction *ins)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;

	go_buf_add_lower(&b, ins->name, strlen(ins->name));
	if (ins->n_flags > 0) {
		berth_buf_addstr(&b, " [");
		for (size_t i = 0; i < ins->n_flags; i++) {
			if (i > 0)
				berth_buf_addch(&b, ' ');
			go_buf_add_quoted(&b, ins->flags[i].raw, strlen(ins->flags[i].raw));
		}
		berth_buf_addch(&b, ']');
	}
	if (ins->sub) {
		/* The argument node holding the child: "" + "(" child ")\n", trimmed. */
		_cleanup_buf_ struct berth_buf child = BERTH_BUF_INIT;
		berth_buf_addch(&child, '(');
		dump_instruction(&child, ins->sub);
		berth_buf_addstr(&child, ")\n");
		berth_buf_addch(&b, ' ');
		trim_into(&b, &child);
	} else if (ins->keyword == BERTH_DOCKERFILE_UNKNOWN) {
		/* BuildKit keeps one empty argument for an instruction it does not know. */
		berth_buf_addstr(&b, " \"\"");
	}
	for (size_t i = 0; i < ins->n_args; i++) {
		berth_buf_addch(&b, ' ');
		go_buf_add_quoted(&b, ins->args[i], ins->arg_lens[i]);
	}
	trim_into(out, &b);
}

char *berth_dockerfile_dump(const struct berth_dockerfile *df)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	struct berth_buf out = BERTH_BUF_INIT;

	for (size_t i = 0; i < df->n_instructions; i++) {
		berth_buf_addch(&b, '(');
		dump_instruction(&b, &df->instructions[i]);
		berth_buf_addstr(&b, ")\n");
	}
	trim_into(&out, &b);
	return berth_buf_detach(&out, NULL);
}
