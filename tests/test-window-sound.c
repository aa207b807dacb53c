/* test-window-sound.c: sound in the window, under Xvfb: what shows while
 * viewers hear the test tone, the level meter, the mute switch, the
 * setting and --no-sound
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "on-air-application.h"
#include "on-air-audio.h"
#include "on-air-sharing-panel.h"
#include "on-air-sound-panel.h"
#include "on-air-window.h"
#include "test-util.h"
#include "whep-audio.h"
#include "whep-client.h"

#define OPUS_PT 111

static OnAirApplication *app;

/* A widget of the window's template, or of the sound or sharing panel's. */
static gpointer
child (OnAirWindow *window, const char *name)
{
  static const char *const panels[] = { "sound_panel", "sharing_panel" };
  GType types[] = { ON_AIR_TYPE_SOUND_PANEL, ON_AIR_TYPE_SHARING_PANEL };
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), ON_AIR_TYPE_WINDOW, name);

  for (guint i = 0; object == NULL && i < G_N_ELEMENTS (panels); i++)
    {
      GObject *panel = gtk_widget_get_template_child (GTK_WIDGET (window), ON_AIR_TYPE_WINDOW, panels[i]);

      object = gtk_widget_get_template_child (GTK_WIDGET (panel), types[i], name);
    }
  g_assert_nonnull (object);
  return object;
}

static OnAirWindow *
open_window (gboolean no_sound)
{
  OnAirOptions options = {
    .source = (char *) "test",
    .port = 0,
    .bind = (char *) "127.0.0.1",
    .token = (char *) TEST_TOKEN,
    .max_viewers = -1,
    .no_sound = no_sound,
  };
  OnAirWindow *window = on_air_window_new_with_options (app, &options);

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
close_window (OnAirWindow *window)
{
  on_air_window_stop_broadcast (window);
  gtk_window_destroy (GTK_WINDOW (window));
  test_spin (200);
}

static gboolean
is_live (gpointer data)
{
  return on_air_broadcast_get_state (on_air_window_get_broadcast (data)) == ON_AIR_SOURCE_STATE_LIVE;
}

/* The window's server, as the test helpers know servers. */
static void
start (OnAirWindow *window, TestServer *ts)
{
  g_assert_true (test_wait_until (is_live, window, 15000));
  on_air_window_start_broadcast (window);
  g_assert_true (on_air_window_get_broadcasting (window));
  ts->broadcast = on_air_window_get_broadcast (window);
  ts->server = on_air_window_get_server (window);
  ts->base = g_strdup_printf ("http://127.0.0.1:%u", on_air_server_get_port (ts->server));
}

static JsonObject *
audio_status (TestServer *ts, JsonParser *parser)
{
  g_autofree char *url = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  return json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "audio");
}

static gboolean
status_muted (TestServer *ts)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  return json_object_get_boolean_member (audio_status (ts, parser), "muted");
}

static gboolean
heard_a_second (gpointer data)
{
  WhepAudioStats stats;

  whep_audio_get_stats (whep_viewer_get_audio (data), &stats);
  return stats.samples >= 48000;
}

static gboolean
widget_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
meter_moves (gpointer data)
{
  return gtk_level_bar_get_value (data) > 0.05;
}

static const char *
row_title (OnAirWindow *window)
{
  return adw_preferences_row_get_title (child (window, "sound_row"));
}

/* The test pattern's tone reaches a WebRTC viewer: "Sound on" beside the
 * On Air sign, the meter moves; mute silences the viewer at once and
 * says so, unmute brings the tone back. */
static void
test_indicator_meter_mute (void)
{
  OnAirWindow *window = open_window (FALSE);
  GtkWidget *indicator = child (window, "sound_indicator");
  GtkWidget *panel = child (window, "sound_panel");
  GtkSwitch *mute = child (window, "mute_switch");
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", FALSE);
  g_autofree char *location = NULL;
  TestServer ts = { 0 };

  g_assert_false (gtk_widget_get_visible (panel));
  start (window, &ts);
  g_assert_true (gtk_widget_get_visible (panel));
  /* Nobody hears anything yet. */
  g_assert_false (gtk_widget_get_visible (indicator));
  g_assert_cmpstr (row_title (window), ==, "No one is listening yet");

  whep_viewer_want_audio (viewer, OPUS_PT, 0);
  location = test_whep_connect (&ts, viewer);
  g_assert_true (test_wait_until (heard_a_second, viewer, 15000));
  g_assert_true (test_wait_until (widget_visible, indicator, 5000));
  g_assert_cmpstr (row_title (window), ==, "Sound on");
  g_assert_true (test_wait_until (meter_moves, child (window, "level_bar"), 5000));
  g_test_message ("level meter: %.2f", gtk_level_bar_get_value (child (window, "level_bar")));

  gtk_switch_set_active (mute, TRUE);
  g_assert_true (on_air_broadcast_get_audio_muted (ts.broadcast));
  g_assert_true (status_muted (&ts));
  g_assert_true (test_wait_until (whep_viewer_is_silent, viewer, 5000));
  g_assert_false (gtk_widget_get_visible (indicator));
  g_assert_cmpstr (row_title (window), ==, "Muted");

  gtk_switch_set_active (mute, FALSE);
  g_assert_false (status_muted (&ts));
  g_assert_true (test_wait_until (whep_viewer_is_loud, viewer, 5000));
  g_assert_true (gtk_widget_get_visible (indicator));

  g_clear_pointer (&viewer, whep_viewer_free);
  on_air_window_stop_broadcast (window);
  g_assert_false (gtk_widget_get_visible (indicator));
  g_assert_false (gtk_widget_get_visible (panel));
  close_window (window);
  g_free (ts.base);
}

/* The setting, off: the next broadcast has no sound (no panel, /api/status
 * says off, a viewer that asks for sound gets the picture); it is saved. */
static void
test_setting (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  OnAirWindow *window = open_window (FALSE);
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", FALSE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *location = NULL;
  TestServer ts = { 0 };

  g_assert_true (g_settings_get_boolean (settings, "sound"));
  g_assert_true (gtk_switch_get_active (child (window, "sound_switch")));
  g_assert_true (on_air_broadcast_get_audio_enabled (on_air_window_get_broadcast (window)));

  gtk_switch_set_active (child (window, "sound_switch"), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "sound"));
  g_assert_false (on_air_broadcast_get_audio_enabled (on_air_window_get_broadcast (window)));
  start (window, &ts);
  g_assert_cmpstr (json_object_get_string_member (audio_status (&ts, parser), "state"), ==, "off");
  whep_viewer_want_audio (viewer, OPUS_PT, 0);
  location = test_whep_connect (&ts, viewer);
  g_assert_true (test_whep_wait_frames (viewer, 10, 15000));
  test_spin (300);
  g_assert_false (gtk_widget_get_visible (child (window, "sound_panel")));
  g_assert_false (gtk_widget_get_visible (child (window, "sound_indicator")));
  g_clear_pointer (&viewer, whep_viewer_free);
  on_air_window_stop_broadcast (window);

  gtk_switch_set_active (child (window, "sound_switch"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "sound"));
  g_assert_true (on_air_broadcast_get_audio_enabled (on_air_window_get_broadcast (window)));
  close_window (window);
  g_free (ts.base);
}

/* --no-sound: this run has none; the saved setting stays as it was. */
static void
test_no_sound_option (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  OnAirWindow *window = open_window (TRUE);

  g_assert_false (gtk_switch_get_active (child (window, "sound_switch")));
  g_assert_false (on_air_broadcast_get_audio_enabled (on_air_window_get_broadcast (window)));
  g_assert_true (g_settings_get_boolean (settings, "sound"));
  close_window (window);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  test_init_logging ();
  gst_init (NULL, NULL);
  app = on_air_application_new (NULL);
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window-sound/indicator-meter-mute", test_indicator_meter_mute);
  g_test_add_func ("/window-sound/setting", test_setting);
  g_test_add_func ("/window-sound/no-sound-option", test_no_sound_option);
  status = g_test_run ();

  g_object_unref (app);
  return status;
}
