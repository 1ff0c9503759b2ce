/* allocator.h - how the plain-C parts get memory.
 *
 * Wireshark passes functions that allocate in wmem_file_scope(), so the
 * state goes away with the capture file; the unit tests pass malloc.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_ALLOCATOR_H
#define TCPCONN_ALLOCATOR_H

#include <stddef.h>

typedef struct {
    /* Like realloc(3); must not return NULL. */
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
} tcpconn_allocator;

#endif /* TCPCONN_ALLOCATOR_H */
