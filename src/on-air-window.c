/* on-air-window.c
 *
 * The window keeps one OnAirBroadcast for the chosen source, from the
 * moment it opens: its preview branch feeds the picture whether or not
 * anyone watches. Start Broadcasting puts an OnAirServer in front of it.
 *
 * The RTSP address may carry a password: it is kept in self->source and
 * the settings, never shown in a widget, a title or a log line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-window"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-lan.h"
#include "on-air-qr.h"
#include "on-air-token.h"
#include "on-air-viewer.h"
#include "on-air-window.h"

/* Pixels across the QR code, quiet zone included: at four pixels per
 * millimetre (a 96 dpi screen) about 7 cm, which a phone reads from well
 * beyond arm's length (scan distance is roughly ten times the size). */
#define QR_TARGET_SIZE 280

#define SOURCE_ID_RTSP "rtsp"
#define SOURCE_ID_TEST "test"

struct _OnAirWindow
{
  AdwApplicationWindow   parent_instance;

  /* template */
  AdwToastOverlay       *toast_overlay;
  GtkWidget             *on_air_indicator;
  GtkStack              *preview_stack;
  GtkPicture            *preview_picture;
  AdwStatusPage         *status_page;
  AdwStatusPage         *starting_page;
  AdwComboRow           *source_row;
  AdwEntryRow           *rtsp_url_row;
  AdwPasswordEntryRow   *rtsp_password_row;
  GtkLabel              *rtsp_error_label;
  GtkSpinButton         *port_spin;
  GtkWidget             *port_row;
  GtkSwitch             *open_switch;
  GtkWidget             *sharing_group;
  GtkStack              *broadcast_button_stack;
  GtkWidget             *live_box;
  GtkPicture            *qr_picture;
  GtkLabel              *url_label;
  GtkWidget             *address_group;
  AdwComboRow           *address_row;
  AdwPreferencesGroup   *viewers_group;
  GtkListBox            *viewers_list;

  GSettings             *settings;

  /* The picker: one id per row ("v4l2:///dev/videoN", "rtsp", "test"). */
  GstDeviceMonitor      *monitor;
  guint                  monitor_watch;
  GtkStringList         *source_names;
  GPtrArray             *source_ids;
  char                  *chosen_id;   /* the picker row chosen, even while unplugged */

  char                  *source;      /* what the broadcast plays; may hold a password */
  OnAirBroadcast        *broadcast;
  OnAirPreviewPaintable *preview;
  int                    preview_width;  /* asked of the engine */
  int                    preview_height;
  guint                  preview_resize;
  guint                  retry_tick;

  OnAirServer           *server;
  char                  *bind;        /* from the command line; NULL: every interface */
  int                    port;        /* the next start listens here; 0 picks a free port */
  guint                  live_port;
  char                  *fixed_token; /* from the command line */
  char                  *token;       /* of this broadcast; NULL when open to the network */
  int                    max_viewers;
  GtkStringList         *addresses;
  char                  *viewer_url;
  GdkTexture            *qr_texture;

  /* Set while the code changes widgets, so handlers meant for the user
   * neither save settings nor rebuild the broadcast. */
  gboolean               updating;
};

G_DEFINE_FINAL_TYPE (OnAirWindow, on_air_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BROADCASTING,
  PROP_VIEWER_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_source_page (OnAirWindow *self);

static void
replace_string (char **place, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*place);
  *place = copy;
}

/* Problems show at once, in front of any note still on screen. */
static void
toast (OnAirWindow *self, const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
note (OnAirWindow *self, const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 2);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---------------------------------------------------------------------- */
/* RTSP address: the entry never shows the password                       */

static char *
escape_userinfo (const char *text)
{
  /* ':' and '@' must be escaped inside a user name or password. */
  return g_uri_escape_string (text, "!$&'()*+,;=", FALSE);
}

/* The address the user typed, the password row's password put in (when
 * not empty). NULL with @error set when it is not an RTSP address. */
static char *
rtsp_url_from_rows (OnAirWindow *self, GError **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->rtsp_url_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->rtsp_password_row));
  g_autoptr(OnAirSourceSpec) spec = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("Type the address of the network camera."));
      return NULL;
    }

  spec = on_air_source_spec_parse (stripped, NULL);
  if (spec == NULL || on_air_source_spec_get_kind (spec) != ON_AIR_SOURCE_RTSP)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("This is not an RTSP address. It looks like rtsp://192.168.1.50:554/stream."));
      return NULL;
    }

  uri = g_uri_parse (stripped, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  g_assert (uri != NULL); /* the spec parsed it */
  if (*password == '\0')
    return g_strdup (stripped);

  escaped = escape_userinfo (password);
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
                               g_uri_get_scheme (uri),
                               g_uri_get_user (uri) ? g_uri_get_user (uri) : "",
                               escaped, NULL,
                               g_uri_get_host (uri), g_uri_get_port (uri),
                               g_uri_get_path (uri), g_uri_get_query (uri),
                               g_uri_get_fragment (uri));
}

/* Shows @url in the rows: the address with its user name in the entry,
 * the password (if any) only in the password row, which masks it. */
static void
set_rtsp_rows (OnAirWindow *self, const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *password = NULL;

  uri = url ? g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL) : NULL;
  if (uri == NULL)
    {
      /* Not a URI: nothing to hide in it, but show it only if it has no '@'. */
      gtk_editable_set_text (GTK_EDITABLE (self->rtsp_url_row),
                             url && strchr (url, '@') == NULL ? url : "");
      return;
    }

  shown = g_uri_join_with_user (G_URI_FLAGS_ENCODED,
                                g_uri_get_scheme (uri), g_uri_get_user (uri), NULL, NULL,
                                g_uri_get_host (uri), g_uri_get_port (uri),
                                g_uri_get_path (uri), g_uri_get_query (uri),
                                g_uri_get_fragment (uri));
  if (g_uri_get_password (uri) != NULL)
    password = g_uri_unescape_string (g_uri_get_password (uri), NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->rtsp_url_row), shown);
  gtk_editable_set_text (GTK_EDITABLE (self->rtsp_password_row), password ? password : "");
}

static void
show_rtsp_error (OnAirWindow *self, const char *message)
{
  gtk_label_set_text (self->rtsp_error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->rtsp_error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->rtsp_url_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->rtsp_url_row), "error");
}

/* ---------------------------------------------------------------------- */
/* viewers                                                                */

static GtkWidget *
create_viewer_row (gpointer item, gpointer user_data)
{
  OnAirViewer *viewer = item;
  const char *kind = on_air_viewer_get_kind (viewer);
  g_autoptr(GDateTime) since = g_date_time_to_local (on_air_viewer_get_since (viewer));
  g_autofree char *time = g_date_time_format (since, "%X");
  g_autofree char *since_text = NULL;
  GtkWidget *row;
  GtkWidget *label;

  row = adw_action_row_new ();
  if (g_strcmp0 (kind, "webrtc") == 0)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Browser, live video (WebRTC)"));
  else if (g_strcmp0 (kind, "mjpeg") == 0)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Browser, picture stream (MJPEG)"));
  else
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), kind);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), on_air_viewer_get_remote_address (viewer));

  /* Translators: %s is a time of day, when a viewer started watching. */
  since_text = g_strdup_printf (_("since %s"), time);
  label = gtk_label_new (since_text);
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static void
update_viewer_count (OnAirWindow *self)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (self->server != NULL)
    n = g_list_model_get_n_items (on_air_server_get_viewers (self->server));
  if (n == 0)
    text = g_strdup (_("No one is watching yet"));
  else
    text = g_strdup_printf (ngettext ("%u person is watching", "%u people are watching", n), n);
  adw_preferences_group_set_description (self->viewers_group, text);
}

static void
on_viewers_changed (GListModel *model, guint position, guint removed, guint added, OnAirWindow *self)
{
  update_viewer_count (self);
}

/* ---------------------------------------------------------------------- */
/* the viewer link and its QR code                                        */

static void
update_viewer_url (OnAirWindow *self)
{
  g_autoptr(GError) error = NULL;
  guint selected = adw_combo_row_get_selected (self->address_row);
  const char *address = NULL;

  g_clear_pointer (&self->viewer_url, g_free);
  g_clear_object (&self->qr_texture);

  if (self->server != NULL && selected != GTK_INVALID_LIST_POSITION)
    address = gtk_string_list_get_string (self->addresses, selected);

  if (address != NULL)
    {
      self->viewer_url = on_air_lan_viewer_url (address, self->live_port, self->token);
      self->qr_texture = on_air_qr_texture_new (self->viewer_url, QR_TARGET_SIZE, &error);
      if (self->qr_texture == NULL)
        toast (self, error->message);
    }

  gtk_label_set_text (self->url_label, self->viewer_url ? self->viewer_url : "");
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (self->qr_texture));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWER_URL]);
}

static void
on_address_selected (OnAirWindow *self)
{
  if (!self->updating)
    update_viewer_url (self);
}

static void
fill_addresses (OnAirWindow *self)
{
  g_auto(GStrv) addresses = NULL;
  g_autofree char *previous = NULL;
  guint selected = adw_combo_row_get_selected (self->address_row);
  guint n;

  if (selected != GTK_INVALID_LIST_POSITION)
    previous = g_strdup (gtk_string_list_get_string (self->addresses, selected));

  /* Listening on one address: that is the only one a viewer can use. */
  if (self->bind != NULL && !g_str_equal (self->bind, "0.0.0.0") && !g_str_equal (self->bind, "::"))
    addresses = g_strdupv ((char *[]) { self->bind, NULL });
  else
    addresses = on_air_lan_addresses ();

  self->updating = TRUE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->addresses));
  gtk_string_list_splice (self->addresses, 0, n, (const char * const *) addresses);
  selected = 0;
  for (guint i = 0; previous != NULL && addresses[i] != NULL; i++)
    if (g_str_equal (addresses[i], previous))
      selected = i;
  adw_combo_row_set_selected (self->address_row, selected);
  self->updating = FALSE;

  gtk_widget_set_visible (self->address_group, g_strv_length (addresses) > 1);
}

/* ---------------------------------------------------------------------- */
/* the server                                                             */

static void
set_live_widgets (OnAirWindow *self)
{
  gboolean live = self->server != NULL;

  gtk_widget_set_visible (self->on_air_indicator, live);
  gtk_widget_set_visible (self->live_box, live);
  gtk_stack_set_visible_child_name (self->broadcast_button_stack, live ? "stop" : "start");
  /* Port and access apply when the broadcast starts; while live the room
   * goes to the QR code. */
  gtk_widget_set_visible (self->sharing_group, !live);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-url", live);
  if (live)
    gtk_window_set_title (GTK_WINDOW (self), _("On Air — Broadcasting"));
  else
    gtk_window_set_title (GTK_WINDOW (self), _("On Air"));
}

static void
server_close (OnAirWindow *self)
{
  if (self->server == NULL)
    return;

  gtk_list_box_bind_model (self->viewers_list, NULL, NULL, NULL, NULL);
  g_signal_handlers_disconnect_by_data (on_air_server_get_viewers (self->server), self);
  on_air_server_stop (self->server);
  g_clear_object (&self->server);
}

/* Listens on @port (0: any free port) with self->token. */
static gboolean
server_open (OnAirWindow *self, guint port, GError **error)
{
  g_autoptr(OnAirServer) server = NULL;
  GListModel *viewers;

  g_assert (self->server == NULL);
  g_assert (self->broadcast != NULL);

  server = on_air_server_new (self->broadcast);
  on_air_server_set_token (server, self->token);
  if (self->max_viewers >= 0)
    on_air_server_set_max_viewers (server, self->max_viewers);
  if (!on_air_server_listen (server, self->bind, port, error))
    return FALSE;

  self->server = g_steal_pointer (&server);
  self->live_port = on_air_server_get_port (self->server);

  viewers = on_air_server_get_viewers (self->server);
  gtk_list_box_bind_model (self->viewers_list, viewers, create_viewer_row, self, NULL);
  g_signal_connect (viewers, "items-changed", G_CALLBACK (on_viewers_changed), self);
  update_viewer_count (self);
  return TRUE;
}

static void
report_listen_error (OnAirWindow *self, guint port, const GError *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, ON_AIR_ERROR, ON_AIR_ERROR_PORT_IN_USE))
    text = g_strdup_printf (_("Port %u is in use by another program. Choose another port and start again."),
                            port);
  else
    text = g_strdup_printf (_("Cannot start broadcasting: %s"), error->message);
  toast (self, text);
}

/* ---------------------------------------------------------------------- */
/* the broadcast and its preview                                          */

static gboolean
on_retry_tick (gpointer user_data)
{
  OnAirWindow *self = user_data;

  update_source_page (self);
  return G_SOURCE_CONTINUE;
}

static void
set_status (OnAirWindow *self, const char *icon, const char *title, const char *description)
{
  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_stack_set_visible_child_name (self->preview_stack, "status");
}

static gboolean
rtsp_chosen (OnAirWindow *self)
{
  return g_strcmp0 (self->chosen_id, SOURCE_ID_RTSP) == 0;
}

/* What the preview area shows follows the source's state. */
static void
update_source_page (OnAirWindow *self)
{
  OnAirSourceState state;
  gboolean failed = FALSE;

  if (self->broadcast == NULL)
    {
      if (rtsp_chosen (self))
        set_status (self, "camera-web-symbolic", _("Which Network Camera?"),
                    _("Type its RTSP address, for example rtsp://192.168.1.50:554/stream, and press Enter."));
      else
        set_status (self, "camera-disabled-symbolic", _("No Source"),
                    _("Choose what to show."));
    }
  else
    {
      state = on_air_broadcast_get_state (self->broadcast);
      switch (state)
        {
        case ON_AIR_SOURCE_STATE_LIVE:
          if (on_air_preview_paintable_get_texture (self->preview) != NULL)
            gtk_stack_set_visible_child_name (self->preview_stack, "preview");
          else
            {
              adw_status_page_set_title (self->starting_page, _("Starting…"));
              adw_status_page_set_description (self->starting_page,
                                               on_air_broadcast_get_description (self->broadcast));
              gtk_stack_set_visible_child_name (self->preview_stack, "starting");
            }
          break;

        case ON_AIR_SOURCE_STATE_STARTING:
        case ON_AIR_SOURCE_STATE_RECONNECTING:
          on_air_preview_paintable_clear (self->preview);
          adw_status_page_set_title (self->starting_page,
                                     state == ON_AIR_SOURCE_STATE_STARTING ? _("Starting…")
                                                                           : _("Reconnecting…"));
          adw_status_page_set_description (self->starting_page,
                                           on_air_broadcast_get_description (self->broadcast));
          gtk_stack_set_visible_child_name (self->preview_stack, "starting");
          break;

        case ON_AIR_SOURCE_STATE_FAILED:
          {
            const char *message = on_air_broadcast_get_error_message (self->broadcast);
            guint retry = on_air_broadcast_get_retry_seconds (self->broadcast);
            g_autofree char *next = NULL;
            g_autofree char *text = NULL;

            failed = retry > 0;
            on_air_preview_paintable_clear (self->preview);
            if (retry > 0)
              /* Translators: %u is a number of seconds. */
              next = g_strdup_printf (ngettext ("Retrying in %u s", "Retrying in %u s", retry), retry);
            else
              next = g_strdup (_("Choose another source, or fix the problem and choose this one again."));
            text = g_strdup_printf ("%s\n\n%s", message ? message : "", next);
            set_status (self, "camera-disabled-symbolic", _("No Picture"), text);
          }
          break;

        case ON_AIR_SOURCE_STATE_STOPPED:
        default:
          on_air_preview_paintable_clear (self->preview);
          set_status (self, "camera-disabled-symbolic", _("Stopped"), NULL);
          break;
        }
    }

  /* A countdown while a retry is due. */
  if (failed && self->retry_tick == 0)
    self->retry_tick = g_timeout_add_seconds (1, on_retry_tick, self);
  else if (!failed)
    g_clear_handle_id (&self->retry_tick, g_source_remove);
}

static void
on_preview_frame (OnAirBroadcast *broadcast, GstSample *sample, OnAirWindow *self)
{
  gboolean first = on_air_preview_paintable_get_texture (self->preview) == NULL;

  on_air_preview_paintable_push_sample (self->preview, sample);
  if (first)
    update_source_page (self);
}

static void
on_state_changed (OnAirBroadcast *broadcast, GParamSpec *pspec, OnAirWindow *self)
{
  update_source_page (self);
}

/* Frames the size they are shown at: the renderer then draws them 1:1
 * instead of scaling every frame on the main thread. */
static gboolean
resize_preview (gpointer user_data)
{
  OnAirWindow *self = user_data;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int width;
  int height;

  self->preview_resize = 0;
  on_air_preview_paintable_get_display_size (self->preview, &width, &height);
  width = CLAMP (width * scale, 16, ON_AIR_PREVIEW_MAX_WIDTH);
  height = CLAMP (height * scale, 16, ON_AIR_PREVIEW_MAX_HEIGHT);
  if (ABS (width - self->preview_width) <= 2 && ABS (height - self->preview_height) <= 2)
    return G_SOURCE_REMOVE;

  self->preview_width = width;
  self->preview_height = height;
  if (self->broadcast != NULL)
    {
      on_air_broadcast_release_preview (self->broadcast);
      on_air_broadcast_acquire_preview (self->broadcast, width, height);
    }
  return G_SOURCE_REMOVE;
}

static void
on_display_size_changed (OnAirWindow *self)
{
  /* Once the window has stopped changing size. */
  g_clear_handle_id (&self->preview_resize, g_source_remove);
  self->preview_resize = g_timeout_add (300, resize_preview, self);
}

static void
drop_broadcast (OnAirWindow *self)
{
  if (self->broadcast == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->broadcast, self);
  on_air_broadcast_release_preview (self->broadcast);
  on_air_broadcast_stop (self->broadcast);
  g_clear_object (&self->broadcast);
  on_air_preview_paintable_clear (self->preview);
}

/* Plays @source (NULL: nothing). A live broadcast moves to the new source
 * on the same port and token, so the QR code stays valid. */
static void
use_source (OnAirWindow *self, const char *source)
{
  g_autoptr(OnAirSourceSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  gboolean was_live = self->server != NULL;

  /* The same source again is a no-op, unless it failed for good: then
   * choosing it again is how to retry. */
  if (source != NULL && g_strcmp0 (source, self->source) == 0 && self->broadcast != NULL &&
      on_air_broadcast_get_state (self->broadcast) != ON_AIR_SOURCE_STATE_FAILED)
    return;

  if (source != NULL)
    {
      spec = on_air_source_spec_parse (source, &error);
      if (spec == NULL)
        {
          toast (self, error->message);
          g_clear_error (&error);
        }
    }

  server_close (self);
  drop_broadcast (self);
  g_free (self->source);
  self->source = spec ? g_strdup (source) : NULL;

  if (spec != NULL)
    {
      self->broadcast = on_air_broadcast_new (spec);
      g_signal_connect (self->broadcast, "preview-frame", G_CALLBACK (on_preview_frame), self);
      g_signal_connect (self->broadcast, "notify::state", G_CALLBACK (on_state_changed), self);
      on_air_broadcast_acquire_preview (self->broadcast, self->preview_width, self->preview_height);
      /* A failure here is also the broadcast's FAILED state: the status
       * page explains it. */
      on_air_broadcast_start (self->broadcast, NULL);
    }

  if (was_live)
    {
      if (self->broadcast == NULL || !server_open (self, self->live_port, &error))
        {
          if (error != NULL)
            report_listen_error (self, self->live_port, error);
          set_live_widgets (self);
          update_viewer_url (self);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCASTING]);
        }
    }

  update_source_page (self);
}

/* ---------------------------------------------------------------------- */
/* the source picker                                                      */

static guint
find_source_row (OnAirWindow *self, const char *id)
{
  for (guint i = 0; id != NULL && i < self->source_ids->len; i++)
    if (g_str_equal (g_ptr_array_index (self->source_ids, i), id))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* The picker row a source belongs to. */
static const char *
source_row_id (const char *source)
{
  if (source == NULL)
    return NULL;
  if (g_ascii_strncasecmp (source, "rtsp", 4) == 0)
    return SOURCE_ID_RTSP;
  return source;
}

static void
select_source_row (OnAirWindow *self, const char *id)
{
  guint row = find_source_row (self, id);

  replace_string (&self->chosen_id, id);
  self->updating = TRUE;
  adw_combo_row_set_selected (self->source_row, row);
  self->updating = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->rtsp_url_row), rtsp_chosen (self));
  gtk_widget_set_visible (GTK_WIDGET (self->rtsp_password_row), rtsp_chosen (self));
  if (!rtsp_chosen (self))
    show_rtsp_error (self, NULL);
}

/* Cameras as GstDeviceMonitor sees them, then RTSP, then the test pattern. */
static void
fill_sources (OnAirWindow *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GList *devices = self->monitor ? gst_device_monitor_get_devices (self->monitor) : NULL;
  guint n;

  /* The monitor lists the newest first. */
  devices = g_list_reverse (devices);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      g_autofree char *id = on_air_camera_dup_id (l->data);

      if (id == NULL)
        continue;
      g_ptr_array_add (names, gst_device_get_display_name (l->data));
      g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  g_list_free_full (devices, gst_object_unref);

  g_ptr_array_add (names, g_strdup (_("Network camera (RTSP)…")));
  g_ptr_array_add (ids, g_strdup (SOURCE_ID_RTSP));
  g_ptr_array_add (names, g_strdup (_("Test pattern")));
  g_ptr_array_add (ids, g_strdup (SOURCE_ID_TEST));
  g_ptr_array_add (names, NULL);

  self->updating = TRUE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->source_names));
  gtk_string_list_splice (self->source_names, 0, n, (const char * const *) names->pdata);
  g_ptr_array_unref (self->source_ids);
  self->source_ids = g_steal_pointer (&ids);
  self->updating = FALSE;

  select_source_row (self, self->chosen_id);
}

static const char *
first_camera (OnAirWindow *self)
{
  const char *id = g_ptr_array_index (self->source_ids, 0);

  return g_str_has_prefix (id, "v4l2://") ? id : NULL;
}

static gboolean
on_monitor_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  OnAirWindow *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_DEVICE_ADDED ||
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_DEVICE_REMOVED)
    fill_sources (self);
  return G_SOURCE_CONTINUE;
}

static void
on_source_selected (OnAirWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->source_row);
  const char *id;

  if (self->updating || selected == GTK_INVALID_LIST_POSITION)
    return;

  id = g_ptr_array_index (self->source_ids, selected);
  select_source_row (self, id);
  g_settings_set_string (self->settings, "source", id);

  if (g_str_equal (id, SOURCE_ID_RTSP))
    {
      g_autofree char *url = rtsp_url_from_rows (self, NULL);

      use_source (self, url);
      if (url == NULL)
        gtk_widget_grab_focus (GTK_WIDGET (self->rtsp_url_row));
    }
  else
    use_source (self, id);
}

static void
on_rtsp_apply (OnAirWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = rtsp_url_from_rows (self, &error);

  if (url == NULL)
    {
      show_rtsp_error (self, error->message);
      return;
    }
  show_rtsp_error (self, NULL);
  /* A password typed into the address moves to the password row. */
  set_rtsp_rows (self, url);
  g_settings_set_string (self->settings, "rtsp-url", url);
  use_source (self, url);
}

static void
on_rtsp_changed (OnAirWindow *self)
{
  show_rtsp_error (self, NULL);
}

/* ---------------------------------------------------------------------- */
/* port and access                                                        */

static void
show_port_origin (OnAirWindow *self)
{
  g_autofree char *text = NULL;

  /* The command line may ask for a port the spin button does not offer. */
  if (self->port == 0)
    text = g_strdup (_("Any free port, as the command line asked"));
  else if (self->port < 1024)
    text = g_strdup_printf (_("Port %d, as the command line asked"), self->port);
  else
    text = g_strdup (_("From 1024 to 65535"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->port_row), text);
}

static void
on_port_changed (OnAirWindow *self)
{
  if (self->updating)
    return;
  self->port = gtk_spin_button_get_value_as_int (self->port_spin);
  show_port_origin (self);
  g_settings_set_int (self->settings, "port", self->port);
}

static void
on_open_changed (OnAirWindow *self)
{
  if (self->updating)
    return;
  g_settings_set_boolean (self->settings, "open-to-network", gtk_switch_get_active (self->open_switch));
}

static void
copy_url_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OnAirWindow *self = ON_AIR_WINDOW (widget);

  if (self->viewer_url == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->viewer_url);
  note (self, _("Link copied"));
}

/* ---------------------------------------------------------------------- */
/* options and settings                                                   */

static void
apply_options (OnAirWindow *self, const OnAirOptions *options)
{
  g_autofree char *source = NULL;
  g_autofree char *saved_rtsp = g_settings_get_string (self->settings, "rtsp-url");
  gboolean from_command_line = options != NULL && options->source != NULL;
  const char *row;

  self->bind = g_strdup (options ? options->bind : NULL);
  self->fixed_token = g_strdup (options ? options->token : NULL);
  self->max_viewers = options ? options->max_viewers : -1;

  /* The port: the command line may ask for any, even 0; the spin only
   * offers the ones a user should pick. */
  self->port = options && options->port >= 0 ? options->port
                                             : g_settings_get_int (self->settings, "port");
  self->updating = TRUE;
  gtk_spin_button_set_value (self->port_spin, CLAMP (self->port, 1024, 65535));
  show_port_origin (self);
  gtk_switch_set_active (self->open_switch,
                         (options && options->no_token) ||
                         g_settings_get_boolean (self->settings, "open-to-network"));
  self->updating = FALSE;

  source = g_strdup (from_command_line ? options->source : NULL);
  if (source == NULL)
    {
      source = g_settings_get_string (self->settings, "source");
      /* A saved camera that is gone: start as on first run. */
      if (g_str_has_prefix (source, "v4l2://") && find_source_row (self, source) == GTK_INVALID_LIST_POSITION)
        g_clear_pointer (&source, g_free);
      else if (g_strcmp0 (source, SOURCE_ID_RTSP) == 0)
        replace_string (&source, *saved_rtsp ? saved_rtsp : SOURCE_ID_RTSP);
    }

  if (source == NULL || *source == '\0' || g_str_equal (source, "auto"))
    replace_string (&source, first_camera (self) ? first_camera (self) : SOURCE_ID_TEST);
  else if (g_str_equal (source, "camera") && first_camera (self) != NULL)
    replace_string (&source, first_camera (self));

  row = source_row_id (source);
  if (g_str_equal (row, SOURCE_ID_RTSP))
    {
      set_rtsp_rows (self, g_str_equal (source, SOURCE_ID_RTSP) ? saved_rtsp : source);
      select_source_row (self, SOURCE_ID_RTSP);
      use_source (self, g_str_equal (source, SOURCE_ID_RTSP) ? NULL : source);
    }
  else
    {
      set_rtsp_rows (self, saved_rtsp);
      select_source_row (self, row);
      use_source (self, source);
    }
}

static gboolean
on_close_request (GtkWindow *window)
{
  OnAirWindow *self = ON_AIR_WINDOW (window);
  int width;
  int height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  return GDK_EVENT_PROPAGATE;
}

/* ---------------------------------------------------------------------- */

static void
on_air_window_dispose (GObject *object)
{
  OnAirWindow *self = ON_AIR_WINDOW (object);

  g_clear_handle_id (&self->retry_tick, g_source_remove);
  g_clear_handle_id (&self->preview_resize, g_source_remove);
  server_close (self);
  drop_broadcast (self);
  if (self->monitor != NULL)
    {
      gst_device_monitor_stop (self->monitor);
      g_clear_handle_id (&self->monitor_watch, g_source_remove);
      g_clear_object (&self->monitor);
    }
  g_clear_object (&self->preview);
  g_clear_object (&self->qr_texture);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_WINDOW);

  G_OBJECT_CLASS (on_air_window_parent_class)->dispose (object);
}

static void
on_air_window_finalize (GObject *object)
{
  OnAirWindow *self = ON_AIR_WINDOW (object);

  g_clear_pointer (&self->source_ids, g_ptr_array_unref);
  g_clear_object (&self->source_names);
  g_clear_object (&self->addresses);
  g_free (self->source);
  g_free (self->chosen_id);
  g_free (self->bind);
  g_free (self->fixed_token);
  g_free (self->token);
  g_free (self->viewer_url);

  G_OBJECT_CLASS (on_air_window_parent_class)->finalize (object);
}

static void
on_air_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirWindow *self = ON_AIR_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BROADCASTING:
      g_value_set_boolean (value, on_air_window_get_broadcasting (self));
      break;
    case PROP_VIEWER_URL:
      g_value_set_string (value, self->viewer_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_window_class_init (OnAirWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = on_air_window_dispose;
  object_class->finalize = on_air_window_finalize;
  object_class->get_property = on_air_window_get_property;
  window_class->close_request = on_close_request;

  properties[PROP_BROADCASTING] =
    g_param_spec_boolean ("broadcasting", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIEWER_URL] =
    g_param_spec_string ("viewer-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, on_air_indicator);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, starting_page);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, source_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, rtsp_url_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, rtsp_password_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, rtsp_error_label);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, port_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, open_switch);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, sharing_group);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, broadcast_button_stack);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, live_box);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, url_label);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, address_group);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, viewers_group);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, viewers_list);

  gtk_widget_class_install_action (widget_class, "win.copy-url", NULL, copy_url_activated);
}

static void
on_air_window_init (OnAirWindow *self)
{
  GtkWidget *placeholder;
  GstBus *bus;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  self->preview = on_air_preview_paintable_new ();
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (self->preview));
  g_signal_connect_swapped (self->preview, "display-size-changed",
                            G_CALLBACK (on_display_size_changed), self);
  /* Until the first frame is drawn and its size known. */
  self->preview_width = 640;
  self->preview_height = 360;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  self->source_names = gtk_string_list_new (NULL);
  self->source_ids = g_ptr_array_new_with_free_func (g_free);
  adw_combo_row_set_model (self->source_row, G_LIST_MODEL (self->source_names));
  self->addresses = gtk_string_list_new (NULL);
  adw_combo_row_set_model (self->address_row, G_LIST_MODEL (self->addresses));

  /* Cameras come and go while the window is open. */
  self->monitor = on_air_camera_monitor_new ();
  bus = gst_device_monitor_get_bus (self->monitor);
  self->monitor_watch = gst_bus_add_watch (bus, on_monitor_message, self);
  gst_object_unref (bus);
  if (!gst_device_monitor_start (self->monitor))
    {
      g_debug ("No camera monitor: only RTSP and the test pattern are offered");
      gst_device_monitor_stop (self->monitor);
      g_clear_handle_id (&self->monitor_watch, g_source_remove);
      g_clear_object (&self->monitor);
    }
  fill_sources (self);

  placeholder = gtk_label_new (_("When someone opens the link, they appear here."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_list_box_set_placeholder (self->viewers_list, placeholder);

  g_signal_connect_swapped (self->source_row, "notify::selected", G_CALLBACK (on_source_selected), self);
  g_signal_connect_swapped (self->rtsp_url_row, "apply", G_CALLBACK (on_rtsp_apply), self);
  g_signal_connect_swapped (self->rtsp_password_row, "apply", G_CALLBACK (on_rtsp_apply), self);
  g_signal_connect_swapped (self->rtsp_url_row, "changed", G_CALLBACK (on_rtsp_changed), self);
  g_signal_connect_swapped (self->port_spin, "value-changed", G_CALLBACK (on_port_changed), self);
  g_signal_connect_swapped (self->open_switch, "notify::active", G_CALLBACK (on_open_changed), self);
  g_signal_connect_swapped (self->address_row, "notify::selected", G_CALLBACK (on_address_selected), self);

  set_live_widgets (self);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

OnAirWindow *
on_air_window_new (OnAirApplication *application)
{
  g_return_val_if_fail (ON_AIR_IS_APPLICATION (application), NULL);

  return on_air_window_new_with_options (application, on_air_application_get_options (application));
}

OnAirWindow *
on_air_window_new_with_options (OnAirApplication *application, const OnAirOptions *options)
{
  OnAirWindow *self;

  g_return_val_if_fail (ON_AIR_IS_APPLICATION (application), NULL);

  self = g_object_new (ON_AIR_TYPE_WINDOW, "application", application, NULL);
  apply_options (self, options);
  return self;
}

void
on_air_window_start_broadcast (OnAirWindow *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ON_AIR_IS_WINDOW (self));

  if (self->server != NULL)
    return;
  if (self->broadcast == NULL)
    {
      toast (self, rtsp_chosen (self) ? _("Type the address of the network camera first.")
                                      : _("Choose what to show first."));
      return;
    }

  g_clear_pointer (&self->token, g_free);
  if (!gtk_switch_get_active (self->open_switch))
    self->token = self->fixed_token ? g_strdup (self->fixed_token) : on_air_token_generate ();

  if (!server_open (self, self->port, &error))
    {
      report_listen_error (self, self->port, error);
      return;
    }

  fill_addresses (self);
  update_viewer_url (self);
  set_live_widgets (self);
  /* For whoever started us from a terminal, as headless mode does. */
  g_print ("%s\n", self->viewer_url ? self->viewer_url : "");
  fflush (stdout);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCASTING]);
}

void
on_air_window_stop_broadcast (OnAirWindow *self)
{
  g_return_if_fail (ON_AIR_IS_WINDOW (self));

  if (self->server == NULL)
    return;
  server_close (self);
  g_clear_pointer (&self->token, g_free);
  update_viewer_url (self);
  set_live_widgets (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCASTING]);
}

gboolean
on_air_window_get_broadcasting (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), FALSE);
  return self->server != NULL;
}

const char *
on_air_window_get_viewer_url (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->viewer_url;
}

GdkTexture *
on_air_window_get_qr_texture (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->qr_texture;
}

OnAirPreviewPaintable *
on_air_window_get_preview (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->preview;
}

OnAirBroadcast *
on_air_window_get_broadcast (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->broadcast;
}

OnAirServer *
on_air_window_get_server (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->server;
}
