/* on-air-headless.h: serving without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     *source;
  int       port;        /* -1: default */
  char     *bind;
  char     *token;
  gboolean  no_token;
  int       max_viewers; /* -1: default */
  char     *title;       /* NULL: the camera's name */
  gboolean  no_sound;    /* TRUE: video only, no microphone opened */
} OnAirOptions;

/* Runs until SIGINT or SIGTERM; returns the process exit status. */
int on_air_headless_run (const OnAirOptions *options);

G_END_DECLS
