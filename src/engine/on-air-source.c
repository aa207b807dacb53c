/* on-air-source.c
 *
 * The three source kinds: a local camera (V4L2 or PipeWire), an RTSP
 * camera, and the test pattern. Each links into the stage tee of the
 * format it delivers, its native format. A camera and the test pattern
 * know that format when they are built; an RTSP camera only once rtspsrc
 * exposes its video pad, on a streaming thread, so the stages learn it on
 * the main context then.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-source"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "on-air-broadcast-private.h"
#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-jpeg.h"
#include "on-air-stamp.h"

#define SOURCE_WIDTH ON_AIR_CAMERA_MAX_WIDTH
#define SOURCE_HEIGHT ON_AIR_CAMERA_MAX_HEIGHT

/* ---------------------------------------------------------------------- */
/* RTSP                                                                   */

typedef struct
{
  OnAirBroadcast *self;
  GstElement     *pipeline;  /* the one whose source said it */
  OnAirFmt        native;
} NativeKnown;

/* Outputs asked for before now (the window's preview, an early MJPEG
 * viewer) got no producer yet: the stages build them now. An answer from
 * a pipeline torn down since is stale. */
static gboolean
native_known_on_main (gpointer user_data)
{
  NativeKnown *known = user_data;

  if (known->self->pipeline == known->pipeline && known->self->native == ON_AIR_FMT_UNKNOWN)
    on_air_stages_set_native (known->self, known->native);
  return G_SOURCE_REMOVE;
}

static void
native_known_free (gpointer user_data)
{
  NativeKnown *known = user_data;

  g_object_unref (known->self);
  gst_object_unref (known->pipeline);
  g_free (known);
}

/* Streaming thread: the first-buffer probe learns the format at once, the
 * stages on the main context. */
static void
announce_native (OnAirBroadcast *self, OnAirFmt native)
{
  NativeKnown *known = g_new0 (NativeKnown, 1);

  g_atomic_int_set (&self->streaming_native, native);
  known->self = g_object_ref (self);
  known->pipeline = gst_object_ref (self->pipeline);
  known->native = native;
  on_air_broadcast_run_on_main (self, native_known_on_main, known, native_known_free);
}

/* decodebin's output for RTSP codecs other than H.264. */
static void
on_decodebin_pad_added (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr(GstPad) convert_sink = NULL;
  g_autoptr(GstPad) convert_src = NULL;
  g_autoptr(GstPad) target = NULL;
  GstElement *convert;

  if (caps == NULL || !g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "video/"))
    return;

  target = on_air_stage_dup_sink (self, ON_AIR_FMT_RAW);
  if (gst_pad_is_linked (target))
    return;

  convert = gst_element_factory_make ("videoconvert", NULL);
  gst_bin_add (GST_BIN (self->pipeline), convert);
  convert_sink = gst_element_get_static_pad (convert, "sink");
  convert_src = gst_element_get_static_pad (convert, "src");
  gst_pad_link (convert_src, target);
  gst_element_sync_state_with_parent (convert);
  gst_pad_link (pad, convert_sink);
}

/* Audio or a second video stream: drained so rtspsrc never sees
 * not-linked. */
static void
drain_pad (OnAirBroadcast *self, GstPad *pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  gst_pad_link (pad, sink_pad);
}

/* The elements between rtspsrc's video pad and a stage: H.264 is only
 * depayloaded and parsed, anything else is decoded. Returns the native
 * format they deliver. */
static OnAirFmt
make_rtsp_chain (OnAirBroadcast *self, const char *encoding, GPtrArray *chain)
{
  if (g_strcmp0 (encoding, "H264") == 0)
    {
      GstElement *parse = gst_element_factory_make ("h264parse", NULL);

      g_object_set (parse, "config-interval", -1, NULL);
      g_ptr_array_add (chain, gst_element_factory_make ("rtph264depay", NULL));
      g_ptr_array_add (chain, parse);
      g_ptr_array_add (chain, on_air_make_capsfilter ("video/x-h264,stream-format=byte-stream,alignment=au"));
      return ON_AIR_FMT_H264;
    }
  else
    {
      GstElement *decodebin = gst_element_factory_make ("decodebin", NULL);

      g_signal_connect_object (decodebin, "pad-added", G_CALLBACK (on_decodebin_pad_added), self, 0);
      g_ptr_array_add (chain, decodebin);
      return ON_AIR_FMT_RAW;
    }
}

/* rtspsrc exposes one pad per stream, from its streaming thread. */
static void
on_rtsp_pad_added (GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  g_autoptr(GstCaps) caps = gst_pad_query_caps (pad, NULL);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *media = gst_structure_get_string (s, "media");
  const char *encoding = gst_structure_get_string (s, "encoding-name");
  GstBin *bin = GST_BIN (self->pipeline);
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  g_autoptr(GstPad) first_sink = NULL;
  gboolean claim;
  OnAirFmt native;

  GST_OBJECT_LOCK (self->pipeline);
  claim = g_strcmp0 (media, "video") == 0 && !self->rtsp_linked;
  if (claim)
    self->rtsp_linked = TRUE;
  GST_OBJECT_UNLOCK (self->pipeline);

  if (!claim)
    {
      drain_pad (self, pad);
      return;
    }

  native = make_rtsp_chain (self, encoding, chain);
  for (guint i = 0; i < chain->len; i++)
    gst_bin_add (bin, g_ptr_array_index (chain, i));
  for (guint i = 0; i + 1 < chain->len; i++)
    gst_element_link (g_ptr_array_index (chain, i), g_ptr_array_index (chain, i + 1));
  if (native == ON_AIR_FMT_H264)
    {
      g_autoptr(GstPad) last_src = gst_element_get_static_pad (g_ptr_array_index (chain, chain->len - 1), "src");
      g_autoptr(GstPad) target = on_air_stage_dup_sink (self, ON_AIR_FMT_H264);

      gst_pad_add_probe (last_src, GST_PAD_PROBE_TYPE_BUFFER, on_air_gop_cache_push_probe, self->gop, NULL);
      gst_pad_link (last_src, target);
    }
  for (guint i = chain->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (chain, i - 1));

  first_sink = gst_element_get_static_pad (g_ptr_array_index (chain, 0), "sink");
  gst_pad_link (pad, first_sink);

  announce_native (self, native);
}

static gboolean
build_rtsp_source (OnAirBroadcast *self, GError **error)
{
  OnAirSourceSpec *spec = self->spec;
  GstElement *src = on_air_make_element ("rtspsrc", error);

  if (src == NULL)
    return FALSE;

  g_object_set (src,
                "location", on_air_source_spec_get_location (spec),
                /* A LAN camera: lowest latency, no reordering wait. */
                "latency", 0,
                "tcp-timeout", (guint64) 5 * G_USEC_PER_SEC,
                "timeout", (guint64) 3 * G_USEC_PER_SEC,
                NULL);
  if (on_air_source_spec_get_user (spec) != NULL)
    g_object_set (src, "user-id", on_air_source_spec_get_user (spec), NULL);
  if (on_air_source_spec_get_password (spec) != NULL)
    g_object_set (src, "user-pw", on_air_source_spec_get_password (spec), NULL);
  g_signal_connect_object (src, "pad-added", G_CALLBACK (on_rtsp_pad_added), self, 0);
  gst_bin_add (GST_BIN (self->pipeline), src);
  self->source_kind = "rtsp";
  on_air_broadcast_set_description (self, on_air_source_spec_get_description (spec));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* test pattern                                                           */

static gboolean
build_test_source (OnAirBroadcast *self, GError **error)
{
  GstElement *src = on_air_make_element ("videotestsrc", error);
  GstElement *filter;
  g_autofree char *caps = NULL;
  g_autoptr(GstPad) filter_src = NULL;
  g_autoptr(GstPad) target = NULL;

  if (src == NULL)
    return FALSE;
  g_object_set (src, "is-live", TRUE, "horizontal-speed", 4, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte");
  caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                          "pixel-aspect-ratio=1/1",
                          SOURCE_WIDTH, SOURCE_HEIGHT, ON_AIR_SOURCE_FPS);
  filter = on_air_make_capsfilter (caps);
  gst_bin_add_many (GST_BIN (self->pipeline), src, filter, NULL);
  gst_element_link (src, filter);
  filter_src = gst_element_get_static_pad (filter, "src");
  target = on_air_stage_dup_sink (self, ON_AIR_FMT_RAW);
  gst_pad_link (filter_src, target);
  /* The capture time as a row of blocks: anyone can measure latency. */
  on_air_stamp_pad (filter_src);

  self->native = ON_AIR_FMT_RAW;
  self->source_kind = "test";
  on_air_broadcast_set_description (self, _("Test pattern"));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* camera                                                                 */

/* How many undecodable JPEGs in a row mean the camera's JPEG mode is
 * broken, not a glitch: a third of a second. */
#define BAD_JPEGS_IN_A_ROW 10

static gboolean
jpeg_broken_on_main (gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  g_autofree char *text = NULL;

  if (self->pipeline == NULL)
    return G_SOURCE_REMOVE;
  g_free (self->camera_without_jpeg);
  self->camera_without_jpeg = g_strdup (self->camera_id);
  text = g_strdup_printf (_("The camera “%s” sends pictures that cannot be decoded; "
                            "trying its uncompressed mode"),
                          self->description ? self->description : "");
  on_air_broadcast_fail (self, text, 0);
  return G_SOURCE_REMOVE;
}

/* Streaming thread: a camera's JPEG that is not whole never reaches a
 * viewer; a run of them gives up on the camera's JPEG mode. */
static GstPadProbeReturn
check_jpeg_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gboolean whole = FALSE;

  if (gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      whole = on_air_jpeg_looks_whole (map.data, map.size);
      gst_buffer_unmap (buffer, &map);
    }
  if (whole)
    {
      g_atomic_int_set (&self->bad_jpegs, 0);
      return GST_PAD_PROBE_OK;
    }
  if (g_atomic_int_add (&self->bad_jpegs, 1) + 1 == BAD_JPEGS_IN_A_ROW)
    on_air_broadcast_run_on_main (self, jpeg_broken_on_main, g_object_ref (self), g_object_unref);
  return GST_PAD_PROBE_DROP;
}

/* The camera @id names, or an error people understand. NULL @id: the
 * first camera. A /dev node that is not listed is opened as it is. */
static GstElement *
open_camera (OnAirBroadcast *self, const char *id, GstCaps **device_caps, GError **error)
{
  g_autoptr(GstDevice) device = on_air_camera_find (id);
  GstElement *src;

  if (device != NULL)
    {
      g_autofree char *name = gst_device_get_display_name (device);

      *device_caps = gst_device_get_caps (device);
      on_air_broadcast_set_description (self, name);
      g_free (self->camera_id);
      self->camera_id = on_air_camera_dup_id (device);
      return on_air_camera_create_element (device);
    }
  if (id == NULL)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_NO_CAMERA, _("No camera was found"));
      return NULL;
    }
  if (!g_str_has_prefix (id, "/dev/"))
    {
      /* A PipeWire camera that is gone: its id means nothing to people. */
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_CAMERA_GONE,
                   _("The camera “%s” is not connected"),
                   self->description ? self->description : _("Camera"));
      return NULL;
    }
  src = on_air_make_element ("v4l2src", error);
  if (src != NULL)
    {
      g_autofree char *desc = g_strdup_printf (_("Camera %s"), id);

      g_object_set (src, "device", id, NULL);
      g_free (self->camera_id);
      self->camera_id = g_strdup (id);
      if (self->description == NULL)
        on_air_broadcast_set_description (self, desc);
    }
  return src;
}

/* The camera's modes without its JPEG ones. */
static GstCaps *
without_jpeg (GstCaps *caps)
{
  GstCaps *raw = gst_caps_new_empty ();

  for (guint i = 0; caps != NULL && i < gst_caps_get_size (caps); i++)
    if (!gst_structure_has_name (gst_caps_get_structure (caps, i), "image/jpeg"))
      gst_caps_append_structure (raw, gst_structure_copy (gst_caps_get_structure (caps, i)));
  return raw;
}

static gboolean
build_camera_source (OnAirBroadcast *self, GError **error)
{
  const char *id = on_air_source_spec_get_device (self->spec);
  g_autoptr(GstCaps) device_caps = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) filter_src = NULL;
  g_autoptr(GstPad) target = NULL;
  GstElement *src;
  GstElement *filter;
  gboolean is_jpeg;
  OnAirFmt native;

  src = open_camera (self, id, &device_caps, error);
  if (src == NULL)
    return FALSE;

  if (device_caps != NULL && self->camera_without_jpeg != NULL &&
      g_strcmp0 (self->camera_without_jpeg, self->camera_id) == 0)
    {
      GstCaps *raw = without_jpeg (device_caps);

      gst_caps_unref (device_caps);
      device_caps = raw;
    }
  caps = on_air_camera_choose_caps (device_caps, &is_jpeg);
  native = is_jpeg ? ON_AIR_FMT_JPEG : ON_AIR_FMT_RAW;
  filter = gst_element_factory_make ("capsfilter", NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), src, filter, NULL);
  if (!gst_element_link (src, filter))
    {
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED,
                   _("The camera offers no usable video format"));
      return FALSE;
    }
  filter_src = gst_element_get_static_pad (filter, "src");
  if (native == ON_AIR_FMT_JPEG)
    {
      g_atomic_int_set (&self->bad_jpegs, 0);
      gst_pad_add_probe (filter_src, GST_PAD_PROBE_TYPE_BUFFER, check_jpeg_probe, self, NULL);
    }
  target = on_air_stage_dup_sink (self, native);
  gst_pad_link (filter_src, target);

  self->native = native;
  self->source_kind = "camera";
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* the source the spec asks for                                           */

/* Adds the source the spec asks for to the pipeline, linked into its
 * stage (an RTSP camera links later). A missing plugin or camera fails. */
gboolean
on_air_source_build (OnAirBroadcast *self, GError **error)
{
  switch (on_air_source_spec_get_kind (self->spec))
    {
    case ON_AIR_SOURCE_TEST:
      return build_test_source (self, error);
    case ON_AIR_SOURCE_RTSP:
      return build_rtsp_source (self, error);
    case ON_AIR_SOURCE_CAMERA:
      return build_camera_source (self, error);
    case ON_AIR_SOURCE_AUTO:
      {
        g_autoptr(GError) camera_error = NULL;

        if (build_camera_source (self, &camera_error))
          return TRUE;
        /* No camera at all: nothing was added, show the test pattern. */
        if (g_error_matches (camera_error, ON_AIR_ERROR, ON_AIR_ERROR_NO_CAMERA))
          return build_test_source (self, error);
        g_propagate_error (error, g_steal_pointer (&camera_error));
        return FALSE;
      }
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}
