/* on-air-route-status.c
 *
 * /api/status: the source, the viewers and the server's uptime as JSON,
 * for scripts and for the page (µStreamer's /state in spirit).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-route-status"

#include "config.h"

#include <json-glib/json-glib.h>

#include "on-air-audio.h"
#include "on-air-http.h"
#include "on-air-server-private.h"

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_source_json (JsonBuilder *builder, OnAirBroadcast *b)
{
  int width = 0, height = 0;

  json_builder_begin_object (builder);
  add_string (builder, "kind", on_air_broadcast_get_source_kind (b));
  add_string (builder, "description", on_air_broadcast_get_description (b));
  add_string (builder, "state", on_air_source_state_to_string (on_air_broadcast_get_state (b)));
  json_builder_set_member_name (builder, "error");
  if (on_air_broadcast_get_error_message (b) != NULL)
    json_builder_add_string_value (builder, on_air_broadcast_get_error_message (b));
  else
    json_builder_add_null_value (builder);
  add_int (builder, "retry_in", on_air_broadcast_get_retry_seconds (b));
  json_builder_set_member_name (builder, "resolution");
  if (on_air_broadcast_get_resolution (b, &width, &height))
    {
      json_builder_begin_object (builder);
      add_int (builder, "width", width);
      add_int (builder, "height", height);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "fps");
  json_builder_add_double_value (builder, on_air_broadcast_get_fps (b));
  json_builder_set_member_name (builder, "h264_passthrough");
  json_builder_add_boolean_value (builder, on_air_broadcast_get_h264_passthrough (b));
  add_int (builder, "video_encoders", on_air_broadcast_count_encoders (b));
  json_builder_end_object (builder);
}

static void
add_audio_json (JsonBuilder *builder, OnAirBroadcast *b)
{
  const char *source = on_air_broadcast_get_audio_source (b);
  const char *codec = on_air_broadcast_get_audio_codec (b);
  double level = on_air_broadcast_get_audio_level (b);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  if (source != NULL)
    json_builder_add_string_value (builder, source);
  else
    json_builder_add_null_value (builder);
  add_string (builder, "state", on_air_broadcast_get_audio_state (b));
  /* What viewers get, and what the source sends. */
  add_string (builder, "codec", "opus");
  json_builder_set_member_name (builder, "source_codec");
  if (codec != NULL)
    json_builder_add_string_value (builder, codec);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "passthrough");
  json_builder_add_boolean_value (builder, on_air_broadcast_get_audio_passthrough (b));
  json_builder_set_member_name (builder, "level");
  if (level >= 0)
    json_builder_add_double_value (builder, level);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "muted");
  json_builder_add_boolean_value (builder, on_air_broadcast_get_audio_muted (b));
  json_builder_set_member_name (builder, "sharing");
  json_builder_add_boolean_value (builder, on_air_broadcast_is_sharing_audio (b));
  add_int (builder, "encoders", on_air_broadcast_count_audio_encoders (b));
  json_builder_end_object (builder);
}

static void
add_viewer_json (JsonBuilder *builder, OnAirViewer *viewer)
{
  g_autofree char *since = g_date_time_format_iso8601 (on_air_viewer_get_since (viewer));

  json_builder_begin_object (builder);
  add_string (builder, "id", on_air_viewer_get_id (viewer));
  add_string (builder, "kind", on_air_viewer_get_kind (viewer));
  add_string (builder, "remote_address", on_air_viewer_get_remote_address (viewer));
  add_string (builder, "codec", on_air_viewer_get_codec (viewer));
  add_string (builder, "connected_since", since);
  add_int (builder, "frames_sent", on_air_viewer_get_frames_sent (viewer));
  add_int (builder, "frames_dropped", on_air_viewer_get_frames_dropped (viewer));
  /* The encode a WebRTC viewer gets: "high", or "low" for a weak link. */
  json_builder_set_member_name (builder, "rung");
  if (on_air_viewer_get_rung (viewer) != NULL)
    json_builder_add_string_value (builder, on_air_viewer_get_rung (viewer));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

void
_on_air_server_serve_status (OnAirServer       *self,
                             SoupServerMessage *msg,
                             const char        *path,
                             GHashTable        *query,
                             gpointer           parsed)
{
  GListModel *viewers = G_LIST_MODEL (self->viewers);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  _on_air_server_refresh_mjpeg_counters (self);
  _on_air_server_refresh_webrtc_counters (self);

  json_builder_begin_object (builder);
  /* What the page calls the broadcast: never the camera's address. */
  add_string (builder, "title", on_air_broadcast_get_title (self->broadcast));
  json_builder_set_member_name (builder, "source");
  add_source_json (builder, self->broadcast);
  json_builder_set_member_name (builder, "audio");
  add_audio_json (builder, self->broadcast);

  json_builder_set_member_name (builder, "viewers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (viewers); i++)
    {
      g_autoptr(OnAirViewer) viewer = g_list_model_get_item (viewers, i);
      add_viewer_json (builder, viewer);
    }
  json_builder_end_array (builder);
  add_int (builder, "max_viewers", self->max_viewers);
  json_builder_set_member_name (builder, "uptime");
  json_builder_add_double_value (builder,
                                 (g_get_monotonic_time () - self->started_at) / (double) G_USEC_PER_SEC);
  json_builder_end_object (builder);

  node = json_builder_get_root (builder);
  on_air_http_respond_json (msg, SOUP_STATUS_OK, node);
}
