/* on-air-audio-tone.c
 *
 * The test pattern's sound: a steady tone of a known frequency, and a
 * click at every whole second of the wall clock. The click is placed by
 * the capture time of its sample (the pipeline clock mapped to the wall
 * clock), as the video's stamp is the capture time of its frame: a viewer
 * that finds both knows how far apart sound and picture are played, and
 * how late each arrives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-audio-tone"

#include "config.h"

#include "on-air-audio-private.h"

#define TONE_VOLUME 0.25
#define CLICK_LEVEL 29000

typedef struct
{
  guint click_left; /* samples of the current click still to write */
} Tone;

/* Wall-clock nanoseconds of running time @pts, by the element's clock. */
static gboolean
wall_time_of (GstElement *element, GstClockTime pts, gint64 *wall_ns)
{
  g_autoptr(GstClock) clock = gst_element_get_clock (element);
  GstClockTime now;

  if (clock == NULL || !GST_CLOCK_TIME_IS_VALID (pts))
    return FALSE;
  now = gst_clock_get_time (clock);
  *wall_ns = g_get_real_time () * 1000 -
             ((gint64) now - (gint64) (gst_element_get_base_time (element) + pts));
  return TRUE;
}

/* Streaming thread: writes the clicks into the tone. */
static GstPadProbeReturn
click_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Tone *tone = user_data;
  g_autoptr(GstElement) element = gst_pad_get_parent_element (pad);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gint64 wall;
  gint16 *samples;
  gsize n;

  if (element == NULL || !wall_time_of (element, GST_BUFFER_PTS (buffer), &wall))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READWRITE))
    return GST_PAD_PROBE_OK;
  samples = (gint16 *) map.data;
  n = map.size / sizeof (gint16);
  for (gsize i = 0; i < n; i++)
    {
      gint64 t = wall + (gint64) i * GST_SECOND / ON_AIR_AUDIO_RATE;
      gint64 prev = t - GST_SECOND / ON_AIR_AUDIO_RATE;

      if (t / GST_SECOND != prev / GST_SECOND)
        tone->click_left = ON_AIR_AUDIO_RATE * ON_AIR_CLICK_MS / 1000;
      if (tone->click_left > 0)
        {
          /* A square wave at 2.4 kHz: loud and sharp-edged, easy to find
           * after Opus. */
          samples[i] = (tone->click_left / 10) % 2 ? CLICK_LEVEL : -CLICK_LEVEL;
          tone->click_left--;
        }
    }
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

/* A bin with one source pad "src" carrying ON_AIR_AUDIO_CAPS, live. */
GstElement *
on_air_audio_tone_new (void)
{
  GstElement *bin = gst_bin_new ("tone");
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *filter = on_air_make_capsfilter (ON_AIR_AUDIO_CAPS);
  g_autoptr(GstPad) out = NULL;

  g_object_set (src, "is-live", TRUE, "freq", (double) ON_AIR_TONE_HZ, "volume", TONE_VOLUME,
                "samplesperbuffer", ON_AIR_AUDIO_BUFFER_SAMPLES, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "wave", "sine");
  gst_bin_add_many (GST_BIN (bin), src, filter, NULL);
  gst_element_link (src, filter);
  out = gst_element_get_static_pad (filter, "src");
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, click_probe, g_new0 (Tone, 1), g_free);
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", out));
  return bin;
}
