/* on-air-broadcast.c
 *
 * One pipeline per broadcast: a source feeds the format stages, and the
 * outputs (appsink slots, MJPEG fan-out, RTP fan-out) hang off them
 * through branches that exist only while they have users. Every branch
 * hangs off its tee through a leaky queue so that nothing downstream can
 * stall the source. This file is the broadcast's life: start and stop,
 * building and tearing down the pipeline, its bus, retries after a
 * failure, the watchdog that notices a live source and a stalled one, the
 * error text users see, and memory trimming.
 *
 * The other files of OnAirBroadcast share its struct through
 * on-air-broadcast-private.h: on-air-source.c, on-air-stage.c,
 * on-air-branch.c, on-air-frame-slot.c, on-air-mjpeg-fanout.c and
 * on-air-rtp-fanout.c.
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

#include "on-air-audio-private.h"
#include "on-air-broadcast-private.h"
#include "on-air-error.h"

/* A live source that sends nothing for this long has failed. */
#define STALL_SECONDS 5
/* A source that has sent nothing this long after it was started has
 * failed (rtspsrc gives up on a silent server after its own timeouts). */
#define CONNECT_SECONDS 10

G_DEFINE_FINAL_TYPE (OnAirBroadcast, on_air_broadcast, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_DESCRIPTION,
  PROP_FPS,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint on_air_broadcast_signals[ON_AIR_BROADCAST_N_SIGNALS];

static gboolean build_pipeline (OnAirBroadcast *self, GError **error);

/* ---------------------------------------------------------------------- */
/* helpers for the broadcast's files                                      */

void
on_air_broadcast_set_state (OnAirBroadcast *self, OnAirSourceState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
on_air_broadcast_set_description (OnAirBroadcast *self, const char *description)
{
  if (g_strcmp0 (self->description, description) == 0)
    return;
  g_free (self->description);
  self->description = g_strdup (description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
  if (self->title == NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

void
on_air_broadcast_notify_title (OnAirBroadcast *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
set_fps (OnAirBroadcast *self, double fps)
{
  self->fps = fps;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FPS]);
}

/* Always through an idle source: g_main_context_invoke() would run @func
 * right here on a streaming thread whenever the main loop is not running. */
void
on_air_broadcast_run_on_main (OnAirBroadcast *self, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, self->context);
}

typedef struct
{
  OnAirBroadcast      *self;
  gpointer             object;
  OnAirBroadcastObjectFunc func;
} ObjectCall;

static gboolean
object_call_run (gpointer data)
{
  ObjectCall *call = data;

  call->func (call->self, call->object);
  return G_SOURCE_REMOVE;
}

static void
object_call_free (gpointer data)
{
  ObjectCall *call = data;

  g_object_unref (call->self);
  g_object_unref (call->object);
  g_free (call);
}

void
on_air_broadcast_call_on_main (OnAirBroadcast *self, OnAirBroadcastObjectFunc func, gpointer object)
{
  ObjectCall *call = g_new0 (ObjectCall, 1);

  call->self = g_object_ref (self);
  call->object = g_object_ref (object);
  call->func = func;
  on_air_broadcast_run_on_main (self, object_call_run, call, object_call_free);
}

guint
on_air_broadcast_add_timeout (OnAirBroadcast *self, guint ms, GSourceFunc func)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  return g_source_attach (source, self->context);
}

/* ---------------------------------------------------------------------- */
/* memory trim                                                            */

static gboolean
trim_later (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  self->trim_source = 0;
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* The last viewer of a kind left. Each webrtcbin allocates from its own
 * threads, and glibc keeps what they freed in its arenas, so memory would
 * stay near its peak long after the viewers (MJPEG viewers leave memory
 * behind too). Their threads finish freeing after this, so once more a
 * second later. The measurements are in bench/README.md. */
void
on_air_broadcast_give_back_memory (OnAirBroadcast *self)
{
  malloc_trim (0);
  g_clear_handle_id (&self->trim_source, g_source_remove);
  self->trim_source = on_air_broadcast_add_timeout (self, 1000, trim_later);
}

/* ---------------------------------------------------------------------- */
/* error text and retries                                                 */

char *
on_air_broadcast_describe_error (OnAirBroadcast *self, GError *error)
{
  const char *kind = self->source_kind ? self->source_kind : "";

  /* On Air's own errors are written for people already. */
  if (error->domain == ON_AIR_ERROR)
    return g_strdup (error->message);
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
  if (g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT) ||
      g_error_matches (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION) ||
      g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE))
    return g_strdup_printf (_("“%s” sends video in a format On Air cannot use"),
                            self->description ? self->description : "");
  /* What v4l2src and pipewiresrc say when the camera is pulled out. */
  if (g_str_equal (kind, "camera") && g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ))
    return g_strdup_printf (_("The camera “%s” was disconnected"),
                            self->description ? self->description : "");
  if (g_str_equal (kind, "camera") && g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY))
    return g_strdup_printf (_("The camera “%s” is in use by another application"),
                            self->description ? self->description : "");
  if (g_str_equal (kind, "camera"))
    return g_strdup_printf (_("The camera “%s” stopped: %s"),
                            self->description ? self->description : "",
                            error->message);
  return g_strdup_printf (_("The video source stopped: %s"), error->message);
}

/* ---------------------------------------------------------------------- */
/* bus                                                                    */

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
        GstObject *from = GST_MESSAGE_SRC (message);
        GstElement *unit;
        OnAirRtpTap *tap;

        gst_message_parse_error (message, &error, &debug);
        g_debug ("Error from %s: %s (%s)", GST_OBJECT_NAME (from), error->message, debug ? debug : "");

        /* One viewer's trouble ends that viewer, not the broadcast. */
        tap = on_air_rtp_fanout_find_tap (self, from);
        if (tap != NULL)
          {
            on_air_rtp_fanout_lose_tap (self, tap);
            return G_SOURCE_CONTINUE;
          }
        /* A source that is gone already said all it had to say. */
        if (!gst_object_has_as_ancestor (from, GST_OBJECT (self->pipeline)))
          return G_SOURCE_CONTINUE;
        text = on_air_broadcast_describe_error (self, error);
        unit = on_air_broadcast_unit_of (self, from);
        if (unit != NULL)
          on_air_broadcast_unit_failed (self, unit, text);
        else
          {
            /* Anything else between the source and the viewers: start the
             * source over; the viewers stay. */
            g_warning ("Error from %s: %s", GST_OBJECT_NAME (from), error->message);
            on_air_broadcast_lose_source (self, text);
          }
        return G_SOURCE_CONTINUE;
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

/* Any thread, as a message is posted: only what bus_cb() reads is queued
 * for the main context. Each viewer's webrtcbin is some thirty elements
 * whose every state change, stream status and latency update is posted;
 * a hundred viewers joining within a second posted tens of thousands,
 * and all of them went through the bus's one queue, which hundreds of
 * threads then pushed to at once: on two cores they spun against each
 * other for seconds while the main context sat behind them, and no viewer
 * got an answer (bench/run.py --joins). The bins have handled each
 * message (state, latency, EOS) before it gets here. */
static GstBusSyncReply
keep_errors_and_warnings (GstBus *bus, GstMessage *message, gpointer user_data)
{
  if (GST_MESSAGE_TYPE (message) & (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))
    return GST_BUS_PASS;
  /* A sync handler owns what it drops: the message holds its element. */
  gst_message_unref (message);
  return GST_BUS_DROP;
}

/* ---------------------------------------------------------------------- */
/* watchdog: the source's frame rate, a stall, a source that never starts */

/* Streaming thread, on every stage tee's sink pad: counts the buffers for
 * the frame rate. */
static GstPadProbeReturn
count_buffers_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirStage *stage = user_data;

  g_atomic_pointer_add (&stage->buffers, 1);
  return GST_PAD_PROBE_OK;
}

static void
watch_stages (OnAirBroadcast *self)
{
  for (OnAirFmt fmt = 0; fmt < ON_AIR_N_FMT; fmt++)
    {
      g_autoptr(GstPad) sink = on_air_stage_dup_sink (self, fmt);

      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_buffers_probe, &self->stages[fmt], NULL);
    }
}

static void
lose_stalled (OnAirBroadcast *self)
{
  g_autofree char *text = NULL;

  if (g_strcmp0 (self->source_kind, "rtsp") == 0)
    text = g_strdup_printf (_("The network camera at %s stopped sending video"),
                            on_air_source_spec_get_location (self->spec));
  else
    text = g_strdup_printf (_("“%s” stopped sending video"), self->description);
  on_air_broadcast_lose_source (self, text);
}

static gboolean
fps_tick (gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 count;

  on_air_broadcast_check_candidate (self, CONNECT_SECONDS * G_USEC_PER_SEC);
  /* The slate's frames are not the source's. */
  if (self->source == NULL)
    {
      if (self->fps != 0)
        set_fps (self, 0);
      self->fps_last_time = 0;
      self->last_progress = 0;
      return G_SOURCE_CONTINUE;
    }
  count = g_atomic_pointer_get (&self->stages[self->native].buffers);
  if (count != self->fps_last_count || self->last_progress == 0)
    self->last_progress = now;
  else if (now - self->last_progress > STALL_SECONDS * G_USEC_PER_SEC)
    {
      lose_stalled (self);
      return G_SOURCE_CONTINUE;
    }
  if (self->fps_last_time != 0 && now > self->fps_last_time)
    {
      double fps = (double) (count - self->fps_last_count) * G_USEC_PER_SEC / (now - self->fps_last_time);

      if (ABS (fps - self->fps) >= 0.05)
        set_fps (self, fps);
    }
  self->fps_last_count = count;
  self->fps_last_time = now;
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* pipeline                                                               */

static void
teardown_pipeline (OnAirBroadcast *self)
{
  if (self->pipeline == NULL)
    return;

  on_air_broadcast_drop_sources (self);
  /* Outputs next: they let go of the stages they hold. */
  on_air_rtp_fanout_lose_all (self);
  on_air_audio_teardown (self);
  on_air_mjpeg_fanout_teardown (self);
  on_air_frame_slots_teardown (self);
  on_air_rtp_fanout_end_expectation (self);

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_handle_id (&self->fps_source, g_source_remove);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  on_air_gop_cache_clear (self->gop);

  on_air_stages_clear (self);
  gst_clear_object (&self->pipeline);
  self->native = ON_AIR_FMT_UNKNOWN;
  if (self->fps != 0)
    set_fps (self, 0);
}

/* The pipeline lives as long as the broadcast: stages and outputs, and
 * whichever source (or the slate) feeds them. */
static gboolean
build_pipeline (OnAirBroadcast *self, GError **error)
{
  g_autoptr(GstBus) bus = NULL;

  g_assert (self->pipeline == NULL);

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("on-air"));
  self->native = ON_AIR_FMT_UNKNOWN;
  on_air_stages_create (self);
  on_air_audio_build (self);
  watch_stages (self);

  bus = gst_element_get_bus (self->pipeline);
  gst_bus_set_sync_handler (bus, keep_errors_and_warnings, NULL, NULL);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  on_air_frame_slots_build (self);

  self->fps_last_time = 0;
  self->last_progress = 0;
  self->fps_source = on_air_broadcast_add_timeout (self, 1000, fps_tick);
  gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  return on_air_broadcast_try_first_source (self, error);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
on_air_broadcast_dispose (GObject *object)
{
  OnAirBroadcast *self = ON_AIR_BROADCAST (object);

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
  g_clear_pointer (&self->camera_without_jpeg, g_free);
  g_clear_pointer (&self->camera_id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_ptr_array_unref (self->groups);
  g_ptr_array_unref (self->taps);
  g_clear_pointer (&self->gop, on_air_gop_cache_free);
  g_hash_table_unref (self->mjpeg_clients);
  on_air_frame_slots_clear (self);
  on_air_audio_free (self);

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
    case PROP_TITLE:
      g_value_set_string (value, on_air_broadcast_get_title (self));
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
  /* What viewers see as the broadcast's name: never a camera's address. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  on_air_broadcast_signals[ON_AIR_BROADCAST_SIGNAL_JPEG_FRAME] =
    g_signal_new ("jpeg-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_UINT64);
  on_air_broadcast_signals[ON_AIR_BROADCAST_SIGNAL_PREVIEW_FRAME] =
    g_signal_new ("preview-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_SAMPLE);
  on_air_broadcast_signals[ON_AIR_BROADCAST_SIGNAL_MJPEG_CLIENT_REMOVED] =
    g_signal_new ("mjpeg-client-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_SOCKET);
}

static void
on_air_broadcast_init (OnAirBroadcast *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->native = ON_AIR_FMT_UNKNOWN;
  self->groups = g_ptr_array_new ();
  self->taps = g_ptr_array_new ();
  /* -1 would have each payloader pick its own. */
  self->rtp_ssrc = g_random_int_range (1, G_MAXINT32);
  self->rtp_timestamp_offset = g_random_int_range (0, G_MAXINT32);
  self->gop = on_air_gop_cache_new ();
  self->mjpeg_clients = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  on_air_frame_slots_init (self);
  on_air_audio_init (self);
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

  /* A missing plugin or no camera at all is final; everything later,
   * a camera that may yet be plugged in too, is retried. */
  if (!build_pipeline (self, &local_error))
    {
      teardown_pipeline (self);
      g_free (self->error_message);
      self->error_message = g_strdup (local_error->message);
      on_air_broadcast_set_state (self, ON_AIR_SOURCE_STATE_FAILED);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->started = TRUE;
  return TRUE;
}

void
on_air_broadcast_stop (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  teardown_pipeline (self);
  self->started = FALSE;
  on_air_broadcast_set_state (self, ON_AIR_SOURCE_STATE_STOPPED);
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
  /* Still why while the next try runs. */
  return self->state == ON_AIR_SOURCE_STATE_FAILED ||
         self->state == ON_AIR_SOURCE_STATE_RECONNECTING ? self->error_message : NULL;
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

  if (self->pipeline == NULL || self->native == ON_AIR_FMT_UNKNOWN)
    return FALSE;
  /* The source's own pad has its format before the stage does. */
  pad = self->source != NULL ? gst_object_ref (self->source->ghost)
                             : on_air_stage_dup_sink (self, self->native);
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
  return self->native == ON_AIR_FMT_H264;
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
