/* on-air-token.h: access tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fresh URL-safe random token carrying 192 bits. */
char     *on_air_token_generate (void);
/* TRUE when @token is usable: 16 to 256 URL-safe characters. */
gboolean  on_air_token_is_valid (const char *token);
/* Constant time in the contents of both strings. */
gboolean  on_air_token_equal    (const char *expected,
                                 const char *given);

G_END_DECLS
