/* fuzz_check.h - invariants the fuzz targets check: a failed one aborts,
 * which libFuzzer reports as a finding and saves the input that caused it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_FUZZ_CHECK_H
#define TCPCONN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

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

#endif /* TCPCONN_FUZZ_CHECK_H */
