/* on-air-reconnect.c
 *
 * The source's life inside a running broadcast. Viewers belong to the
 * broadcast, not to one source: when the source fails, stalls, is
 * unplugged or is switched, its bin leaves the pipeline and the slate
 * feeds the raw stage instead, so every MJPEG connection and WebRTC
 * session goes on (with a picture that says what happened). A new source
 * is tried at once and then with growing pauses; it replaces the slate
 * only once it has sent its first usable buffer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-reconnect"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "on-air-audio-private.h"
#include "on-air-broadcast-private.h"
#include "on-air-error.h"

/* Pauses between tries, in seconds: the first at once, then growing. */
static const guint backoff[] = { 0, 1, 2, 4, 8, 16, 30 };

static gboolean try_source (gpointer user_data);

static void
set_error_message (OnAirBroadcast *self, const char *message)
{
  if (message == NULL)
    return;
  g_free (self->error_message);
  self->error_message = g_strdup (message);
}

/* ---------------------------------------------------------------------- */
/* the slate's words                                                      */

static char *
slate_markup (OnAirBroadcast *self)
{
  gint64 now = g_get_monotonic_time ();
  guint offline = self->lost_at ? (guint) ((now - self->lost_at) / G_USEC_PER_SEC) : 0;
  guint retry = on_air_broadcast_get_retry_seconds (self);
  g_autofree char *title = g_markup_escape_text (on_air_broadcast_get_title (self) ? on_air_broadcast_get_title (self) : "", -1);
  g_autofree char *next = NULL;

  if (self->candidate != NULL || retry == 0)
    next = g_strdup (_("Reconnecting…"));
  else
    next = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Trying again in %u second",
                                         "Trying again in %u seconds", retry), retry);
  /* TRANSLATORS: how long the camera has been offline, minutes:seconds */
  return g_strdup_printf ("<b>%s</b>\n%s\n%s\n<small>%s %u:%02u</small>",
                          title, _("Camera offline"), next, _("Offline for"),
                          offline / 60, offline % 60);
}

static gboolean
slate_tick (gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  g_autofree char *markup = NULL;

  if (self->slate == NULL)
    {
      self->slate_tick = 0;
      return G_SOURCE_REMOVE;
    }
  markup = slate_markup (self);
  on_air_slate_set_markup (self->slate, markup);
  return G_SOURCE_CONTINUE;
}

/* The slate feeds the raw stage, in place of the source. */
static void
show_slate (OnAirBroadcast *self)
{
  g_autoptr(GstPad) sink = NULL;

  if (self->slate != NULL)
    return;
  /* Producers built for the source's format go; the raw stage is the
   * slate's. */
  on_air_stages_set_native (self, ON_AIR_FMT_RAW);
  self->slate = on_air_slate_new (self->pipeline,
                                  self->last_width ? self->last_width : ON_AIR_CAMERA_MAX_WIDTH,
                                  self->last_height ? self->last_height : ON_AIR_CAMERA_MAX_HEIGHT);
  slate_tick (self);
  sink = on_air_stage_dup_sink (self, ON_AIR_FMT_RAW);
  on_air_slate_play (self->slate, sink);
  self->slate_tick = on_air_broadcast_add_timeout (self, 1000, slate_tick);
  /* Encoders restart on the slate's format: their first frame is a
   * keyframe, and one asked for now covers any that did not restart. */
  on_air_broadcast_request_keyframe (self);
}

static void
hide_slate (OnAirBroadcast *self)
{
  g_clear_handle_id (&self->slate_tick, g_source_remove);
  g_clear_pointer (&self->slate, on_air_slate_free);
}

/* ---------------------------------------------------------------------- */
/* losing a source                                                        */

/* The source in use goes; its picture size is kept for the slate. */
static void
drop_source (OnAirBroadcast *self)
{
  int width, height;

  if (self->source == NULL)
    return;
  if (on_air_broadcast_get_resolution (self, &width, &height))
    {
      self->last_width = width;
      self->last_height = height;
    }
  g_clear_pointer (&self->source, on_air_source_unit_free);
  on_air_gop_cache_clear (self->gop);
  self->native = ON_AIR_FMT_UNKNOWN;
}

/* Waits for the next try, or makes it now. */
static void
schedule_try (OnAirBroadcast *self)
{
  guint pause = backoff[MIN (self->attempt, G_N_ELEMENTS (backoff) - 1)];

  self->attempt++;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (pause == 0)
    {
      self->retry_at = 0;
      try_source (self);
      return;
    }
  g_debug ("%s; trying again in %u s", self->error_message ? self->error_message : "", pause);
  self->retry_at = g_get_monotonic_time () + pause * G_USEC_PER_SEC;
  self->retry_source = on_air_broadcast_add_timeout (self, pause * 1000, try_source);
  on_air_broadcast_set_state (self, ON_AIR_SOURCE_STATE_FAILED);
  slate_tick (self);
}

/* The source failed for @message (for people): viewers get the slate, and
 * the source is tried again. */
void
on_air_broadcast_lose_source (OnAirBroadcast *self, const char *message)
{
  g_debug ("Source lost: %s", message ? message : "(switch)");
  set_error_message (self, message);
  drop_source (self);
  g_clear_pointer (&self->candidate, on_air_source_unit_free);
  if (self->lost_at == 0)
    self->lost_at = g_get_monotonic_time ();
  show_slate (self);
  schedule_try (self);
}

/* ---------------------------------------------------------------------- */
/* trying a source                                                        */

static gboolean
try_source (gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  g_autoptr(GError) error = NULL;

  self->retry_source = 0;
  self->retry_at = 0;
  g_assert (self->candidate == NULL);
  on_air_broadcast_set_state (self, self->lost_at ? ON_AIR_SOURCE_STATE_RECONNECTING
                                                  : ON_AIR_SOURCE_STATE_STARTING);
  self->candidate = on_air_source_unit_new (self, self->spec, &error);
  if (self->candidate == NULL)
    {
      g_autofree char *message = on_air_broadcast_describe_error (self, error);

      set_error_message (self, message);
      if (self->lost_at == 0)
        self->lost_at = g_get_monotonic_time ();
      show_slate (self);
      schedule_try (self);
    }
  else if (self->slate != NULL)
    slate_tick (self);
  return G_SOURCE_REMOVE;
}

/* The first try, when the broadcast starts: a source that cannot be
 * built at all (a missing plugin, no camera) is final. */
gboolean
on_air_broadcast_try_first_source (OnAirBroadcast *self, GError **error)
{
  g_assert (self->candidate == NULL && self->source == NULL);

  self->attempt = 1;
  self->lost_at = 0;
  self->ever_live = FALSE;
  self->candidate = on_air_source_unit_new (self, self->spec, error);
  if (self->candidate != NULL)
    {
      on_air_broadcast_set_state (self, ON_AIR_SOURCE_STATE_STARTING);
      return TRUE;
    }
  /* A camera asked for by name may be plugged in later. */
  if (error != NULL && g_error_matches (*error, ON_AIR_ERROR, ON_AIR_ERROR_CAMERA_GONE))
    {
      g_autoptr(GError) gone = g_steal_pointer (error);

      on_air_broadcast_lose_source (self, gone->message);
      return TRUE;
    }
  return FALSE;
}

/* The candidate sent its first buffer: it replaces the slate (or the
 * source before it) in the stages. */
void
on_air_broadcast_unit_ready (OnAirBroadcast *self, GstElement *bin)
{
  OnAirSourceUnit *unit = self->candidate;
  g_autoptr(GstPad) sink = NULL;
  OnAirFmt native;

  if (unit == NULL || unit->bin != bin)
    return;
  self->candidate = NULL;
  drop_source (self);
  hide_slate (self);

  native = g_atomic_int_get (&unit->native);
  on_air_stages_set_native (self, native);
  sink = on_air_stage_dup_sink (self, native);
  gst_pad_link (unit->ghost, sink);
  gst_pad_remove_probe (unit->ghost, unit->hold_probe);
  self->source = unit;
  self->source_kind = unit->kind;
  on_air_audio_unit_link (unit);

  g_debug ("Source live (%s, %s) after %" G_GINT64_FORMAT " ms", unit->kind, on_air_fmt_name (native),
           (g_get_monotonic_time () - unit->started) / 1000);
  self->attempt = 0;
  self->lost_at = 0;
  self->ever_live = TRUE;
  g_clear_pointer (&self->error_message, g_free);
  on_air_broadcast_request_keyframe (self);
  on_air_broadcast_set_state (self, ON_AIR_SOURCE_STATE_LIVE);
}

/* For people: the source ended its stream, or never sent a picture. */
static char *
describe_silence (OnAirBroadcast *self, gboolean ever)
{
  if (g_strcmp0 (self->source_kind, "rtsp") == 0)
    return g_strdup_printf (ever ? _("The network camera at %s ended its stream")
                                 : _("The network camera at %s sends no video"),
                            on_air_source_spec_get_location (self->spec));
  return g_strdup_printf (ever ? _("“%s” ended its stream") : _("“%s” sends no video"),
                          self->description ? self->description : "");
}

gboolean
on_air_broadcast_unit_failed (OnAirBroadcast *self, GstElement *bin, const char *message)
{
  g_autofree char *ended = NULL;

  if (message == NULL)
    message = ended = describe_silence (self, TRUE);
  if (self->candidate != NULL && self->candidate->bin == bin)
    {
      g_clear_pointer (&self->candidate, on_air_source_unit_free);
      set_error_message (self, message);
      if (self->lost_at == 0)
        self->lost_at = g_get_monotonic_time ();
      show_slate (self);
      schedule_try (self);
      return TRUE;
    }
  if (self->source != NULL && self->source->bin == bin)
    {
      on_air_broadcast_lose_source (self, message);
      return TRUE;
    }
  return FALSE;
}

/* The unit @object belongs to: the source's or the candidate's bin. */
GstElement *
on_air_broadcast_unit_of (OnAirBroadcast *self, GstObject *object)
{
  OnAirSourceUnit *units[] = { self->source, self->candidate };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (units[i] != NULL &&
        (object == GST_OBJECT (units[i]->bin) || gst_object_has_as_ancestor (object, GST_OBJECT (units[i]->bin))))
      return units[i]->bin;
  return NULL;
}

/* The broadcast stops: source, candidate and slate go. */
void
on_air_broadcast_drop_sources (OnAirBroadcast *self)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_at = 0;
  g_clear_pointer (&self->candidate, on_air_source_unit_free);
  g_clear_pointer (&self->source, on_air_source_unit_free);
  hide_slate (self);
  self->lost_at = 0;
  self->attempt = 0;
}

/* Main context: a source that has not sent its first buffer after
 * @timeout_us has failed too. */
void
on_air_broadcast_check_candidate (OnAirBroadcast *self, gint64 timeout_us)
{
  if (self->candidate != NULL && g_get_monotonic_time () - self->candidate->started > timeout_us)
    {
      g_autofree char *message = describe_silence (self, FALSE);

      on_air_broadcast_unit_failed (self, self->candidate->bin, message);
    }
}

void
on_air_broadcast_set_source (OnAirBroadcast *self, OnAirSourceSpec *spec)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (spec != NULL);

  on_air_source_spec_ref (spec);
  g_clear_pointer (&self->spec, on_air_source_spec_unref);
  self->spec = spec;
  on_air_broadcast_set_description (self, on_air_source_spec_get_description (spec));
  if (!self->started)
    return;
  /* Viewers see the slate until the new source sends its first picture. */
  g_clear_pointer (&self->error_message, g_free);
  self->attempt = 0;
  self->ever_live = FALSE;
  drop_source (self);
  g_clear_pointer (&self->candidate, on_air_source_unit_free);
  self->lost_at = g_get_monotonic_time ();
  show_slate (self);
  schedule_try (self);
}

void
on_air_broadcast_set_title (OnAirBroadcast *self, const char *title)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  if (self->slate != NULL)
    slate_tick (self);
  on_air_broadcast_notify_title (self);
}

/* Unless the person chose one: the camera's name, or for an RTSP camera
 * (whose description is its address) the computer's name. */
const char *
on_air_broadcast_get_title (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  if (self->title != NULL && *self->title != '\0')
    return self->title;
  if (on_air_source_spec_get_kind (self->spec) == ON_AIR_SOURCE_RTSP)
    return g_get_host_name ();
  return self->description;
}
