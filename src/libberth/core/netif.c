/* SPDX-License-Identifier: Apache-2.0 */
#include "core/netif.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/cleanup.h"

int berth_loopback_up(struct berth_error **err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return berth_error_syscall(err, errno, "socket");
	struct ifreq ifr = {0};
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return berth_error_syscall(err, errno, "get flags of 'lo'");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return berth_error_syscall(err, errno, "bring 'lo' up");
	return 0;
}
