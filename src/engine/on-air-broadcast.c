/* on-air-broadcast.c
 *
 * One pipeline per broadcast. The source feeds one "stage" tee in its own
 * format (raw video, JPEG, or H.264). Each other format has a tee too, fed
 * by a converter branch (decoder or encoder) that exists only while that
 * tee has users. So an MJPEG camera feeds MJPEG viewers untouched, an H.264
 * RTSP camera feeds WebRTC untouched, and no encoder runs while nobody
 * needs its output. Every branch hangs off its tee through a leaky queue so
 * that nothing downstream can stall the source.
 *
 * Bookkeeping (stages, branches, taps) lives on the main context; streaming
 * threads only store results under a lock and schedule one coalesced
 * dispatch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-broadcast"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <malloc.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "on-air-broadcast.h"
#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-gop-cache.h"
#include "on-air-stamp.h"

#define RETRY_SECONDS 5
/* A live source that sends nothing for this long has failed. */
#define STALL_SECONDS 5
#define SOURCE_WIDTH ON_AIR_CAMERA_MAX_WIDTH
#define SOURCE_HEIGHT ON_AIR_CAMERA_MAX_HEIGHT
#define SOURCE_FPS ON_AIR_CAMERA_FPS

typedef enum
{
  FMT_RAW,
  FMT_JPEG,
  FMT_H264,
  FMT_VP8,
  N_FMT,
  FMT_UNKNOWN = N_FMT,
} Fmt;

static const char * const fmt_names[] = { "raw", "jpeg", "h264", "vp8" };

/* From a page load to its WHEP offer: a phone on Wi-Fi takes about a
 * second; one that never offers (MJPEG) keeps the encoder this long. */
#define WEBRTC_EXPECT_MS 5000

/* A chain of elements fed from a stage tee through a request pad. */
typedef struct
{
  Fmt        input;
  GPtrArray *elements; /* upstream first */
  GstPad    *input_pad;
} Branch;

typedef struct
{
  GstElement *tee;
  guint       users;
  Branch     *producer; /* NULL when the source feeds this tee */
  gssize      buffers;  /* atomic; counted on the tee's sink pad */
} Stage;

/* An appsink consumer whose newest sample is handed to the main context. */
typedef struct
{
  OnAirBroadcast *self;
  guint           users;
  Branch         *branch;
  int             max_width;
  int             max_height;
  guint           signal_id;

  GMutex          lock;
  GstSample      *latest;
  guint64         sequence;
  gboolean        dispatch_pending;
} SinkSlot;

typedef struct
{
  OnAirCodec  codec;
  guint       pt;
  guint       users;
  Branch     *branch; /* queue ! payloader ! tee */
  GstElement *tee;
} RtpGroup;

struct _OnAirRtpTap
{
  RtpGroup   *group;
  GstElement *queue;
  GstElement *webrtcbin;
  GstPad     *tee_pad;
  gssize      frames_sent;    /* atomic */
  gssize      frames_dropped; /* atomic; RTP packets the leaky queue shed */
  gint        open;           /* atomic: media flows from the next keyframe */
  gint64      opened_at;      /* monotonic µs; set before open */
  gboolean    bounded;        /* streaming thread: the queue sheds old packets */
  OnAirRtpTapLostFunc lost_func;
  gpointer    lost_data;
};

typedef struct
{
  GSocket *socket;
  gssize   parts_at_join;
} MjpegClient;

struct _OnAirBroadcast
{
  GObject           parent_instance;

  OnAirSourceSpec  *spec;
  GMainContext     *context;

  GstElement       *pipeline;
  guint             bus_watch;
  Stage             stages[N_FMT];
  Fmt               native;
  gboolean          first_buffer_seen; /* main context */
  gint              first_buffer_flag; /* atomic, streaming side */
  gboolean          rtsp_linked;       /* guarded by the object lock */

  OnAirSourceState  state;
  char             *error_message;
  char             *description;
  const char       *source_kind;
  gboolean          started;
  guint             retry_source;
  gint64            retry_at;
  guint             fps_source;
  guint             trim_source;
  gint64            fps_last_count;
  gint64            fps_last_time;
  gint64            last_progress;
  double            fps;

  SinkSlot          jpeg;
  SinkSlot          preview;

  /* MJPEG fan-out */
  Branch           *mjpeg_branch;
  GstElement       *mjpeg_sink;
  GHashTable       *mjpeg_clients;   /* GSocket → MjpegClient */
  gssize            mjpeg_parts;     /* atomic: parts handed to the sink */
  GBytes           *latest_jpeg;
  guint64           latest_jpeg_sequence;

  GPtrArray        *groups;
  GPtrArray        *taps;
  /* A page was just opened: its WebRTC viewer's encoder starts now, not
   * when the offer arrives. Holds the H.264 stage until a viewer's
   * payloader does, or for WEBRTC_EXPECT_MS. */
  guint             expect_source;

  /* The camera's H.264 since its last keyframe (pass-through sources). */
  OnAirGopCache    *gop;
};

G_DEFINE_FINAL_TYPE (OnAirBroadcast, on_air_broadcast, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_DESCRIPTION,
  PROP_FPS,
  N_PROPS
};

enum {
  SIGNAL_JPEG_FRAME,
  SIGNAL_PREVIEW_FRAME,
  SIGNAL_MJPEG_CLIENT_REMOVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void build_producer (OnAirBroadcast *self, Fmt fmt);
static void stage_acquire (OnAirBroadcast *self, Fmt fmt);
static void stage_release (OnAirBroadcast *self, Fmt fmt);
static void slot_build (OnAirBroadcast *self, SinkSlot *slot);
static void teardown_pipeline (OnAirBroadcast *self);
static void end_webrtc_expectation (OnAirBroadcast *self);
static gboolean build_pipeline (OnAirBroadcast *self, GError **error);

/* ---------------------------------------------------------------------- */
/* helpers                                                                */

static GstElement *
make (const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                 _("The GStreamer element “%s” is not installed"), factory);
  return element;
}

static GstElement *
make_queue (gboolean leaky, guint max_buffers, guint64 max_time)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);

  g_object_set (queue,
                "max-size-buffers", max_buffers,
                "max-size-bytes", 0,
                "max-size-time", max_time,
                NULL);
  if (leaky)
    gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  return queue;
}

static GstElement *
make_capsfilter (const char *caps_string)
{
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_string);

  g_object_set (filter, "caps", caps, NULL);
  return filter;
}

static void
set_state (OnAirBroadcast *self, OnAirSourceState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_description (OnAirBroadcast *self, const char *description)
{
  if (g_strcmp0 (self->description, description) == 0)
    return;
  g_free (self->description);
  self->description = g_strdup (description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

/* Always through an idle source: g_main_context_invoke() would run @func
 * right here on a streaming thread whenever the main loop is not running. */
static void
run_on_main (OnAirBroadcast *self, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, self->context);
}

static void
invoke_on_main (OnAirBroadcast *self, GSourceFunc func)
{
  run_on_main (self, func, g_object_ref (self), g_object_unref);
}

static guint
add_timeout (OnAirBroadcast *self, guint ms, GSourceFunc func)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  return g_source_attach (source, self->context);
}

/* ---------------------------------------------------------------------- */
/* branches                                                               */

static Branch *
branch_new (Fmt input)
{
  Branch *branch = g_new0 (Branch, 1);

  branch->input = input;
  branch->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  return branch;
}

static void
branch_add (Branch *branch, GstElement *element)
{
  g_ptr_array_add (branch->elements, gst_object_ref_sink (element));
}

/* Adds the branch to the pipeline, links it from its input stage's tee
 * and, when @output is given, into @output. Returns FALSE if the formats
 * do not link (nothing is left in the pipeline then). */
static gboolean
branch_attach (OnAirBroadcast *self, Branch *branch, GstPad *output)
{
  GPtrArray *els = branch->elements;
  GstElement *first = g_ptr_array_index (els, 0);
  GstElement *last = g_ptr_array_index (els, els->len - 1);
  g_autoptr(GstPad) first_sink = NULL;

  g_assert (els->len > 0);

  for (guint i = 0; i < els->len; i++)
    gst_bin_add (GST_BIN (self->pipeline), g_ptr_array_index (els, i));
  for (guint i = 0; i + 1 < els->len; i++)
    if (!gst_element_link (g_ptr_array_index (els, i), g_ptr_array_index (els, i + 1)))
      goto fail;
  if (output != NULL)
    {
      g_autoptr(GstPad) last_src = gst_element_get_static_pad (last, "src");

      if (gst_pad_link (last_src, output) != GST_PAD_LINK_OK)
        goto fail;
    }

  /* Downstream first, so nothing pushes into an element not yet playing. */
  for (guint i = els->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (els, i - 1));

  stage_acquire (self, branch->input);
  branch->input_pad = gst_element_request_pad_simple (self->stages[branch->input].tee, "src_%u");
  first_sink = gst_element_get_static_pad (first, "sink");
  if (gst_pad_link (branch->input_pad, first_sink) != GST_PAD_LINK_OK)
    {
      g_critical ("Cannot link a %s branch", fmt_names[branch->input]);
      return FALSE;
    }
  return TRUE;

fail:
  g_critical ("Cannot link the elements of a %s branch", fmt_names[branch->input]);
  for (guint i = 0; i < els->len; i++)
    {
      gst_element_set_state (g_ptr_array_index (els, i), GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self->pipeline), g_ptr_array_index (els, i));
    }
  return FALSE;
}

static void
branch_free (OnAirBroadcast *self, Branch *branch)
{
  GPtrArray *els = branch->elements;

  if (branch->input_pad != NULL)
    {
      GstElement *tee = self->stages[branch->input].tee;
      GstPad *peer = gst_pad_get_peer (branch->input_pad);

      if (peer != NULL)
        {
          gst_pad_unlink (branch->input_pad, peer);
          gst_object_unref (peer);
        }
      gst_element_release_request_pad (tee, branch->input_pad);
      gst_clear_object (&branch->input_pad);
    }

  /* Downstream first: a queue's thread blocked pushing into a later element
   * is released (flushing) before the queue itself is stopped. */
  for (guint i = els->len; i > 0; i--)
    {
      GstElement *element = g_ptr_array_index (els, i - 1);

      gst_element_set_state (element, GST_STATE_NULL);
      if (self->pipeline != NULL && GST_OBJECT_PARENT (element) == GST_OBJECT (self->pipeline))
        gst_bin_remove (GST_BIN (self->pipeline), element);
    }

  g_ptr_array_unref (els);
  stage_release (self, branch->input);
  g_free (branch);
}

/* ---------------------------------------------------------------------- */
/* stages                                                                 */

static GstElement *
make_h264_encoder (GError **error)
{
  GstElement *enc;

  if ((enc = gst_element_factory_make ("x264enc", NULL)) != NULL)
    {
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
      g_object_set (enc,
                    "bitrate", 2500,
                    "key-int-max", 2 * SOURCE_FPS,
                    "byte-stream", TRUE,
                    NULL);
    }
  else if ((enc = gst_element_factory_make ("openh264enc", NULL)) != NULL)
    {
      g_object_set (enc, "bitrate", 2500000, "gop-size", 2 * SOURCE_FPS, NULL);
    }
  else
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                           _("No H.264 encoder is installed (x264enc or openh264enc)"));
      return NULL;
    }
  return enc;
}

/* Builds the converter that makes @fmt out of another stage. */
static void
build_producer (OnAirBroadcast *self, Fmt fmt)
{
  g_autoptr(GError) error = NULL;
  Stage *stage = &self->stages[fmt];
  g_autoptr(GstPad) tee_sink = NULL;
  Branch *branch;

  g_assert (stage->producer == NULL);
  g_assert (self->native != FMT_UNKNOWN && fmt != self->native);

  branch = branch_new (fmt == FMT_RAW ? self->native : FMT_RAW);
  /* Two buffers: a slow encoder drops frames instead of delaying them. */
  branch_add (branch, make_queue (TRUE, 2, 0));

  switch (fmt)
    {
    case FMT_RAW:
      if (self->native == FMT_JPEG)
        branch_add (branch, make ("jpegdec", &error));
      else
        {
          GstElement *dec = gst_element_factory_make ("avdec_h264", NULL);
          if (dec == NULL)
            dec = make ("openh264dec", &error);
          if (dec != NULL)
            {
              on_air_gop_cache_prime_decoder (self->gop, dec);
              branch_add (branch, dec);
            }
        }
      if (error == NULL)
        branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
      break;

    case FMT_JPEG:
      {
        GstElement *enc = make ("jpegenc", &error);

        if (enc == NULL)
          break;
        g_object_set (enc, "quality", 80, NULL);
        branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
        branch_add (branch, enc);
      }
      break;

    case FMT_H264:
      {
        GstElement *enc = make_h264_encoder (&error);
        GstElement *parse;

        if (enc == NULL)
          break;
        parse = make ("h264parse", &error);
        if (parse == NULL)
          {
            gst_object_unref (gst_object_ref_sink (enc));
            break;
          }
        g_object_set (parse, "config-interval", -1, NULL);
        branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
        branch_add (branch, make_capsfilter ("video/x-raw,format=I420"));
        branch_add (branch, enc);
        branch_add (branch, make_capsfilter ("video/x-h264,profile=constrained-baseline,"
                                             "stream-format=byte-stream,alignment=au"));
        branch_add (branch, parse);
      }
      break;

    case FMT_VP8:
      {
        GstElement *enc = make ("vp8enc", &error);

        if (enc == NULL)
          break;
        gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cbr");
        gst_util_set_object_arg (G_OBJECT (enc), "error-resilient", "default");
        g_object_set (enc,
                      "deadline", (gint64) 1,
                      "cpu-used", 8,
                      "lag-in-frames", 0,
                      "threads", 2,
                      "target-bitrate", 2500000,
                      "keyframe-max-dist", 2 * SOURCE_FPS,
                      NULL);
        branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
        branch_add (branch, enc);
      }
      break;

    case N_FMT:
    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    {
      g_message ("Cannot make %s video: %s", fmt_names[fmt], error->message);
      g_ptr_array_unref (branch->elements);
      g_free (branch);
      return;
    }

  tee_sink = gst_element_get_static_pad (stage->tee, "sink");
  if (!branch_attach (self, branch, tee_sink))
    {
      g_ptr_array_unref (branch->elements);
      g_free (branch);
      return;
    }
  stage->producer = branch;
  g_debug ("Started %s → %s", fmt_names[branch->input], fmt_names[fmt]);
}

static void
stage_acquire (OnAirBroadcast *self, Fmt fmt)
{
  Stage *stage = &self->stages[fmt];

  stage->users++;
  if (stage->users == 1 && self->native != FMT_UNKNOWN &&
      fmt != self->native && stage->producer == NULL)
    build_producer (self, fmt);
}

static void
stage_release (OnAirBroadcast *self, Fmt fmt)
{
  Stage *stage = &self->stages[fmt];

  g_assert (stage->users > 0);
  stage->users--;
  if (stage->users == 0 && stage->producer != NULL)
    {
      Branch *producer = g_steal_pointer (&stage->producer);

      g_debug ("Stopped %s → %s", fmt_names[producer->input], fmt_names[fmt]);
      branch_free (self, producer);
    }
}

/* Main context: the source's own format is known, so converters for the
 * stages that already have users can be built. */
static void
native_format_known (OnAirBroadcast *self, Fmt native)
{
  self->native = native;
  for (Fmt fmt = 0; fmt < N_FMT; fmt++)
    if (self->stages[fmt].users > 0 && fmt != native && self->stages[fmt].producer == NULL)
      build_producer (self, fmt);
}

/* ---------------------------------------------------------------------- */
/* appsink slots (JPEG for MJPEG viewers, BGRA for the preview)           */

static gboolean
slot_dispatch (gpointer user_data)
{
  SinkSlot *slot = user_data;
  OnAirBroadcast *self = slot->self;
  g_autoptr(GstSample) sample = NULL;
  guint64 sequence;

  g_mutex_lock (&slot->lock);
  slot->dispatch_pending = FALSE;
  sample = slot->latest ? gst_sample_ref (slot->latest) : NULL;
  sequence = slot->sequence;
  g_mutex_unlock (&slot->lock);

  if (sample == NULL || slot->users == 0)
    return G_SOURCE_REMOVE;

  if (slot == &self->jpeg)
    {
      GBytes *bytes;
      GstBuffer *buffer = gst_sample_get_buffer (sample);
      GstMapInfo map;

      if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
        return G_SOURCE_REMOVE;
      /* The GBytes keeps the buffer mapped and alive while any viewer's
       * socket still writes from it: no copy per viewer. */
      bytes = g_bytes_new_with_free_func (map.data, map.size,
                                          (GDestroyNotify) gst_buffer_unref,
                                          gst_buffer_ref (buffer));
      gst_buffer_unmap (buffer, &map);
      g_clear_pointer (&self->latest_jpeg, g_bytes_unref);
      self->latest_jpeg = bytes;
      self->latest_jpeg_sequence = sequence;
      g_signal_emit (self, signals[SIGNAL_JPEG_FRAME], 0, bytes, sequence);
    }
  else
    g_signal_emit (self, signals[SIGNAL_PREVIEW_FRAME], 0, sample);

  return G_SOURCE_REMOVE;
}

static void
slot_dispatch_done (gpointer user_data)
{
  SinkSlot *slot = user_data;
  g_object_unref (slot->self);
}

static GstFlowReturn
slot_new_sample (GstAppSink *sink, gpointer user_data)
{
  SinkSlot *slot = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  gboolean schedule;

  if (sample == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&slot->lock);
  if (slot->latest != NULL)
    gst_sample_unref (slot->latest);
  slot->latest = sample;
  slot->sequence++;
  schedule = !slot->dispatch_pending;
  slot->dispatch_pending = TRUE;
  g_mutex_unlock (&slot->lock);

  if (schedule)
    {
      /* Keep the broadcast alive until the dispatch has run. */
      g_object_ref (slot->self);
      run_on_main (slot->self, slot_dispatch, slot, slot_dispatch_done);
    }

  return GST_FLOW_OK;
}

static void
slot_build (OnAirBroadcast *self, SinkSlot *slot)
{
  GstAppSinkCallbacks callbacks = { .new_sample = slot_new_sample };
  GstElement *sink;
  Branch *branch;

  g_assert (slot->branch == NULL);

  if (self->pipeline == NULL)
    return;

  sink = gst_element_factory_make ("appsink", NULL);
  g_object_set (sink,
                "sync", FALSE,
                "async", FALSE,
                "qos", FALSE,
                "max-buffers", 1,
                "drop", TRUE,
                "enable-last-sample", FALSE,
                NULL);

  if (slot == &self->jpeg)
    {
      branch = branch_new (FMT_JPEG);
      branch_add (branch, make_queue (TRUE, 1, 0));
    }
  else
    {
      g_autofree char *caps = NULL;

      branch = branch_new (FMT_RAW);
      branch_add (branch, make_queue (TRUE, 1, 0));
      branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
      branch_add (branch, gst_element_factory_make ("videoscale", NULL));
      caps = g_strdup_printf ("video/x-raw,format=BGRA,width=[16,%d],height=[16,%d],"
                              "pixel-aspect-ratio=1/1",
                              slot->max_width, slot->max_height);
      branch_add (branch, make_capsfilter (caps));
    }
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, slot, NULL);
  branch_add (branch, sink);

  if (!branch_attach (self, branch, NULL))
    {
      g_ptr_array_unref (branch->elements);
      g_free (branch);
      return;
    }
  slot->branch = branch;
}

static void
slot_acquire (OnAirBroadcast *self, SinkSlot *slot)
{
  slot->users++;
  if (slot->users == 1)
    slot_build (self, slot);
}

static void
slot_release (OnAirBroadcast *self, SinkSlot *slot)
{
  g_return_if_fail (slot->users > 0);

  slot->users--;
  if (slot->users == 0 && slot->branch != NULL)
    {
      branch_free (self, g_steal_pointer (&slot->branch));
      g_mutex_lock (&slot->lock);
      g_clear_pointer (&slot->latest, gst_sample_unref);
      g_mutex_unlock (&slot->lock);
    }
}

/* ---------------------------------------------------------------------- */
/* MJPEG fan-out                                                          */

static void
free_part_header (gpointer data)
{
  g_free (data);
}

/* Streaming thread: each JPEG becomes one whole multipart part in one
 * buffer (header, the JPEG's own memory, CRLF), so the sink writes it with
 * one vectored send and only ever skips whole parts. */
static GstPadProbeReturn
frame_part_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  GstBuffer *jpeg = GST_PAD_PROBE_INFO_BUFFER (info);
  GstBuffer *part = gst_buffer_new ();
  gsize size = gst_buffer_get_size (jpeg);
  char *head = g_strdup_printf ("--" ON_AIR_MJPEG_BOUNDARY "\r\nContent-Type: image/jpeg\r\n"
                                "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", size);
  gsize head_len = strlen (head);
  static const char crlf[] = "\r\n";

  gst_buffer_append_memory (part, gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY, head, head_len + 1,
                                                          0, head_len, head, free_part_header));
  gst_buffer_copy_into (part, jpeg, GST_BUFFER_COPY_METADATA | GST_BUFFER_COPY_MEMORY, 0, -1);
  gst_buffer_append_memory (part, gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY, (gpointer) crlf,
                                                          2, 0, 2, NULL, NULL));
  gst_buffer_unref (jpeg);
  GST_PAD_PROBE_INFO_DATA (info) = part;
  g_atomic_pointer_add (&self->mjpeg_parts, 1);
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  OnAirBroadcast *self;
  GSocket *socket;
} SocketRemoved;

static void
socket_removed_free (gpointer data)
{
  SocketRemoved *removed = data;

  g_object_unref (removed->self);
  g_object_unref (removed->socket);
  g_free (removed);
}

static void mjpeg_forget_client (OnAirBroadcast *self, GSocket *socket);

static gboolean
socket_removed_on_main (gpointer data)
{
  SocketRemoved *removed = data;

  mjpeg_forget_client (removed->self, removed->socket);
  return G_SOURCE_REMOVE;
}

/* Any thread: the sink let go of a client (hung up, write error, or
 * removed by us). */
static void
on_client_socket_removed (GstElement *sink, GSocket *socket, gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  SocketRemoved *removed = g_new0 (SocketRemoved, 1);

  removed->self = g_object_ref (self);
  removed->socket = g_object_ref (socket);
  run_on_main (self, socket_removed_on_main, removed, socket_removed_free);
}

static gboolean
mjpeg_build (OnAirBroadcast *self)
{
  Branch *branch = branch_new (FMT_JPEG);
  GstElement *queue = make_queue (TRUE, 1, 0);
  GstElement *sink = gst_element_factory_make ("multisocketsink", NULL);
  g_autoptr(GstPad) queue_src = gst_element_get_static_pad (queue, "src");

  if (sink == NULL)
    {
      g_ptr_array_unref (branch->elements);
      g_free (branch);
      gst_object_unref (gst_object_ref_sink (queue));
      return FALSE;
    }

  g_object_set (sink,
                "sync", FALSE,
                "async", FALSE,
                "qos", FALSE,
                "enable-last-sample", FALSE,
                "send-dispatched", FALSE,
                "send-messages", FALSE,
                /* A client more than one frame behind skips to the newest;
                 * one that reads nothing for 20 s is let go. */
                "units-soft-max", (gint64) 1,
                "units-max", (gint64) -1,
                "timeout", (guint64) 20 * GST_SECOND,
                NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "unit-format", "buffers");
  gst_util_set_object_arg (G_OBJECT (sink), "recover-policy", "latest");
  gst_util_set_object_arg (G_OBJECT (sink), "sync-method", "latest");
  g_signal_connect_object (sink, "client-socket-removed", G_CALLBACK (on_client_socket_removed), self, 0);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, frame_part_probe, self, NULL);

  branch_add (branch, queue);
  branch_add (branch, sink);
  if (!branch_attach (self, branch, NULL))
    {
      g_ptr_array_unref (branch->elements);
      g_free (branch);
      return FALSE;
    }
  self->mjpeg_branch = branch;
  self->mjpeg_sink = sink;
  return TRUE;
}

static gboolean
trim_later (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  self->trim_source = 0;
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* The last viewer of a kind left. Each webrtcbin allocates from its own
 * threads, and glibc keeps what they freed in its arenas: with 25 viewers
 * leaving twice, private memory stayed at 37 then 40 MB (idle: 7); trimmed
 * when the last WebRTC viewer goes, 32 then 32 MB. Their threads finish
 * freeing after this, so once more a second later (another 7–9 MB back,
 * measured). MJPEG: 50 viewers left 8.6 MB behind without a trim. */
static void
give_back_memory (OnAirBroadcast *self)
{
  malloc_trim (0);
  g_clear_handle_id (&self->trim_source, g_source_remove);
  self->trim_source = add_timeout (self, 1000, trim_later);
}

static void
mjpeg_release_branch (OnAirBroadcast *self)
{
  if (self->mjpeg_branch == NULL)
    return;
  self->mjpeg_sink = NULL;
  branch_free (self, g_steal_pointer (&self->mjpeg_branch));
  give_back_memory (self);
}

/* Main context: the client is gone from the sink; tell the owner. */
static void
mjpeg_forget_client (OnAirBroadcast *self, GSocket *socket)
{
  if (!g_hash_table_remove (self->mjpeg_clients, socket))
    return;
  g_signal_emit (self, signals[SIGNAL_MJPEG_CLIENT_REMOVED], 0, socket);
  if (g_hash_table_size (self->mjpeg_clients) == 0)
    mjpeg_release_branch (self);
}

/* ---------------------------------------------------------------------- */
/* source                                                                 */

static gboolean
first_buffer_on_main (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  if (self->pipeline != NULL && !self->first_buffer_seen)
    {
      self->first_buffer_seen = TRUE;
      g_clear_pointer (&self->error_message, g_free);
      set_state (self, ON_AIR_SOURCE_STATE_LIVE);
    }
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
count_buffers_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Stage *stage = user_data;
  OnAirBroadcast *self = g_object_get_data (G_OBJECT (pad), "on-air-broadcast");

  g_atomic_pointer_add (&stage->buffers, 1);
  if (self != NULL && (stage - self->stages) == (gintptr) g_atomic_int_get ((gint *) &self->native) &&
      g_atomic_int_compare_and_exchange (&self->first_buffer_flag, 0, 1))
    invoke_on_main (self, first_buffer_on_main);
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  OnAirBroadcast *self;
  Fmt native;
} NativeKnown;

static gboolean
native_known_on_main (gpointer user_data)
{
  NativeKnown *known = user_data;

  if (known->self->pipeline != NULL && known->self->native == FMT_UNKNOWN)
    native_format_known (known->self, known->native);
  return G_SOURCE_REMOVE;
}

static void
native_known_free (gpointer user_data)
{
  NativeKnown *known = user_data;

  g_object_unref (known->self);
  g_free (known);
}

static void
announce_native (OnAirBroadcast *self, Fmt native)
{
  NativeKnown *known = g_new0 (NativeKnown, 1);

  known->self = g_object_ref (self);
  known->native = native;
  run_on_main (self, native_known_on_main, known, native_known_free);
}

static GstPad *
stage_sink (OnAirBroadcast *self, Fmt fmt)
{
  return gst_element_get_static_pad (self->stages[fmt].tee, "sink");
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

  target = stage_sink (self, FMT_RAW);
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
  gboolean claim;
  GstElement *first;
  Fmt native;

  GST_OBJECT_LOCK (self->pipeline);
  claim = g_strcmp0 (media, "video") == 0 && !self->rtsp_linked;
  if (claim)
    self->rtsp_linked = TRUE;
  GST_OBJECT_UNLOCK (self->pipeline);

  if (!claim)
    {
      /* Audio or a second video stream: drain it so rtspsrc never sees
       * not-linked. */
      GstElement *sink = gst_element_factory_make ("fakesink", NULL);
      g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (sink, "sink");

      g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
      gst_bin_add (bin, sink);
      gst_element_sync_state_with_parent (sink);
      gst_pad_link (pad, sink_pad);
      return;
    }

  if (g_strcmp0 (encoding, "H264") == 0)
    {
      GstElement *parse = gst_element_factory_make ("h264parse", NULL);

      g_object_set (parse, "config-interval", -1, NULL);
      g_ptr_array_add (chain, gst_element_factory_make ("rtph264depay", NULL));
      g_ptr_array_add (chain, parse);
      g_ptr_array_add (chain, make_capsfilter ("video/x-h264,stream-format=byte-stream,alignment=au"));
      native = FMT_H264;
    }
  else
    {
      GstElement *decodebin = gst_element_factory_make ("decodebin", NULL);

      g_signal_connect_object (decodebin, "pad-added", G_CALLBACK (on_decodebin_pad_added), self, 0);
      g_ptr_array_add (chain, decodebin);
      native = FMT_RAW;
    }

  for (guint i = 0; i < chain->len; i++)
    gst_bin_add (bin, g_ptr_array_index (chain, i));
  for (guint i = 0; i + 1 < chain->len; i++)
    gst_element_link (g_ptr_array_index (chain, i), g_ptr_array_index (chain, i + 1));
  if (native == FMT_H264)
    {
      g_autoptr(GstPad) last_src = gst_element_get_static_pad (g_ptr_array_index (chain, chain->len - 1), "src");
      g_autoptr(GstPad) target = stage_sink (self, FMT_H264);

      gst_pad_add_probe (last_src, GST_PAD_PROBE_TYPE_BUFFER, on_air_gop_cache_push_probe, self->gop, NULL);
      gst_pad_link (last_src, target);
    }
  for (guint i = chain->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (chain, i - 1));

  first = g_ptr_array_index (chain, 0);
  {
    g_autoptr(GstPad) first_sink = gst_element_get_static_pad (first, "sink");
    gst_pad_link (pad, first_sink);
  }

  g_atomic_int_set ((gint *) &self->native, native);
  announce_native (self, native);
}

static gboolean
build_rtsp_source (OnAirBroadcast *self, GError **error)
{
  OnAirSourceSpec *spec = self->spec;
  GstElement *src = make ("rtspsrc", error);

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
  set_description (self, on_air_source_spec_get_description (spec));
  return TRUE;
}

static gboolean
build_test_source (OnAirBroadcast *self, GError **error)
{
  GstElement *src = make ("videotestsrc", error);
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
                          SOURCE_WIDTH, SOURCE_HEIGHT, SOURCE_FPS);
  filter = make_capsfilter (caps);
  gst_bin_add_many (GST_BIN (self->pipeline), src, filter, NULL);
  gst_element_link (src, filter);
  filter_src = gst_element_get_static_pad (filter, "src");
  target = stage_sink (self, FMT_RAW);
  gst_pad_link (filter_src, target);
  /* The capture time as a row of blocks: anyone can measure latency. */
  on_air_stamp_pad (filter_src);

  self->native = FMT_RAW;
  self->source_kind = "test";
  set_description (self, _("Test pattern"));
  return TRUE;
}

static gboolean
build_camera_source (OnAirBroadcast *self, GError **error)
{
  const char *path = on_air_source_spec_get_device (self->spec);
  g_autoptr(GstDevice) device = on_air_camera_find (path);
  g_autoptr(GstCaps) device_caps = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) filter_src = NULL;
  g_autoptr(GstPad) target = NULL;
  GstElement *src;
  GstElement *filter;
  gboolean is_jpeg;
  Fmt native;

  if (device == NULL && path == NULL)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_NO_CAMERA,
                           _("No camera was found"));
      return FALSE;
    }

  if (device != NULL)
    {
      g_autofree char *name = gst_device_get_display_name (device);

      src = gst_device_create_element (device, NULL);
      device_caps = gst_device_get_caps (device);
      set_description (self, name);
    }
  else
    {
      g_autofree char *desc = g_strdup_printf (_("Camera %s"), path);

      src = make ("v4l2src", error);
      if (src == NULL)
        return FALSE;
      g_object_set (src, "device", path, NULL);
      set_description (self, desc);
    }

  caps = on_air_camera_choose_caps (device_caps, &is_jpeg);
  native = is_jpeg ? FMT_JPEG : FMT_RAW;
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
  target = stage_sink (self, native);
  gst_pad_link (filter_src, target);

  self->native = native;
  self->source_kind = "camera";
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* pipeline lifecycle                                                     */

static char *
describe_error (OnAirBroadcast *self, GError *error)
{
  const char *kind = self->source_kind ? self->source_kind : "";

  if (g_str_equal (kind, "rtsp"))
    {
      const char *location = on_air_source_spec_get_location (self->spec);

      if (strstr (error->message, "Unauthorized") != NULL ||
          g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED))
        return g_strdup_printf (_("The network camera at %s refused the user name or password"), location);
      if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE) ||
          g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ) ||
          g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ))
        return g_strdup_printf (_("The network camera at %s does not answer"), location);
      if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND))
        return g_strdup_printf (_("The network camera at %s has no stream at that address"), location);
      return g_strdup_printf (_("Cannot play the network camera at %s: %s"), location, error->message);
    }
  if (g_str_equal (kind, "camera") && on_air_source_spec_get_device (self->spec) != NULL &&
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND))
    return g_strdup_printf (_("No camera is connected at %s"), on_air_source_spec_get_device (self->spec));
  if (g_str_equal (kind, "camera") && g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY))
    return g_strdup_printf (_("The camera “%s” is in use by another application"),
                            self->description ? self->description : "");
  if (g_str_equal (kind, "camera"))
    return g_strdup_printf (_("The camera “%s” stopped: %s"),
                            self->description ? self->description : "",
                            error->message);
  return g_strdup_printf (_("The video source stopped: %s"), error->message);
}

static gboolean
retry_cb (gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  g_autoptr(GError) error = NULL;

  self->retry_source = 0;
  self->retry_at = 0;
  set_state (self, ON_AIR_SOURCE_STATE_RECONNECTING);
  if (!build_pipeline (self, &error))
    {
      g_autofree char *message = describe_error (self, error);

      g_free (self->error_message);
      self->error_message = g_steal_pointer (&message);
      teardown_pipeline (self);
      self->retry_at = g_get_monotonic_time () + RETRY_SECONDS * G_USEC_PER_SEC;
      self->retry_source = add_timeout (self, RETRY_SECONDS * 1000, retry_cb);
      set_state (self, ON_AIR_SOURCE_STATE_FAILED);
    }
  return G_SOURCE_REMOVE;
}

static void
fail_and_retry (OnAirBroadcast *self, const char *message)
{
  g_debug ("%s; retrying in %d s", message, RETRY_SECONDS);
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  teardown_pipeline (self);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_at = g_get_monotonic_time () + RETRY_SECONDS * G_USEC_PER_SEC;
  self->retry_source = add_timeout (self, RETRY_SECONDS * 1000, retry_cb);
  set_state (self, ON_AIR_SOURCE_STATE_FAILED);
}

/* Tells the tap's owner the broadcast can no longer feed it; detaches it
 * if the owner did not. */
static void
lose_tap (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  if (tap->lost_func != NULL)
    tap->lost_func (tap, tap->lost_data);
  on_air_broadcast_detach_webrtc (self, tap);
}

/* The viewer whose queue or webrtcbin (or anything inside it) is @object. */
static OnAirRtpTap *
find_tap_of (OnAirBroadcast *self, GstObject *object)
{
  for (guint i = 0; i < self->taps->len; i++)
    {
      OnAirRtpTap *tap = g_ptr_array_index (self->taps, i);

      if (object == GST_OBJECT (tap->queue) ||
          gst_object_has_as_ancestor (object, GST_OBJECT (tap->webrtcbin)) ||
          object == GST_OBJECT (tap->webrtcbin))
        return tap;
    }
  return NULL;
}

static gboolean
bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *text = NULL;
        OnAirRtpTap *tap;

        gst_message_parse_error (message, &error, &debug);
        g_debug ("Error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                 error->message, debug ? debug : "");

        /* One viewer's trouble ends that viewer, not the broadcast. */
        tap = find_tap_of (self, GST_MESSAGE_SRC (message));
        if (tap != NULL)
          {
            lose_tap (self, tap);
            return G_SOURCE_CONTINUE;
          }
        text = describe_error (self, error);
        fail_and_retry (self, text);
        return G_SOURCE_REMOVE; /* the watch went with the pipeline */
      }

    case GST_MESSAGE_EOS:
      {
        g_autoptr(GError) error = g_error_new_literal (ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED,
                                                       _("the stream ended"));
        g_autofree char *text = describe_error (self, error);

        fail_and_retry (self, text);
        return G_SOURCE_REMOVE;
      }

    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_warning (message, &error, NULL);
        g_debug ("Warning from %s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message);
      }
      break;

    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
fps_tick (gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 count;
  double fps;

  if (self->native == FMT_UNKNOWN)
    return G_SOURCE_CONTINUE;
  count = g_atomic_pointer_get (&self->stages[self->native].buffers);
  if (count != self->fps_last_count || self->last_progress == 0)
    self->last_progress = now;
  else if (self->state == ON_AIR_SOURCE_STATE_LIVE &&
           now - self->last_progress > STALL_SECONDS * G_USEC_PER_SEC)
    {
      g_autofree char *text = NULL;

      if (g_strcmp0 (self->source_kind, "rtsp") == 0)
        text = g_strdup_printf (_("The network camera at %s stopped sending video"),
                                on_air_source_spec_get_location (self->spec));
      else
        text = g_strdup_printf (_("“%s” stopped sending video"), self->description);

      self->fps_source = 0;
      fail_and_retry (self, text);
      return G_SOURCE_REMOVE;
    }
  if (self->fps_last_time != 0 && now > self->fps_last_time)
    {
      fps = (double) (count - self->fps_last_count) * G_USEC_PER_SEC / (now - self->fps_last_time);
      if (ABS (fps - self->fps) >= 0.05)
        {
          self->fps = fps;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FPS]);
        }
    }
  self->fps_last_count = count;
  self->fps_last_time = now;
  return G_SOURCE_CONTINUE;
}

static void
teardown_pipeline (OnAirBroadcast *self)
{
  if (self->pipeline == NULL)
    return;

  /* WebRTC peers own their webrtcbin and let go of it here. */
  while (self->taps->len > 0)
    lose_tap (self, g_ptr_array_index (self->taps, self->taps->len - 1));

  /* The sink goes with the pipeline: every MJPEG client is let go. */
  if (self->mjpeg_sink != NULL)
    g_signal_handlers_disconnect_by_data (self->mjpeg_sink, self);
  {
    g_autoptr(GList) sockets = g_hash_table_get_keys (self->mjpeg_clients);

    for (GList *l = sockets; l != NULL; l = l->next)
      {
        GSocket *socket = g_object_ref (l->data);

        if (self->mjpeg_sink != NULL)
          g_signal_emit_by_name (self->mjpeg_sink, "remove", socket);
        mjpeg_forget_client (self, socket);
        g_object_unref (socket);
      }
    mjpeg_release_branch (self);
  }

  if (self->jpeg.branch != NULL)
    branch_free (self, g_steal_pointer (&self->jpeg.branch));
  if (self->preview.branch != NULL)
    branch_free (self, g_steal_pointer (&self->preview.branch));

  end_webrtc_expectation (self);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_handle_id (&self->fps_source, g_source_remove);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  on_air_gop_cache_clear (self->gop);

  for (Fmt fmt = 0; fmt < N_FMT; fmt++)
    {
      g_assert (self->stages[fmt].users == 0);
      g_assert (self->stages[fmt].producer == NULL);
      self->stages[fmt].tee = NULL;
    }
  gst_clear_object (&self->pipeline);
  self->native = FMT_UNKNOWN;
  self->first_buffer_seen = FALSE;
  g_atomic_int_set (&self->first_buffer_flag, 0);
  self->rtsp_linked = FALSE;
  if (self->fps != 0)
    {
      self->fps = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FPS]);
    }
}

static gboolean
build_pipeline (OnAirBroadcast *self, GError **error)
{
  g_autoptr(GstBus) bus = NULL;
  OnAirSourceKind kind = on_air_source_spec_get_kind (self->spec);
  gboolean ok = FALSE;

  g_assert (self->pipeline == NULL);

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("on-air"));
  self->native = FMT_UNKNOWN;
  for (Fmt fmt = 0; fmt < N_FMT; fmt++)
    {
      Stage *stage = &self->stages[fmt];
      g_autofree char *name = g_strdup_printf ("%s-tee", fmt_names[fmt]);
      g_autoptr(GstPad) sink = NULL;

      stage->tee = gst_element_factory_make ("tee", name);
      g_object_set (stage->tee, "allow-not-linked", TRUE, NULL);
      gst_bin_add (GST_BIN (self->pipeline), stage->tee);
      sink = gst_element_get_static_pad (stage->tee, "sink");
      g_object_set_data (G_OBJECT (sink), "on-air-broadcast", self);
      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_buffers_probe, stage, NULL);
    }

  switch (kind)
    {
    case ON_AIR_SOURCE_TEST:
      ok = build_test_source (self, error);
      break;
    case ON_AIR_SOURCE_RTSP:
      ok = build_rtsp_source (self, error);
      break;
    case ON_AIR_SOURCE_CAMERA:
      ok = build_camera_source (self, error);
      break;
    case ON_AIR_SOURCE_AUTO:
      {
        g_autoptr(GError) camera_error = NULL;

        ok = build_camera_source (self, &camera_error);
        /* No camera at all: nothing was added, show the test pattern. */
        if (!ok && g_error_matches (camera_error, ON_AIR_ERROR, ON_AIR_ERROR_NO_CAMERA))
          ok = build_test_source (self, error);
        else if (!ok)
          g_propagate_error (error, g_steal_pointer (&camera_error));
      }
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    return FALSE;

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);

  if (self->native != FMT_UNKNOWN)
    native_format_known (self, self->native);
  if (self->jpeg.users > 0)
    slot_build (self, &self->jpeg);
  if (self->preview.users > 0)
    slot_build (self, &self->preview);

  self->fps_last_time = 0;
  self->last_progress = 0;
  self->fps_source = add_timeout (self, 1000, fps_tick);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      /* The bus carries the reason; let bus_cb report it. */
      g_debug ("Pipeline refused to play; waiting for the error message");
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
on_air_broadcast_dispose (GObject *object)
{
  OnAirBroadcast *self = ON_AIR_BROADCAST (object);

  g_clear_handle_id (&self->retry_source, g_source_remove);
  teardown_pipeline (self);
  g_clear_handle_id (&self->trim_source, g_source_remove);
  g_clear_pointer (&self->latest_jpeg, g_bytes_unref);

  G_OBJECT_CLASS (on_air_broadcast_parent_class)->dispose (object);
}

static void
on_air_broadcast_finalize (GObject *object)
{
  OnAirBroadcast *self = ON_AIR_BROADCAST (object);

  g_clear_pointer (&self->spec, on_air_source_spec_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->description, g_free);
  g_ptr_array_unref (self->groups);
  g_ptr_array_unref (self->taps);
  g_clear_pointer (&self->gop, on_air_gop_cache_free);
  g_hash_table_unref (self->mjpeg_clients);
  for (SinkSlot *slot = &self->jpeg; slot; slot = slot == &self->jpeg ? &self->preview : NULL)
    {
      g_clear_pointer (&slot->latest, gst_sample_unref);
      g_mutex_clear (&slot->lock);
    }

  G_OBJECT_CLASS (on_air_broadcast_parent_class)->finalize (object);
}

static void
on_air_broadcast_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirBroadcast *self = ON_AIR_BROADCAST (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_FPS:
      g_value_set_double (value, self->fps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_broadcast_class_init (OnAirBroadcastClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = on_air_broadcast_dispose;
  object_class->finalize = on_air_broadcast_finalize;
  object_class->get_property = on_air_broadcast_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      ON_AIR_SOURCE_STATE_STOPPED, ON_AIR_SOURCE_STATE_FAILED,
                      ON_AIR_SOURCE_STATE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FPS] =
    g_param_spec_double ("fps", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_JPEG_FRAME] =
    g_signal_new ("jpeg-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_UINT64);
  signals[SIGNAL_PREVIEW_FRAME] =
    g_signal_new ("preview-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_SAMPLE);
  signals[SIGNAL_MJPEG_CLIENT_REMOVED] =
    g_signal_new ("mjpeg-client-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_SOCKET);
}

static void
on_air_broadcast_init (OnAirBroadcast *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->native = FMT_UNKNOWN;
  self->groups = g_ptr_array_new ();
  self->taps = g_ptr_array_new ();
  self->gop = on_air_gop_cache_new ();
  self->mjpeg_clients = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  self->jpeg.self = self;
  self->preview.self = self;
  g_mutex_init (&self->jpeg.lock);
  g_mutex_init (&self->preview.lock);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

OnAirBroadcast *
on_air_broadcast_new (OnAirSourceSpec *spec)
{
  OnAirBroadcast *self;

  g_return_val_if_fail (spec != NULL, NULL);

  self = g_object_new (ON_AIR_TYPE_BROADCAST, NULL);
  self->spec = on_air_source_spec_ref (spec);
  self->description = g_strdup (on_air_source_spec_get_description (spec));
  return self;
}

gboolean
on_air_broadcast_start (OnAirBroadcast *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->started)
    return TRUE;

  /* A missing plugin or camera is final; everything later is retried. */
  if (!build_pipeline (self, &local_error))
    {
      teardown_pipeline (self);
      g_free (self->error_message);
      self->error_message = g_strdup (local_error->message);
      set_state (self, ON_AIR_SOURCE_STATE_FAILED);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->started = TRUE;
  set_state (self, ON_AIR_SOURCE_STATE_STARTING);
  return TRUE;
}

void
on_air_broadcast_stop (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_at = 0;
  teardown_pipeline (self);
  self->started = FALSE;
  set_state (self, ON_AIR_SOURCE_STATE_STOPPED);
}

OnAirSourceSpec *
on_air_broadcast_get_spec (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  return self->spec;
}

OnAirSourceState
on_air_broadcast_get_state (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), ON_AIR_SOURCE_STATE_STOPPED);
  return self->state;
}

const char *
on_air_source_state_to_string (OnAirSourceState state)
{
  switch (state)
    {
    case ON_AIR_SOURCE_STATE_STOPPED: return "stopped";
    case ON_AIR_SOURCE_STATE_STARTING: return "starting";
    case ON_AIR_SOURCE_STATE_LIVE: return "live";
    case ON_AIR_SOURCE_STATE_RECONNECTING: return "reconnecting";
    case ON_AIR_SOURCE_STATE_FAILED: return "failed";
    default: return "unknown";
    }
}

const char *
on_air_broadcast_get_error_message (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  return self->state == ON_AIR_SOURCE_STATE_FAILED ? self->error_message : NULL;
}

guint
on_air_broadcast_get_retry_seconds (OnAirBroadcast *self)
{
  gint64 left;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), 0);
  if (self->retry_at == 0)
    return 0;
  left = self->retry_at - g_get_monotonic_time ();
  return left <= 0 ? 0 : (guint) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

const char *
on_air_broadcast_get_description (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  return self->description;
}

const char *
on_air_broadcast_get_source_kind (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  return self->source_kind ? self->source_kind : on_air_source_spec_get_kind_name (self->spec);
}

gboolean
on_air_broadcast_get_resolution (OnAirBroadcast *self, int *width, int *height)
{
  g_autoptr(GstPad) pad = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstStructure *s;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);

  if (self->pipeline == NULL || self->native == FMT_UNKNOWN)
    return FALSE;
  pad = stage_sink (self, self->native);
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL || gst_caps_get_size (caps) == 0)
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  return gst_structure_get_int (s, "width", width) && gst_structure_get_int (s, "height", height);
}

double
on_air_broadcast_get_fps (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), 0);
  return self->fps;
}

gboolean
on_air_broadcast_get_h264_passthrough (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  return self->native == FMT_H264;
}

gboolean
on_air_broadcast_is_running (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  return self->pipeline != NULL;
}

GstElement *
on_air_broadcast_get_pipeline (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  return self->pipeline;
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

void
on_air_broadcast_acquire_jpeg (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  slot_acquire (self, &self->jpeg);
}

void
on_air_broadcast_release_jpeg (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  slot_release (self, &self->jpeg);
  if (self->jpeg.users == 0)
    g_clear_pointer (&self->latest_jpeg, g_bytes_unref);
}

GBytes *
on_air_broadcast_dup_latest_jpeg (OnAirBroadcast *self, guint64 *sequence)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);

  if (sequence != NULL)
    *sequence = self->latest_jpeg_sequence;
  return self->latest_jpeg ? g_bytes_ref (self->latest_jpeg) : NULL;
}

gboolean
on_air_broadcast_add_mjpeg_client (OnAirBroadcast *self, GSocket *socket)
{
  MjpegClient *client;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (self->pipeline == NULL || g_hash_table_contains (self->mjpeg_clients, socket))
    return FALSE;
  if (self->mjpeg_sink == NULL && !mjpeg_build (self))
    return FALSE;

  client = g_new0 (MjpegClient, 1);
  client->socket = socket;
  client->parts_at_join = g_atomic_pointer_get (&self->mjpeg_parts);
  g_hash_table_insert (self->mjpeg_clients, g_object_ref (socket), client);
  g_signal_emit_by_name (self->mjpeg_sink, "add", socket);
  return TRUE;
}

void
on_air_broadcast_remove_mjpeg_client (OnAirBroadcast *self, GSocket *socket)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (G_IS_SOCKET (socket));

  if (!g_hash_table_contains (self->mjpeg_clients, socket))
    return;
  g_object_ref (socket);
  if (self->mjpeg_sink != NULL)
    g_signal_emit_by_name (self->mjpeg_sink, "remove", socket);
  mjpeg_forget_client (self, socket);
  g_object_unref (socket);
}

gboolean
on_air_broadcast_get_mjpeg_client_stats (OnAirBroadcast *self,
                                         GSocket        *socket,
                                         guint64        *frames_sent,
                                         guint64        *frames_dropped)
{
  MjpegClient *client;
  GstStructure *stats = NULL;
  guint64 dropped = 0;
  gssize total;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);

  client = g_hash_table_lookup (self->mjpeg_clients, socket);
  if (client == NULL || self->mjpeg_sink == NULL)
    return FALSE;
  g_signal_emit_by_name (self->mjpeg_sink, "get-stats", socket, &stats);
  if (stats != NULL)
    {
      gst_structure_get_uint64 (stats, "buffers-dropped", &dropped);
      gst_structure_free (stats);
    }
  total = g_atomic_pointer_get (&self->mjpeg_parts) - client->parts_at_join;
  *frames_dropped = dropped;
  *frames_sent = total > (gssize) dropped ? (guint64) total - dropped : 0;
  return TRUE;
}

void
on_air_broadcast_acquire_preview (OnAirBroadcast *self, int max_width, int max_height)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (max_width >= 16 && max_height >= 16);

  self->preview.max_width = max_width;
  self->preview.max_height = max_height;
  slot_acquire (self, &self->preview);
}

void
on_air_broadcast_release_preview (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  slot_release (self, &self->preview);
}

static void
send_keyframe_request (GstElement *encoder)
{
  GstEvent *event = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0);

  gst_element_send_event (encoder, event);
}

void
on_air_broadcast_request_keyframe (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  for (Fmt fmt = FMT_H264; fmt <= FMT_VP8; fmt++)
    {
      Branch *producer = self->stages[fmt].producer;

      if (producer == NULL)
        continue;
      for (guint i = 0; i < producer->elements->len; i++)
        {
          GstElement *element = g_ptr_array_index (producer->elements, i);
          GstElementFactory *factory = gst_element_get_factory (element);
          const char *klass = gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS);

          if (strstr (klass, "Encoder") != NULL)
            send_keyframe_request (element);
        }
    }
}

static void
end_webrtc_expectation (OnAirBroadcast *self)
{
  if (self->expect_source == 0)
    return;
  g_clear_handle_id (&self->expect_source, g_source_remove);
  stage_release (self, FMT_H264);
}

static gboolean
webrtc_expectation_expired (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  g_debug ("No WebRTC viewer came within %d ms of the page", WEBRTC_EXPECT_MS);
  self->expect_source = 0;
  stage_release (self, FMT_H264);
  return G_SOURCE_REMOVE;
}

void
on_air_broadcast_expect_webrtc (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  if (self->pipeline == NULL)
    return;
  if (self->expect_source != 0)
    g_source_remove (self->expect_source);
  else
    stage_acquire (self, FMT_H264);
  self->expect_source = add_timeout (self, WEBRTC_EXPECT_MS, webrtc_expectation_expired);
}

static RtpGroup *
group_acquire (OnAirBroadcast *self, OnAirCodec codec, guint pt)
{
  RtpGroup *group = NULL;
  GstElement *pay;
  Branch *branch;
  g_autoptr(GstPad) tee_sink = NULL;

  for (guint i = 0; i < self->groups->len; i++)
    {
      RtpGroup *g = g_ptr_array_index (self->groups, i);
      if (g->codec == codec && g->pt == pt)
        group = g;
    }
  if (group != NULL)
    {
      group->users++;
      return group;
    }

  if (codec == ON_AIR_CODEC_H264)
    {
      pay = gst_element_factory_make ("rtph264pay", NULL);
      g_object_set (pay, "config-interval", -1, NULL);
      gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
      branch = branch_new (FMT_H264);
    }
  else
    {
      pay = gst_element_factory_make ("rtpvp8pay", NULL);
      gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");
      branch = branch_new (FMT_VP8);
    }
  g_object_set (pay, "pt", pt, "mtu", 1200, NULL);

  group = g_new0 (RtpGroup, 1);
  group->codec = codec;
  group->pt = pt;
  group->users = 1;
  group->tee = gst_element_factory_make ("tee", NULL);
  g_object_set (group->tee, "allow-not-linked", TRUE, NULL);

  /* Not leaky: dropping part of an encoded frame would corrupt every
   * frame up to the next keyframe. The payloader never blocks for long;
   * per-viewer queues below are the ones that shed. */
  branch_add (branch, make_queue (FALSE, 0, 500 * GST_MSECOND));
  branch_add (branch, pay);
  branch_add (branch, group->tee);
  if (!branch_attach (self, branch, NULL))
    {
      g_ptr_array_unref (branch->elements);
      g_free (branch);
      g_free (group);
      return NULL;
    }
  group->branch = branch;
  g_ptr_array_add (self->groups, group);
  return group;
}

static void
group_release (OnAirBroadcast *self, RtpGroup *group)
{
  g_assert (group->users > 0);
  if (--group->users > 0)
    return;
  g_ptr_array_remove (self->groups, group);
  branch_free (self, group->branch);
  g_free (group);

  if (self->groups->len == 0)
    give_back_memory (self);
}

static GstPadProbeReturn
count_frames_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;

  if (on_air_rtp_ends_frame (GST_PAD_PROBE_INFO_BUFFER (info)))
    g_atomic_pointer_add (&tap->frames_sent, 1);
  return GST_PAD_PROBE_OK;
}

/* A viewer that falls behind sheds packets after this much instead of
 * adding delay; the browser recovers with a keyframe request. */
#define TAP_QUEUE_MAX_TIME (300 * GST_MSECOND)

/* Nothing reaches the viewer's webrtcbin until its ICE is up; then media
 * flows from the start of a keyframe (requested when the tap opened), so
 * the first packet the browser gets begins a picture it can show. A
 * stream whose keyframes cannot be told apart still flows after
 * KEYFRAME_WAIT_US, as the browser can ask for one itself.
 *
 * On the queue's source pad, so the queue keeps flowing while this drops.
 * The queue's time limit is set here, once its first packet is out: until
 * then a queue measures its fill from the start of the stream's segment
 * (minutes ago, for a live source) and would shed its first packets as
 * 'too old' — the keyframe, when that comes first. */
#define KEYFRAME_WAIT_US (1 * G_USEC_PER_SEC)

static GstPadProbeReturn
hold_until_open_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;
  GstBuffer *first;

  if (!tap->bounded)
    {
      tap->bounded = TRUE;
      g_object_set (tap->queue, "max-size-time", TAP_QUEUE_MAX_TIME, NULL);
    }
  if (!g_atomic_int_get (&tap->open))
    return GST_PAD_PROBE_DROP;
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
      first = gst_buffer_list_length (list) > 0 ? gst_buffer_list_get (list, 0) : NULL;
    }
  else
    first = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!on_air_rtp_starts_keyframe (first, tap->group->codec))
    {
      if (g_get_monotonic_time () - tap->opened_at < KEYFRAME_WAIT_US)
        return GST_PAD_PROBE_DROP;
      g_debug ("No keyframe %d ms after a viewer's ICE was up: media flows without",
               (int) (KEYFRAME_WAIT_US / 1000));
    }
  return GST_PAD_PROBE_REMOVE;
}

static void
on_tap_overrun (GstElement *queue, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;
  g_atomic_pointer_add (&tap->frames_dropped, 1);
}

OnAirRtpTap *
on_air_broadcast_attach_webrtc (OnAirBroadcast      *self,
                                GstElement          *webrtcbin,
                                OnAirCodec           codec,
                                guint                pt,
                                OnAirRtpTapLostFunc  lost_func,
                                gpointer             user_data)
{
  RtpGroup *group;
  OnAirRtpTap *tap;
  g_autoptr(GstPad) queue_sink = NULL;
  g_autoptr(GstPad) queue_src = NULL;
  g_autoptr(GstPad) webrtc_sink = NULL;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (webrtcbin), NULL);
  g_return_val_if_fail (pt >= 96 && pt <= 127, NULL);

  if (self->pipeline == NULL)
    return NULL;

  group = group_acquire (self, codec, pt);
  if (group == NULL)
    return NULL;
  /* The viewer's payloader holds the encoder now: when it leaves, the
   * encoder stops with it. */
  end_webrtc_expectation (self);

  tap = g_new0 (OnAirRtpTap, 1);
  tap->group = group;
  tap->webrtcbin = gst_object_ref (webrtcbin);
  tap->lost_func = lost_func;
  tap->lost_data = user_data;
  /* Unbounded until its first packet is out: hold_until_open_probe(). */
  tap->queue = gst_object_ref (make_queue (TRUE, 0, 0));
  g_signal_connect (tap->queue, "overrun", G_CALLBACK (on_tap_overrun), tap);

  gst_bin_add_many (GST_BIN (self->pipeline), tap->queue, webrtcbin, NULL);
  queue_src = gst_element_get_static_pad (tap->queue, "src");
  webrtc_sink = gst_element_request_pad_simple (webrtcbin, "sink_%u");
  gst_pad_link (queue_src, webrtc_sink);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     hold_until_open_probe, tap, NULL);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, count_frames_probe, tap, NULL);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_air_relax_h264_profile_probe, NULL, NULL);
  gst_element_sync_state_with_parent (webrtcbin);
  gst_element_sync_state_with_parent (tap->queue);

  queue_sink = gst_element_get_static_pad (tap->queue, "sink");
  tap->tee_pad = gst_element_request_pad_simple (group->tee, "src_%u");
  gst_pad_link (tap->tee_pad, queue_sink);

  g_ptr_array_add (self->taps, tap);
  return tap;
}

void
on_air_broadcast_detach_webrtc (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (tap != NULL);

  if (!g_ptr_array_remove (self->taps, tap))
    return;

  gst_pad_unlink (tap->tee_pad, GST_PAD_PEER (tap->tee_pad));
  gst_element_release_request_pad (tap->group->tee, tap->tee_pad);
  gst_clear_object (&tap->tee_pad);

  /* webrtcbin first: until DTLS is up it holds the queue's thread in a
   * push, and stopping the queue first would wait for it forever. */
  gst_element_set_state (tap->webrtcbin, GST_STATE_NULL);
  gst_element_set_state (tap->queue, GST_STATE_NULL);
  gst_bin_remove_many (GST_BIN (self->pipeline), tap->queue, tap->webrtcbin, NULL);
  gst_clear_object (&tap->queue);
  gst_clear_object (&tap->webrtcbin);

  group_release (self, tap->group);
  g_free (tap);
}

void
on_air_broadcast_open_webrtc (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (tap != NULL);

  if (g_atomic_int_get (&tap->open))
    return;
  tap->opened_at = g_get_monotonic_time ();
  g_atomic_int_set (&tap->open, 1);
  on_air_broadcast_request_keyframe (self);
}

guint64
on_air_rtp_tap_get_frames_sent (OnAirRtpTap *tap)
{
  g_return_val_if_fail (tap != NULL, 0);
  return g_atomic_pointer_get (&tap->frames_sent);
}

guint64
on_air_rtp_tap_get_frames_dropped (OnAirRtpTap *tap)
{
  g_return_val_if_fail (tap != NULL, 0);
  return g_atomic_pointer_get (&tap->frames_dropped);
}
