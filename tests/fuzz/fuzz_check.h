/* fuzz_check.h - invariants the fuzz targets check: a failed one aborts,
 * which libFuzzer reports as a finding and saves the input that caused it;
 * and the allocator they give the core.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_FUZZ_CHECK_H
#define TCPCONN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "allocator.h"

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The same, naming the frame of the input it concerns. */
#define FUZZ_CHECK_FRAME(frame, condition)                                                         \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "%s:%d: frame %u: invariant broken: %s\n", __FILE__, __LINE__,         \
                    (unsigned)(frame), #condition);                                                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The allocator the targets give the core: the C heap, a failure being a
 * finding like any other. */
static void *heap_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    void *p = realloc(ptr, size);
    FUZZ_CHECK(p != NULL);
    return p;
}

static void heap_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static const tcpconn_allocator heap = { heap_realloc, heap_free, NULL };

#endif /* TCPCONN_FUZZ_CHECK_H */
