/* on-air-rtp.h: reading and adjusting the RTP On Air's payloaders make
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum
{
  ON_AIR_CODEC_H264,
  ON_AIR_CODEC_VP8,
} OnAirCodec;

/* TRUE if @buffer is an RTP packet with the marker bit: the last packet
 * of a video frame. */
gboolean          on_air_rtp_ends_frame                (GstBuffer       *buffer);
/* TRUE if @buffer is the first RTP packet of a keyframe, as On Air's
 * payloaders make them (H.264: flags; VP8: the payload descriptor). */
gboolean          on_air_rtp_starts_keyframe           (GstBuffer       *buffer,
                                                        OnAirCodec       codec);

/* The packet a buffer or buffer-list probe sees first, or NULL. */
GstBuffer        *on_air_rtp_probe_first_buffer        (GstPadProbeInfo *info);

/* A downstream event probe for RTP H.264 going into a webrtcbin: drops
 * profile-level-id from the caps, which webrtcbin 1.22 compares with the
 * browser's offer as a string (42c01f from x264, 42e01f offered: both
 * constrained baseline), answering without video when they differ. */
GstPadProbeReturn on_air_relax_h264_profile_probe      (GstPad          *pad,
                                                        GstPadProbeInfo *info,
                                                        gpointer         user_data);

G_END_DECLS
