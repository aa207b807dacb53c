/* on-air-warm-up.c
 *
 * GStreamer's DTLS elements share one certificate per process, generated
 * (an RSA key) when the first one is made: slow on a busy small machine,
 * and the first phone would wait through it. Make it while nobody is
 * waiting. This is not an encoder: nothing runs afterwards.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-warm-up"

#include "config.h"

#include <gst/gst.h>

#include "on-air-warm-up.h"

static GMutex warm_up_lock;
static GThread *warm_up_thread;
static gboolean warm_up_started;

static gpointer
warm_up_webrtc (gpointer data)
{
  /* What the first viewer's signalling would otherwise load on the main
   * thread and wait for: the plugins of a WebRTC viewer's elements and of
   * the H.264 encoder, loaded, not instantiated. Not the decoders and the
   * VP8 encoder: libav and libvpx would grow the idle RSS for the few who
   * need them. */
  static const char * const plugins[] = {
    "webrtcbin", "rtpbin", "nicesrc", "dtlssrtpenc", "srtpenc", "rtph264pay",
    "rtpulpfecenc", "x264enc", "h264parse",
  };
  GstElement *dec = gst_element_factory_make ("dtlsdec", NULL);

  if (dec != NULL)
    gst_object_unref (gst_object_ref_sink (dec));
  for (guint i = 0; i < G_N_ELEMENTS (plugins); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (plugins[i]);
      g_autoptr(GstPluginFeature) loaded = NULL;

      if (factory != NULL)
        loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
    }
  return NULL;
}

void
on_air_warm_up_start (void)
{
  g_mutex_lock (&warm_up_lock);
  if (!warm_up_started)
    {
      warm_up_started = TRUE;
      warm_up_thread = g_thread_new ("on-air-warm-up", warm_up_webrtc, NULL);
    }
  g_mutex_unlock (&warm_up_lock);
}

/* A process that exits while the key is being made crashes inside
 * OpenSSL: whoever lets go of a server waits for it (once, and only right
 * after the first start). */
void
on_air_warm_up_join (void)
{
  GThread *thread;

  g_mutex_lock (&warm_up_lock);
  thread = g_steal_pointer (&warm_up_thread);
  g_mutex_unlock (&warm_up_lock);
  if (thread != NULL)
    g_thread_join (thread);
}
