/* on-air-lan.h: the addresses phones can reach this machine at
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* IPv4 addresses of the interfaces that are up, loopback excluded,
 * private (RFC 1918) ranges first. Never empty: falls back to 127.0.0.1. */
GStrv on_air_lan_addresses (void);
/* http://ADDRESS:PORT/ with ?token= when @token is not NULL. */
char *on_air_lan_viewer_url (const char *address,
                             guint       port,
                             const char *token);

G_END_DECLS
