/* on-air-broadcast.h: one source, one pipeline, branches built on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "on-air-rtp.h"
#include "on-air-source-spec.h"

G_BEGIN_DECLS

typedef enum
{
  ON_AIR_SOURCE_STATE_STOPPED,
  ON_AIR_SOURCE_STATE_STARTING,
  ON_AIR_SOURCE_STATE_LIVE,
  ON_AIR_SOURCE_STATE_RECONNECTING,
  ON_AIR_SOURCE_STATE_FAILED,
} OnAirSourceState;

/* A viewer's place in the pipeline: its queue and webrtcbin. */
typedef struct _OnAirRtpTap OnAirRtpTap;

#define ON_AIR_TYPE_BROADCAST (on_air_broadcast_get_type ())
G_DECLARE_FINAL_TYPE (OnAirBroadcast, on_air_broadcast, ON_AIR, BROADCAST, GObject)

OnAirBroadcast   *on_air_broadcast_new                 (OnAirSourceSpec *spec);
gboolean          on_air_broadcast_start               (OnAirBroadcast  *self,
                                                        GError         **error);
void              on_air_broadcast_stop                (OnAirBroadcast  *self);

OnAirSourceSpec  *on_air_broadcast_get_spec            (OnAirBroadcast  *self);
/* Switches to @spec. While started, viewers keep their connections and
 * see the slate until the new source sends its first picture. */
void              on_air_broadcast_set_source          (OnAirBroadcast  *self,
                                                        OnAirSourceSpec *spec);
/* The name viewers see (the page, the slate); NULL: the description. */
void              on_air_broadcast_set_title           (OnAirBroadcast  *self,
                                                        const char      *title);
const char       *on_air_broadcast_get_title           (OnAirBroadcast  *self);
OnAirSourceState  on_air_broadcast_get_state           (OnAirBroadcast  *self);
const char       *on_air_source_state_to_string        (OnAirSourceState state);
/* Safe to show: never contains credentials. NULL unless failed. */
const char       *on_air_broadcast_get_error_message   (OnAirBroadcast  *self);
/* Seconds until the next try while failed, else 0. Tries come at once,
 * then after 1, 2, 4 … up to 30 s; a success starts over. */
guint             on_air_broadcast_get_retry_seconds   (OnAirBroadcast  *self);
/* What is being shown, e.g. "Integrated Camera" or the RTSP location. */
const char       *on_air_broadcast_get_description     (OnAirBroadcast  *self);
const char       *on_air_broadcast_get_source_kind     (OnAirBroadcast  *self);
gboolean          on_air_broadcast_get_resolution      (OnAirBroadcast  *self,
                                                        int             *width,
                                                        int             *height);
double            on_air_broadcast_get_fps             (OnAirBroadcast  *self);
/* TRUE when the source already delivers H.264 that WebRTC sends as is. */
gboolean          on_air_broadcast_get_h264_passthrough (OnAirBroadcast *self);
/* TRUE while a pipeline exists that viewers can be attached to. */
gboolean          on_air_broadcast_is_running          (OnAirBroadcast  *self);
GstElement       *on_air_broadcast_get_pipeline        (OnAirBroadcast  *self);
/* How many video encoder elements the pipeline holds right now. */
guint             on_air_broadcast_count_encoders      (OnAirBroadcast  *self);

/* JPEG frames for MJPEG viewers and snapshots; "jpeg-frame" is emitted on
 * the main context, at most once per main-loop iteration, with the newest
 * frame only. */
void              on_air_broadcast_acquire_jpeg        (OnAirBroadcast  *self);
void              on_air_broadcast_release_jpeg        (OnAirBroadcast  *self);
GBytes           *on_air_broadcast_dup_latest_jpeg     (OnAirBroadcast  *self,
                                                        guint64         *sequence);

/* The multipart boundary between MJPEG parts, for the response header. */
#define ON_AIR_MJPEG_BOUNDARY "onairframe"

/* MJPEG viewers: each client socket (HTTP response headers already sent)
 * is served by one multisocketsink behind the shared JPEG stage, one whole
 * multipart part per vectored write, from a streaming thread. A client
 * that falls more than a frame behind is resynced to the newest frame.
 * "mjpeg-client-removed" (GSocket) is emitted on the main context when
 * the sink let go of a client (it hung up, or the pipeline stopped); the
 * caller may close the socket then. */
gboolean          on_air_broadcast_add_mjpeg_client    (OnAirBroadcast  *self,
                                                        GSocket         *socket);
void              on_air_broadcast_remove_mjpeg_client (OnAirBroadcast  *self,
                                                        GSocket         *socket);
gboolean          on_air_broadcast_get_mjpeg_client_stats (OnAirBroadcast *self,
                                                        GSocket         *socket,
                                                        guint64         *frames_sent,
                                                        guint64         *frames_dropped);

/* BGRA frames no larger than max_width × max_height for a preview;
 * "preview-frame" carries a GstSample, coalesced like "jpeg-frame". */
void              on_air_broadcast_acquire_preview     (OnAirBroadcast  *self,
                                                        int              max_width,
                                                        int              max_height);
void              on_air_broadcast_release_preview     (OnAirBroadcast  *self);

/* Called on the main context when the broadcast can no longer feed a
 * viewer: its webrtcbin failed, or the pipeline is being torn down. The
 * owner lets go of the tap (on_air_broadcast_detach_webrtc()) in the
 * callback; a tap still attached when it returns is detached for it. */
typedef void (*OnAirRtpTapLostFunc) (OnAirRtpTap *tap,
                                     gpointer     user_data);

/* Adds @webrtcbin to the pipeline, ready to be fed @codec RTP with payload
 * type @pt. Viewers that agree on codec and payload type share one
 * payloader. Nothing flows to it until on_air_broadcast_open_webrtc(). */
OnAirRtpTap      *on_air_broadcast_attach_webrtc       (OnAirBroadcast  *self,
                                                        GstElement      *webrtcbin,
                                                        OnAirCodec       codec,
                                                        guint            pt,
                                                        OnAirRtpTapLostFunc lost_func,
                                                        gpointer         user_data);
/* A viewer's page has just loaded: starts the H.264 encoder now, so it is
 * warm by the time the viewer's offer arrives (a few hundred ms later).
 * Held until a WebRTC viewer attaches, or for 5 s if none does. */
void              on_air_broadcast_expect_webrtc       (OnAirBroadcast  *self);
/* The viewer's ICE is up: media flows from a fresh keyframe (requested
 * here), so its picture starts at once. webrtcbin holds it until DTLS is
 * done, so the keyframe is encoded while the handshake runs. */
void              on_air_broadcast_open_webrtc         (OnAirBroadcast  *self,
                                                        OnAirRtpTap     *tap);
void              on_air_broadcast_detach_webrtc       (OnAirBroadcast  *self,
                                                        OnAirRtpTap     *tap);
guint64           on_air_rtp_tap_get_frames_sent       (OnAirRtpTap     *tap);
/* The rung a viewer's video comes from. */
typedef enum
{
  ON_AIR_RUNG_HIGH, /* the shared encode (or the camera's own H.264) */
  ON_AIR_RUNG_LOW,  /* a lower-bitrate encode, shared by the viewers that need it */
} OnAirRung;
const char       *on_air_rung_to_string                (OnAirRung        rung);
/* Moves the viewer to @rung without a new negotiation: its packets keep
 * their SSRC, payload type and timestamps, and their sequence numbers
 * run on. The move happens at the first keyframe of @rung (asked for
 * here); until then the viewer gets the rung it is on. Only H.264
 * viewers have a lower rung: FALSE for others. */
gboolean          on_air_broadcast_move_webrtc         (OnAirBroadcast  *self,
                                                        OnAirRtpTap     *tap,
                                                        OnAirRung        rung);
/* The rung the viewer is on (a move in progress not counted). */
OnAirRung         on_air_rtp_tap_get_rung              (OnAirRtpTap     *tap);
/* The SSRC of the viewer's video, on every rung. */
guint32           on_air_rtp_tap_get_ssrc              (OnAirRtpTap     *tap);
guint64           on_air_rtp_tap_get_frames_dropped    (OnAirRtpTap     *tap);
void              on_air_broadcast_request_keyframe    (OnAirBroadcast  *self);

G_END_DECLS
