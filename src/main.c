/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "onair"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <malloc.h>
#include <stdlib.h>

#include "on-air-application.h"
#include "on-air-headless.h"
#include "on-air-source-spec.h"
#include "on-air-token.h"

#if !GLIB_CHECK_VERSION (2, 76, 0)
/* GLib before 2.76 serves g_slice_new() from its own slabs and per-thread
 * magazines, which it keeps: after 25 WebRTC viewers left, malloc still
 * had 14.2 MB in use against 6.4 MB with slices from malloc, and the
 * process kept 25.6 MB private against 12.1 MB (bench/README.md). GLib
 * 2.76 made g_slice plain malloc; this asks older ones for the same.
 * GLib's own constructor already allocates slices, so this runs from
 * .preinit_array, before any library's constructor (the environment
 * cannot be changed there: libc resets it afterwards). G_SLICE, if the
 * user sets it, still applies on top. */
static void
slices_from_malloc (int argc, char **argv, char **envp)
{
  /* Deprecated for applications since 2.34, still honoured until 2.76. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_slice_set_config (G_SLICE_CONFIG_ALWAYS_MALLOC, TRUE);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

__attribute__ ((section (".preinit_array"), used))
static void (*const preinit_slices) (int, char **, char **) = slices_from_malloc;
#endif

static gboolean
settings_schema_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  return schema != NULL;
}

static int
run_window (const OnAirOptions *options, const char *argv0)
{
  g_autoptr(OnAirApplication) app = NULL;
  g_autoptr(OnAirSourceSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  char *app_argv[] = { (char *) argv0, NULL };

  /* The same checks and messages as headless: bad input never opens a window. */
  if (options->source != NULL && (spec = on_air_source_spec_parse (options->source, &error)) == NULL)
    {
      g_printerr ("onair: %s\n", error->message);
      return 2;
    }
  if (options->token != NULL && !on_air_token_is_valid (options->token))
    {
      g_printerr ("onair: a token needs 16 to 256 characters from A–Z, a–z, 0–9, '-', '_', '.', '~'\n");
      return 2;
    }
  if (options->port > 65535)
    {
      g_printerr ("onair: the port must be between 0 and 65535\n");
      return 2;
    }
  if (!settings_schema_installed ())
    {
      g_printerr ("onair: the settings schema %s is not installed; install On Air, "
                  "or point GSETTINGS_SCHEMA_DIR at the build's data directory\n",
                  APPLICATION_ID);
      return 1;
    }

  /* The options were parsed here; a second instance only raises the first. */
  app = on_air_application_new (options);
  return g_application_run (G_APPLICATION (app), 1, app_argv);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  OnAirOptions options = { .port = -1, .max_viewers = -1 };
  gboolean headless = FALSE;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Serve without a window"), NULL },
    { "source", 's', 0, G_OPTION_ARG_STRING, &options.source,
      N_("auto, camera, v4l2:///dev/videoN, rtsp://host/path or test"), "SRC" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &options.port, N_("TCP port (0 picks a free one)"), "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &options.bind, N_("Listen on this address only"), "ADDR" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &options.token, N_("Access token viewers must present"), "TOKEN" },
    { "no-token", 0, 0, G_OPTION_ARG_NONE, &options.no_token, N_("Let anyone on the network watch"), NULL },
    { "max-viewers", 0, 0, G_OPTION_ARG_INT, &options.max_viewers, N_("Most viewers at once (0: no limit)"), "N" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &options.title, N_("The title viewers see (default: the camera’s name)"), "TITLE" },
    { "no-sound", 0, 0, G_OPTION_ARG_NONE, &options.no_sound, N_("Send the picture only, without sound"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version"), NULL },
    { NULL }
  };
  int status;

  /* Every WebRTC viewer brings a dozen threads; by default glibc gives
   * threads up to 8 arenas per core and keeps what they freed there. With
   * one per core, private memory after 25 viewers came and went four times
   * levels off instead of growing (measured 36–45 MB against 46–58 MB and
   * rising), at the same CPU per viewer. */
  mallopt (M_ARENA_MAX, MAX (2, (int) g_get_num_processors ()));
  /* glibc raises its mmap threshold to the largest block freed so far, so
   * after the first video frame, the encoders' frame-sized blocks come
   * from the arenas and the small blocks around them keep those pages
   * after the encoder stops. A fixed threshold (glibc's initial 128 KiB)
   * gives them back when freed: private memory kept after 1, 10, 25, 50
   * WebRTC viewers came and went, against after the first: 6.1 → 3.6 MB
   * (mean of three runs each), CPU per viewer unchanged (MJPEG 1 viewer,
   * WebRTC 10 viewers, back to back). */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Broadcast a camera to phones on the local network."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("onair: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("onair %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (options.token != NULL && options.no_token)
    {
      g_printerr ("onair: --token and --no-token exclude each other\n");
      return 2;
    }

  gst_init (NULL, NULL);
  /* The window where there is a display, else serve without one. */
  if (!headless && gtk_init_check ())
    status = run_window (&options, argv[0]);
  else
    status = on_air_headless_run (&options);

  g_free (options.source);
  g_free (options.bind);
  g_free (options.token);
  g_free (options.title);
  return status;
}
