/* whep-client.h: a recvonly webrtcbin viewer, for tests and the benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _WhepViewer WhepViewer;

/* @codec: "H264" or "VP8". With @decode, frames are decoded (avdec_h264 or
 * vp8dec) and counted after the decoder; else RTP frames are counted. */
WhepViewer *whep_viewer_new          (const char  *codec,
                                      gboolean     decode);
/* Adds a recvonly Opus transceiver with payload type @pt (before the
 * offer): the sound is decoded and measured (whep-audio.h). @latency_ms:
 * the viewer's jitter buffer, 0 for webrtcbin's default (200 ms). */
void        whep_viewer_want_audio   (WhepViewer  *viewer,
                                      guint        pt,
                                      guint        latency_ms);
struct _WhepAudio *whep_viewer_get_audio (WhepViewer *viewer);
/* Blocks until ICE gathering completes; the SDP carries all candidates. */
char       *whep_viewer_create_offer (WhepViewer  *viewer,
                                      GError     **error);
gboolean    whep_viewer_set_answer   (WhepViewer  *viewer,
                                      const char  *sdp,
                                      GError     **error);
guint64     whep_viewer_get_frames   (WhepViewer  *viewer);
/* After the answer: drops @percent of the video's RTP packets as they
 * arrive (the receiver's reports say so), and reports every half second. */
void        whep_viewer_set_loss     (WhepViewer  *viewer,
                                      guint        percent);
/* Since the first whep_viewer_set_loss(): how often the video's RTP
 * sequence jumped (by more than a loss makes) or its SSRC changed. */
guint       whep_viewer_get_discontinuities (WhepViewer *viewer);
/* Frames that came after a gap in the video's sequence numbers and
 * before the next keyframe, which no decoder can show; @gaps: the gaps. */
guint       whep_viewer_get_undecodable_frames (WhepViewer *viewer,
                                                guint      *gaps);
/* TRUE if the first RTP packets received were a whole keyframe (H.264: an
 * access unit with an IDR slice, from its first NAL unit; VP8: its first
 * packet starts a key frame). @known: whether that frame is complete (a
 * packet of the next one came). */
gboolean    whep_viewer_first_frame_is_keyframe (WhepViewer *viewer,
                                                 gboolean   *known);

/* The signalling steps on any webrtcbin (the benchmark's viewers build
 * their own): the offer once ICE gathering completes, and applying
 * the answer. Both block on webrtcbin's promises. */
char       *whep_webrtcbin_create_offer (GstElement  *webrtcbin,
                                         GError     **error);
gboolean    whep_webrtcbin_set_answer   (GstElement  *webrtcbin,
                                         const char  *sdp,
                                         GError     **error);
/* The answering side (the benchmark's plain GStreamer server): applies the
 * offer and returns the answer once ICE gathering completes. Blocks. */
char       *whep_webrtcbin_answer       (GstElement  *webrtcbin,
                                         const char  *offer_sdp,
                                         GError     **error);
/* With decode: the newest picture's top-left colour (RGB); FALSE before
 * the first picture. */
gboolean    whep_viewer_get_corner   (WhepViewer  *viewer,
                                      guint8       rgb[3]);
gboolean    whep_viewer_get_size     (WhepViewer  *viewer,
                                      int         *width,
                                      int         *height);
void        whep_viewer_free         (WhepViewer  *viewer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhepViewer, whep_viewer_free)

G_END_DECLS
