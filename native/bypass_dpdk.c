/*
 * bypass_dpdk.c: exported wrappers over DPDK 22.11 for bypass's Java driver. See bypass_dpdk.h.
 *
 * Each function calls one DPDK function, or copies fields between DPDK's structures and the flat ones
 * of bypass_dpdk.h. Nothing is decided here: no retries, no defaults beyond DPDK's own, no state.
 */
#include "bypass_dpdk.h"

#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

/* The header's constants must be DPDK's: a mismatch stops the build, not the packets. */
_Static_assert(BP_MBUF_F_RX_RSS_HASH == RTE_MBUF_F_RX_RSS_HASH, "RTE_MBUF_F_RX_RSS_HASH");
_Static_assert(BP_MBUF_F_RX_L4_CKSUM_BAD == RTE_MBUF_F_RX_L4_CKSUM_BAD, "RTE_MBUF_F_RX_L4_CKSUM_BAD");
_Static_assert(BP_MBUF_F_RX_IP_CKSUM_BAD == RTE_MBUF_F_RX_IP_CKSUM_BAD, "RTE_MBUF_F_RX_IP_CKSUM_BAD");
_Static_assert(BP_MBUF_F_RX_IP_CKSUM_GOOD == RTE_MBUF_F_RX_IP_CKSUM_GOOD, "RTE_MBUF_F_RX_IP_CKSUM_GOOD");
_Static_assert(BP_MBUF_F_RX_L4_CKSUM_GOOD == RTE_MBUF_F_RX_L4_CKSUM_GOOD, "RTE_MBUF_F_RX_L4_CKSUM_GOOD");
_Static_assert(BP_MBUF_F_TX_TCP_SEG == RTE_MBUF_F_TX_TCP_SEG, "RTE_MBUF_F_TX_TCP_SEG");
_Static_assert(BP_MBUF_F_TX_TCP_CKSUM == RTE_MBUF_F_TX_TCP_CKSUM, "RTE_MBUF_F_TX_TCP_CKSUM");
_Static_assert(BP_MBUF_F_TX_UDP_CKSUM == RTE_MBUF_F_TX_UDP_CKSUM, "RTE_MBUF_F_TX_UDP_CKSUM");
_Static_assert(BP_MBUF_F_TX_IP_CKSUM == RTE_MBUF_F_TX_IP_CKSUM, "RTE_MBUF_F_TX_IP_CKSUM");
_Static_assert(BP_MBUF_F_TX_IPV4 == RTE_MBUF_F_TX_IPV4, "RTE_MBUF_F_TX_IPV4");
_Static_assert(BP_ETH_RX_OFFLOAD_IPV4_CKSUM == RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, "RTE_ETH_RX_OFFLOAD_IPV4_CKSUM");
_Static_assert(BP_ETH_RX_OFFLOAD_UDP_CKSUM == RTE_ETH_RX_OFFLOAD_UDP_CKSUM, "RTE_ETH_RX_OFFLOAD_UDP_CKSUM");
_Static_assert(BP_ETH_RX_OFFLOAD_TCP_CKSUM == RTE_ETH_RX_OFFLOAD_TCP_CKSUM, "RTE_ETH_RX_OFFLOAD_TCP_CKSUM");
_Static_assert(BP_ETH_RX_OFFLOAD_SCATTER == RTE_ETH_RX_OFFLOAD_SCATTER, "RTE_ETH_RX_OFFLOAD_SCATTER");
_Static_assert(BP_ETH_RX_OFFLOAD_RSS_HASH == RTE_ETH_RX_OFFLOAD_RSS_HASH, "RTE_ETH_RX_OFFLOAD_RSS_HASH");
_Static_assert(BP_ETH_TX_OFFLOAD_IPV4_CKSUM == RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, "RTE_ETH_TX_OFFLOAD_IPV4_CKSUM");
_Static_assert(BP_ETH_TX_OFFLOAD_UDP_CKSUM == RTE_ETH_TX_OFFLOAD_UDP_CKSUM, "RTE_ETH_TX_OFFLOAD_UDP_CKSUM");
_Static_assert(BP_ETH_TX_OFFLOAD_TCP_CKSUM == RTE_ETH_TX_OFFLOAD_TCP_CKSUM, "RTE_ETH_TX_OFFLOAD_TCP_CKSUM");
_Static_assert(BP_ETH_TX_OFFLOAD_TCP_TSO == RTE_ETH_TX_OFFLOAD_TCP_TSO, "RTE_ETH_TX_OFFLOAD_TCP_TSO");
_Static_assert(BP_ETH_TX_OFFLOAD_MULTI_SEGS == RTE_ETH_TX_OFFLOAD_MULTI_SEGS, "RTE_ETH_TX_OFFLOAD_MULTI_SEGS");
_Static_assert(BP_ETH_RSS_IPV4 == RTE_ETH_RSS_IPV4, "RTE_ETH_RSS_IPV4");
_Static_assert(BP_ETH_RSS_NONFRAG_IPV4_TCP == RTE_ETH_RSS_NONFRAG_IPV4_TCP, "RTE_ETH_RSS_NONFRAG_IPV4_TCP");
_Static_assert(BP_ETH_RSS_NONFRAG_IPV4_UDP == RTE_ETH_RSS_NONFRAG_IPV4_UDP, "RTE_ETH_RSS_NONFRAG_IPV4_UDP");
_Static_assert(BP_ETH_MQ_RX_NONE == RTE_ETH_MQ_RX_NONE, "RTE_ETH_MQ_RX_NONE");
_Static_assert(BP_ETH_MQ_RX_RSS == RTE_ETH_MQ_RX_RSS, "RTE_ETH_MQ_RX_RSS");
_Static_assert(BP_SOCKET_ID_ANY == SOCKET_ID_ANY, "SOCKET_ID_ANY");
_Static_assert(BP_XSTATS_NAME_SIZE == RTE_ETH_XSTATS_NAME_SIZE, "RTE_ETH_XSTATS_NAME_SIZE");
_Static_assert(sizeof(struct bp_xstat) == sizeof(struct rte_eth_xstat), "struct rte_eth_xstat");
_Static_assert(offsetof(struct rte_eth_xstat, value) == offsetof(struct bp_xstat, value), "rte_eth_xstat.value");
_Static_assert(sizeof(struct rte_eth_xstat_name) == BP_XSTATS_NAME_SIZE, "struct rte_eth_xstat_name");

/* The sizes the Java layouts are written for (no implicit padding anywhere). */
_Static_assert(sizeof(struct bp_dev_info) == 128, "struct bp_dev_info");
_Static_assert(sizeof(struct bp_port_conf) == 40, "struct bp_port_conf");
_Static_assert(sizeof(struct bp_link) == 16, "struct bp_link");
_Static_assert(sizeof(struct bp_stats) == 64, "struct bp_stats");
_Static_assert(sizeof(struct bp_mbuf_layout) == 80, "struct bp_mbuf_layout");
_Static_assert(sizeof(struct bp_flow_rule) == 64, "struct bp_flow_rule");
_Static_assert(sizeof(struct bp_flow_error) == 132, "struct bp_flow_error");

/* ------------------------------------------------------------------------------ library, EAL */

int bp_shim_version(void) { return BP_SHIM_VERSION; }

uint32_t bp_sizeof_dev_info(void) { return sizeof(struct bp_dev_info); }
uint32_t bp_sizeof_port_conf(void) { return sizeof(struct bp_port_conf); }
uint32_t bp_sizeof_link(void) { return sizeof(struct bp_link); }
uint32_t bp_sizeof_stats(void) { return sizeof(struct bp_stats); }
uint32_t bp_sizeof_mbuf_layout(void) { return sizeof(struct bp_mbuf_layout); }
uint32_t bp_sizeof_flow_rule(void) { return sizeof(struct bp_flow_rule); }
uint32_t bp_sizeof_flow_error(void) { return sizeof(struct bp_flow_error); }

int bp_eal_init(int argc, char **argv) { return rte_eal_init(argc, argv); }
int bp_eal_cleanup(void) { return rte_eal_cleanup(); }
int bp_errno(void) { return rte_errno; }
const char *bp_strerror(int errnum) { return rte_strerror(errnum); }
int bp_openlog_stream(FILE *f) { return rte_openlog_stream(f); }
void bp_log_set_global_level(uint32_t level) { rte_log_set_global_level(level); }
int bp_thread_register(void) { return rte_thread_register(); }
void bp_thread_unregister(void) { rte_thread_unregister(); }
uint32_t bp_lcore_id(void) { return rte_lcore_id(); }
int bp_dev_probe(const char *devargs) { return rte_dev_probe(devargs); }
int bp_dev_remove(const char *bus, const char *device_name) { return rte_eal_hotplug_remove(bus, device_name); }

/* ------------------------------------------------------------------------------- ring pairs */

#define BP_RING_PAIR_MAX_QUEUES 16

static void bp_ring_name(char *name, size_t size, const char *tag, char side, unsigned int queue)
{
    snprintf(name, size, "%s%c%u", tag, side, queue);
}

void bp_ring_pair_free(const char *tag, uint16_t queues)
{
    char name[RTE_RING_NAMESIZE];
    for (unsigned int q = 0; q < queues && q < BP_RING_PAIR_MAX_QUEUES; q++) {
        bp_ring_name(name, sizeof(name), tag, 'a', q);
        rte_ring_free(rte_ring_lookup(name));
        bp_ring_name(name, sizeof(name), tag, 'b', q);
        rte_ring_free(rte_ring_lookup(name));
    }
}

int bp_ring_pair(const char *tag, const char *a_name, const char *b_name, uint16_t queues, uint32_t ring_size,
                 int socket_id)
{
    struct rte_ring *a_to_b[BP_RING_PAIR_MAX_QUEUES];
    struct rte_ring *b_to_a[BP_RING_PAIR_MAX_QUEUES];
    char name[RTE_RING_NAMESIZE];
    if (queues == 0 || queues > BP_RING_PAIR_MAX_QUEUES || strlen(tag) > 20)
        return -EINVAL;
    for (unsigned int q = 0; q < queues; q++) {
        bp_ring_name(name, sizeof(name), tag, 'a', q);
        a_to_b[q] = rte_ring_create(name, ring_size, socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
        bp_ring_name(name, sizeof(name), tag, 'b', q);
        b_to_a[q] = rte_ring_create(name, ring_size, socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (a_to_b[q] == NULL || b_to_a[q] == NULL) {
            int rc = -rte_errno;
            bp_ring_pair_free(tag, q + 1);
            return rc;
        }
    }
    if (rte_eth_from_rings(a_name, b_to_a, queues, a_to_b, queues, (unsigned int) socket_id) < 0
        || rte_eth_from_rings(b_name, a_to_b, queues, b_to_a, queues, (unsigned int) socket_id) < 0) {
        int rc = -rte_errno;
        char port_name[RTE_ETH_NAME_MAX_LEN];
        uint16_t port;
        snprintf(port_name, sizeof(port_name), "net_ring_%s", a_name);
        if (rte_eth_dev_get_port_by_name(port_name, &port) == 0)
            rte_eth_dev_close(port);
        bp_ring_pair_free(tag, queues);
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ ports */

uint16_t bp_eth_dev_count_avail(void) { return rte_eth_dev_count_avail(); }
int bp_eth_dev_is_valid_port(uint16_t port) { return rte_eth_dev_is_valid_port(port); }
int bp_eth_dev_get_port_by_name(const char *name, uint16_t *port) { return rte_eth_dev_get_port_by_name(name, port); }
int bp_eth_dev_socket_id(uint16_t port) { return rte_eth_dev_socket_id(port); }

int bp_eth_dev_info(uint16_t port, struct bp_dev_info *info)
{
    struct rte_eth_dev_info di;
    int rc = rte_eth_dev_info_get(port, &di);
    memset(info, 0, sizeof(*info));
    if (rc != 0)
        return rc;
    info->rx_offload_capa = di.rx_offload_capa;
    info->tx_offload_capa = di.tx_offload_capa;
    info->flow_type_rss_offloads = di.flow_type_rss_offloads;
    info->if_index = di.if_index;
    info->max_rx_pktlen = di.max_rx_pktlen;
    info->speed_capa = di.speed_capa;
    info->socket_id = rte_eth_dev_socket_id(port);
    info->min_mtu = di.min_mtu;
    info->max_mtu = di.max_mtu;
    info->max_rx_queues = di.max_rx_queues;
    info->max_tx_queues = di.max_tx_queues;
    info->rx_desc_max = di.rx_desc_lim.nb_max;
    info->rx_desc_min = di.rx_desc_lim.nb_min;
    info->tx_desc_max = di.tx_desc_lim.nb_max;
    info->tx_desc_min = di.tx_desc_lim.nb_min;
    info->reta_size = di.reta_size;
    info->hash_key_size = di.hash_key_size;
    if (di.driver_name != NULL) {
        strncpy(info->driver_name, di.driver_name, sizeof(info->driver_name) - 1);
    }
    return 0;
}

int bp_eth_dev_configure(uint16_t port, uint16_t rx_queues, uint16_t tx_queues, const struct bp_port_conf *conf)
{
    struct rte_eth_conf ec;
    memset(&ec, 0, sizeof(ec));
    ec.rxmode.mq_mode = (enum rte_eth_rx_mq_mode) conf->rx_mq_mode;
    ec.rxmode.mtu = conf->mtu;
    ec.rxmode.offloads = conf->rx_offloads;
    ec.txmode.offloads = conf->tx_offloads;
    /* rss_key is only read by the call: casting away const for DPDK's non-const field is safe. */
    ec.rx_adv_conf.rss_conf.rss_key = (uint8_t *) conf->rss_key;
    ec.rx_adv_conf.rss_conf.rss_key_len = conf->rss_key_len;
    ec.rx_adv_conf.rss_conf.rss_hf = conf->rss_hf;
    return rte_eth_dev_configure(port, rx_queues, tx_queues, &ec);
}

int bp_eth_dev_adjust_nb_rx_tx_desc(uint16_t port, uint16_t *rx_desc, uint16_t *tx_desc)
{
    return rte_eth_dev_adjust_nb_rx_tx_desc(port, rx_desc, tx_desc);
}

int bp_eth_rx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, int socket_id, uint64_t offloads,
                          struct rte_mempool *pool)
{
    struct rte_eth_dev_info di;
    int rc = rte_eth_dev_info_get(port, &di);
    if (rc != 0)
        return rc;
    struct rte_eth_rxconf rxconf = di.default_rxconf;
    rxconf.offloads = offloads;
    return rte_eth_rx_queue_setup(port, queue, descriptors, (unsigned int) socket_id, &rxconf, pool);
}

int bp_eth_tx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, int socket_id, uint64_t offloads)
{
    struct rte_eth_dev_info di;
    int rc = rte_eth_dev_info_get(port, &di);
    if (rc != 0)
        return rc;
    struct rte_eth_txconf txconf = di.default_txconf;
    txconf.offloads = offloads;
    return rte_eth_tx_queue_setup(port, queue, descriptors, (unsigned int) socket_id, &txconf);
}

int bp_eth_dev_start(uint16_t port) { return rte_eth_dev_start(port); }
int bp_eth_dev_stop(uint16_t port) { return rte_eth_dev_stop(port); }
int bp_eth_dev_close(uint16_t port) { return rte_eth_dev_close(port); }
int bp_eth_dev_set_mtu(uint16_t port, uint16_t mtu) { return rte_eth_dev_set_mtu(port, mtu); }
int bp_eth_dev_get_mtu(uint16_t port, uint16_t *mtu) { return rte_eth_dev_get_mtu(port, mtu); }

int bp_eth_link_get_nowait(uint16_t port, struct bp_link *link)
{
    struct rte_eth_link l;
    memset(link, 0, sizeof(*link));
    int rc = rte_eth_link_get_nowait(port, &l);
    if (rc != 0)
        return rc;
    link->speed_mbps = l.link_speed;
    link->full_duplex = l.link_duplex;
    link->autoneg = l.link_autoneg;
    link->up = l.link_status;
    return 0;
}

int bp_eth_promiscuous_enable(uint16_t port) { return rte_eth_promiscuous_enable(port); }
int bp_eth_promiscuous_disable(uint16_t port) { return rte_eth_promiscuous_disable(port); }
int bp_eth_allmulticast_enable(uint16_t port) { return rte_eth_allmulticast_enable(port); }

int bp_eth_macaddr_get(uint16_t port, uint8_t mac[6])
{
    struct rte_ether_addr addr;
    int rc = rte_eth_macaddr_get(port, &addr);
    if (rc == 0)
        memcpy(mac, addr.addr_bytes, RTE_ETHER_ADDR_LEN);
    return rc;
}

/* ---------------------------------------------------------------------------------- counters */

int bp_eth_stats_get(uint16_t port, struct bp_stats *stats)
{
    struct rte_eth_stats s;
    memset(stats, 0, sizeof(*stats));
    int rc = rte_eth_stats_get(port, &s);
    if (rc != 0)
        return rc;
    stats->ipackets = s.ipackets;
    stats->opackets = s.opackets;
    stats->ibytes = s.ibytes;
    stats->obytes = s.obytes;
    stats->imissed = s.imissed;
    stats->ierrors = s.ierrors;
    stats->oerrors = s.oerrors;
    stats->rx_nombuf = s.rx_nombuf;
    return 0;
}

int bp_eth_stats_reset(uint16_t port) { return rte_eth_stats_reset(port); }

int bp_eth_xstats_get_names(uint16_t port, char *names, uint32_t n)
{
    return rte_eth_xstats_get_names(port, (struct rte_eth_xstat_name *) names, n);
}

int bp_eth_xstats_get(uint16_t port, struct bp_xstat *xstats, uint32_t n)
{
    return rte_eth_xstats_get(port, (struct rte_eth_xstat *) xstats, n);
}

/* --------------------------------------------------------------------------------------- RSS */

int bp_eth_rss_hash_update(uint16_t port, const uint8_t *key, uint8_t key_len, uint64_t rss_hf)
{
    struct rte_eth_rss_conf conf = {
        .rss_key = (uint8_t *) key, /* only read */
        .rss_key_len = key_len,
        .rss_hf = rss_hf,
    };
    return rte_eth_dev_rss_hash_update(port, &conf);
}

int bp_eth_rss_hash_conf_get(uint16_t port, uint8_t *key, uint8_t key_len, uint64_t *rss_hf)
{
    struct rte_eth_rss_conf conf = { .rss_key = key, .rss_key_len = key_len };
    int rc = rte_eth_dev_rss_hash_conf_get(port, &conf);
    if (rc == 0)
        *rss_hf = conf.rss_hf;
    return rc;
}

/* DPDK takes the table in groups of 64 entries, each with a mask of the entries to touch: all of them. */
#define BP_RETA_GROUPS(size) (((size) + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE)

int bp_eth_rss_reta_update(uint16_t port, const uint16_t *queues, uint16_t reta_size)
{
    struct rte_eth_rss_reta_entry64 groups[BP_RETA_GROUPS(RTE_ETH_RSS_RETA_SIZE_512)];
    if (reta_size == 0 || reta_size > RTE_ETH_RSS_RETA_SIZE_512)
        return -EINVAL;
    memset(groups, 0, sizeof(groups));
    for (uint16_t i = 0; i < reta_size; i++) {
        groups[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
        groups[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = queues[i];
    }
    return rte_eth_dev_rss_reta_update(port, groups, reta_size);
}

int bp_eth_rss_reta_query(uint16_t port, uint16_t *queues, uint16_t reta_size)
{
    struct rte_eth_rss_reta_entry64 groups[BP_RETA_GROUPS(RTE_ETH_RSS_RETA_SIZE_512)];
    if (reta_size == 0 || reta_size > RTE_ETH_RSS_RETA_SIZE_512)
        return -EINVAL;
    memset(groups, 0, sizeof(groups));
    for (uint16_t i = 0; i < reta_size; i++)
        groups[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
    int rc = rte_eth_dev_rss_reta_query(port, groups, reta_size);
    if (rc == 0) {
        for (uint16_t i = 0; i < reta_size; i++)
            queues[i] = groups[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
    }
    return rc;
}

/* -------------------------------------------------------------------------------------- flow */

/*
 * The rte_flow description of one bp_flow_rule: pattern ETH / IPV4 / [TCP|UDP] / END (or ETH of one
 * type / END), one action, END.
 */
struct bp_flow_parts {
    struct rte_flow_attr attr;
    struct rte_flow_item pattern[4];
    struct rte_flow_action actions[2];
    struct rte_flow_item_eth eth_spec, eth_mask;
    struct rte_flow_item_ipv4 ip_spec, ip_mask;
    struct rte_flow_item_tcp tcp_spec, tcp_mask;
    struct rte_flow_item_udp udp_spec, udp_mask;
    struct rte_flow_action_queue queue;
    struct rte_flow_action_rss rss;
    uint16_t rss_queue[BP_FLOW_MAX_RSS_QUEUES];
};

/* 0, or -EINVAL for a rule the structure cannot describe. */
static int bp_flow_build(const struct bp_flow_rule *rule, struct bp_flow_parts *p)
{
    memset(p, 0, sizeof(*p));
    p->attr.ingress = 1;
    p->attr.priority = rule->priority;
    p->attr.group = rule->group;

    int n;
    if (rule->ether_type != 0 && rule->ether_type != RTE_ETHER_TYPE_IPV4) {
        /* An Ethernet type alone (ARP): TC flower and most NICs want the type matched exactly. */
        p->eth_spec.type = rte_cpu_to_be_16(rule->ether_type);
        p->eth_mask.type = 0xFFFF;
        p->pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
        p->pattern[0].spec = &p->eth_spec;
        p->pattern[0].mask = &p->eth_mask;
        n = 1;
    } else {
        p->pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH; /* any Ethernet frame */
        p->ip_spec.hdr.src_addr = rte_cpu_to_be_32(rule->ipv4_src);
        p->ip_spec.hdr.dst_addr = rte_cpu_to_be_32(rule->ipv4_dst);
        p->ip_mask.hdr.src_addr = rte_cpu_to_be_32(rule->ipv4_src_mask);
        p->ip_mask.hdr.dst_addr = rte_cpu_to_be_32(rule->ipv4_dst_mask);
        p->ip_spec.hdr.next_proto_id = rule->ip_proto;
        p->ip_mask.hdr.next_proto_id = rule->ip_proto != 0 ? 0xFF : 0;
        p->pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
        p->pattern[1].spec = &p->ip_spec;
        p->pattern[1].mask = &p->ip_mask;
        n = 2;
        if (rule->ip_proto == IPPROTO_TCP) {
            p->tcp_spec.hdr.src_port = rte_cpu_to_be_16(rule->src_port);
            p->tcp_spec.hdr.dst_port = rte_cpu_to_be_16(rule->dst_port);
            p->tcp_mask.hdr.src_port = rte_cpu_to_be_16(rule->src_port_mask);
            p->tcp_mask.hdr.dst_port = rte_cpu_to_be_16(rule->dst_port_mask);
            p->pattern[n].type = RTE_FLOW_ITEM_TYPE_TCP;
            p->pattern[n].spec = &p->tcp_spec;
            p->pattern[n].mask = &p->tcp_mask;
            n++;
        } else if (rule->ip_proto == IPPROTO_UDP) {
            p->udp_spec.hdr.src_port = rte_cpu_to_be_16(rule->src_port);
            p->udp_spec.hdr.dst_port = rte_cpu_to_be_16(rule->dst_port);
            p->udp_mask.hdr.src_port = rte_cpu_to_be_16(rule->src_port_mask);
            p->udp_mask.hdr.dst_port = rte_cpu_to_be_16(rule->dst_port_mask);
            p->pattern[n].type = RTE_FLOW_ITEM_TYPE_UDP;
            p->pattern[n].spec = &p->udp_spec;
            p->pattern[n].mask = &p->udp_mask;
            n++;
        }
    }
    p->pattern[n].type = RTE_FLOW_ITEM_TYPE_END;

    if (rule->action == BP_FLOW_ACTION_DROP) {
        p->actions[0].type = RTE_FLOW_ACTION_TYPE_DROP;
    } else if (rule->action == BP_FLOW_ACTION_RSS) {
        if (rule->rss_queues == 0 || rule->rss_queues > BP_FLOW_MAX_RSS_QUEUES
            || (rule->rss_key_len != 0 && rule->rss_key == NULL))
            return -EINVAL;
        for (uint16_t i = 0; i < rule->rss_queues; i++)
            p->rss_queue[i] = (uint16_t)(rule->queue + i);
        p->rss.func = RTE_ETH_HASH_FUNCTION_DEFAULT;
        p->rss.level = 0;
        p->rss.types = rule->rss_types;
        p->rss.key_len = rule->rss_key_len;
        p->rss.key = rule->rss_key_len != 0 ? rule->rss_key : NULL;
        p->rss.queue_num = rule->rss_queues;
        p->rss.queue = p->rss_queue;
        p->actions[0].type = RTE_FLOW_ACTION_TYPE_RSS;
        p->actions[0].conf = &p->rss;
    } else if (rule->action == BP_FLOW_ACTION_QUEUE) {
        p->queue.index = rule->queue;
        p->actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
        p->actions[0].conf = &p->queue;
    } else {
        return -EINVAL;
    }
    p->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
    return 0;
}

/* Copies DPDK's error (whose message points into the PMD) into the caller's flat structure. */
static void bp_flow_error_copy(const struct rte_flow_error *from, struct bp_flow_error *to)
{
    if (to == NULL)
        return;
    memset(to, 0, sizeof(*to));
    to->type = from->type;
    if (from->message != NULL)
        strncpy(to->message, from->message, sizeof(to->message) - 1);
}

static void bp_flow_error_invalid(struct bp_flow_error *error)
{
    if (error == NULL)
        return;
    memset(error, 0, sizeof(*error));
    strncpy(error->message, "bp_flow_rule: unknown action, or RSS over 0 or too many queues, or a key length without a key",
            sizeof(error->message) - 1);
}

int bp_flow_validate(uint16_t port, const struct bp_flow_rule *rule, struct bp_flow_error *error)
{
    struct bp_flow_parts p;
    struct rte_flow_error e;
    memset(&e, 0, sizeof(e));
    if (bp_flow_build(rule, &p) < 0) {
        bp_flow_error_invalid(error);
        return -EINVAL;
    }
    int rc = rte_flow_validate(port, &p.attr, p.pattern, p.actions, &e);
    bp_flow_error_copy(&e, error);
    return rc;
}

struct rte_flow *bp_flow_create(uint16_t port, const struct bp_flow_rule *rule, struct bp_flow_error *error)
{
    struct bp_flow_parts p;
    struct rte_flow_error e;
    memset(&e, 0, sizeof(e));
    if (bp_flow_build(rule, &p) < 0) {
        bp_flow_error_invalid(error);
        rte_errno = EINVAL;
        return NULL;
    }
    struct rte_flow *flow = rte_flow_create(port, &p.attr, p.pattern, p.actions, &e);
    bp_flow_error_copy(&e, error);
    return flow;
}

int bp_flow_destroy(uint16_t port, struct rte_flow *flow, struct bp_flow_error *error)
{
    struct rte_flow_error e;
    memset(&e, 0, sizeof(e));
    int rc = rte_flow_destroy(port, flow, &e);
    bp_flow_error_copy(&e, error);
    return rc;
}

int bp_flow_flush(uint16_t port, struct bp_flow_error *error)
{
    struct rte_flow_error e;
    memset(&e, 0, sizeof(e));
    int rc = rte_flow_flush(port, &e);
    bp_flow_error_copy(&e, error);
    return rc;
}

int bp_flow_isolate(uint16_t port, int set, struct bp_flow_error *error)
{
    struct rte_flow_error e;
    memset(&e, 0, sizeof(e));
    int rc = rte_flow_isolate(port, set, &e);
    bp_flow_error_copy(&e, error);
    return rc;
}

/* ---------------------------------------------------------------------------------- mempools */

struct rte_mempool *bp_pktmbuf_pool_create(const char *name, uint32_t mbufs, uint32_t cache_size,
                                           uint16_t priv_size, uint16_t data_room_size, int socket_id)
{
    return rte_pktmbuf_pool_create(name, mbufs, cache_size, priv_size, data_room_size, socket_id);
}

void bp_mempool_free(struct rte_mempool *pool) { rte_mempool_free(pool); }
uint32_t bp_mempool_avail_count(const struct rte_mempool *pool) { return rte_mempool_avail_count(pool); }
uint32_t bp_mempool_in_use_count(const struct rte_mempool *pool) { return rte_mempool_in_use_count(pool); }
uint16_t bp_pktmbuf_data_room_size(struct rte_mempool *pool) { return rte_pktmbuf_data_room_size(pool); }

/* --------------------------------------------------------------------------------- fast path */

uint16_t bp_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)
{
    return rte_eth_rx_burst(port, queue, mbufs, n);
}

uint16_t bp_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)
{
    return rte_eth_tx_burst(port, queue, mbufs, n);
}

uint16_t bp_eth_tx_prepare(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)
{
    return rte_eth_tx_prepare(port, queue, mbufs, n);
}

struct rte_mbuf *bp_pktmbuf_alloc(struct rte_mempool *pool) { return rte_pktmbuf_alloc(pool); }

int bp_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, uint32_t n)
{
    return rte_pktmbuf_alloc_bulk(pool, mbufs, n);
}

void bp_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void bp_pktmbuf_free_bulk(struct rte_mbuf **mbufs, uint32_t n) { rte_pktmbuf_free_bulk(mbufs, n); }
void bp_pktmbuf_reset(struct rte_mbuf *m) { rte_pktmbuf_reset(m); }
int bp_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail) { return rte_pktmbuf_chain(head, tail); }

void bp_mbuf_layout(struct bp_mbuf_layout *layout)
{
    memset(layout, 0, sizeof(*layout));
    layout->mbuf_size = sizeof(struct rte_mbuf);
    layout->headroom = RTE_PKTMBUF_HEADROOM;
    layout->buf_addr = offsetof(struct rte_mbuf, buf_addr);
    layout->data_off = offsetof(struct rte_mbuf, data_off);
    layout->refcnt = offsetof(struct rte_mbuf, refcnt);
    layout->nb_segs = offsetof(struct rte_mbuf, nb_segs);
    layout->port = offsetof(struct rte_mbuf, port);
    layout->ol_flags = offsetof(struct rte_mbuf, ol_flags);
    layout->packet_type = offsetof(struct rte_mbuf, packet_type);
    layout->pkt_len = offsetof(struct rte_mbuf, pkt_len);
    layout->data_len = offsetof(struct rte_mbuf, data_len);
    layout->vlan_tci = offsetof(struct rte_mbuf, vlan_tci);
    layout->hash_rss = offsetof(struct rte_mbuf, hash.rss);
    layout->buf_len = offsetof(struct rte_mbuf, buf_len);
    layout->pool = offsetof(struct rte_mbuf, pool);
    layout->next = offsetof(struct rte_mbuf, next);
    layout->tx_offload = offsetof(struct rte_mbuf, tx_offload);
    layout->l2_len_shift = RTE_MBUF_L2_LEN_OFS;
    layout->l3_len_shift = RTE_MBUF_L3_LEN_OFS;
    layout->l4_len_shift = RTE_MBUF_L4_LEN_OFS;
    layout->tso_segsz_shift = RTE_MBUF_TSO_SEGSZ_OFS;
}

void *bp_pktmbuf_mtod(const struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, void *); }
void *bp_mbuf_buf_addr(const struct rte_mbuf *m) { return m->buf_addr; }
uint16_t bp_mbuf_buf_len(const struct rte_mbuf *m) { return m->buf_len; }
uint16_t bp_mbuf_data_off(const struct rte_mbuf *m) { return m->data_off; }
void bp_mbuf_set_data_off(struct rte_mbuf *m, uint16_t data_off) { m->data_off = data_off; }
uint16_t bp_pktmbuf_data_len(const struct rte_mbuf *m) { return rte_pktmbuf_data_len(m); }
void bp_pktmbuf_set_data_len(struct rte_mbuf *m, uint16_t len) { m->data_len = len; }
uint32_t bp_pktmbuf_pkt_len(const struct rte_mbuf *m) { return rte_pktmbuf_pkt_len(m); }
void bp_pktmbuf_set_pkt_len(struct rte_mbuf *m, uint32_t len) { m->pkt_len = len; }
uint16_t bp_pktmbuf_headroom(const struct rte_mbuf *m) { return rte_pktmbuf_headroom(m); }
uint16_t bp_pktmbuf_tailroom(const struct rte_mbuf *m) { return rte_pktmbuf_tailroom(m); }
uint16_t bp_mbuf_refcnt_read(const struct rte_mbuf *m) { return rte_mbuf_refcnt_read(m); }
uint16_t bp_mbuf_refcnt_update(struct rte_mbuf *m, int16_t delta) { return rte_mbuf_refcnt_update(m, delta); }
struct rte_mbuf *bp_mbuf_next(const struct rte_mbuf *m) { return m->next; }
uint16_t bp_mbuf_nb_segs(const struct rte_mbuf *m) { return m->nb_segs; }
uint64_t bp_mbuf_ol_flags(const struct rte_mbuf *m) { return m->ol_flags; }
void bp_mbuf_set_ol_flags(struct rte_mbuf *m, uint64_t ol_flags) { m->ol_flags = ol_flags; }
uint8_t bp_mbuf_l2_len(const struct rte_mbuf *m) { return m->l2_len; }
uint16_t bp_mbuf_l3_len(const struct rte_mbuf *m) { return m->l3_len; }
uint8_t bp_mbuf_l4_len(const struct rte_mbuf *m) { return m->l4_len; }
uint16_t bp_mbuf_tso_segsz(const struct rte_mbuf *m) { return m->tso_segsz; }

void bp_mbuf_set_tx_offload(struct rte_mbuf *m, uint16_t l2_len, uint16_t l3_len, uint16_t l4_len,
                            uint16_t tso_segsz)
{
    m->tx_offload = rte_mbuf_tx_offload(l2_len, l3_len, l4_len, tso_segsz, 0, 0, 0);
}

uint32_t bp_mbuf_hash_rss(const struct rte_mbuf *m) { return m->hash.rss; }
uint16_t bp_mbuf_port(const struct rte_mbuf *m) { return m->port; }
uint32_t bp_mbuf_packet_type(const struct rte_mbuf *m) { return m->packet_type; }
