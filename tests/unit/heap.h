/* heap.h - the allocator the unit tests give the core: GLib's heap.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_TEST_HEAP_H
#define TCPCONN_TEST_HEAP_H

#include <glib.h>

#include "allocator.h"

static void *heap_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return g_realloc(ptr, size);
}

static void heap_free(void *ctx, void *ptr)
{
    (void)ctx;
    g_free(ptr);
}

static const tcpconn_allocator heap = { heap_realloc, heap_free, NULL };

#endif /* TCPCONN_TEST_HEAP_H */
