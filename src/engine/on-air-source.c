/* on-air-source.c
 *
 * The source kinds: a local camera (V4L2 or PipeWire), an RTSP camera and
 * the test pattern. Each is built as a source unit: a bin of its own in the
 * broadcast's pipeline whose ghost pad "src" carries its native format.
 * A new unit is held at that pad (not yet linked) until its first usable
 * buffer (H.264: a keyframe); only then does the broadcast link it to the
 * stage of its format, in place of the slate or of the source before it.
 * So a source that fails to start, or a reconnect in progress, never
 * disturbs what viewers are being sent.
 *
 * A camera and the test pattern know their format when they are built; an
 * RTSP camera only once rtspsrc exposes its video pad, on a streaming
 * thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-source"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "on-air-audio-private.h"
#include "on-air-broadcast-private.h"
#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-jpeg.h"
#include "on-air-stamp.h"

#define SOURCE_WIDTH ON_AIR_CAMERA_MAX_WIDTH
#define SOURCE_HEIGHT ON_AIR_CAMERA_MAX_HEIGHT
/* How many undecodable JPEGs in a row mean the camera's JPEG mode is
 * broken, not a glitch: a third of a second. */
#define BAD_JPEGS_IN_A_ROW 10

/* ---------------------------------------------------------------------- */
/* the unit                                                               */

/* Main context, from a streaming thread, about the unit whose bin this is
 * (stale when the unit has gone since). */
static void
ready_on_main (OnAirBroadcast *self, gpointer bin)
{
  on_air_broadcast_unit_ready (self, bin);
}

static void
ended_on_main (OnAirBroadcast *self, gpointer bin)
{
  on_air_broadcast_unit_failed (self, bin, NULL);
}

/* Streaming thread: holds the unit's first usable buffer (and the stream
 * behind it) until the broadcast has linked the unit into its stage. */
static GstPadProbeReturn
hold_until_linked_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirSourceUnit *unit = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  /* Viewers' decoders start at a keyframe, never in the middle of a GOP. */
  if (g_atomic_int_get (&unit->native) == ON_AIR_FMT_H264 &&
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  if (g_atomic_int_compare_and_exchange (&unit->ready, 0, 1))
    on_air_broadcast_call_on_main (unit->self, ready_on_main, unit->bin);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: the end of a source's stream ends the source, not the
 * viewers' streams, so EOS never reaches a stage. */
static GstPadProbeReturn
stop_eos_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirSourceUnit *unit = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  on_air_broadcast_call_on_main (unit->self, ended_on_main, unit->bin);
  return GST_PAD_PROBE_DROP;
}

static OnAirSourceUnit *
unit_new (OnAirBroadcast *self, const char *kind)
{
  OnAirSourceUnit *unit = g_new0 (OnAirSourceUnit, 1);
  g_autoptr(GstCaps) any = gst_caps_new_any ();
  GstPadTemplate *templ = gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, any);

  unit->self = self;
  unit->kind = kind;
  unit->native = ON_AIR_FMT_UNKNOWN;
  unit->bin = gst_object_ref_sink (gst_bin_new (kind));
  unit->ghost = gst_ghost_pad_new_no_target_from_template ("src", templ);
  gst_object_unref (templ);
  gst_element_add_pad (unit->bin, unit->ghost);
  unit->hold_probe = gst_pad_add_probe (unit->ghost, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BLOCK,
                                        hold_until_linked_probe, unit, NULL);
  gst_pad_add_probe (unit->ghost, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, stop_eos_probe, unit, NULL);
  unit->started = g_get_monotonic_time ();
  return unit;
}

/* Streaming or main thread: @pad, inside the unit, is what it sends. */
static void
unit_set_output (OnAirSourceUnit *unit, GstPad *pad, OnAirFmt native)
{
  g_atomic_int_set (&unit->native, native);
  gst_ghost_pad_set_target (GST_GHOST_PAD (unit->ghost), pad);
}

void
on_air_source_unit_free (OnAirSourceUnit *unit)
{
  on_air_audio_unit_free (unit);
  gst_element_set_locked_state (unit->bin, TRUE);
  gst_element_set_state (unit->bin, GST_STATE_NULL);
  if (GST_OBJECT_PARENT (unit->bin) != NULL)
    gst_bin_remove (GST_BIN (GST_OBJECT_PARENT (unit->bin)), unit->bin);
  gst_object_unref (unit->bin);
  g_free (unit);
}

/* ---------------------------------------------------------------------- */
/* RTSP                                                                   */

/* decodebin's output for RTSP codecs other than H.264. */
static void
on_decodebin_pad_added (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  OnAirSourceUnit *unit = user_data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr(GstPad) convert_sink = NULL;
  g_autoptr(GstPad) convert_src = NULL;
  GstElement *convert;

  if (caps == NULL || !g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "video/"))
    return;
  if (gst_ghost_pad_get_target (GST_GHOST_PAD (unit->ghost)) != NULL)
    {
      gst_object_unref (gst_ghost_pad_get_target (GST_GHOST_PAD (unit->ghost)));
      return;
    }

  convert = gst_element_factory_make ("videoconvert", NULL);
  gst_bin_add (GST_BIN (unit->bin), convert);
  convert_sink = gst_element_get_static_pad (convert, "sink");
  convert_src = gst_element_get_static_pad (convert, "src");
  unit_set_output (unit, convert_src, ON_AIR_FMT_RAW);
  gst_element_sync_state_with_parent (convert);
  gst_pad_link (pad, convert_sink);
}

/* Audio or a second video stream: drained so rtspsrc never sees
 * not-linked. */
static void
drain_pad (OnAirSourceUnit *unit, GstPad *pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (unit->bin), sink);
  gst_element_sync_state_with_parent (sink);
  gst_pad_link (pad, sink_pad);
}

/* The elements between rtspsrc's video pad and the unit's output: H.264 is
 * only depayloaded and parsed, anything else is decoded. */
static void
make_rtsp_chain (OnAirSourceUnit *unit, const char *encoding, GPtrArray *chain)
{
  if (g_strcmp0 (encoding, "H264") == 0)
    {
      GstElement *parse = gst_element_factory_make ("h264parse", NULL);

      g_object_set (parse, "config-interval", -1, NULL);
      g_ptr_array_add (chain, gst_element_factory_make ("rtph264depay", NULL));
      g_ptr_array_add (chain, parse);
      g_ptr_array_add (chain, on_air_make_capsfilter ("video/x-h264,stream-format=byte-stream,alignment=au"));
    }
  else
    {
      GstElement *decodebin = gst_element_factory_make ("decodebin", NULL);

      g_signal_connect (decodebin, "pad-added", G_CALLBACK (on_decodebin_pad_added), unit);
      g_ptr_array_add (chain, decodebin);
    }
}

/* rtspsrc exposes one pad per stream, from its streaming thread. */
static void
on_rtsp_pad_added (GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
  OnAirSourceUnit *unit = user_data;
  g_autoptr(GstCaps) caps = gst_pad_query_caps (pad, NULL);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *media = gst_structure_get_string (s, "media");
  const char *encoding = gst_structure_get_string (s, "encoding-name");
  GstBin *bin = GST_BIN (unit->bin);
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  g_autoptr(GstPad) first_sink = NULL;
  gboolean claim;

  GST_OBJECT_LOCK (unit->bin);
  claim = g_strcmp0 (media, "video") == 0 && !unit->rtsp_linked;
  if (claim)
    unit->rtsp_linked = TRUE;
  GST_OBJECT_UNLOCK (unit->bin);

  if (!claim && g_strcmp0 (media, "audio") == 0 && on_air_audio_unit_claim_rtsp (unit, pad))
    return;
  if (!claim)
    {
      drain_pad (unit, pad);
      return;
    }

  make_rtsp_chain (unit, encoding, chain);
  for (guint i = 0; i < chain->len; i++)
    gst_bin_add (bin, g_ptr_array_index (chain, i));
  for (guint i = 0; i + 1 < chain->len; i++)
    gst_element_link (g_ptr_array_index (chain, i), g_ptr_array_index (chain, i + 1));
  if (g_strcmp0 (encoding, "H264") == 0)
    {
      g_autoptr(GstPad) last_src = gst_element_get_static_pad (g_ptr_array_index (chain, chain->len - 1), "src");

      gst_pad_add_probe (last_src, GST_PAD_PROBE_TYPE_BUFFER, on_air_gop_cache_push_probe, unit->self->gop, NULL);
      unit_set_output (unit, last_src, ON_AIR_FMT_H264);
    }
  for (guint i = chain->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (chain, i - 1));

  first_sink = gst_element_get_static_pad (g_ptr_array_index (chain, 0), "sink");
  gst_pad_link (pad, first_sink);
}

static gboolean
build_rtsp_source (OnAirSourceUnit *unit, OnAirSourceSpec *spec, GError **error)
{
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
  g_signal_connect (src, "pad-added", G_CALLBACK (on_rtsp_pad_added), unit);
  gst_bin_add (GST_BIN (unit->bin), src);
  on_air_broadcast_set_description (unit->self, on_air_source_spec_get_description (spec));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* test pattern                                                           */

static gboolean
build_test_source (OnAirSourceUnit *unit, GError **error)
{
  GstElement *src = on_air_make_element ("videotestsrc", error);
  GstElement *filter;
  g_autofree char *caps = NULL;
  g_autoptr(GstPad) filter_src = NULL;

  if (src == NULL)
    return FALSE;
  g_object_set (src, "is-live", TRUE, "horizontal-speed", 4, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", "smpte");
  caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                          "pixel-aspect-ratio=1/1",
                          SOURCE_WIDTH, SOURCE_HEIGHT, ON_AIR_SOURCE_FPS);
  filter = on_air_make_capsfilter (caps);
  gst_bin_add_many (GST_BIN (unit->bin), src, filter, NULL);
  gst_element_link (src, filter);
  filter_src = gst_element_get_static_pad (filter, "src");
  /* The capture time as a row of blocks: anyone can measure latency. */
  on_air_stamp_pad (filter_src);
  unit_set_output (unit, filter_src, ON_AIR_FMT_RAW);
  on_air_broadcast_set_description (unit->self, _("Test pattern"));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* camera                                                                 */

static void
jpeg_broken_on_main (OnAirBroadcast *self, gpointer bin)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf (_("The camera “%s” sends pictures that cannot be decoded; "
                            "trying its uncompressed mode"),
                          self->description ? self->description : "");
  if (on_air_broadcast_unit_of (self, bin) != bin)
    return;
  /* Before the next try, which comes at once. */
  g_free (self->camera_without_jpeg);
  self->camera_without_jpeg = g_strdup (self->camera_id);
  on_air_broadcast_unit_failed (self, bin, text);
}

/* Streaming thread: a camera's JPEG that is not whole never reaches a
 * viewer; a run of them gives up on the camera's JPEG mode. */
static GstPadProbeReturn
check_jpeg_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirSourceUnit *unit = user_data;
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
      g_atomic_int_set (&unit->bad_jpegs, 0);
      return GST_PAD_PROBE_OK;
    }
  if (g_atomic_int_add (&unit->bad_jpegs, 1) + 1 == BAD_JPEGS_IN_A_ROW)
    on_air_broadcast_call_on_main (unit->self, jpeg_broken_on_main, unit->bin);
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
  if (self->ever_live && self->description != NULL &&
      (!g_str_has_prefix (id, "/dev/") || !g_file_test (id, G_FILE_TEST_EXISTS)))
    {
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_CAMERA_GONE,
                   _("The camera “%s” was disconnected"), self->description);
      return NULL;
    }
  if (!g_str_has_prefix (id, "/dev/"))
    {
      /* A PipeWire camera that is not there: its id means nothing to
       * people. */
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_CAMERA_GONE,
                           _("The camera is not connected"));
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
build_camera_source (OnAirSourceUnit *unit, OnAirSourceSpec *spec, GError **error)
{
  OnAirBroadcast *self = unit->self;
  g_autoptr(GstCaps) device_caps = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) filter_src = NULL;
  GstElement *src;
  GstElement *filter;
  gboolean is_jpeg;

  src = open_camera (self, on_air_source_spec_get_device (spec), &device_caps, error);
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
  if (device_caps != NULL && !gst_caps_can_intersect (device_caps, caps))
    {
      gst_object_unref (gst_object_ref_sink (src));
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED,
                   _("The camera “%s” offers no usable video format"),
                   self->description ? self->description : "");
      return FALSE;
    }
  filter = gst_element_factory_make ("capsfilter", NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_bin_add_many (GST_BIN (unit->bin), src, filter, NULL);
  if (!gst_element_link (src, filter))
    {
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED,
                   _("The camera offers no usable video format"));
      return FALSE;
    }
  filter_src = gst_element_get_static_pad (filter, "src");
  if (is_jpeg)
    gst_pad_add_probe (filter_src, GST_PAD_PROBE_TYPE_BUFFER, check_jpeg_probe, unit, NULL);
  unit_set_output (unit, filter_src, is_jpeg ? ON_AIR_FMT_JPEG : ON_AIR_FMT_RAW);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* the source the spec asks for                                           */

static const char *
kind_of (OnAirSourceSpec *spec, gboolean have_camera)
{
  switch (on_air_source_spec_get_kind (spec))
    {
    case ON_AIR_SOURCE_TEST: return "test";
    case ON_AIR_SOURCE_RTSP: return "rtsp";
    case ON_AIR_SOURCE_AUTO: return have_camera ? "camera" : "test";
    case ON_AIR_SOURCE_CAMERA:
    default: return "camera";
    }
}

static gboolean
build_unit (OnAirSourceUnit *unit, OnAirSourceSpec *spec, GError **error)
{
  if (g_str_equal (unit->kind, "test"))
    return build_test_source (unit, error);
  if (g_str_equal (unit->kind, "rtsp"))
    return build_rtsp_source (unit, spec, error);
  return build_camera_source (unit, spec, error);
}

/* A unit for what @spec asks for, in the pipeline and starting, its output
 * held until its first buffer. An "auto" source without any camera is the
 * test pattern. NULL with @error when it cannot be built (a missing plugin
 * or camera). */
OnAirSourceUnit *
on_air_source_unit_new (OnAirBroadcast *self, OnAirSourceSpec *spec, GError **error)
{
  gboolean auto_camera = on_air_source_spec_get_kind (spec) == ON_AIR_SOURCE_AUTO;
  g_autoptr(GstDevice) camera = auto_camera ? on_air_camera_find (NULL) : NULL;
  OnAirSourceUnit *unit = unit_new (self, kind_of (spec, camera != NULL));

  if (!build_unit (unit, spec, error))
    {
      on_air_source_unit_free (unit);
      return NULL;
    }
  on_air_audio_unit_build (unit);
  self->source_kind = unit->kind;
  gst_bin_add (GST_BIN (self->pipeline), unit->bin);
  gst_element_sync_state_with_parent (unit->bin);
  return unit;
}
