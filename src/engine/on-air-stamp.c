/* on-air-stamp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-stamp"

#include "config.h"

#include <string.h>

#include "on-air-stamp.h"

guint32
on_air_stamp_now (void)
{
  return (guint32) (g_get_real_time () / 1000);
}

gboolean
on_air_stamp_write (GstVideoFrame *frame, guint32 ms)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (frame);
  guint8 *y = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  int y_stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

  g_return_val_if_fail (frame != NULL, FALSE);

  if ((format != GST_VIDEO_FORMAT_I420 && format != GST_VIDEO_FORMAT_NV12) ||
      GST_VIDEO_FRAME_WIDTH (frame) < ON_AIR_STAMP_BITS * ON_AIR_STAMP_BLOCK ||
      GST_VIDEO_FRAME_HEIGHT (frame) < ON_AIR_STAMP_BLOCK)
    return FALSE;

  for (int bit = 0; bit < ON_AIR_STAMP_BITS; bit++)
    {
      guint8 value = (ms >> (ON_AIR_STAMP_BITS - 1 - bit)) & 1 ? 235 : 16;

      for (int row = 0; row < ON_AIR_STAMP_BLOCK; row++)
        memset (y + row * y_stride + bit * ON_AIR_STAMP_BLOCK, value, ON_AIR_STAMP_BLOCK);
    }

  /* Grey chroma under the row, so colour never bleeds into the blocks. */
  if (format == GST_VIDEO_FORMAT_I420)
    for (int plane = 1; plane <= 2; plane++)
      {
        guint8 *c = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
        int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);

        for (int row = 0; row < ON_AIR_STAMP_BLOCK / 2; row++)
          memset (c + row * stride, 128, ON_AIR_STAMP_BITS * ON_AIR_STAMP_BLOCK / 2);
      }
  else
    {
      guint8 *uv = GST_VIDEO_FRAME_PLANE_DATA (frame, 1);
      int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 1);

      for (int row = 0; row < ON_AIR_STAMP_BLOCK / 2; row++)
        memset (uv + row * stride, 128, ON_AIR_STAMP_BITS * ON_AIR_STAMP_BLOCK);
    }
  return TRUE;
}

gboolean
on_air_stamp_read (const guint8 *luma, int stride, int width, int height, guint32 *ms)
{
  guint32 value = 0;

  g_return_val_if_fail (luma != NULL && ms != NULL, FALSE);

  if (width < ON_AIR_STAMP_BITS * ON_AIR_STAMP_BLOCK || height < ON_AIR_STAMP_BLOCK)
    return FALSE;

  for (int bit = 0; bit < ON_AIR_STAMP_BITS; bit++)
    {
      int cx = bit * ON_AIR_STAMP_BLOCK + ON_AIR_STAMP_BLOCK / 2;
      int cy = ON_AIR_STAMP_BLOCK / 2;
      guint8 v = luma[cy * stride + cx];

      /* Anything between black and white means this is not a stamp. */
      if (v > 80 && v < 170)
        return FALSE;
      value = (value << 1) | (v >= 128 ? 1 : 0);
    }
  *ms = value;
  return TRUE;
}

static GstPadProbeReturn
stamp_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;

  if (caps == NULL || !gst_video_info_from_caps (&vinfo, caps))
    return GST_PAD_PROBE_OK;

  buffer = gst_buffer_make_writable (buffer);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_WRITE))
    {
      on_air_stamp_write (&frame, on_air_stamp_now ());
      gst_video_frame_unmap (&frame);
    }
  return GST_PAD_PROBE_OK;
}

void
on_air_stamp_pad (GstPad *pad)
{
  g_return_if_fail (GST_IS_PAD (pad));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe, NULL, NULL);
}
