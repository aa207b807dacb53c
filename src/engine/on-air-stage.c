/* on-air-stage.c
 *
 * The format stages: one tee per format (raw video, JPEG, H.264, VP8,
 * and the lower rung's H.264 for viewers on weak links).
 * The source feeds the tee of its own ("native") format; each other tee is
 * fed by a producer branch, a decoder or an encoder, that exists only
 * while the tee has users. So an MJPEG camera feeds MJPEG viewers
 * untouched, an H.264 RTSP camera feeds WebRTC untouched, and no encoder
 * runs while nobody needs its output. Outputs hold a stage through
 * on_air_stage_acquire() and on_air_stage_release() (or by attaching a
 * branch to it), never by reaching into its tee.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-stage"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include <gst/video/video.h>

#include "on-air-broadcast-private.h"
#include "on-air-error.h"

static const char * const fmt_names[ON_AIR_N_FMT] = {
  [ON_AIR_FMT_RAW] = "raw",
  [ON_AIR_FMT_JPEG] = "jpeg",
  [ON_AIR_FMT_H264] = "h264",
  [ON_AIR_FMT_VP8] = "vp8",
  [ON_AIR_FMT_H264_LOW] = "h264-low",
};

/* The shared H.264 encode, and the lower rung for viewers whose link
 * cannot carry it (kbit/s): a phone at the edge of the Wi-Fi's range
 * gets a softer picture at the full frame rate instead of a stalled one. */
#define H264_BITRATE 2500
#define H264_LOW_BITRATE 600
/* The lower rung's picture is at most this wide (height in proportion):
 * a quarter of 720p's pixels spends those bits on a sharper picture and
 * costs the machine a quarter of the encode. */
#define H264_LOW_MAX_WIDTH 640

const char *
on_air_fmt_name (OnAirFmt fmt)
{
  g_assert (fmt < ON_AIR_N_FMT);
  return fmt_names[fmt];
}

/* ---------------------------------------------------------------------- */
/* producers: one per format, each adds its converter to a branch         */

/* Raw video out of the source's JPEG or H.264. An H.264 decoder is primed
 * from the GOP cache, so it shows the newest picture at once. */
static gboolean
add_decoder (OnAirBroadcast *self, OnAirBranch *branch, GError **error)
{
  GstElement *dec;

  if (self->native == ON_AIR_FMT_JPEG)
    dec = on_air_make_element ("jpegdec", error);
  else
    {
      dec = gst_element_factory_make ("avdec_h264", NULL);
      if (dec == NULL)
        dec = on_air_make_element ("openh264dec", error);
      if (dec != NULL)
        on_air_gop_cache_prime_decoder (self->gop, dec);
    }
  if (dec == NULL)
    return FALSE;
  on_air_branch_add (branch, dec);
  on_air_branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
  return TRUE;
}

static gboolean
add_jpeg_encoder (OnAirBroadcast *self, OnAirBranch *branch, GError **error)
{
  GstElement *enc = on_air_make_element ("jpegenc", error);

  if (enc == NULL)
    return FALSE;
  g_object_set (enc, "quality", 80, NULL);
  on_air_branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
  on_air_branch_add (branch, enc);
  return TRUE;
}

static GstElement *
make_h264_encoder (guint bitrate, GError **error)
{
  GstElement *enc;

  if ((enc = gst_element_factory_make ("x264enc", NULL)) != NULL)
    {
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
      g_object_set (enc,
                    "bitrate", bitrate,
                    "key-int-max", 2 * ON_AIR_SOURCE_FPS,
                    "byte-stream", TRUE,
                    NULL);
    }
  else if ((enc = gst_element_factory_make ("openh264enc", NULL)) != NULL)
    {
      /* GNOME's runtime has only openh264. Left to its "quality" rate
       * control it sent the scrolling test pattern at 4.5 Mbit/s for 2.5
       * and at 1.4 for the lower rung's 0.6; in "bitrate" mode with its
       * default qp-min of 0 the library keeps a narrower quantizer range of
       * its own, 3.9 and 1.1. Any qp-min from 1 opens the whole range:
       * 2.5 and 0.6, every frame kept (openh264 2.3 and 2.6). */
      gst_util_set_object_arg (G_OBJECT (enc), "rate-control", "bitrate");
      g_object_set (enc,
                    "bitrate", bitrate * 1000,
                    "qp-min", 1,
                    "gop-size", 2 * ON_AIR_SOURCE_FPS,
                    NULL);
    }
  else
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                           _("No H.264 encoder is installed (x264enc or openh264enc)"));
      return NULL;
    }
  return enc;
}

/* @max_width: 0 keeps the source's size. */
static gboolean
add_h264_encoder (OnAirBroadcast *self, OnAirBranch *branch, guint bitrate, int max_width, GError **error)
{
  GstElement *enc = make_h264_encoder (bitrate, error);
  GstElement *parse;

  if (enc == NULL)
    return FALSE;
  parse = on_air_make_element ("h264parse", error);
  if (parse == NULL)
    {
      gst_object_unref (gst_object_ref_sink (enc));
      return FALSE;
    }
  g_object_set (parse, "config-interval", -1, NULL);
  on_air_branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
  on_air_branch_add (branch, on_air_make_capsfilter ("video/x-raw,format=I420"));
  if (max_width > 0)
    {
      g_autofree char *size = g_strdup_printf ("video/x-raw,width=(int)[16,%d],pixel-aspect-ratio=(fraction)1/1",
                                               max_width);

      on_air_branch_add (branch, gst_element_factory_make ("videoscale", NULL));
      on_air_branch_add (branch, on_air_make_capsfilter (size));
    }
  on_air_branch_add (branch, enc);
  on_air_branch_add (branch, on_air_make_capsfilter ("video/x-h264,profile=constrained-baseline,"
                                                     "stream-format=byte-stream,alignment=au"));
  on_air_branch_add (branch, parse);
  return TRUE;
}

/* VP8 for browsers that offer no H.264 (Firefox on the desktop). Realtime,
 * CBR, no lag, as for H.264. One thread: libvpx's VP8 encoder makes its
 * threads wait for each other's macroblock rows by spinning, and on two
 * cores shared with the rest of the broadcast (and anything else) a
 * spinning thread burns the time slice the one it waits for needs. With
 * two threads the test pattern at 720p cost 20–60 ms of CPU a frame under
 * load and Firefox showed 13–18 fps; with one, 12.5 ms and 29.5–30 fps,
 * at the same PSNR (bench/README.md, "Firefox"). */
static gboolean
add_vp8_encoder (OnAirBroadcast *self, OnAirBranch *branch, GError **error)
{
  GstElement *enc = on_air_make_element ("vp8enc", error);

  if (enc == NULL)
    return FALSE;
  gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cbr");
  gst_util_set_object_arg (G_OBJECT (enc), "error-resilient", "default");
  g_object_set (enc,
                "deadline", (gint64) 1,
                "cpu-used", 8,
                "lag-in-frames", 0,
                "threads", 1,
                "target-bitrate", 2500000,
                "keyframe-max-dist", 2 * ON_AIR_SOURCE_FPS,
                NULL);
  on_air_branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
  on_air_branch_add (branch, enc);
  return TRUE;
}

/* Builds the converter that makes @fmt out of another stage: raw video
 * out of the native format, any other format out of raw video. */
static void
build_producer (OnAirBroadcast *self, OnAirFmt fmt)
{
  g_autoptr(GError) error = NULL;
  OnAirStage *stage = &self->stages[fmt];
  g_autoptr(GstPad) tee_sink = NULL;
  OnAirBranch *branch;
  gboolean made = FALSE;

  g_assert (stage->producer == NULL);
  g_assert (self->native != ON_AIR_FMT_UNKNOWN && fmt != self->native);

  branch = on_air_branch_new (fmt == ON_AIR_FMT_RAW ? self->native : ON_AIR_FMT_RAW);
  /* Two buffers: a slow encoder drops frames instead of delaying them. */
  on_air_branch_add (branch, on_air_make_queue (TRUE, 2, 0));

  switch (fmt)
    {
    case ON_AIR_FMT_RAW:  made = add_decoder (self, branch, &error); break;
    case ON_AIR_FMT_JPEG: made = add_jpeg_encoder (self, branch, &error); break;
    case ON_AIR_FMT_H264: made = add_h264_encoder (self, branch, H264_BITRATE, 0, &error); break;
    case ON_AIR_FMT_VP8:  made = add_vp8_encoder (self, branch, &error); break;
    case ON_AIR_FMT_H264_LOW: made = add_h264_encoder (self, branch, H264_LOW_BITRATE, H264_LOW_MAX_WIDTH, &error); break;
    case ON_AIR_N_FMT:
    default:
      g_assert_not_reached ();
    }

  if (!made)
    {
      g_message ("Cannot make %s video: %s", fmt_names[fmt], error->message);
      on_air_branch_discard (branch);
      return;
    }

  tee_sink = on_air_stage_dup_sink (self, fmt);
  if (!on_air_branch_attach (self, branch, tee_sink))
    {
      on_air_branch_discard (branch);
      return;
    }
  stage->producer = branch;
  g_debug ("Started %s → %s", fmt_names[branch->input], fmt_names[fmt]);
}

/* ---------------------------------------------------------------------- */
/* the stages                                                             */

void
on_air_stages_create (OnAirBroadcast *self)
{
  for (OnAirFmt fmt = 0; fmt < ON_AIR_N_FMT; fmt++)
    {
      OnAirStage *stage = &self->stages[fmt];
      g_autofree char *name = g_strdup_printf ("%s-tee", fmt_names[fmt]);

      stage->fmt = fmt;
      stage->tee = gst_element_factory_make ("tee", name);
      g_object_set (stage->tee, "allow-not-linked", TRUE, NULL);
      gst_bin_add (GST_BIN (self->pipeline), stage->tee);
    }
}

/* The pipeline is stopped and every branch is gone. */
void
on_air_stages_clear (OnAirBroadcast *self)
{
  for (OnAirFmt fmt = 0; fmt < ON_AIR_N_FMT; fmt++)
    {
      g_assert (self->stages[fmt].users == 0);
      g_assert (self->stages[fmt].producer == NULL);
      self->stages[fmt].tee = NULL;
    }
}

GstPad *
on_air_stage_dup_sink (OnAirBroadcast *self, OnAirFmt fmt)
{
  return gst_element_get_static_pad (self->stages[fmt].tee, "sink");
}

void
on_air_stage_acquire (OnAirBroadcast *self, OnAirFmt fmt)
{
  OnAirStage *stage = &self->stages[fmt];

  stage->users++;
  if (stage->users == 1 && self->native != ON_AIR_FMT_UNKNOWN &&
      fmt != self->native && stage->producer == NULL)
    build_producer (self, fmt);
}

void
on_air_stage_release (OnAirBroadcast *self, OnAirFmt fmt)
{
  OnAirStage *stage = &self->stages[fmt];

  g_assert (stage->users > 0);
  stage->users--;
  if (stage->users == 0 && stage->producer != NULL)
    {
      OnAirBranch *producer = g_steal_pointer (&stage->producer);

      g_debug ("Stopped %s → %s", fmt_names[producer->input], fmt_names[fmt]);
      on_air_branch_free (self, producer);
    }
}

/* What feeds @fmt's producer while the source sends @native: nothing for
 * the native stage itself, the native stage for raw video, raw video for
 * the encoders. */
static OnAirFmt
producer_input (OnAirFmt fmt, OnAirFmt native)
{
  if (fmt == native)
    return ON_AIR_FMT_UNKNOWN;
  return fmt == ON_AIR_FMT_RAW ? native : ON_AIR_FMT_RAW;
}

/* Main context: the source's own format is known, or has changed (a new
 * source, the slate). Producers made for another format go first, so the
 * tee they fed is free for the source; then every stage in use that the
 * source does not feed gets its producer. */
void
on_air_stages_set_native (OnAirBroadcast *self, OnAirFmt native)
{
  self->native = native;
  for (OnAirFmt fmt = 0; fmt < ON_AIR_N_FMT; fmt++)
    {
      OnAirStage *stage = &self->stages[fmt];

      if (stage->producer != NULL && stage->producer->input != producer_input (fmt, native))
        {
          OnAirBranch *producer = g_steal_pointer (&stage->producer);

          g_debug ("Stopped %s → %s", fmt_names[producer->input], fmt_names[fmt]);
          on_air_branch_free (self, producer);
        }
    }
  for (OnAirFmt fmt = 0; fmt < ON_AIR_N_FMT; fmt++)
    if (self->stages[fmt].users > 0 && fmt != native && self->stages[fmt].producer == NULL)
      build_producer (self, fmt);
}

/* ---------------------------------------------------------------------- */
/* encoders                                                               */

static gboolean
is_encoder (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *klass = gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS);

  return strstr (klass, "Encoder") != NULL;
}

void
on_air_broadcast_request_keyframe (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  for (OnAirFmt fmt = ON_AIR_FMT_H264; fmt < ON_AIR_N_FMT; fmt++)
    {
      OnAirBranch *producer = self->stages[fmt].producer;

      if (producer == NULL)
        continue;
      for (guint i = 0; i < producer->elements->len; i++)
        {
          GstElement *element = g_ptr_array_index (producer->elements, i);

          if (is_encoder (element))
            gst_element_send_event (element,
                                    gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                                 TRUE, 0));
        }
    }
}

guint
on_air_broadcast_count_encoders (OnAirBroadcast *self)
{
  g_autoptr(GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  guint count = 0;
  gboolean done = FALSE;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), 0);
  if (self->pipeline == NULL)
    return 0;

  it = gst_bin_iterate_recurse (GST_BIN (self->pipeline));
  while (!done)
    switch (gst_iterator_next (it, &item))
      {
      case GST_ITERATOR_OK:
        {
          GstElement *element = g_value_get_object (&item);
          GstElementFactory *factory = gst_element_get_factory (element);
          const char *klass = factory ? gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS) : NULL;

          if (klass != NULL && strstr (klass, "Encoder") != NULL && strstr (klass, "Video") != NULL)
            count++;
          g_value_reset (&item);
        }
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        count = 0;
        break;
      default:
        done = TRUE;
        break;
      }
  g_value_unset (&item);
  return count;
}
