/* on-air-headless.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-headless"

#include "config.h"

#include <stdio.h>

#include <glib-unix.h>
#include <gst/gst.h>

#include "on-air-audio.h"
#include "on-air-broadcast.h"
#include "on-air-error.h"
#include "on-air-headless.h"
#include "on-air-camera.h"
#include "on-air-lan.h"
#include "on-air-portal.h"
#include "on-air-server.h"
#include "on-air-token.h"

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_state_changed (OnAirBroadcast *broadcast, GParamSpec *pspec, gpointer user_data)
{
  OnAirSourceState state = on_air_broadcast_get_state (broadcast);

  switch (state)
    {
    case ON_AIR_SOURCE_STATE_FAILED:
      g_printerr ("onair: %s (retrying in %u s)\n",
                  on_air_broadcast_get_error_message (broadcast),
                  on_air_broadcast_get_retry_seconds (broadcast));
      break;
    case ON_AIR_SOURCE_STATE_LIVE:
      {
        int w = 0, h = 0;

        on_air_broadcast_get_resolution (broadcast, &w, &h);
        g_printerr ("onair: source live: %s, %d×%d\n",
                    on_air_broadcast_get_description (broadcast), w, h);
      }
      break;
    default:
      break;
    }
}

/* The token the command line asks for; FALSE (said on stderr) when it
 * is not a valid one. */
static gboolean
choose_token (const OnAirOptions *options, char **token)
{
  if (options->no_token)
    *token = NULL;
  else if (options->token != NULL)
    {
      if (!on_air_token_is_valid (options->token))
        {
          g_printerr ("onair: a token needs 16 to 256 characters from A–Z, a–z, 0–9, '-', '_', '.', '~'\n");
          return FALSE;
        }
      *token = g_strdup (options->token);
    }
  else
    *token = on_air_token_generate ();
  return TRUE;
}

/* The viewer link for each address viewers can reach, on stdout. */
static void
print_urls (const OnAirOptions *options, OnAirBroadcast *broadcast, guint port, const char *token)
{
  g_auto(GStrv) addresses = NULL;

  if (options->bind != NULL && !g_str_equal (options->bind, "0.0.0.0") && !g_str_equal (options->bind, "::"))
    addresses = g_strdupv ((char *[]) { options->bind, NULL });
  else
    addresses = on_air_lan_addresses ();

  g_printerr ("onair: serving %s on port %u%s\n",
              on_air_broadcast_get_description (broadcast), port,
              token ? "" : " to anyone on the network (no token)");
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autofree char *url = on_air_lan_viewer_url (addresses[i], port, token);
      g_print ("%s\n", url);
    }
  fflush (stdout);
}

typedef struct
{
  GMainLoop *loop;
  GError    *error;
} PortalWait;

static void
on_portal_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PortalWait *wait = user_data;

  on_air_portal_open_cameras_finish (result, &wait->error);
  g_main_loop_quit (wait->loop);
}

/* The cameras the portal's PipeWire connection shows, on one line: what
 * reached the app through the portal. */
static void
print_portal_cameras (void)
{
  g_autoptr(GstDeviceMonitor) monitor = on_air_camera_monitor_new ();
  g_autoptr(GString) names = g_string_new (NULL);
  GList *cameras;
  guint n = 0;

  if (!gst_device_monitor_start (monitor))
    return;
  cameras = on_air_camera_list (monitor);
  gst_device_monitor_stop (monitor);
  for (GList *l = cameras; l != NULL; l = l->next)
    g_string_append_printf (names, "%s%s", n++ ? ", " : "", ((OnAirCamera *) l->data)->name);
  g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);
  g_printerr ("onair: the camera portal shows %u camera(s)%s%s\n", n, n ? ": " : "", names->str);
}

/* In a Flatpak sandbox cameras come through the camera portal; the
 * device monitor must not start before it answered. A refusal is a
 * message: the test pattern and RTSP still work. */
static void
open_portal_cameras (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  PortalWait wait = { NULL, NULL };

  g_main_context_push_thread_default (context);
  wait.loop = g_main_loop_new (context, FALSE);
  on_air_portal_open_cameras_async (NULL, NULL, on_portal_answered, &wait);
  g_main_loop_run (wait.loop);
  g_main_loop_unref (wait.loop);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  if (wait.error != NULL)
    g_printerr ("onair: %s\n", wait.error->message);
  else
    print_portal_cameras ();
  g_clear_error (&wait.error);
}

int
on_air_headless_run (const OnAirOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = NULL;
  g_autoptr(OnAirBroadcast) broadcast = NULL;
  g_autoptr(OnAirServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *token = NULL;
  guint port;

  spec = on_air_source_spec_parse (options->source, &error);
  if (spec == NULL)
    {
      g_printerr ("onair: %s\n", error->message);
      return 2;
    }

  if (!choose_token (options, &token))
    return 2;

  if (options->port > 65535)
    {
      g_printerr ("onair: the port must be between 0 and 65535\n");
      return 2;
    }

  if (on_air_portal_is_sandboxed () &&
      (on_air_source_spec_get_kind (spec) == ON_AIR_SOURCE_AUTO ||
       on_air_source_spec_get_kind (spec) == ON_AIR_SOURCE_CAMERA))
    open_portal_cameras ();

  loop = g_main_loop_new (NULL, FALSE);
  /* Before anything is printed: a script may signal as soon as it reads
   * the URL. */
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  broadcast = on_air_broadcast_new (spec);
  on_air_broadcast_set_title (broadcast, options->title);
  on_air_broadcast_set_audio_enabled (broadcast, !options->no_sound);
  server = on_air_server_new (broadcast);
  on_air_server_set_token (server, token);
  if (options->max_viewers >= 0)
    on_air_server_set_max_viewers (server, options->max_viewers);

  if (!on_air_server_listen (server, options->bind,
                             options->port >= 0 ? (guint) options->port : ON_AIR_SERVER_DEFAULT_PORT,
                             &error))
    {
      g_printerr ("onair: %s\n", error->message);
      return 2;
    }
  port = on_air_server_get_port (server);

  g_signal_connect (broadcast, "notify::state", G_CALLBACK (on_state_changed), NULL);
  if (!on_air_broadcast_start (broadcast, &error))
    g_printerr ("onair: %s\n", error->message); /* the server keeps answering */
  g_clear_error (&error);

  print_urls (options, broadcast, port, token);

  g_main_loop_run (loop);

  g_printerr ("onair: stopping\n");
  on_air_server_stop (server);
  on_air_broadcast_stop (broadcast);
  return 0;
}
