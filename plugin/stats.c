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
#define NODE_CONNECT_TIME "Connect time (connected attempts)"
#define NODE_SYNS         "SYNs per attempt"

static int node_outcomes = -1;
static int node_servers = -1;
static int node_concurrency = -1;
static int node_clients = -1;
static int node_connect_time = -1;
static int node_syns = -1;

/* Connect times by upper bound; over 1 s usually means SYN retransmissions. */
static const struct {
    uint32_t below_us;
    const char *name;
} connect_times[] = {
    { 10000, "under 10 ms" }, { 100000, "10-100 ms" },    { 1000000, "100 ms-1 s" },
    { 3000000, "1-3 s" },     { UINT32_MAX, "over 3 s" },
};

static const char *const syn_buckets[] = { "1", "2", "3", "4 or more" };

static const char *connect_time_bucket(uint32_t us)
{
    size_t i = 0;
    while (i + 1 < G_N_ELEMENTS(connect_times) && us >= connect_times[i].below_us)
        i++;
    return connect_times[i].name;
}

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
    node_connect_time = stats_tree_create_node(st, NODE_CONNECT_TIME, 0, STAT_DT_INT, TRUE);
    for (size_t i = 0; i < G_N_ELEMENTS(connect_times); i++)
        stats_tree_create_node(st, connect_times[i].name, node_connect_time, STAT_DT_INT, FALSE);
    node_syns = stats_tree_create_node(st, NODE_SYNS, 0, STAT_DT_INT, TRUE);
    for (size_t i = 0; i < G_N_ELEMENTS(syn_buckets); i++)
        stats_tree_create_node(st, syn_buckets[i], node_syns, STAT_DT_INT, FALSE);
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

    if (info->connected) {
        tick_stat_node(st, NODE_CONNECT_TIME, 0, TRUE);
        tick_stat_node(st, connect_time_bucket(info->connect_us), node_connect_time, FALSE);
    }

    tick_stat_node(st, NODE_SYNS, 0, TRUE);
    uint32_t syns =
        info->syn_count < G_N_ELEMENTS(syn_buckets) ? info->syn_count : G_N_ELEMENTS(syn_buckets);
    if (syns > 0)
        tick_stat_node(st, syn_buckets[syns - 1], node_syns, FALSE);
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
