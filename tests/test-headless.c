/* test-headless.c: the onair binary as a user runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "test-util.h"

static GSubprocess *
spawn (GError **error, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (char *) test_onair_bin ());
  g_ptr_array_add (argv, "--headless");
  va_start (ap, error);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
}

static void
wait_exit (GSubprocess *proc, int expected, char **err_text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, err_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, expected);
}

static void
test_serves_and_stops (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = spawn (&error, "--source", "test", "--port", "0", "--bind", "127.0.0.1", NULL);
  g_autofree char *url = NULL;
  g_autofree char *err = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(TestResponse) ok = NULL;
  g_autoptr(TestResponse) denied = NULL;
  g_autoptr(GHashTable) query = NULL;
  const char *token;

  g_assert_no_error (error);
  url = test_read_line (proc);
  g_test_message ("viewer URL: %s", url);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  token = g_hash_table_lookup (query, "token");
  /* A fresh random token of 192 bits. */
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), ==, 32);

  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uri));
  snapshot = g_strdup_printf ("%s/snapshot.jpg?token=%s", base, token);
  ok = test_http ("GET", snapshot, NULL, NULL, 0, NULL);
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (test_bytes_have_jpeg (ok->body));
  g_free (snapshot);
  snapshot = g_strdup_printf ("%s/snapshot.jpg", base);
  denied = test_http ("GET", snapshot, NULL, NULL, 0, NULL);
  g_assert_cmpuint (denied->status, ==, 401);

  g_subprocess_send_signal (proc, SIGTERM);
  wait_exit (proc, 0, &err);
  g_assert_nonnull (strstr (err, "stopping"));
}

static void
test_port_in_use (void)
{
  g_autoptr(GError) error = NULL;
  guint held;
  g_autoptr(GSocketListener) listener = test_hold_port (&held);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *port = g_strdup_printf ("%u", held);
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;


  proc = spawn (&error, "--source", "test", "--port", port, "--bind", "127.0.0.1", NULL);
  g_assert_no_error (error);
  wait_exit (proc, 2, &err);
  lines = g_strsplit (g_strstrip (err), "\n", -1);
  /* One clear line, no crash, no backtrace. */
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_nonnull (strstr (lines[0], "already in use"));
  g_assert_nonnull (strstr (lines[0], port));
}

static void
test_bad_arguments (void)
{
  const char *cases[][2] = {
    { "--source", "ftp://nowhere" },
    { "--token", "short" },
    { "--port", "70000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) proc = spawn (&error, cases[i][0], cases[i][1], "--bind", "127.0.0.1", NULL);
      g_autofree char *err = NULL;

      g_assert_no_error (error);
      wait_exit (proc, 2, &err);
      g_assert_true (g_str_has_prefix (err, "onair: "));
    }
}

static void
test_no_token (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = spawn (&error, "--source", "test", "--port", "0", "--bind", "127.0.0.1",
                                       "--no-token", NULL);
  g_autofree char *url = NULL;
  g_autofree char *snapshot = NULL;
  g_autoptr(TestResponse) r = NULL;

  g_assert_no_error (error);
  url = test_read_line (proc);
  g_assert_null (strstr (url, "token"));
  snapshot = g_strconcat (url, "snapshot.jpg", NULL);
  r = test_http ("GET", snapshot, NULL, NULL, 0, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_subprocess_send_signal (proc, SIGINT);
  wait_exit (proc, 0, NULL);
}

/* The sound's state in /api/status of the server at @url. */
static char *
audio_state (const char *url)
{
  g_autofree char *status = g_strconcat (url, "api/status", NULL);
  g_autoptr(TestResponse) r = test_http ("GET", status, NULL, NULL, 0, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (json_object_get_object_member (root, "audio"), "state"));
}

/* --no-sound: the picture only; without it, the test tone. */
static void
test_no_sound (void)
{
  for (guint quiet = 0; quiet < 2; quiet++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) proc = spawn (&error, "--source", "test", "--port", "0", "--bind", "127.0.0.1",
                                           "--no-token", quiet ? "--no-sound" : NULL, NULL);
      g_autofree char *url = NULL;
      g_autofree char *state = NULL;

      g_assert_no_error (error);
      url = test_read_line (proc);
      /* The test source starts at once; its sound with its picture. */
      for (guint i = 0; i < 100; i++)
        {
          g_free (state);
          state = audio_state (url);
          if (quiet || g_str_equal (state, "live"))
            break;
          test_spin (100);
        }
      g_test_message ("%s: sound %s", quiet ? "--no-sound" : "default", state);
      g_assert_cmpstr (state, ==, quiet ? "off" : "live");
      g_subprocess_send_signal (proc, SIGINT);
      wait_exit (proc, 0, NULL);
    }
}

static void
test_quick_quit (void)
{
  /* Stopped right after it starts serving, while background work (the
   * DTLS key) may still run: always a clean exit, never a crash. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) proc = spawn (&error, "--source", "test", "--port", "0",
                                           "--bind", "127.0.0.1", NULL);
      g_autofree char *url = NULL;

      g_assert_no_error (error);
      url = test_read_line (proc);
      g_subprocess_send_signal (proc, SIGTERM);
      wait_exit (proc, 0, NULL);
    }
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/headless/serves-and-stops", test_serves_and_stops);
  g_test_add_func ("/headless/port-in-use", test_port_in_use);
  g_test_add_func ("/headless/bad-arguments", test_bad_arguments);
  g_test_add_func ("/headless/no-token", test_no_token);
  g_test_add_func ("/headless/no-sound", test_no_sound);
  g_test_add_func ("/headless/quick-quit", test_quick_quit);
  return g_test_run ();
}
