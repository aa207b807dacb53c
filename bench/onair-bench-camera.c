/* onair-bench-camera: the RTSP camera's own latency, without On Air
 *
 *   onair-bench-camera RTSP_URL SECONDS
 *
 * Receives the camera's H.264 the way On Air does (rtspsrc latency=0,
 * rtph264depay), decodes every frame on one thread and reads the capture
 * time stamped into it. What this measures is the camera (encoder, its
 * server, the RTP transport) plus one decode: the floor under any latency
 * measured through On Air's pass-through path.
 *
 * Prints one JSON line: {"latency_ms":{"p50":…,"p95":…,"samples":…},…}.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "bench-util.h"
#include "on-air-stamp.h"

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *desc = NULL;
  gint64 start, end;
  double seconds;
  guint frames = 0, unreadable = 0;

  gst_init (&argc, &argv);
  if (argc != 3 || (seconds = g_ascii_strtod (argv[2], NULL)) <= 0)
    {
      g_printerr ("usage: onair-bench-camera RTSP_URL SECONDS\n");
      return 2;
    }

  desc = g_strdup_printf ("rtspsrc name=src latency=0 ! rtph264depay ! h264parse "
                          "! avdec_h264 max-threads=1 ! appsink name=sink sync=false max-buffers=2");
  pipeline = gst_parse_launch (desc, &error);
  if (pipeline == NULL)
    {
      g_printerr ("onair-bench-camera: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr(GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    g_object_set (src, "location", argv[1], NULL);
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* The first second is start-up: connection, first keyframe. */
  start = g_get_monotonic_time () + G_USEC_PER_SEC;
  end = start + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND);
      GstVideoInfo info;
      GstVideoFrame frame;
      guint32 stamp;
      gboolean ok = FALSE;

      if (sample == NULL)
        break;
      if (g_get_monotonic_time () < start)
        continue;
      frames++;
      if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) &&
          gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
        {
          ok = on_air_stamp_read (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                  GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                                  GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame), &stamp);
          gst_video_frame_unmap (&frame);
        }
      if (ok)
        {
          double latency = (double) (gint32) (on_air_stamp_now () - stamp);
          g_array_append_val (latencies, latency);
        }
      else
        unreadable++;
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_array_sort (latencies, bench_compare_double);
  if (latencies->len > 0)
    printf ("{\"frames\":%u,\"fps\":%.2f,\"latency_ms\":{\"p50\":%.1f,\"p95\":%.1f,\"samples\":%u},"
            "\"unreadable\":%u}\n",
            frames, frames / seconds, bench_percentile ((double *) latencies->data, latencies->len, 50), bench_percentile ((double *) latencies->data, latencies->len, 95),
            latencies->len, unreadable);
  else
    printf ("{\"frames\":%u,\"fps\":%.2f,\"latency_ms\":{\"p50\":null,\"p95\":null,\"samples\":0},"
            "\"unreadable\":%u}\n", frames, frames / seconds, unreadable);
  return latencies->len > 0 ? 0 : 1;
}
