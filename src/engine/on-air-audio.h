/* on-air-audio.h: the broadcast's sound, as the window, the status route
 * and WebRTC viewers see it
 *
 * One raw audio stage (the source's sound, or silence while there is none)
 * and one Opus stage shared by every WebRTC viewer: an RTSP camera's Opus
 * as it comes, or one encoder (48 kHz, 20 ms, in-band FEC, DTX) that runs
 * only while a viewer takes sound.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "on-air-broadcast.h"

G_BEGIN_DECLS

/* A WebRTC viewer's sound: its queue into a sink pad of its webrtcbin. */
typedef struct _OnAirAudioTap OnAirAudioTap;

/* Sound is shared by default (the source's own: a webcam's microphone,
 * an RTSP camera's track, the test tone); FALSE keeps every microphone
 * closed and answers viewers with video only. Takes effect for the next
 * source and the next viewers. */
void            on_air_broadcast_set_audio_enabled  (OnAirBroadcast *self,
                                                     gboolean        enabled);
gboolean        on_air_broadcast_get_audio_enabled  (OnAirBroadcast *self);
/* At once, for every viewer: silence instead of the source's sound. */
void            on_air_broadcast_set_audio_muted    (OnAirBroadcast *self,
                                                     gboolean        muted);
gboolean        on_air_broadcast_get_audio_muted    (OnAirBroadcast *self);
/* "off" (sound not shared), "silence" (no source sound: slate, a source
 * without audio), "live". */
const char     *on_air_broadcast_get_audio_state    (OnAirBroadcast *self);
/* What the sound comes from, for people ("Test tone", "Camera audio
 * (AAC)"), or NULL. */
const char     *on_air_broadcast_get_audio_source   (OnAirBroadcast *self);
/* The source's audio codec as it arrives ("opus", "aac", "pcma", "pcmu",
 * "raw"), or NULL. */
const char     *on_air_broadcast_get_audio_codec    (OnAirBroadcast *self);
/* TRUE while the source's Opus goes to viewers untouched. */
gboolean        on_air_broadcast_get_audio_passthrough (OnAirBroadcast *self);
/* Peak level of the last ~100 ms, 0 … 1, before mute; -1 when unknown
 * (Opus passed through is not decoded). Any thread. */
double          on_air_broadcast_get_audio_level    (OnAirBroadcast *self);
/* Opus encoders in the pipeline right now. */
guint           on_air_broadcast_count_audio_encoders (OnAirBroadcast *self);
/* TRUE while at least one WebRTC viewer receives sound. */
gboolean        on_air_broadcast_is_sharing_audio   (OnAirBroadcast *self);

/* The Opus payload type an offer's first audio m-line asks for, if it
 * would receive Opus (48 kHz, 2 channels as WebRTC writes it). */
gboolean        on_air_sdp_choose_audio             (const GstSDPMessage *offer,
                                                     guint               *pt);

/* Links @webrtcbin's next sink pad to the Opus stage through a viewer
 * queue, Opus with payload type @pt; @msid puts it in the same media
 * stream as the viewer's video, so browsers keep them in sync. Nothing
 * flows until on_air_broadcast_open_audio(). NULL when sound is off. */
OnAirAudioTap  *on_air_broadcast_attach_audio       (OnAirBroadcast *self,
                                                     GstElement     *webrtcbin,
                                                     guint           pt,
                                                     const char     *msid);
void            on_air_broadcast_open_audio         (OnAirBroadcast *self,
                                                     OnAirAudioTap  *tap);
void            on_air_broadcast_detach_audio       (OnAirBroadcast *self,
                                                     OnAirAudioTap  *tap);
guint64         on_air_audio_tap_get_packets_sent   (OnAirAudioTap  *tap);

G_END_DECLS
