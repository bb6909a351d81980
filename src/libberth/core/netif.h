/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/error.h"

/* Brings the loopback interface of the calling thread's network namespace up. */
int berth_loopback_up(struct berth_error **err);
