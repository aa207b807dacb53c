/* on-air-audio-mic.c
 *
 * A webcam's own microphone as a source unit's sound: a bin around the
 * microphone's capture element that turns its sound into the raw audio
 * stage's format. A microphone that fails (held by another program, a
 * driver error) leaves the picture alone: its errors become warnings
 * here, so the camera unit does not fail with it, and viewers hear the
 * audio stage's silence instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-audio-mic"

#include "config.h"

#include "on-air-audio-private.h"

#define ON_AIR_TYPE_MIC_BIN (on_air_mic_bin_get_type ())
G_DECLARE_FINAL_TYPE (OnAirMicBin, on_air_mic_bin, ON_AIR, MIC_BIN, GstBin)

struct _OnAirMicBin
{
  GstBin parent_instance;
};

G_DEFINE_FINAL_TYPE (OnAirMicBin, on_air_mic_bin, GST_TYPE_BIN)

static void
on_air_mic_bin_handle_message (GstBin *bin, GstMessage *message)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;
      GstMessage *warning;

      gst_message_parse_error (message, &error, &debug);
      g_message ("The camera's microphone stopped: %s", error->message);
      warning = gst_message_new_warning (GST_MESSAGE_SRC (message), error, debug);
      gst_message_unref (message);
      message = warning;
    }
  GST_BIN_CLASS (on_air_mic_bin_parent_class)->handle_message (bin, message);
}

static GstStateChangeReturn
on_air_mic_bin_change_state (GstElement *element, GstStateChange transition)
{
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (on_air_mic_bin_parent_class)->change_state (element, transition);
  /* A microphone that cannot start is silence, not a failed camera. */
  if (ret == GST_STATE_CHANGE_FAILURE && GST_STATE_TRANSITION_NEXT (transition) > GST_STATE_READY)
    ret = GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

static void
on_air_mic_bin_class_init (OnAirMicBinClass *klass)
{
  GST_BIN_CLASS (klass)->handle_message = on_air_mic_bin_handle_message;
  GST_ELEMENT_CLASS (klass)->change_state = on_air_mic_bin_change_state;
}

static void
on_air_mic_bin_init (OnAirMicBin *self)
{
}

GstElement *
on_air_audio_mic_new (GstDevice *microphone)
{
  GstElement *bin;
  GstElement *capture = gst_device_create_element (microphone, NULL);
  GstElement *convert = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample = gst_element_factory_make ("audioresample", NULL);
  GstElement *filter = on_air_make_capsfilter (ON_AIR_AUDIO_CAPS);
  g_autoptr(GstPad) out = NULL;

  if (capture == NULL || convert == NULL || resample == NULL)
    {
      g_message ("Cannot open the camera's microphone");
      g_clear_pointer (&capture, gst_object_unref);
      g_clear_pointer (&convert, gst_object_unref);
      g_clear_pointer (&resample, gst_object_unref);
      gst_object_unref (gst_object_ref_sink (filter));
      return NULL;
    }
  bin = g_object_new (ON_AIR_TYPE_MIC_BIN, "name", "microphone", NULL);
  gst_bin_add_many (GST_BIN (bin), capture, convert, resample, filter, NULL);
  if (!gst_element_link_many (capture, convert, resample, filter, NULL))
    {
      g_message ("The camera's microphone gives no sound On Air can use");
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }
  out = gst_element_get_static_pad (filter, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", out));
  return bin;
}
