/* on-air-window.c
 *
 * The window is a shell around its panels: the preview view, the source
 * picker, the sharing settings and, while broadcasting, the live panel.
 * It keeps one OnAirBroadcast for the chosen source from the moment it
 * opens: its preview branch feeds the picture whether or not anyone
 * watches. Start Broadcasting puts an OnAirServer in front of it.
 *
 * The RTSP address may carry a password: it is kept in self->source,
 * never shown in a widget, a title or a log line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-window"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "on-air-error.h"
#include "on-air-live-panel.h"
#include "on-air-preview-view.h"
#include "on-air-audio.h"
#include "on-air-sharing-panel.h"
#include "on-air-sound-panel.h"
#include "on-air-source-picker.h"
#include "on-air-token.h"
#include "on-air-window.h"

struct _OnAirWindow
{
  AdwApplicationWindow   parent_instance;

  /* template */
  AdwToastOverlay       *toast_overlay;
  GtkWidget             *on_air_indicator;
  GtkWidget             *sound_indicator;
  OnAirPreviewView      *preview_view;
  OnAirSourcePicker     *source_picker;
  OnAirSharingPanel     *sharing_panel;
  GtkStack              *broadcast_button_stack;
  OnAirLivePanel        *live_panel;
  OnAirSoundPanel       *sound_panel;

  GSettings             *settings;

  char                  *source;      /* what the broadcast plays; may hold a password */
  OnAirBroadcast        *broadcast;

  OnAirServer           *server;
  char                  *bind;        /* from the command line; NULL: every interface */
  guint                  live_port;
  char                  *fixed_token; /* from the command line */
  char                  *token;       /* of this broadcast; NULL when open to the network */
  int                    max_viewers;
};

G_DEFINE_FINAL_TYPE (OnAirWindow, on_air_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BROADCASTING,
  PROP_VIEWER_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
/* the server                                                             */

static void
set_live_widgets (OnAirWindow *self)
{
  gboolean live = self->server != NULL;

  gtk_widget_set_visible (self->on_air_indicator, live);
  gtk_widget_set_visible (GTK_WIDGET (self->live_panel), live);
  gtk_stack_set_visible_child_name (self->broadcast_button_stack, live ? "stop" : "start");
  /* Port and access apply when the broadcast starts; while live the room
   * goes to the QR code. */
  gtk_widget_set_visible (GTK_WIDGET (self->sharing_panel), !live);
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

  on_air_live_panel_set_viewers (self->live_panel, NULL);
  on_air_sound_panel_set_broadcast (self->sound_panel, NULL);
  on_air_server_stop (self->server);
  g_clear_object (&self->server);
}

/* Listens on @port (0: any free port) with self->token. */
static gboolean
server_open (OnAirWindow *self, guint port, GError **error)
{
  g_autoptr(OnAirServer) server = NULL;

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
  on_air_live_panel_set_viewers (self->live_panel, on_air_server_get_viewers (self->server));
  on_air_sound_panel_set_broadcast (self->sound_panel, self->broadcast);
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
/* the broadcast                                                          */

static void
drop_broadcast (OnAirWindow *self)
{
  if (self->broadcast == NULL)
    return;

  on_air_preview_view_set_broadcast (self->preview_view, NULL);
  on_air_broadcast_stop (self->broadcast);
  g_clear_object (&self->broadcast);
}

static void
create_broadcast (OnAirWindow *self, OnAirSourceSpec *spec)
{
  g_assert (self->broadcast == NULL);

  self->broadcast = on_air_broadcast_new (spec);
  on_air_broadcast_set_title (self->broadcast, on_air_sharing_panel_get_title (self->sharing_panel));
  on_air_broadcast_set_audio_enabled (self->broadcast, on_air_sharing_panel_get_sound (self->sharing_panel));
  on_air_preview_view_set_broadcast (self->preview_view, self->broadcast);
  /* A failure here is also the broadcast's FAILED state: the preview
   * view explains it. */
  on_air_broadcast_start (self->broadcast, NULL);
}

/* Sound on or off is built into a broadcast's pipeline: while nobody
 * watches, the broadcast is made again with the setting (the preview
 * blinks); a live one keeps it until the next Start Broadcasting. */
static void
apply_sound_setting (OnAirWindow *self)
{
  g_autoptr(OnAirSourceSpec) spec = NULL;

  if (self->broadcast == NULL || self->server != NULL ||
      on_air_broadcast_get_audio_enabled (self->broadcast) == on_air_sharing_panel_get_sound (self->sharing_panel))
    return;
  spec = on_air_source_spec_parse (self->source, NULL);
  if (spec == NULL)
    return;
  drop_broadcast (self);
  create_broadcast (self, spec);
}

/* Plays @source (NULL: nothing). A live broadcast moves to the new source
 * without closing anything, so the QR code stays valid. */
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

  g_free (self->source);
  self->source = spec ? g_strdup (source) : NULL;

  /* Another source for the same broadcast: the server, the link and every
   * viewer's connection stay; viewers see the slate until it plays. */
  if (spec != NULL && self->broadcast != NULL)
    {
      on_air_broadcast_set_source (self->broadcast, spec);
      if (!on_air_broadcast_is_running (self->broadcast))
        on_air_broadcast_start (self->broadcast, NULL);
      return;
    }

  server_close (self);
  drop_broadcast (self);

  if (spec != NULL)
    create_broadcast (self, spec);

  if (was_live)
    {
      if (self->broadcast == NULL || !server_open (self, self->live_port, &error))
        {
          if (error != NULL)
            report_listen_error (self, self->live_port, error);
          set_live_widgets (self);
          on_air_live_panel_clear_link (self->live_panel);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCASTING]);
        }
    }
}

/* Plays what the picker chose. The preview view's notifications are held
 * until the end, so it changes page once, not for each step between. */
static void
play (OnAirWindow *self, const char *source)
{
  g_object_freeze_notify (G_OBJECT (self->preview_view));
  on_air_preview_view_set_wants_address (self->preview_view,
                                         on_air_source_picker_get_rtsp_chosen (self->source_picker));
  use_source (self, source);
  g_object_thaw_notify (G_OBJECT (self->preview_view));
}

/* The title takes effect at once, for the slate and viewers' pages too. */
static void
on_title_changed (OnAirWindow *self)
{
  if (self->broadcast != NULL)
    on_air_broadcast_set_title (self->broadcast, on_air_sharing_panel_get_title (self->sharing_panel));
}

static void
on_source_chosen (OnAirSourcePicker *picker, const char *source, OnAirWindow *self)
{
  play (self, source);
}

/* ---------------------------------------------------------------------- */
/* the live panel                                                         */

static void
on_live_panel_error (OnAirLivePanel *panel, const char *message, OnAirWindow *self)
{
  toast (self, message);
}

static void
on_viewer_url_changed (OnAirWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWER_URL]);
}

static void
copy_url_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OnAirWindow *self = ON_AIR_WINDOW (widget);
  const char *url = on_air_live_panel_get_viewer_url (self->live_panel);

  if (url == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), url);
  note (self, _("Link copied"));
}

/* ---------------------------------------------------------------------- */
/* options and settings                                                   */

static void
apply_options (OnAirWindow *self, const OnAirOptions *options)
{
  g_autofree char *source = NULL;

  self->bind = g_strdup (options ? options->bind : NULL);
  self->fixed_token = g_strdup (options ? options->token : NULL);
  self->max_viewers = options ? options->max_viewers : -1;
  on_air_sharing_panel_apply_command_line (self->sharing_panel,
                                           options ? options->port : -1,
                                           options && options->no_token,
                                           options ? options->title : NULL,
                                           options && options->no_sound);

  source = on_air_source_picker_restore (self->source_picker, options ? options->source : NULL);
  play (self, source);
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

  server_close (self);
  drop_broadcast (self);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_WINDOW);

  G_OBJECT_CLASS (on_air_window_parent_class)->dispose (object);
}

static void
on_air_window_finalize (GObject *object)
{
  OnAirWindow *self = ON_AIR_WINDOW (object);

  g_free (self->source);
  g_free (self->bind);
  g_free (self->fixed_token);
  g_free (self->token);

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
      g_value_set_string (value, on_air_window_get_viewer_url (self));
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

  /* The template names the panels' types. */
  g_type_ensure (ON_AIR_TYPE_LIVE_PANEL);
  g_type_ensure (ON_AIR_TYPE_PREVIEW_VIEW);
  g_type_ensure (ON_AIR_TYPE_SHARING_PANEL);
  g_type_ensure (ON_AIR_TYPE_SOUND_PANEL);
  g_type_ensure (ON_AIR_TYPE_SOURCE_PICKER);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, on_air_indicator);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, sound_indicator);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, preview_view);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, source_picker);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, sharing_panel);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, broadcast_button_stack);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, live_panel);
  gtk_widget_class_bind_template_child (widget_class, OnAirWindow, sound_panel);

  gtk_widget_class_install_action (widget_class, "win.copy-url", NULL, copy_url_activated);
}

static void
on_air_window_init (OnAirWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->source_picker, "source-chosen", G_CALLBACK (on_source_chosen), self, 0);
  g_signal_connect_object (self->sharing_panel, "notify::broadcast-title",
                           G_CALLBACK (on_title_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sharing_panel, "notify::sound",
                           G_CALLBACK (apply_sound_setting), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live_panel, "error", G_CALLBACK (on_live_panel_error), self, 0);
  /* The sign beside On Air: viewers hear sound right now. */
  g_object_bind_property (self->sound_panel, "sharing", self->sound_indicator, "visible", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->live_panel, "notify::viewer-url", G_CALLBACK (on_viewer_url_changed),
                           self, G_CONNECT_SWAPPED);

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
  const char *url;
  guint port;

  g_return_if_fail (ON_AIR_IS_WINDOW (self));

  if (self->server != NULL)
    return;
  if (self->broadcast == NULL)
    {
      toast (self, on_air_source_picker_get_rtsp_chosen (self->source_picker)
                     ? _("Type the address of the network camera first.")
                     : _("Choose what to show first."));
      return;
    }

  g_clear_pointer (&self->token, g_free);
  if (!on_air_sharing_panel_get_open (self->sharing_panel))
    self->token = self->fixed_token ? g_strdup (self->fixed_token) : on_air_token_generate ();

  apply_sound_setting (self);
  port = on_air_sharing_panel_get_port (self->sharing_panel);
  if (!server_open (self, port, &error))
    {
      report_listen_error (self, port, error);
      return;
    }

  on_air_live_panel_show_link (self->live_panel, self->bind, self->live_port, self->token);
  set_live_widgets (self);
  /* For whoever started us from a terminal, as headless mode does. */
  url = on_air_live_panel_get_viewer_url (self->live_panel);
  g_print ("%s\n", url ? url : "");
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
  on_air_live_panel_clear_link (self->live_panel);
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
  /* The panels are gone once the window is disposed. */
  return self->live_panel ? on_air_live_panel_get_viewer_url (self->live_panel) : NULL;
}

GdkTexture *
on_air_window_get_qr_texture (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->live_panel ? on_air_live_panel_get_qr_texture (self->live_panel) : NULL;
}

OnAirPreviewPaintable *
on_air_window_get_preview (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->preview_view ? on_air_preview_view_get_paintable (self->preview_view) : NULL;
}

OnAirBroadcast *
on_air_window_get_broadcast (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->broadcast;
}

void
on_air_window_show_message (OnAirWindow *self, const char *message)
{
  AdwToast *message_toast;

  g_return_if_fail (ON_AIR_IS_WINDOW (self));

  message_toast = adw_toast_new (message);
  /* Stays until read: it explains why no camera is offered. */
  adw_toast_set_timeout (message_toast, 0);
  adw_toast_set_priority (message_toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, message_toast);
}

void
on_air_window_choose_source (OnAirWindow *self, const char *source)
{
  g_autofree char *what = NULL;

  g_return_if_fail (ON_AIR_IS_WINDOW (self));
  g_return_if_fail (source != NULL);

  what = on_air_source_picker_restore (self->source_picker, source);
  play (self, what);
}

OnAirServer *
on_air_window_get_server (OnAirWindow *self)
{
  g_return_val_if_fail (ON_AIR_IS_WINDOW (self), NULL);
  return self->server;
}
