/* stats.c - "TCP Connection Outcomes", a statistics tree over the tcpconn
 * tap: one tick per connection attempt, so the numbers are attempts, not
 * packets.
 *
 * tshark -r capture.pcapng -2 -q -z tcpconn,tree[,filter]
 * Wireshark: Statistics > TCP Connection Outcomes
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <wireshark.h>

#include <epan/stats_tree.h>

#include "stats_tap.h"
#include "version_compat.h"

#define STATS_NAME "TCP Connection Outcomes"

#define NODE_OUTCOMES     "Attempts by outcome"
#define NODE_SERVERS      "Attempts by server"
#define NODE_CONCURRENCY  "Concurrent attempts by server"
#define NODE_CLIENTS      "Attempts by client"
#define NODE_CONNECT_TIME "Connect time in ms (connected attempts)"
#define NODE_SYNS         "SYNs per attempt"
#define NODE_NAMES        "Connects by server name"
#define NODE_LOST         "Time lost to fallbacks in ms, by server name"

static int node_outcomes = -1;
static int node_servers = -1;
static int node_concurrency = -1;
static int node_clients = -1;
static int node_names = -1;
static int node_lost = -1;

/* Range rows: Wireshark sorts the rows of a range node by the number each
 * row's name starts with, in tshark's output and in the GUI whichever column
 * the dialog is sorted by (the statistics preferences "st_sort_rng_nameonly"
 * and "st_sort_rng_fixorder", on by default). Plain rows sort by name or by
 * count, depending on the release and the column, which put "1-3 s" before
 * "10-100 ms" and "4 or more" before "3". A name also gives the row's range,
 * and the last row takes every value from its first number up. Connect times
 * are in milliseconds; over 1 s usually means SYN retransmissions. */
static char *connect_ms_ranges[] = { "0-9", "10-99", "100-999", "1000-2999", "3000 or more" };
static char *syn_ranges[] = { "1", "2", "3", "4 or more" };

static void outcomes_init(stats_tree *st)
{
    node_outcomes = stats_tree_create_node(st, NODE_OUTCOMES, 0, STAT_DT_INT, TRUE);
    for (int g = 0; g < TCPCONN_GROUP_COUNT; g++)
        stats_tree_create_node(st, tcpconn_group_name((tcpconn_group)g), node_outcomes, STAT_DT_INT,
                               TRUE);
    node_servers = stats_tree_create_node(st, NODE_SERVERS, 0, STAT_DT_INT, TRUE);
    /* Count, average, min and max per server: the max is the peak. */
    node_concurrency = stats_tree_create_node(st, NODE_CONCURRENCY, 0, STAT_DT_INT, TRUE);
    node_clients = stats_tree_create_node(st, NODE_CLIENTS, 0, STAT_DT_INT, TRUE);
    stats_tree_create_range_node_string(st, NODE_CONNECT_TIME, 0, G_N_ELEMENTS(connect_ms_ranges),
                                        connect_ms_ranges);
    stats_tree_create_range_node_string(st, NODE_SYNS, 0, G_N_ELEMENTS(syn_ranges), syn_ranges);
    /* What the applications asked for: one tick per connect() to a name
     * from the capture's DNS, however many addresses it tried. */
    node_names = stats_tree_create_node(st, NODE_NAMES, 0, STAT_DT_INT, TRUE);
    node_lost = stats_tree_create_node(st, NODE_LOST, 0, STAT_DT_INT, TRUE);
}

static void tick_connect(stats_tree *st, const tcpconn_tap_info *info)
{
    tick_stat_node(st, NODE_NAMES, 0, TRUE);
    int name = tick_stat_node(st, info->server_name, node_names, TRUE);
    tick_stat_node(st, tcpconn_connect_result_name(info->connect_result), name, FALSE);
    if (info->connect_result == TCPCONN_CONNECT_FELL_BACK) {
        tick_stat_node(st, NODE_LOST, 0, TRUE);
        avg_stat_node_add_value_int(st, info->server_name, node_lost, FALSE,
                                    (int)(info->connect_lost_us / 1000));
    }
}

/* Ticks the outcome's group under `parent`, and the outcome under it. */
static void tick_outcome(stats_tree *st, int parent, tcpconn_reason reason)
{
    int group = tick_stat_node(st, tcpconn_group_name(tcpconn_reason_group(reason)), parent, TRUE);
    tick_stat_node(st, tcpconn_reason_name(reason), group, FALSE);
}

static tap_packet_status outcomes_packet(stats_tree *st, packet_info *pinfo _U_,
                                         epan_dissect_t *edt _U_, const void *data,
                                         tap_flags_t flags _U_)
{
    const tcpconn_tap_info *info = (const tcpconn_tap_info *)data;

    tick_stat_node(st, NODE_OUTCOMES, 0, TRUE);
    tick_outcome(st, node_outcomes, info->reason);

    tick_stat_node(st, NODE_SERVERS, 0, TRUE);
    int server = tick_stat_node(st, info->server, node_servers, TRUE);
    tick_outcome(st, server, info->reason);

    tick_stat_node(st, NODE_CONCURRENCY, 0, TRUE);
    avg_stat_node_add_value_int(st, info->server, node_concurrency, FALSE, info->concurrent);

    tick_stat_node(st, NODE_CLIENTS, 0, TRUE);
    tick_stat_node(st, info->client_address, node_clients, FALSE);

    /* The range node's own row also gets the average, minimum and maximum. */
    if (info->connected) {
        tick_stat_node(st, NODE_CONNECT_TIME, 0, TRUE);
        stats_tree_tick_range(st, NODE_CONNECT_TIME, 0, (int)(info->connect_us / 1000));
    }

    tick_stat_node(st, NODE_SYNS, 0, TRUE);
    stats_tree_tick_range(st, NODE_SYNS, 0, (int)MIN(info->syn_count, (uint32_t)G_MAXINT));

    if (info->connect_decided && info->server_name != NULL)
        tick_connect(st, info);
    return TAP_PACKET_REDRAW;
}

void tcpconn_register_stats(void)
{
#if TCPCONN_WS_AT_LEAST(4, 4)
    /* The first column's name became settable in 4.4. */
    stats_tree_cfg *cfg = stats_tree_register_plugin("tcpconn", "tcpconn", STATS_NAME, 0,
                                                     outcomes_packet, outcomes_init, NULL);
    stats_tree_set_first_column_name(cfg, "Connection attempts");
#else
    stats_tree_register_plugin("tcpconn", "tcpconn", STATS_NAME, 0, outcomes_packet, outcomes_init,
                               NULL);
#endif
}
