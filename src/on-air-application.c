/* on-air-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gst/gst.h>

#include "onair-ui-resources.h"
#include "on-air-application.h"
#include "on-air-portal.h"
#include "on-air-window.h"

struct _OnAirApplication
{
  AdwApplication parent_instance;

  OnAirOptions   options;
  guint          sigint_source;
  guint          sigterm_source;

  /* Sandboxed: the camera portal answers before the window (and its
   * device monitor) exists. */
  GCancellable  *portal_cancellable;
  gboolean       portal_pending;
  gboolean       activate_pending;
  GError        *camera_error;
};

G_DEFINE_FINAL_TYPE (OnAirApplication, on_air_application, ADW_TYPE_APPLICATION)

static OnAirWindow *
ensure_window (OnAirApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (on_air_window_new (self));
      /* Sandboxed without camera access: said once, in the window; the
       * test pattern and network cameras work all the same. */
      if (self->camera_error != NULL)
        on_air_window_show_message (ON_AIR_WINDOW (window), self->camera_error->message);
    }
  return ON_AIR_WINDOW (window);
}

static void
update_broadcast_actions (OnAirApplication *self, gboolean broadcasting)
{
  GAction *start = g_action_map_lookup_action (G_ACTION_MAP (self), "start-broadcast");
  GAction *stop = g_action_map_lookup_action (G_ACTION_MAP (self), "stop-broadcast");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (start), !broadcasting);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (stop), broadcasting);
}

static void
on_broadcasting_changed (OnAirWindow *window, GParamSpec *pspec, OnAirApplication *self)
{
  update_broadcast_actions (self, on_air_window_get_broadcasting (window));
}

static void
on_window_added (GtkApplication *application, GtkWindow *window)
{
  GTK_APPLICATION_CLASS (on_air_application_parent_class)->window_added (application, window);

  if (ON_AIR_IS_WINDOW (window))
    {
      g_signal_connect_object (window, "notify::broadcasting",
                               G_CALLBACK (on_broadcasting_changed), application, 0);
      update_broadcast_actions (ON_AIR_APPLICATION (application),
                                on_air_window_get_broadcasting (ON_AIR_WINDOW (window)));
    }
}

static void
start_broadcast_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OnAirApplication *self = user_data;
  OnAirWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  on_air_window_start_broadcast (window);
}

static void
stop_broadcast_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OnAirApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (ON_AIR_IS_WINDOW (window))
    on_air_window_stop_broadcast (ON_AIR_WINDOW (window));
}

/* gapplication action io.github.onair.OnAir source "'rtsp://…'" */
static void
source_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OnAirApplication *self = user_data;
  OnAirWindow *window = ensure_window (self);

  on_air_window_choose_source (window, g_variant_get_string (parameter, NULL));
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *application = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (application));

  /* Closing (not destroying) lets each window save its size; the
   * application ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_application_quit (G_APPLICATION (application));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *application = user_data;
  const char *developers[] = { _("The On Air developers"), NULL };

  adw_show_about_window (gtk_application_get_active_window (application),
                         "application-name", _("On Air"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The On Air developers"),
                         "developers", developers,
                         "version", PACKAGE_VERSION,
                         "comments", _("Broadcast a camera to phones on the local network."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* Translators: your names, one per line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* Ctrl+C in the terminal or SIGTERM: stop serving cleanly, as headless does. */
static gboolean
on_quit_signal (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

static void
on_portal_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OnAirApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!on_air_portal_open_cameras_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("%s", error->message);
      self->camera_error = g_steal_pointer (&error);
    }
  self->portal_pending = FALSE;
  if (self->activate_pending)
    {
      self->activate_pending = FALSE;
      g_application_activate (G_APPLICATION (self));
    }
  g_application_release (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "start-broadcast", start_broadcast_activated },
  { "stop-broadcast", stop_broadcast_activated },
  { "source", source_activated, "s" },
  { "quit", quit_activated },
  { "about", about_activated },
};

static void
on_air_application_startup (GApplication *application)
{
  OnAirApplication *self = ON_AIR_APPLICATION (application);

  G_APPLICATION_CLASS (on_air_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  update_broadcast_actions (self, FALSE);
  self->sigint_source = g_unix_signal_add (SIGINT, on_quit_signal, self);
  self->sigterm_source = g_unix_signal_add (SIGTERM, on_quit_signal, self);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.start-broadcast",
                                         (const char *[]) { "<Control>Return", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.stop-broadcast",
                                         (const char *[]) { "<Control>period", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.copy-url",
                                         (const char *[]) { "<Control><Shift>c", NULL });

  if (on_air_portal_is_sandboxed ())
    {
      self->portal_pending = TRUE;
      self->portal_cancellable = g_cancellable_new ();
      g_application_hold (application);
      on_air_portal_open_cameras_async (NULL, self->portal_cancellable, on_portal_answered,
                                        g_object_ref (self));
    }
}

static void
on_air_application_shutdown (GApplication *application)
{
  OnAirApplication *self = ON_AIR_APPLICATION (application);

  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_cancellable_cancel (self->portal_cancellable);

  G_APPLICATION_CLASS (on_air_application_parent_class)->shutdown (application);
}

static void
on_air_application_activate (GApplication *application)
{
  OnAirApplication *self = ON_AIR_APPLICATION (application);

  if (self->portal_pending)
    self->activate_pending = TRUE;
  else
    gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

static void
on_air_application_finalize (GObject *object)
{
  OnAirApplication *self = ON_AIR_APPLICATION (object);

  g_free (self->options.source);
  g_free (self->options.bind);
  g_free (self->options.token);
  g_free (self->options.title);
  g_clear_object (&self->portal_cancellable);
  g_clear_error (&self->camera_error);

  G_OBJECT_CLASS (on_air_application_parent_class)->finalize (object);
}

static void
on_air_application_class_init (OnAirApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_application_class = GTK_APPLICATION_CLASS (klass);

  object_class->finalize = on_air_application_finalize;
  application_class->startup = on_air_application_startup;
  application_class->activate = on_air_application_activate;
  application_class->shutdown = on_air_application_shutdown;
  gtk_application_class->window_added = on_window_added;

  onair_ui_register_resource ();
}

static void
on_air_application_init (OnAirApplication *self)
{
  self->options.port = -1;
  self->options.max_viewers = -1;
}

OnAirApplication *
on_air_application_new (const OnAirOptions *options)
{
  OnAirApplication *self;

  self = g_object_new (ON_AIR_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/onair/OnAir",
                       NULL);
  if (options != NULL)
    {
      self->options.source = g_strdup (options->source);
      self->options.port = options->port;
      self->options.bind = g_strdup (options->bind);
      self->options.token = g_strdup (options->token);
      self->options.no_token = options->no_token;
      self->options.max_viewers = options->max_viewers;
      self->options.title = g_strdup (options->title);
      self->options.no_sound = options->no_sound;
    }
  return self;
}

const OnAirOptions *
on_air_application_get_options (OnAirApplication *self)
{
  g_return_val_if_fail (ON_AIR_IS_APPLICATION (self), NULL);
  return &self->options;
}

/* Why cameras cannot be used in the sandbox (the camera portal refused,
 * or no camera is present), for the window to show; NULL otherwise. */
const GError *
on_air_application_get_camera_error (OnAirApplication *self)
{
  g_return_val_if_fail (ON_AIR_IS_APPLICATION (self), NULL);
  return self->camera_error;
}
