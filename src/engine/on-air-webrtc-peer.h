/* on-air-webrtc-peer.h: one WebRTC viewer (a webrtcbin fed by the broadcast)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

#include "on-air-broadcast.h"

G_BEGIN_DECLS

#define ON_AIR_TYPE_WEBRTC_PEER (on_air_webrtc_peer_get_type ())
G_DECLARE_FINAL_TYPE (OnAirWebrtcPeer, on_air_webrtc_peer, ON_AIR, WEBRTC_PEER, GObject)

/* Picks the codec and payload type this viewer's offer asks for: H.264
 * packetization-mode 1, constrained baseline first; VP8 otherwise. */
gboolean         on_air_sdp_choose_video_codec      (const GstSDPMessage *offer,
                                                     OnAirCodec          *codec,
                                                     guint               *pt,
                                                     GError             **error);
/* Parses and checks an SDP offer: at least one media, one of them video. */
GstSDPMessage   *on_air_sdp_parse_offer             (const char          *text,
                                                     gsize                length,
                                                     GError             **error);

OnAirWebrtcPeer *on_air_webrtc_peer_new             (OnAirBroadcast      *broadcast,
                                                     const char          *id);
const char      *on_air_webrtc_peer_get_id          (OnAirWebrtcPeer     *self);
const char      *on_air_webrtc_peer_get_codec_name  (OnAirWebrtcPeer     *self);
guint64          on_air_webrtc_peer_get_frames_sent (OnAirWebrtcPeer     *self);
guint64          on_air_webrtc_peer_get_frames_dropped (OnAirWebrtcPeer  *self);
gboolean         on_air_webrtc_peer_is_connected    (OnAirWebrtcPeer     *self);

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
/* Turns off libnice's UPnP port mapping on @webrtcbin's ICE agent. */
void             on_air_webrtcbin_disable_upnp      (GstElement          *webrtcbin);

/* Leaves the pipeline; emits "closed" once. */
void             on_air_webrtc_peer_close           (OnAirWebrtcPeer     *self);

G_END_DECLS
