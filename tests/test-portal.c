/* test-portal.c: the camera portal as a sandboxed On Air meets it, against
 * a stand-in that speaks org.freedesktop.portal.Camera on a private
 * session bus (tests/portal-standin.py): access granted, refused, no
 * camera, no portal at all, and the caller giving up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <gst/gst.h>
#include <unistd.h>

#include "on-air-error.h"
#include "on-air-portal.h"
#include "test-util.h"

typedef struct
{
  GTestDBus   *bus;
  GSubprocess *standin;
  char        *runtime_dir;
} Fixture;

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Answer;

static void
fixture_setup (Fixture *f, gconstpointer mode)
{
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  /* No PipeWire daemon here: the stand-in hands out a socketpair. */
  f->runtime_dir = g_dir_make_tmp ("onair-portal-XXXXXX", NULL);
  g_assert_nonnull (f->runtime_dir);

  if (mode != NULL)
    {
      g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_autoptr(GError) error = NULL;
      g_autoptr(GDataInputStream) out = NULL;
      g_autofree char *line = NULL;

      g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", f->runtime_dir, TRUE);
      g_subprocess_launcher_unsetenv (launcher, "PIPEWIRE_RUNTIME_DIR");
      f->standin = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("ONAIR_PORTAL_STANDIN"),
                                                mode, NULL);
      g_assert_no_error (error);
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->standin));
      line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (line, ==, "ready");
    }
}

static void
fixture_teardown (Fixture *f, gconstpointer mode)
{
  if (f->standin != NULL)
    {
      g_subprocess_send_signal (f->standin, SIGTERM);
      g_subprocess_wait (f->standin, NULL, NULL);
      g_clear_object (&f->standin);
    }
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  g_rmdir (f->runtime_dir);
  g_free (f->runtime_dir);
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *answer = user_data;

  answer->ok = on_air_portal_open_cameras_finish (result, &answer->error);
  answer->done = TRUE;
}

static Answer
ask_portal (GCancellable *cancellable)
{
  Answer answer = { FALSE, FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  on_air_portal_open_cameras_async (NULL, cancellable, on_answer, &answer);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  while (!answer.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (answer.done);
  return answer;
}

/* Granted: the fd the portal handed out is the PipeWire provider's, and
 * it is the very connection the portal made. */
static void
test_allow (Fixture *f, gconstpointer mode)
{
  Answer answer = ask_portal (NULL);
  g_autoptr(GstDeviceProviderFactory) factory = NULL;
  g_autoptr(GstDeviceProvider) provider = NULL;
  char buffer[64] = { 0 };
  int provider_fd = -1;
  int fd;

  g_assert_no_error (answer.error);
  g_assert_true (answer.ok);

  fd = on_air_portal_get_fd ();
  g_assert_cmpint (fd, >=, 0);
  factory = gst_device_provider_factory_find ("pipewiredeviceprovider");
  if (factory == NULL)
    {
      g_test_skip ("no GStreamer PipeWire plugin");
      return;
    }
  provider = gst_device_provider_factory_get (factory);
  g_object_get (provider, "fd", &provider_fd, NULL);
  g_assert_cmpint (provider_fd, ==, fd);
  g_assert_cmpint (read (fd, buffer, sizeof buffer - 1), >, 0);
  g_assert_cmpstr (buffer, ==, "onair-portal-standin\n");
}

static void
test_deny (Fixture *f, gconstpointer mode)
{
  Answer answer = ask_portal (NULL);

  g_assert_false (answer.ok);
  g_assert_error (answer.error, ON_AIR_ERROR, ON_AIR_ERROR_CAMERA_DENIED);
  g_assert_nonnull (strstr (answer.error->message, "Settings"));
  g_clear_error (&answer.error);
}

static void
test_no_camera (Fixture *f, gconstpointer mode)
{
  Answer answer = ask_portal (NULL);

  g_assert_false (answer.ok);
  g_assert_error (answer.error, ON_AIR_ERROR, ON_AIR_ERROR_NO_CAMERA);
  g_assert_nonnull (strstr (answer.error->message, "No camera"));
  g_clear_error (&answer.error);
}

static void
test_no_portal (Fixture *f, gconstpointer mode)
{
  Answer answer = ask_portal (NULL);

  g_assert_false (answer.ok);
  g_assert_error (answer.error, ON_AIR_ERROR, ON_AIR_ERROR_PORTAL);
  g_clear_error (&answer.error);
}

static void
test_cancel (Fixture *f, gconstpointer mode)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Answer answer = ask_portal (cancellable);

  g_assert_false (answer.ok);
  g_assert_error (answer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&answer.error);
  /* Nothing was left behind that answers later. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();
  gst_init (NULL, NULL);

  if (g_getenv ("ONAIR_PORTAL_STANDIN") == NULL)
    g_error ("ONAIR_PORTAL_STANDIN: the path of tests/portal-standin.py");

  g_test_add ("/portal/allow", Fixture, "allow", fixture_setup, test_allow, fixture_teardown);
  g_test_add ("/portal/deny", Fixture, "deny", fixture_setup, test_deny, fixture_teardown);
  g_test_add ("/portal/no-camera", Fixture, "no-camera", fixture_setup, test_no_camera,
              fixture_teardown);
  g_test_add ("/portal/no-portal", Fixture, NULL, fixture_setup, test_no_portal, fixture_teardown);
  g_test_add ("/portal/cancel", Fixture, "allow", fixture_setup, test_cancel, fixture_teardown);
  return g_test_run ();
}
