/* bench-classify.h: what a decoded frame shows, for the outage bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

typedef enum
{
  BENCH_FRAME_OTHER,   /* neither: a picture being replaced, a grey frame */
  BENCH_FRAME_CAMERA,  /* a readable, plausible capture stamp */
  BENCH_FRAME_SLATE,   /* On Air's slate colour in the corners */
} BenchFrameKind;

/* Classifies a mapped planar YUV frame seen at @now_real_us (wall
 * clock); for a camera frame *@latency_ms is now − stamp. */
BenchFrameKind bench_classify_frame (GstVideoFrame *frame,
                                     gint64         now_real_us,
                                     double        *latency_ms);
const char    *bench_frame_kind_name (BenchFrameKind kind);
/* One "frame" JSON event on stdout: viewer, wall-clock ms, kind. */
void           bench_emit_frame      (const char    *protocol,
                                      guint          viewer,
                                      gint64         real_us,
                                      BenchFrameKind kind,
                                      double         latency_ms);

G_END_DECLS
