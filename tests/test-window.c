/* test-window.c: the desktop window, its real widgets, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "fixtures/rtsp-fixture.h"
#include "on-air-application.h"
#include "on-air-live-panel.h"
#include "on-air-preview-view.h"
#include "on-air-sharing-panel.h"
#include "on-air-source-picker.h"
#include "on-air-window.h"
#include "test-util.h"

static OnAirApplication *app;
static OnAirWindow *window;

/* A widget of the window's template, or of one of its panels' templates. */
static gpointer
window_child (OnAirWindow *w, const char *name)
{
  static const struct {
    const char *id;
    GType     (*get_type) (void);
  } panels[] = {
    { "preview_view", on_air_preview_view_get_type },
    { "source_picker", on_air_source_picker_get_type },
    { "sharing_panel", on_air_sharing_panel_get_type },
    { "live_panel", on_air_live_panel_get_type },
  };
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (w), ON_AIR_TYPE_WINDOW, name);

  for (guint i = 0; object == NULL && i < G_N_ELEMENTS (panels); i++)
    {
      GObject *panel = gtk_widget_get_template_child (GTK_WIDGET (w), ON_AIR_TYPE_WINDOW, panels[i].id);

      g_assert_nonnull (panel);
      object = gtk_widget_get_template_child (GTK_WIDGET (panel), panels[i].get_type (), name);
    }
  g_assert_nonnull (object);
  return object;
}

static gpointer
child (const char *name)
{
  return window_child (window, name);
}

static const char *
visible_page (void)
{
  return gtk_stack_get_visible_child_name (child ("preview_stack"));
}

/* Finds a label under @widget whose text contains @needle. */
static GtkWidget *
find_label (GtkWidget *widget, const char *needle)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, needle);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GtkWidget  *root;
  const char *needle;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return find_label (wait->root, wait->needle) != NULL;
}

static void
save_screenshot (const char *name)
{
  const char *dir = g_getenv ("ONAIR_SCREENSHOT_DIR");
  g_autofree char *path = g_build_filename (dir ? dir : g_get_tmp_dir (), name, NULL);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));

  /* The widget's picture is made on its next draw: wait for one. */
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
      g_autoptr(GdkPaintable) image = NULL;
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      test_spin (100);
      image = gdk_paintable_get_current_image (paintable);
      gdk_paintable_snapshot (image, snapshot, width, height);
      node = gtk_snapshot_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_printerr ("# screenshot saved to %s\n", path);
}

/* ---------------------------------------------------------------------- */

static gboolean
has_preview_frame (gpointer data)
{
  return on_air_preview_paintable_get_texture (on_air_window_get_preview (window)) != NULL &&
         g_str_equal (visible_page (), "preview");
}

static gboolean
preview_fits (gpointer data)
{
  OnAirPreviewPaintable *preview = on_air_window_get_preview (window);
  GdkTexture *texture = on_air_preview_paintable_get_texture (preview);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (window));
  int width, height;

  on_air_preview_paintable_get_display_size (preview, &width, &height);
  return texture != NULL && width > 0 &&
         ABS (gdk_texture_get_width (texture) - width * scale) <= 2 &&
         ABS (gdk_texture_get_height (texture) - height * scale) <= 2;
}

typedef struct
{
  OnAirPreviewPaintable *preview;
  guint64 drawn_before;
  gint64  paint_start;
  gint64  paint_time;  /* of frame-clock cycles that drew a new preview frame */
  guint   paints;
  guint   other_paints;
  gint64  last_tick;
  gint64  max_gap;
} FrameTimes;

static guint64
frames_drawn (OnAirPreviewPaintable *preview)
{
  OnAirPreviewStats stats;

  on_air_preview_paintable_get_stats (preview, &stats);
  return stats.frames_drawn;
}

static void
on_before_paint (GdkFrameClock *clock, FrameTimes *times)
{
  times->paint_start = g_get_monotonic_time ();
  times->drawn_before = frames_drawn (times->preview);
}

static void
on_after_paint (GdkFrameClock *clock, FrameTimes *times)
{
  if (times->paint_start == 0)
    return;
  if (frames_drawn (times->preview) != times->drawn_before)
    {
      times->paint_time += g_get_monotonic_time () - times->paint_start;
      times->paints++;
    }
  else
    times->other_paints++;
  times->paint_start = 0;
}

static gboolean
on_tick (gpointer data)
{
  FrameTimes *times = data;
  gint64 now = g_get_monotonic_time ();

  if (times->last_tick != 0)
    times->max_gap = MAX (times->max_gap, now - times->last_tick);
  times->last_tick = now;
  return G_SOURCE_CONTINUE;
}

/* The window opens on the test pattern; the preview shows frames of the
 * size asked of the engine, smoothly. */
static void
test_preview (void)
{
  OnAirPreviewPaintable *preview = on_air_window_get_preview (window);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  OnAirPreviewStats before, after;
  FrameTimes times = { .preview = preview };
  GdkTexture *texture;
  gint64 start, elapsed;
  guint tick;
  double seconds, shown_fps, pushed_fps;
  guint64 drawn, pushed;
  int display_width, display_height;

  g_assert_true (test_wait_until (has_preview_frame, NULL, 15000));
  /* Frames come at the size the picture shows them, in the source's shape
   * (the test pattern is 1280×720): the renderer draws them unscaled. */
  g_assert_true (test_wait_until (preview_fits, NULL, 5000));
  texture = on_air_preview_paintable_get_texture (preview);
  on_air_preview_paintable_get_display_size (preview, &display_width, &display_height);
  g_printerr ("# preview frames %d×%d, shown at %d×%d\n",
              gdk_texture_get_width (texture), gdk_texture_get_height (texture),
              display_width, display_height);
  g_assert_cmpint (gdk_texture_get_width (texture), <=, ON_AIR_PREVIEW_MAX_WIDTH);
  g_assert_cmpint (ABS (gdk_texture_get_width (texture) * 9 - gdk_texture_get_height (texture) * 16), <=, 16);
  g_assert_true (gtk_picture_get_paintable (child ("preview_picture")) == GDK_PAINTABLE (preview));
  g_assert_cmpstr (on_air_broadcast_get_source_kind (on_air_window_get_broadcast (window)), ==, "test");
  g_assert_cmpint (adw_combo_row_get_selected (child ("source_row")), ==,
                   g_list_model_get_n_items (adw_combo_row_get_model (child ("source_row"))) - 1);

  /* Smoothness: frames drawn per second over 5 s, and the main thread's
   * time per frame. */
  test_spin (1000);
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), &times);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &times);
  tick = g_timeout_add (5, on_tick, &times);
  on_air_preview_paintable_get_stats (preview, &before);
  start = g_get_monotonic_time ();
  test_spin (5000);
  elapsed = g_get_monotonic_time () - start;
  on_air_preview_paintable_get_stats (preview, &after);
  g_source_remove (tick);
  g_signal_handlers_disconnect_by_data (clock, &times);

  seconds = elapsed / (double) G_USEC_PER_SEC;
  drawn = after.frames_drawn - before.frames_drawn;
  pushed = after.frames_pushed - before.frames_pushed;
  shown_fps = drawn / seconds;
  pushed_fps = pushed / seconds;
  g_printerr ("# preview: %.1f frames/s received, %.1f frames/s shown (source %.1f fps)\n",
              pushed_fps, shown_fps, on_air_broadcast_get_fps (on_air_window_get_broadcast (window)));
  g_printerr ("# main thread per frame: %.0f µs making the texture, %.0f µs in snapshot, "
              "%.0f µs per window frame that showed a new preview frame (frame clock before-paint "
              "to after-paint: layout, snapshot, render; %u such frames, %u other frame-clock cycles); "
              "longest main-loop gap %.0f ms\n",
              pushed ? (double) (after.push_time_us - before.push_time_us) / pushed : 0.0,
              drawn ? (double) (after.snapshot_time_us - before.snapshot_time_us) / drawn : 0.0,
              times.paints ? (double) times.paint_time / times.paints : 0.0,
              times.paints, times.other_paints, times.max_gap / 1000.0);

  /* The test pattern runs at 30 fps; a shown rate near it is smooth (the
   * margin is for a loaded two-core test machine). */
  g_assert_cmpfloat (shown_fps, >=, 20.0);
  /* One texture per frame, no backlog: never more shown than received. */
  g_assert_cmpuint (drawn, <=, pushed + 1);
  g_assert_cmpint (times.max_gap, <, 300 * 1000);
}

/* ---------------------------------------------------------------------- */

/* Only black and white pixels; whole-pixel modules of at least 4 pixels;
 * a quiet zone of 4 modules; at least 200 pixels across. */
static void
assert_crisp_qr (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 4);
  int quiet = -1;
  int module;

  g_assert_cmpint (width, ==, height);
  g_assert_cmpint (width, >=, 200);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 px = ((guint32 *) pixels)[i] & 0x00ffffff;

      g_assert_true (px == 0 || px == 0x00ffffff);
    }
  /* The top left finder pattern's corner is dark: what is before it on the
   * diagonal is the quiet zone. */
  for (int d = 0; d < width && quiet < 0; d++)
    if ((((guint32 *) pixels)[d * width + d] & 0x00ffffff) == 0)
      quiet = d;
  g_assert_cmpint (quiet, >, 0);
  g_assert_cmpint (quiet % 4, ==, 0);
  module = quiet / 4;
  g_assert_cmpint (module, >=, 4);
  g_assert_cmpint (width % module, ==, 0);
  /* The finder is 7 modules of dark at its top edge. */
  for (int x = quiet; x < quiet + 7 * module; x++)
    g_assert_cmpuint (((guint32 *) pixels)[quiet * width + x] & 0x00ffffff, ==, 0);
  g_assert_cmpuint (((guint32 *) pixels)[quiet * width + quiet + 7 * module] & 0x00ffffff, ==, 0x00ffffff);
}

static char *
decode_qr (GdkTexture *texture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onair-qr-XXXXXX", &error);
  g_autofree char *png = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_no_error (error);
  png = g_build_filename (dir, "qr.png", NULL);
  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_spawn_sync (NULL, (char *[]) { "zbarimg", "--raw", "-q", png, NULL }, NULL,
                G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_unlink (png);
  g_rmdir (dir);
  return g_strdup (g_strchomp (out));
}

static char *
url_with_path (const char *url, const char *path)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  g_assert_nonnull (uri);
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), path, g_uri_get_query (uri), NULL);
}

static gboolean
port_open (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

static gboolean
one_viewer_listed (gpointer data)
{
  GtkListBox *list = child ("viewers_list");

  return gtk_list_box_get_row_at_index (list, 0) != NULL &&
         gtk_list_box_get_row_at_index (list, 1) == NULL &&
         gtk_widget_get_visible (GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0)));
}

static gboolean
no_viewer_listed (gpointer data)
{
  return gtk_list_box_get_row_at_index (child ("viewers_list"), 0) == NULL;
}

/* Start Broadcasting: the server answers, the QR code decodes to exactly
 * the link shown, which serves MJPEG; Stop closes the port. */
static void
test_broadcast (void)
{
  OnAirServer *server;
  const char *url;
  g_autofree char *decoded = NULL;
  g_autofree char *stream = NULL;
  g_autofree char *denied_url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(MjpegReader) reader = NULL;
  g_autoptr(TestResponse) page = NULL;
  g_autoptr(TestResponse) denied = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  GdkContentProvider *content;
  GValue copied = G_VALUE_INIT;
  GdkTexture *qr;
  guint port;
  int width, height;

  g_assert_false (on_air_window_get_broadcasting (window));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "start-broadcast"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "stop-broadcast"));

  g_action_group_activate_action (G_ACTION_GROUP (app), "start-broadcast", NULL);
  g_assert_true (on_air_window_get_broadcasting (window));
  server = on_air_window_get_server (window);
  g_assert_nonnull (server);
  port = on_air_server_get_port (server);
  g_assert_cmpuint (port, >, 0);
  g_assert_true (port_open (port));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "start-broadcast"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "stop-broadcast"));
  g_assert_true (gtk_widget_get_visible (child ("on_air_indicator")));
  g_assert_true (gtk_widget_get_visible (child ("live_panel")));
  g_assert_false (gtk_widget_get_visible (child ("sharing_panel")));

  /* The link shown is for the bound address and the actual port. */
  url = gtk_label_get_text (child ("url_label"));
  g_assert_cmpstr (url, ==, on_air_window_get_viewer_url (window));
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  g_assert_cmpint (g_uri_get_port (uri), ==, port);
  g_assert_true (g_str_has_prefix (g_uri_get_query (uri), "token="));

  /* The QR code: crisp, with a quiet zone, exactly that link. */
  qr = on_air_window_get_qr_texture (window);
  g_assert_nonnull (qr);
  g_assert_true (gtk_picture_get_paintable (child ("qr_picture")) == GDK_PAINTABLE (qr));
  assert_crisp_qr (qr);
  decoded = decode_qr (qr);
  g_assert_cmpstr (decoded, ==, url);

  page = test_http ("GET", url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (page->status, ==, 200);

  stream = url_with_path (url, "/stream.mjpg");
  reader = mjpeg_reader_new (stream);
  g_assert_true (mjpeg_reader_wait_frames (reader, 2, 15000));
  g_assert_cmpstr (mjpeg_reader_get_part_type (reader), ==, "image/jpeg");
  jpeg = mjpeg_reader_dup_last (reader);
  g_assert_true (test_decode_jpeg (jpeg, &width, &height));
  g_assert_cmpint (width, ==, 1280);
  g_assert_cmpint (height, ==, 720);

  /* Without the token from the QR code: nothing. */
  denied_url = g_strdup_printf ("http://127.0.0.1:%u/stream.mjpg", port);
  denied = test_http ("GET", denied_url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (denied->status, ==, 401);

  /* The viewer appears in the list. */
  g_assert_true (test_wait_until (one_viewer_listed, NULL, 5000));
  g_assert_cmpstr (adw_preferences_group_get_description (child ("viewers_group")), ==,
                   "1 person is watching");
  test_spin (500);
  save_screenshot ("window.png");

  /* Copy puts exactly that link on the clipboard. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-url", NULL);
  content = gdk_clipboard_get_content (gtk_widget_get_clipboard (GTK_WIDGET (window)));
  g_assert_nonnull (content);
  g_value_init (&copied, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (content, &copied, NULL));
  g_assert_cmpstr (g_value_get_string (&copied), ==, url);
  g_value_unset (&copied);

  g_clear_pointer (&reader, mjpeg_reader_free);
  g_assert_true (test_wait_until (no_viewer_listed, NULL, 5000));

  g_action_group_activate_action (G_ACTION_GROUP (app), "stop-broadcast", NULL);
  g_assert_false (on_air_window_get_broadcasting (window));
  g_assert_null (on_air_window_get_server (window));
  g_assert_false (port_open (port));
  g_assert_false (gtk_widget_get_visible (child ("on_air_indicator")));
  g_assert_false (gtk_widget_get_visible (child ("live_panel")));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "start-broadcast"));
  /* The preview goes on without the server. */
  g_assert_true (test_wait_until (has_preview_frame, NULL, 5000));
}

/* A port another program holds: a toast says so, the window stays usable. */
static void
test_port_in_use (void)
{
  guint port;
  g_autoptr(GSocketListener) listener = test_hold_port (&port);
  g_autofree char *port_text = NULL;
  g_autofree char *decoded = NULL;
  g_autofree char *snapshot_url = NULL;
  g_autoptr(TestResponse) snapshot = NULL;
  LabelWait wait;

  g_assert_cmpuint (port, >=, 1024);

  /* As a user does: type the port into the spin button. */
  gtk_spin_button_set_value (child ("port_spin"), port);
  g_action_group_activate_action (G_ACTION_GROUP (app), "start-broadcast", NULL);
  g_assert_false (on_air_window_get_broadcasting (window));

  port_text = g_strdup_printf ("Port %u is in use", port);
  wait.root = child ("toast_overlay");
  wait.needle = port_text;
  g_assert_true (test_wait_until (label_shown, &wait, 3000));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "start-broadcast"));
  g_assert_true (gtk_widget_get_visible (child ("sharing_panel")));

  /* Free again, it works at once; open to the network, the link has no token
   * and the stream needs none. */
  g_socket_listener_close (listener);
  gtk_switch_set_active (child ("open_switch"), TRUE);
  g_action_group_activate_action (G_ACTION_GROUP (app), "start-broadcast", NULL);
  g_assert_true (on_air_window_get_broadcasting (window));
  g_assert_cmpuint (on_air_server_get_port (on_air_window_get_server (window)), ==, port);
  g_assert_null (strstr (on_air_window_get_viewer_url (window), "token"));
  decoded = decode_qr (on_air_window_get_qr_texture (window));
  g_assert_cmpstr (decoded, ==, on_air_window_get_viewer_url (window));
  snapshot_url = g_strdup_printf ("http://127.0.0.1:%u/snapshot.jpg", port);
  snapshot = test_http ("GET", snapshot_url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (snapshot->status, ==, 200);
  g_action_group_activate_action (G_ACTION_GROUP (app), "stop-broadcast", NULL);
  g_assert_false (port_open (port));
  gtk_switch_set_active (child ("open_switch"), FALSE);
}

/* ---------------------------------------------------------------------- */

static gboolean
source_failed_shown (gpointer data)
{
  OnAirBroadcast *broadcast = on_air_window_get_broadcast (window);
  const char *description = adw_status_page_get_description (child ("status_page"));

  return broadcast != NULL &&
         on_air_broadcast_get_state (broadcast) == ON_AIR_SOURCE_STATE_FAILED &&
         g_str_equal (visible_page (), "status") &&
         description != NULL && strstr (description, "Retrying in") != NULL;
}

/* An RTSP camera that does not answer: the status page says so and when
 * the next try comes; the window keeps responding; the password never
 * shows. */
static void
test_rtsp_unreachable (void)
{
  AdwComboRow *source_row = child ("source_row");
  GListModel *sources = adw_combo_row_get_model (source_row);
  guint n = g_list_model_get_n_items (sources);
  GtkEditable *url_row = child ("rtsp_url_row");
  GtkEditable *password_row = child ("rtsp_password_row");
  g_autofree char *url = g_strdup_printf ("rtsp://admin:s3cret-pw@127.0.0.1:%u/cam", test_closed_port ());
  g_autofree char *saved = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  FrameTimes times = { 0 };
  const char *description;
  guint tick;

  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (sources), n - 2), ==,
                   "Network camera (RTSP)…");
  adw_combo_row_set_selected (source_row, n - 2);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (url_row)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (password_row)));

  /* Nothing typed yet: the page asks for the address; a bad one is refused. */
  gtk_editable_set_text (url_row, "");
  g_signal_emit_by_name (url_row, "apply");
  g_assert_true (gtk_widget_get_visible (child ("rtsp_error_label")));
  gtk_editable_set_text (url_row, "http://example.com/");
  g_signal_emit_by_name (url_row, "apply");
  g_assert_true (gtk_widget_get_visible (child ("rtsp_error_label")));
  g_assert_null (on_air_window_get_broadcast (window));
  g_assert_cmpstr (visible_page (), ==, "status");

  gtk_editable_set_text (url_row, url);
  g_signal_emit_by_name (url_row, "apply");
  g_assert_false (gtk_widget_get_visible (child ("rtsp_error_label")));
  g_assert_nonnull (on_air_window_get_broadcast (window));

  /* The password moved to the masked row; the address shows without it. */
  g_assert_null (strstr (gtk_editable_get_text (url_row), "s3cret"));
  g_assert_nonnull (strstr (gtk_editable_get_text (url_row), "admin@127.0.0.1"));
  g_assert_cmpstr (gtk_editable_get_text (password_row), ==, "s3cret-pw");
  saved = g_settings_get_string (settings, "rtsp-url");
  g_assert_cmpstr (saved, ==, url);

  tick = g_timeout_add (5, on_tick, &times);
  g_assert_true (test_wait_until (source_failed_shown, NULL, 20000));
  description = adw_status_page_get_description (child ("status_page"));
  g_test_message ("status page: %s", description);
  g_assert_nonnull (strstr (description, "does not answer"));
  g_assert_null (strstr (description, "s3cret"));
  g_assert_null (strstr (adw_status_page_get_title (child ("status_page")), "s3cret"));
  test_spin (500);
  save_screenshot ("window-source-failed.png");
  /* Responsive meanwhile, and during the countdown. */
  test_spin (1500);
  g_source_remove (tick);
  g_printerr ("# RTSP failure: longest main-loop gap %.0f ms\n", times.max_gap / 1000.0);
  g_assert_cmpint (times.max_gap, <, 250 * 1000);

  /* Back to the test pattern: the preview returns. */
  adw_combo_row_set_selected (source_row, n - 1);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (url_row)));
  g_assert_true (test_wait_until (has_preview_frame, NULL, 15000));
}

/* ---------------------------------------------------------------------- */

static gboolean
has_window_of_type (gpointer data)
{
  GType type = GPOINTER_TO_SIZE (data);
  g_autoptr(GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
      return TRUE;
  return FALSE;
}

static void
close_windows_of_type (GType type)
{
  g_autoptr(GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      gtk_window_destroy (l->data);
}

/* About and the shortcuts window open from their actions. */
static void
test_about_and_shortcuts (void)
{
  g_autofree char **accels = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_assert_true (test_wait_until (has_window_of_type, GSIZE_TO_POINTER (ADW_TYPE_ABOUT_WINDOW), 5000));
  close_windows_of_type (ADW_TYPE_ABOUT_WINDOW);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
  g_assert_true (test_wait_until (has_window_of_type, GSIZE_TO_POINTER (GTK_TYPE_SHORTCUTS_WINDOW), 5000));
  gtk_window_close (GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window))));

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_cmpstr (accels[0], ==, "<Control>q");
  g_strfreev (g_steal_pointer (&accels));
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.start-broadcast");
  g_assert_nonnull (accels[0]);
  g_strfreev (g_steal_pointer (&accels));
  test_spin (200);
}

/* A window opened without command-line choices restores the settings;
 * closing it saves its size. */
static void
test_settings_restored (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *url = g_strdup_printf ("rtsp://cam:pa%%3Ass@127.0.0.1:%u/live", test_closed_port ());
  g_autofree char *shown = g_strdup_printf ("rtsp://cam@127.0.0.1:%u/live",
                                            (guint) g_ascii_strtoull (strrchr (url, ':') + 1, NULL, 10));
  OnAirWindow *restored;
  AdwComboRow *source_row;
  GListModel *sources;
  int width, height;

  /* First run: the first camera, else the test pattern. */
  g_settings_reset (settings, "source");
  restored = on_air_window_new_with_options (app, NULL);
  source_row = window_child (restored, "source_row");
  sources = adw_combo_row_get_model (source_row);
  g_assert_cmpuint (adw_combo_row_get_selected (source_row), ==,
                    g_list_model_get_n_items (sources) == 2 ? 1 : 0);
  g_assert_cmpstr (on_air_broadcast_get_source_kind (on_air_window_get_broadcast (restored)), ==,
                   g_list_model_get_n_items (sources) == 2 ? "test" : "camera");
  gtk_window_destroy (GTK_WINDOW (restored));

  g_settings_set_string (settings, "source", "rtsp");
  g_settings_set_string (settings, "rtsp-url", url);
  g_settings_set_int (settings, "port", 9090);
  g_settings_set_boolean (settings, "open-to-network", TRUE);
  g_settings_set_int (settings, "window-width", 900);
  g_settings_set_int (settings, "window-height", 600);

  restored = on_air_window_new_with_options (app, NULL);

  source_row = window_child (restored, "source_row");
  sources = adw_combo_row_get_model (source_row);
  g_assert_cmpuint (adw_combo_row_get_selected (source_row), ==, g_list_model_get_n_items (sources) - 2);
  g_assert_cmpstr (gtk_editable_get_text (window_child (restored, "rtsp_url_row")), ==, shown);
  g_assert_cmpstr (gtk_editable_get_text (window_child (restored, "rtsp_password_row")), ==, "pa:ss");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (window_child (restored, "port_spin")), ==, 9090);
  g_assert_true (gtk_switch_get_active (window_child (restored, "open_switch")));
  g_assert_nonnull (on_air_window_get_broadcast (restored));
  g_assert_cmpstr (on_air_broadcast_get_source_kind (on_air_window_get_broadcast (restored)), ==, "rtsp");
  gtk_window_get_default_size (GTK_WINDOW (restored), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 600);

  gtk_window_present (GTK_WINDOW (restored));
  gtk_window_set_default_size (GTK_WINDOW (restored), 1100, 700);
  gtk_window_close (GTK_WINDOW (restored));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1100);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 700);
  test_spin (200);
}

/* ---------------------------------------------------------------------- */
/* the onair binary                                                       */

/* Children die with the test, even when an assertion ends it: nothing is
 * left for xvfb-run and dbus-run-session to wait for. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
gapplication_action_with (char **envp, const char *action, const char *parameter)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char *[]) { "gapplication", "action", APPLICATION_ID, (char *) action,
                                   (char *) parameter, NULL },
                envp, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
gapplication_action (char **envp, const char *action)
{
  gapplication_action_with (envp, action, NULL);
}

typedef struct
{
  GDBusConnection *bus;
} NameWait;

static gboolean
source_kind_is (gpointer data)
{
  const char **want = data;
  g_autoptr(TestResponse) r = test_http ("GET", want[0], NULL, NULL, 0, NULL);
  g_autofree char *text = NULL;

  if (r->status != 200)
    return FALSE;
  text = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
  return strstr (text, want[1]) != NULL && strstr (text, "\"state\":\"live\"") != NULL;
}

static gboolean
name_owned (gpointer data)
{
  NameWait *wait = data;
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (wait->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", APPLICATION_ID), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  if (!owned)
    g_usleep (100 * 1000);
  return owned;
}

static gboolean
port_closed (gpointer data)
{
  if (port_open (GPOINTER_TO_UINT (data)))
    {
      g_usleep (100 * 1000);
      return FALSE;
    }
  return TRUE;
}

/* `onair --source test` opens the window; `gapplication action` starts and
 * stops the broadcast over D-Bus, and quits. */
static void
test_dbus_actions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) bus_launcher = NULL;
  g_autoptr(GSubprocess) bus_proc = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(TestResponse) status = NULL;
  g_autofree char *address = NULL;
  g_autofree char *url = NULL;
  g_autofree char *status_url = NULL;
  g_auto(GStrv) envp = NULL;
  NameWait wait;
  guint port;

  if (g_find_program_in_path ("dbus-daemon") == NULL || g_find_program_in_path ("gapplication") == NULL)
    {
      g_test_skip ("needs dbus-daemon and gapplication");
      return;
    }

  bus_launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (bus_launcher, die_with_parent, NULL, NULL);
  bus_proc = g_subprocess_launcher_spawn (bus_launcher, &error, "dbus-daemon", "--session", "--nofork",
                                          "--print-address=1", NULL);
  g_assert_no_error (error);
  address = g_strstrip (test_read_line (bus_proc));
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);

  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_environ (launcher, envp);
  proc = g_subprocess_launcher_spawn (launcher, &error, test_onair_bin (),
                                      "--source", "test", "--port", "0", "--bind", "127.0.0.1", NULL);
  g_assert_no_error (error);

  wait.bus = bus;
  g_assert_true (test_wait_until (name_owned, &wait, 15000));

  gapplication_action (envp, "start-broadcast");
  url = test_read_line (proc);
  g_test_message ("window's viewer URL: %s", url);
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  port = g_uri_get_port (uri);
  status_url = url_with_path (url, "/api/status");
  status = test_http ("GET", status_url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (status->status, ==, 200);

  /* Another source over D-Bus: the viewer watching keeps its connection
   * and gets the new source's pictures. */
  {
    g_autoptr(RtspFixture) camera = rtsp_fixture_new (NULL, NULL, &error);
    g_autofree char *camera_url = rtsp_fixture_get_url (camera, FALSE);
    g_autofree char *param = g_strdup_printf ("'%s'", camera_url);
    g_autofree char *stream = url_with_path (url, "/stream.mjpg");
    g_autoptr(MjpegReader) reader = mjpeg_reader_new (stream);
    const char *want[] = { status_url, "\"kind\":\"rtsp\"" };

    g_assert_no_error (error);
    g_assert_true (mjpeg_reader_wait_frames (reader, 5, 15000));
    gapplication_action_with (envp, "source", param);
    g_assert_true (test_wait_until (source_kind_is, want, 15000));
    g_assert_true (mjpeg_reader_wait_frames (reader, 10, 15000));
    g_assert_false (mjpeg_reader_failed (reader));
    g_assert_true (port_open (port));
  }

  gapplication_action (envp, "stop-broadcast");
  g_assert_true (test_wait_until (port_closed, GUINT_TO_POINTER (port), 5000));

  gapplication_action (envp, "quit");
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);

  g_subprocess_send_signal (bus_proc, SIGTERM);
  g_subprocess_wait (bus_proc, NULL, NULL);
}

/* Without a display (and without --headless) onair serves headless. */
static void
test_no_display_serves_headless (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *url = NULL;
  g_autofree char *status_url = NULL;
  g_autoptr(TestResponse) status = NULL;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "GDK_BACKEND");
  proc = g_subprocess_launcher_spawn (launcher, &error, test_onair_bin (),
                                      "--source", "test", "--port", "0", "--bind", "127.0.0.1", NULL);
  g_assert_no_error (error);
  url = test_read_line (proc);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  /* It serves; and once it answers, its main loop (and SIGTERM handler) runs. */
  status_url = url_with_path (url, "/api/status");
  status = test_http ("GET", status_url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (status->status, ==, 200);
  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------- */

static gboolean
window_mapped (gpointer data)
{
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

typedef struct
{
  const char *name;
  gboolean    listed;
} RowWait;

static guint
source_row_named (const char *name)
{
  GListModel *sources = adw_combo_row_get_model (child ("source_row"));

  for (guint i = 0; i < g_list_model_get_n_items (sources); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (sources), i), name))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static gboolean
row_listed (gpointer data)
{
  RowWait *wait = data;

  return (source_row_named (wait->name) != GTK_INVALID_LIST_POSITION) == wait->listed;
}

static gboolean
showing_camera (gpointer data)
{
  OnAirBroadcast *broadcast = on_air_window_get_broadcast (window);

  return broadcast != NULL &&
         g_strcmp0 (on_air_broadcast_get_description (broadcast), data) == 0 &&
         has_preview_frame (NULL);
}

static gboolean
says_disconnected (gpointer data)
{
  const char *description = adw_status_page_get_description (child ("status_page"));

  return g_str_equal (visible_page (), "status") && description != NULL &&
         strstr (description, "disconnected") != NULL;
}

/* A webcam plugged in while the window is open is offered, shows its
 * picture when chosen, and says so when it is pulled out again. */
static void
test_camera_hotplug (void)
{
  AdwComboRow *source_row = child ("source_row");
  g_autofree char *id = NULL;
  RowWait wait = { "Hotplug Camera", TRUE };
  guint n;

  id = test_fakecam_plug ("window-hot", "Hotplug Camera", "uvc", 0xff2060e0);
  g_assert_true (test_wait_until (row_listed, &wait, 5000));
  adw_combo_row_set_selected (source_row, source_row_named ("Hotplug Camera"));
  g_assert_true (test_wait_until (showing_camera, (gpointer) "Hotplug Camera", 15000));

  test_fakecam_unplug ("window-hot");
  g_assert_true (test_wait_until (says_disconnected, NULL, 10000));
  g_test_message ("unplugged: %s", adw_status_page_get_description (child ("status_page")));
  wait.listed = FALSE;
  g_assert_true (test_wait_until (row_listed, &wait, 5000));

  /* Back to the test pattern for the tests after this one. */
  n = g_list_model_get_n_items (adw_combo_row_get_model (source_row));
  adw_combo_row_set_selected (source_row, n - 1);
  g_assert_true (test_wait_until (has_preview_frame, NULL, 15000));
}

/* The title viewers see: typed in the window, it is the broadcast's at
 * once; left empty, the camera's name. */
static void
test_title (void)
{
  GtkEditable *title_row = child ("title_row");
  OnAirBroadcast *broadcast = on_air_window_get_broadcast (window);

  gtk_editable_set_text (title_row, "Baby room");
  g_assert_cmpstr (on_air_broadcast_get_title (broadcast), ==, "Baby room");
  gtk_editable_set_text (title_row, "");
  g_assert_cmpstr (on_air_broadcast_get_title (broadcast), ==, on_air_broadcast_get_description (broadcast));
}

typedef struct
{
  MjpegReader *reader;
  guint32      argb;
} ColorWait;

static gboolean
reader_shows (gpointer data)
{
  ColorWait *wait = data;
  g_autoptr(GBytes) jpeg = mjpeg_reader_dup_last (wait->reader);
  guint8 rgb[3];

  return jpeg != NULL && test_jpeg_color (jpeg, rgb) && test_color_near (rgb, wait->argb);
}

/* Another source chosen while broadcasting: the port, the link and the
 * viewer's connection stay; the viewer gets the new source's pictures. */
static void
test_switch_while_live (void)
{
  AdwComboRow *source_row = child ("source_row");
  g_autofree char *id = test_fakecam_plug ("window-switch", "Switch Camera", "uvc", 0xff2060e0);
  g_autofree char *url = NULL;
  g_autofree char *stream = NULL;
  g_autoptr(MjpegReader) reader = NULL;
  RowWait listed = { "Switch Camera", TRUE };
  ColorWait wait;
  guint port;
  gint64 chosen;

  g_action_group_activate_action (G_ACTION_GROUP (app), "start-broadcast", NULL);
  g_assert_true (on_air_window_get_broadcasting (window));
  port = on_air_server_get_port (on_air_window_get_server (window));
  url = g_strdup (on_air_window_get_viewer_url (window));
  stream = url_with_path (url, "/stream.mjpg");
  reader = mjpeg_reader_new (stream);
  g_assert_true (mjpeg_reader_wait_frames (reader, 5, 15000));

  g_assert_true (test_wait_until (row_listed, &listed, 5000));
  chosen = g_get_monotonic_time ();
  adw_combo_row_set_selected (source_row, source_row_named ("Switch Camera"));
  wait.reader = reader;
  wait.argb = 0xff2060e0;
  g_assert_true (test_wait_until (reader_shows, &wait, 15000));
  g_test_message ("switched while live: the camera's picture %" G_GINT64_FORMAT " ms after choosing it",
                  (g_get_monotonic_time () - chosen) / 1000);
  g_assert_false (mjpeg_reader_failed (reader));
  g_assert_cmpuint (on_air_server_get_port (on_air_window_get_server (window)), ==, port);
  g_assert_cmpstr (on_air_window_get_viewer_url (window), ==, url);

  adw_combo_row_set_selected (source_row, g_list_model_get_n_items (adw_combo_row_get_model (source_row)) - 1);
  g_assert_true (test_wait_until (has_preview_frame, NULL, 15000));
  g_assert_true (mjpeg_reader_wait_frames (reader, 5, 15000));
  g_assert_false (mjpeg_reader_failed (reader));
  g_action_group_activate_action (G_ACTION_GROUP (app), "stop-broadcast", NULL);
  test_fakecam_unplug ("window-switch");
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  OnAirOptions options = {
    .source = (char *) "test",
    .port = 0,
    .bind = (char *) "127.0.0.1",
    .max_viewers = -1,
  };
  int status;

  test_fakecam_setup ();
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();
  gst_init (NULL, NULL);

  /* The window as `onair --source test --port 0 --bind 127.0.0.1` opens it;
   * non-unique so the D-Bus test's own onair owns the name. */
  app = on_air_application_new (&options);
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = ON_AIR_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);
  g_assert_true (test_wait_until (window_mapped, NULL, 10000));

  g_test_add_func ("/window/preview", test_preview);
  g_test_add_func ("/window/broadcast", test_broadcast);
  g_test_add_func ("/window/port-in-use", test_port_in_use);
  g_test_add_func ("/window/rtsp-unreachable", test_rtsp_unreachable);
  g_test_add_func ("/window/camera-hotplug", test_camera_hotplug);
  g_test_add_func ("/window/switch-while-live", test_switch_while_live);
  g_test_add_func ("/window/title", test_title);
  g_test_add_func ("/window/about-and-shortcuts", test_about_and_shortcuts);
  g_test_add_func ("/window/settings-restored", test_settings_restored);
  g_test_add_func ("/window/dbus-actions", test_dbus_actions);
  g_test_add_func ("/window/no-display-serves-headless", test_no_display_serves_headless);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  test_spin (100);
  g_object_unref (app);
  test_fakecam_teardown ();
  return status;
}
