/* whep-audio.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include <gst/video/video.h>

#include "on-air-stamp.h"
#include "whep-audio.h"
#include "whep-client.h"

#define RATE 48000
#define LOUD 328          /* -40 dBFS */
#define CLICK 20000       /* the tone's peak is about 8200 */

struct _WhepAudio
{
  GMutex        lock;
  guint64       samples;
  guint64       crossings;
  guint64       crossing_samples;
  gint16        last_sample;
  int           peak;
  guint         peak_samples;
  double        level;
  gint64        last_loud_us;
  gint64        last_click_ms;  /* receiver PTS, ms */
  guint         clicks;
  GstVideoInfo  vinfo;
  gboolean      vinfo_set;
  gboolean      video_known;
  double        video_offset_ms; /* receiver PTS − capture wall time */
  guint         video_stamps;
  GArray       *av_offsets;
  GArray       *audio_latencies;
  GArray       *video_latencies;
};

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* A click found at receiver time @pts_ms: its wall second is the one the
 * video's offset points to. */
static void
found_click (WhepAudio *a, double pts_ms)
{
  double wall, av;

  a->clicks++;
  if (!a->video_known)
    return;
  wall = 1000.0 * (gint64) ((pts_ms - a->video_offset_ms + 500.0) / 1000.0);
  av = (pts_ms - wall) - a->video_offset_ms;
  g_array_append_val (a->av_offsets, av);
  av = (double) now_ms () - wall;
  g_array_append_val (a->audio_latencies, av);
}

static GstPadProbeReturn
audio_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepAudio *a = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstMapInfo map;
  const gint16 *s;
  gsize n;
  int peak = 0;
  guint64 crossings = 0;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  s = (const gint16 *) map.data;
  n = map.size / 2;
  g_mutex_lock (&a->lock);
  for (gsize i = 0; i < n; i++)
    {
      int v = abs (s[i]);
      double t_ms = GST_TIME_AS_USECONDS (pts) / 1000.0 + i * 1000.0 / RATE;

      peak = MAX (peak, v);
      if (a->last_sample < 0 && s[i] >= 0)
        crossings++;
      a->last_sample = s[i];
      if (v > CLICK && GST_CLOCK_TIME_IS_VALID (pts) && t_ms - a->last_click_ms > 500)
        {
          a->last_click_ms = (gint64) t_ms;
          found_click (a, t_ms);
        }
    }
  /* The tone's frequency from buffers that are all tone. */
  if (peak > LOUD && peak < CLICK)
    {
      a->crossings += crossings;
      a->crossing_samples += n;
    }
  if (peak > LOUD)
    a->last_loud_us = g_get_monotonic_time ();
  a->samples += n;
  a->peak = MAX (a->peak, peak);
  a->peak_samples += n;
  if (a->peak_samples >= RATE / 10)
    {
      a->level = a->peak / 32768.0;
      a->peak = 0;
      a->peak_samples = 0;
    }
  g_mutex_unlock (&a->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
video_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepAudio *a = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
      GstCaps *caps;

      if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
        {
          gst_event_parse_caps (event, &caps);
          g_mutex_lock (&a->lock);
          a->vinfo_set = gst_video_info_from_caps (&a->vinfo, caps);
          g_mutex_unlock (&a->lock);
        }
      return GST_PAD_PROBE_OK;
    }

  g_mutex_lock (&a->lock);
  if (a->vinfo_set && GST_BUFFER_PTS_IS_VALID (GST_PAD_PROBE_INFO_BUFFER (info)))
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
      GstVideoFrame frame;
      guint32 stamp;

      if (gst_video_frame_map (&frame, &a->vinfo, buffer, GST_MAP_READ))
        {
          if (on_air_stamp_read (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                                 GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame), &stamp))
            {
              gint64 now = now_ms ();
              /* The full wall time of the stamp, which is modulo 2^32 ms. */
              gint64 wall = now - (gint64) (guint32) ((guint32) now - stamp);
              double latency = (double) (now - wall);

              if (latency < 10000)
                {
                  a->video_offset_ms = GST_TIME_AS_USECONDS (GST_BUFFER_PTS (buffer)) / 1000.0 - wall;
                  a->video_known = TRUE;
                  a->video_stamps++;
                  g_array_append_val (a->video_latencies, latency);
                }
            }
          gst_video_frame_unmap (&frame);
        }
    }
  g_mutex_unlock (&a->lock);
  return GST_PAD_PROBE_OK;
}

WhepAudio *
whep_audio_new (void)
{
  WhepAudio *a = g_new0 (WhepAudio, 1);

  g_mutex_init (&a->lock);
  a->last_click_ms = G_MININT64 / 2;
  a->av_offsets = g_array_new (FALSE, FALSE, sizeof (double));
  a->audio_latencies = g_array_new (FALSE, FALSE, sizeof (double));
  a->video_latencies = g_array_new (FALSE, FALSE, sizeof (double));
  return a;
}

void
whep_audio_watch_audio (WhepAudio *a, GstPad *pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, audio_probe, a, NULL);
}

void
whep_audio_watch_video (WhepAudio *a, GstPad *pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, video_probe, a, NULL);
}

static int
compare_doubles (gconstpointer x, gconstpointer y)
{
  double a = *(const double *) x, b = *(const double *) y;

  return a < b ? -1 : a > b;
}

static double
median (GArray *values)
{
  g_autoptr(GArray) sorted = NULL;

  if (values->len == 0)
    return 0;
  sorted = g_array_copy (values);
  g_array_sort (sorted, compare_doubles);
  return g_array_index (sorted, double, sorted->len / 2);
}

void
whep_audio_get_stats (WhepAudio *a, WhepAudioStats *stats)
{
  g_mutex_lock (&a->lock);
  stats->samples = a->samples;
  stats->tone_hz = a->crossing_samples > 0 ? a->crossings * (double) RATE / a->crossing_samples : 0;
  stats->level = a->level;
  stats->last_loud_us = a->last_loud_us;
  stats->clicks = a->clicks;
  stats->video_stamps = a->video_stamps;
  stats->av_offset_p50_ms = median (a->av_offsets);
  stats->audio_latency_p50_ms = median (a->audio_latencies);
  stats->video_latency_p50_ms = median (a->video_latencies);
  g_mutex_unlock (&a->lock);
}

void
whep_audio_reset (WhepAudio *a)
{
  g_mutex_lock (&a->lock);
  g_array_set_size (a->av_offsets, 0);
  g_array_set_size (a->audio_latencies, 0);
  g_array_set_size (a->video_latencies, 0);
  a->crossings = a->crossing_samples = 0;
  g_mutex_unlock (&a->lock);
}

void
whep_audio_free (WhepAudio *a)
{
  g_array_unref (a->av_offsets);
  g_array_unref (a->audio_latencies);
  g_array_unref (a->video_latencies);
  g_mutex_clear (&a->lock);
  g_free (a);
}

gboolean
whep_viewer_is_silent (gpointer viewer)
{
  WhepAudioStats stats;

  whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
  return g_get_monotonic_time () - stats.last_loud_us > 500 * 1000;
}

gboolean
whep_viewer_is_loud (gpointer viewer)
{
  WhepAudioStats stats;

  whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
  return g_get_monotonic_time () - stats.last_loud_us < 50 * 1000;
}
