/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The network subsystem's public header (the CLI includes only this one). */

#include "network/hosts.h"
#include "network/nat.h"
#include "network/ports.h"
