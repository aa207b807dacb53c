/* on-air-rtp.c
 *
 * Small helpers over single RTP packets and their caps, shared by the
 * broadcast's per-viewer taps, the tests and the benchmark clients.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-rtp"

#include "config.h"

#include <gst/rtp/rtp.h>

#include "on-air-rtp.h"

gboolean
on_air_rtp_ends_frame (GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gboolean marker;

  if (buffer == NULL || !gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return FALSE;
  marker = gst_rtp_buffer_get_marker (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return marker;
}

GstBuffer *
on_air_rtp_probe_first_buffer (GstPadProbeInfo *info)
{
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

      return gst_buffer_list_length (list) > 0 ? gst_buffer_list_get (list, 0) : NULL;
    }
  return GST_PAD_PROBE_INFO_BUFFER (info);
}

/* H.264: the payloader leaves DELTA_UNIT off that packet alone (h264parse
 * and the encoders mark access units). VP8: rtpvp8pay marks nothing, so
 * the payload descriptor says it (RFC 7741): start of partition 0, and
 * the VP8 header's P bit clear. */
gboolean
on_air_rtp_starts_keyframe (GstBuffer *buffer, OnAirCodec codec)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  const guint8 *p;
  guint len;
  guint i = 1;
  gboolean key = FALSE;

  if (buffer == NULL)
    return FALSE;
  if (codec == ON_AIR_CODEC_H264)
    return !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return FALSE;
  p = gst_rtp_buffer_get_payload (&rtp);
  len = gst_rtp_buffer_get_payload_len (&rtp);
  if (len >= 2 && (p[0] & 0x10) != 0 && (p[0] & 0x07) == 0)
    {
      if ((p[0] & 0x80) != 0)                    /* X: extensions follow */
        {
          guint8 x = p[1];

          i = 2;
          if ((x & 0x80) != 0)                   /* I: picture ID, 7 or 15 bits */
            i += (len > i && (p[i] & 0x80) != 0) ? 2 : 1;
          if ((x & 0x40) != 0)                   /* L: TL0PICIDX */
            i++;
          if ((x & 0x30) != 0)                   /* T or K: TID and KEYIDX */
            i++;
        }
      key = len > i && (p[i] & 0x01) == 0;
    }
  gst_rtp_buffer_unmap (&rtp);
  return key;
}

/* webrtcbin compares H.264 profile-level-id as a string: the browser
 * offers 42e01f, x264 makes 42c01f, both constrained baseline. If the
 * stream's caps reach a viewer's webrtcbin before it answers, the answer
 * carries no video. Without the field the offer's own value stands. */
GstPadProbeReturn
on_air_relax_h264_profile_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  GstCaps *relaxed;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (!gst_structure_has_field (gst_caps_get_structure (caps, 0), "profile-level-id"))
    return GST_PAD_PROBE_OK;
  relaxed = gst_caps_copy (caps);
  gst_structure_remove_field (gst_caps_get_structure (relaxed, 0), "profile-level-id");
  GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_caps (relaxed);
  gst_caps_unref (relaxed);
  gst_event_unref (event);
  return GST_PAD_PROBE_OK;
}
