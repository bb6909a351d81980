/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd, loaded on first use (see core/lazylib.h): only
 * `berth system service` serves HTTP. */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(struct MHD_Daemon *, MHD_start_daemon_va,                                                \
	  (unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,         \
	   MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap),                                \
	  (flags, port, apc, apc_cls, dh, dh_cls, ap))                                             \
	V(MHD_stop_daemon, (struct MHD_Daemon * daemon), (daemon))                                 \
	F(int, MHD_get_connection_values,                                                          \
	  (struct MHD_Connection * connection, enum MHD_ValueKind kind,                            \
	   MHD_KeyValueIterator iterator, void *iterator_cls),                                     \
	  (connection, kind, iterator, iterator_cls))                                              \
	F(enum MHD_Result, MHD_queue_response,                                                     \
	  (struct MHD_Connection * connection, unsigned int status_code,                           \
	   struct MHD_Response *response),                                                         \
	  (connection, status_code, response))                                                     \
	F(struct MHD_Response *, MHD_create_response_from_callback,                                \
	  (uint64_t size, size_t block_size, MHD_ContentReaderCallback crc, void *crc_cls,         \
	   MHD_ContentReaderFreeCallback crfc),                                                    \
	  (size, block_size, crc, crc_cls, crfc))                                                  \
	F(struct MHD_Response *, MHD_create_response_from_buffer,                                  \
	  (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))     \
	F(struct MHD_Response *, MHD_create_response_for_upgrade,                                  \
	  (MHD_UpgradeHandler upgrade_handler, void *upgrade_handler_cls),                         \
	  (upgrade_handler, upgrade_handler_cls))                                                  \
	V(MHD_destroy_response, (struct MHD_Response * response), (response))                      \
	F(enum MHD_Result, MHD_add_response_header,                                                \
	  (struct MHD_Response * response, const char *header, const char *content),               \
	  (response, header, content))                                                             \
	H(MHD_get_connection_info)                                                                 \
	H(MHD_upgrade_action)

#define LAZYLIB_LIB BERTH_LIB_MICROHTTPD
LAZYLIB_MODULE(berth_lazy_microhttpd, "microhttpd", "libmicrohttpd.so.12", SYMS)

/* The variadic ones, for the information types and actions that take no
 * further argument (the only ones berth asks for). */
const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *connection,
							enum MHD_ConnectionInfoType info_type, ...)
{
	return LAZYLIB_FN(const union MHD_ConnectionInfo *(*)(struct MHD_Connection *,
							      enum MHD_ConnectionInfoType, ...),
			  MHD_get_connection_info)(connection, info_type);
}

enum MHD_Result MHD_upgrade_action(struct MHD_UpgradeResponseHandle *urh,
				   enum MHD_UpgradeAction action, ...)
{
	return LAZYLIB_FN(
		enum MHD_Result(*)(struct MHD_UpgradeResponseHandle *, enum MHD_UpgradeAction, ...),
		MHD_upgrade_action)(urh, action);
}
