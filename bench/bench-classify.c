/* bench-classify.c: slate, camera or neither, from a decoded frame
 *
 * A camera frame carries On Air's capture stamp (src/engine/on-air-stamp.h)
 * at the top left; the slate has no stamp (a flat dark picture reads as a
 * stamp of 0, hence the check that the stamp is recent) and its background,
 * ON_AIR_SLATE_ARGB, fills the other three corners (its text is in the
 * middle).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "bench-classify.h"
#include "bench-util.h"
#include "on-air-slate.h"
#include "on-air-stamp.h"

/* How far a recent stamp can be from now: later than this is not latency. */
#define STAMP_MAX_AGE_MS 10000
#define PATCH 8
#define INSET 16
#define LUMA_TOLERANCE 12
#define CHROMA_TOLERANCE 10

/* The slate's colour in limited-range YUV (BT.709; BT.601 differs by less
 * than one step for this near-grey). */
static void
slate_yuv (int yuv[3])
{
  double r = (ON_AIR_SLATE_ARGB >> 16) & 0xff, g = (ON_AIR_SLATE_ARGB >> 8) & 0xff, b = ON_AIR_SLATE_ARGB & 0xff;
  double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;

  yuv[0] = (int) (16 + 219.0 * y / 255 + 0.5);
  yuv[1] = (int) (128 + 224.0 * (b - y) / 1.8556 / 255 + 0.5);
  yuv[2] = (int) (128 + 224.0 * (r - y) / 1.5748 / 255 + 0.5);
}

/* Mean of component @c over a PATCH×PATCH square at (@x, @y) in luma
 * coordinates. */
static int
patch_mean (GstVideoFrame *frame, guint c, int x, int y)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, c);
  int stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
  int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
  int cx = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, c, x);
  int cy = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, c, y);
  int cw = MAX (1, GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, c, PATCH));
  int ch = MAX (1, GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, c, PATCH));
  long sum = 0;

  for (int j = 0; j < ch; j++)
    for (int i = 0; i < cw; i++)
      sum += data[(cy + j) * stride + (cx + i) * pstride];
  return (int) (sum / (cw * ch));
}

static gboolean
corners_are_slate (GstVideoFrame *frame)
{
  int w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
  int corners[3][2] = { { w - INSET - PATCH, INSET }, { INSET, h - INSET - PATCH },
                        { w - INSET - PATCH, h - INSET - PATCH } };
  int want[3];

  if (w < 2 * (INSET + PATCH) || h < 2 * (INSET + PATCH) || GST_VIDEO_FRAME_N_COMPONENTS (frame) < 3)
    return FALSE;
  slate_yuv (want);
  for (guint k = 0; k < G_N_ELEMENTS (corners); k++)
    for (guint c = 0; c < 3; c++)
      {
        int v = patch_mean (frame, c, corners[k][0] & ~1, corners[k][1] & ~1);

        if (ABS (v - want[c]) > (c == 0 ? LUMA_TOLERANCE : CHROMA_TOLERANCE))
          return FALSE;
      }
  return TRUE;
}

BenchFrameKind
bench_classify_frame (GstVideoFrame *frame, gint64 now_real_us, double *latency_ms)
{
  guint32 stamp;

  if (!GST_VIDEO_INFO_IS_YUV (&frame->info))
    return BENCH_FRAME_OTHER;
  if (on_air_stamp_read (GST_VIDEO_FRAME_COMP_DATA (frame, 0), GST_VIDEO_FRAME_COMP_STRIDE (frame, 0),
                         GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame), &stamp))
    {
      gint32 age = (gint32) ((guint32) (now_real_us / 1000) - stamp);

      if (age > -100 && age < STAMP_MAX_AGE_MS)
        {
          *latency_ms = age;
          return BENCH_FRAME_CAMERA;
        }
    }
  return corners_are_slate (frame) ? BENCH_FRAME_SLATE : BENCH_FRAME_OTHER;
}

const char *
bench_frame_kind_name (BenchFrameKind kind)
{
  switch (kind)
    {
    case BENCH_FRAME_CAMERA:
      return "camera";
    case BENCH_FRAME_SLATE:
      return "slate";
    case BENCH_FRAME_OTHER:
    default:
      return "other";
    }
}

void
bench_emit_frame (const char *protocol, guint viewer, gint64 real_us, BenchFrameKind kind, double latency_ms)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_printf (out, "{\"event\":\"frame\",\"protocol\":\"%s\",\"viewer\":%u,\"t_ms\":%.1f,\"kind\":\"%s\"",
                   protocol, viewer, real_us / 1000.0, bench_frame_kind_name (kind));
  if (kind == BENCH_FRAME_CAMERA)
    g_string_append_printf (out, ",\"latency_ms\":%.0f", latency_ms);
  g_string_append_c (out, '}');
  bench_emit (out);
}
