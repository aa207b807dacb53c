/* test-window-rung.c: the window's viewer row says when a viewer's weak
 * link gets it the lower rung; under Xvfb, with a real webrtcbin viewer
 * whose link loses a third of the packets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <gst/gst.h>

#include "on-air-application.h"
#include "on-air-live-panel.h"
#include "on-air-window.h"
#include "test-util.h"
#include "whep-client.h"

static OnAirApplication *app;

static GtkListBox *
viewers_list (OnAirWindow *window)
{
  GObject *panel = gtk_widget_get_template_child (GTK_WIDGET (window), ON_AIR_TYPE_WINDOW, "live_panel");
  GObject *list = gtk_widget_get_template_child (GTK_WIDGET (panel), ON_AIR_TYPE_LIVE_PANEL, "viewers_list");

  g_assert_nonnull (list);
  return GTK_LIST_BOX (list);
}

static gboolean
is_live (gpointer data)
{
  return on_air_broadcast_get_state (on_air_window_get_broadcast (data)) == ON_AIR_SOURCE_STATE_LIVE;
}

/* The first viewer row's subtitle, or NULL while there is none. */
static const char *
first_subtitle (OnAirWindow *window)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (viewers_list (window), 0);

  return row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;
}

static gboolean
says_weak (gpointer data)
{
  const char *subtitle = first_subtitle (data);

  return subtitle != NULL && strstr (subtitle, "lower quality for a weak connection") != NULL;
}

static void
test_weak_viewer_row (void)
{
  OnAirOptions options = {
    .source = (char *) "test",
    .bind = (char *) "127.0.0.1",
    .token = (char *) TEST_TOKEN,
    .max_viewers = -1,
    .no_sound = TRUE,
  };
  OnAirWindow *window = on_air_window_new_with_options (app, &options);
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", FALSE);
  g_autofree char *location = NULL;
  TestServer ts = { 0 };

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (test_wait_until (is_live, window, 15000));
  on_air_window_start_broadcast (window);
  ts.broadcast = on_air_window_get_broadcast (window);
  ts.server = on_air_window_get_server (window);
  ts.base = g_strdup_printf ("http://127.0.0.1:%u", on_air_server_get_port (ts.server));

  location = test_whep_connect (&ts, viewer);
  g_assert_true (test_whep_wait_frames (viewer, 10, 15000));
  test_spin (300);
  /* A viewer on the shared encode: its address only. */
  g_assert_cmpstr (first_subtitle (window), ==, "127.0.0.1");

  whep_viewer_set_loss (viewer, 30);
  g_assert_true (test_wait_until (says_weak, window, 20000));
  g_assert_cmpstr (first_subtitle (window), ==, "127.0.0.1 · lower quality for a weak connection");

  g_clear_pointer (&viewer, whep_viewer_free);
  on_air_window_stop_broadcast (window);
  gtk_window_destroy (GTK_WINDOW (window));
  test_spin (200);
  g_free (ts.base);
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

  g_test_add_func ("/window-rung/weak-viewer-row", test_weak_viewer_row);
  status = g_test_run ();

  g_object_unref (app);
  return status;
}
