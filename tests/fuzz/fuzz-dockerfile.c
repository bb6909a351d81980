/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dockerfiles come from users and from build contexts anyone can write:
 * parse, validate and dump must never crash, and what parses must hold
 * together (lines in order and in range, args as long as they say).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "dockerfile/dockerfile.h"

static void check_instruction(const struct berth_dockerfile *df,
			      const struct berth_dockerfile_instruction *ins)
{
	if (ins->start_line < 1 || ins->end_line < ins->start_line ||
	    (size_t)ins->end_line > df->n_lines || ins->column < 1)
		__builtin_trap();
	for (size_t i = 0; i < ins->n_args; i++)
		if (!ins->args[i] || strnlen(ins->args[i], ins->arg_lens[i]) > ins->arg_lens[i])
			__builtin_trap();
	if (ins->args && ins->args[ins->n_args])
		__builtin_trap();
	for (size_t i = 0; i < ins->n_heredocs; i++) {
		const struct berth_dockerfile_heredoc *h = &ins->heredocs[i];
		size_t len;
		char *c = berth_dockerfile_heredoc_chomp(h->content, h->content_len, &len);
		if (len > h->content_len)
			__builtin_trap();
		free(c);
	}
	if (ins->sub)
		check_instruction(df, ins->sub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	struct berth_error *err = NULL;

	if (size > 64 * 1024)
		return 0;
	if (berth_dockerfile_parse((const char *)data, size, "Dockerfile", &df, &err) < 0) {
		if (!err || !err->msg)
			__builtin_trap(); /* every failure says why */
		berth_error_free(&err);
		return 0;
	}
	if (df->n_instructions == 0)
		__builtin_trap();
	for (size_t i = 0; i < df->n_instructions; i++) {
		check_instruction(df, &df->instructions[i]);
		if (i > 0 && df->instructions[i].start_line <= df->instructions[i - 1].end_line)
			__builtin_trap();
	}
	if (berth_dockerfile_validate(df, &err) < 0)
		berth_error_free(&err);
	free(berth_dockerfile_dump(df));
	return 0;
}
