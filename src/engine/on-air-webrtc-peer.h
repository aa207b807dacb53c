/* on-air-webrtc-peer.h: one WebRTC viewer (a webrtcbin fed by the broadcast)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

#include "on-air-broadcast.h"
/* Its callers read the offer and tune test viewers' webrtcbins with these. */
#include "on-air-sdp.h"
#include "on-air-webrtcbin.h"

G_BEGIN_DECLS

#define ON_AIR_TYPE_WEBRTC_PEER (on_air_webrtc_peer_get_type ())
G_DECLARE_FINAL_TYPE (OnAirWebrtcPeer, on_air_webrtc_peer, ON_AIR, WEBRTC_PEER, GObject)

OnAirWebrtcPeer *on_air_webrtc_peer_new             (OnAirBroadcast      *broadcast,
                                                     const char          *id);
/* Before the answer: candidates on @address only (the server's --bind). */
void             on_air_webrtc_peer_set_bind_address (OnAirWebrtcPeer    *self,
                                                      const char         *address);
const char      *on_air_webrtc_peer_get_id          (OnAirWebrtcPeer     *self);
const char      *on_air_webrtc_peer_get_codec_name  (OnAirWebrtcPeer     *self);
guint64          on_air_webrtc_peer_get_frames_sent (OnAirWebrtcPeer     *self);
guint64          on_air_webrtc_peer_get_frames_dropped (OnAirWebrtcPeer  *self);
gboolean         on_air_webrtc_peer_is_connected    (OnAirWebrtcPeer     *self);
/* The rung the viewer's video comes from ("rung" notifies). */
OnAirRung        on_air_webrtc_peer_get_rung        (OnAirWebrtcPeer     *self);

/* Answers @offer with every local candidate in the SDP (no trickle).
 * Takes ownership of @offer. The result is the answer's SDP text. */
void             on_air_webrtc_peer_answer_async    (OnAirWebrtcPeer     *self,
                                                     GstSDPMessage       *offer,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
char            *on_air_webrtc_peer_answer_finish   (OnAirWebrtcPeer     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
/* Leaves the pipeline; emits "closed" once. */
void             on_air_webrtc_peer_close           (OnAirWebrtcPeer     *self);

G_END_DECLS
