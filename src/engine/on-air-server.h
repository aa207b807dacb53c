/* on-air-server.h: the LAN server (viewer page, MJPEG, WHEP, status)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "on-air-broadcast.h"

G_BEGIN_DECLS

#define ON_AIR_SERVER_DEFAULT_PORT 8080
#define ON_AIR_SERVER_DEFAULT_MAX_VIEWERS 32
#define ON_AIR_SERVER_MAX_BODY (64 * 1024)

#define ON_AIR_TYPE_SERVER (on_air_server_get_type ())
G_DECLARE_FINAL_TYPE (OnAirServer, on_air_server, ON_AIR, SERVER, GObject)

OnAirServer    *on_air_server_new             (OnAirBroadcast *broadcast);
/* NULL token: anyone on the network can watch. */
void            on_air_server_set_token       (OnAirServer    *self,
                                               const char     *token);
const char     *on_air_server_get_token       (OnAirServer    *self);
void            on_air_server_set_max_viewers (OnAirServer    *self,
                                               guint           max_viewers);
/* @address NULL listens on every interface; @port 0 picks a free port. */
gboolean        on_air_server_listen          (OnAirServer    *self,
                                               const char     *address,
                                               guint           port,
                                               GError        **error);
guint           on_air_server_get_port        (OnAirServer    *self);
gboolean        on_air_server_is_listening    (OnAirServer    *self);
/* Closes every viewer and the listening sockets. */
void            on_air_server_stop            (OnAirServer    *self);
/* OnAirViewer items, updated as viewers come and go. */
GListModel     *on_air_server_get_viewers     (OnAirServer    *self);
OnAirBroadcast *on_air_server_get_broadcast   (OnAirServer    *self);

G_END_DECLS
