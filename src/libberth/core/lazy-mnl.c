/* SPDX-License-Identifier: Apache-2.0 */
/* libmnl, loaded on first use (see core/lazylib.h): only the commands that
 * set up links, addresses, routes or NAT elements need it, not every `run`
 * (`--network none` never does). */
#include <libmnl/libmnl.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(struct mnl_socket *, mnl_socket_open2, (int bus, int flags), (bus, flags))               \
	F(int, mnl_socket_bind, (struct mnl_socket * nl, unsigned int groups, pid_t pid),          \
	  (nl, groups, pid))                                                                       \
	F(int, mnl_socket_close, (struct mnl_socket * nl), (nl))                                   \
	F(int, mnl_socket_get_fd, (const struct mnl_socket *nl), (nl))                             \
	F(unsigned int, mnl_socket_get_portid, (const struct mnl_socket *nl), (nl))                \
	F(ssize_t, mnl_socket_sendto, (const struct mnl_socket *nl, const void *req, size_t siz),  \
	  (nl, req, siz))                                                                          \
	F(ssize_t, mnl_socket_recvfrom, (const struct mnl_socket *nl, void *buf, size_t siz),      \
	  (nl, buf, siz))                                                                          \
	F(int, mnl_socket_setsockopt,                                                              \
	  (const struct mnl_socket *nl, int type, void *buf, socklen_t len), (nl, type, buf, len)) \
	F(size_t, mnl_nlmsg_size, (size_t len), (len))                                             \
	F(struct nlmsghdr *, mnl_nlmsg_put_header, (void *buf), (buf))                             \
	F(void *, mnl_nlmsg_put_extra_header, (struct nlmsghdr * nlh, size_t size), (nlh, size))   \
	F(bool, mnl_nlmsg_ok, (const struct nlmsghdr *nlh, int len), (nlh, len))                   \
	F(struct nlmsghdr *, mnl_nlmsg_next, (const struct nlmsghdr *nlh, int *len), (nlh, len))   \
	F(void *, mnl_nlmsg_get_payload, (const struct nlmsghdr *nlh), (nlh))                      \
	F(void *, mnl_nlmsg_get_payload_offset, (const struct nlmsghdr *nlh, size_t offset),       \
	  (nlh, offset))                                                                           \
	F(void *, mnl_nlmsg_get_payload_tail, (const struct nlmsghdr *nlh), (nlh))                 \
	F(uint16_t, mnl_attr_get_type, (const struct nlattr *attr), (attr))                        \
	F(uint16_t, mnl_attr_get_payload_len, (const struct nlattr *attr), (attr))                 \
	F(void *, mnl_attr_get_payload, (const struct nlattr *attr), (attr))                       \
	F(uint32_t, mnl_attr_get_u32, (const struct nlattr *attr), (attr))                         \
	F(bool, mnl_attr_ok, (const struct nlattr *attr, int len), (attr, len))                    \
	F(struct nlattr *, mnl_attr_next, (const struct nlattr *attr), (attr))                     \
	V(mnl_attr_put, (struct nlmsghdr * nlh, uint16_t type, size_t len, const void *data),      \
	  (nlh, type, len, data))                                                                  \
	V(mnl_attr_put_u32, (struct nlmsghdr * nlh, uint16_t type, uint32_t data),                 \
	  (nlh, type, data))                                                                       \
	V(mnl_attr_put_strz, (struct nlmsghdr * nlh, uint16_t type, const char *data),             \
	  (nlh, type, data))                                                                       \
	F(struct nlattr *, mnl_attr_nest_start, (struct nlmsghdr * nlh, uint16_t type),            \
	  (nlh, type))                                                                             \
	V(mnl_attr_nest_end, (struct nlmsghdr * nlh, struct nlattr * start), (nlh, start))         \
	F(int, mnl_cb_run,                                                                         \
	  (const void *buf, size_t numbytes, unsigned int seq, unsigned int portid,                \
	   mnl_cb_t cb_data, void *data),                                                          \
	  (buf, numbytes, seq, portid, cb_data, data))

#define LAZYLIB_LIB BERTH_LIB_MNL
LAZYLIB_MODULE(berth_lazy_mnl, "mnl", "libmnl.so.0", SYMS)
