/* on-air-warm-up.h: what the first WebRTC viewer would wait for, made early
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Starts, once per process, a thread that makes the DTLS certificate and
 * loads the WebRTC plugins. */
void on_air_warm_up_start (void);
/* Waits for that thread, if it still runs: call before the process may exit. */
void on_air_warm_up_join  (void);

G_END_DECLS
