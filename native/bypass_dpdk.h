/*
 * bypass_dpdk.h: the C shim between bypass (Java, FFM) and DPDK 22.11.
 *
 * DPDK's fast path (rte_eth_rx_burst, rte_eth_tx_burst, mbuf accessors, rte_pktmbuf_alloc/free) is
 * made of static inline functions, which a foreign-function linker cannot call: this library exports
 * one plain function for each (prefix bp_), plus thin wrappers over the setup calls the Java driver
 * needs (EAL, ports, queues, mempools, stats, RSS, rte_flow). No logic lives here beyond marshalling:
 * every function calls one DPDK function, or copies fields between a DPDK structure and a flat one
 * declared below.
 *
 * This header is the single source of truth for the Java bindings
 * (nic-drivers/src/main/java/dev/bypass/nic/dpdk/DpdkShim.java), which mirror it by hand in the shape
 * jextract generates. It deliberately includes no DPDK header: DPDK types appear only as opaque
 * pointers, so the bindings depend on this file alone. Where a constant or a structure must match
 * DPDK's, bypass_dpdk.c checks it at compile time (_Static_assert).
 *
 * Conventions:
 *   - Functions returning int return what the DPDK call returns: >= 0 on success, a negative errno on
 *     failure (rte_eal_init and the mempool calls instead return -1 / NULL and set rte_errno: read it
 *     with bp_errno()).
 *   - Port and queue numbers are uint16_t, as in DPDK.
 *   - Pointers to mbufs and mempools are opaque; the Java side holds them as 64-bit addresses.
 */
#ifndef BYPASS_DPDK_H
#define BYPASS_DPDK_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque DPDK types. */
struct rte_mbuf;
struct rte_mempool;
struct rte_flow;

/* Bumped whenever a function or structure below changes: the Java side refuses a library of another version. */
#define BP_SHIM_VERSION 3

/* ---------------------------------------------------------------------------------------- constants */

/* Mbuf offload flags (mbuf->ol_flags), equal to DPDK's RTE_MBUF_F_* (checked in bypass_dpdk.c). */
#define BP_MBUF_F_RX_RSS_HASH      (1ULL << 1)
#define BP_MBUF_F_RX_L4_CKSUM_BAD  (1ULL << 3)
#define BP_MBUF_F_RX_IP_CKSUM_BAD  (1ULL << 4)
#define BP_MBUF_F_RX_IP_CKSUM_GOOD (1ULL << 7)
#define BP_MBUF_F_RX_L4_CKSUM_GOOD (1ULL << 8)
#define BP_MBUF_F_TX_TCP_SEG       (1ULL << 50)
#define BP_MBUF_F_TX_TCP_CKSUM     (1ULL << 52)
#define BP_MBUF_F_TX_UDP_CKSUM     (3ULL << 52)
#define BP_MBUF_F_TX_IP_CKSUM      (1ULL << 54)
#define BP_MBUF_F_TX_IPV4          (1ULL << 55)

/* Port offload capabilities and requests, equal to DPDK's RTE_ETH_RX_OFFLOAD_* / RTE_ETH_TX_OFFLOAD_*. */
#define BP_ETH_RX_OFFLOAD_IPV4_CKSUM (1ULL << 1)
#define BP_ETH_RX_OFFLOAD_UDP_CKSUM  (1ULL << 2)
#define BP_ETH_RX_OFFLOAD_TCP_CKSUM  (1ULL << 3)
#define BP_ETH_RX_OFFLOAD_SCATTER    (1ULL << 13)
#define BP_ETH_RX_OFFLOAD_RSS_HASH   (1ULL << 19)
#define BP_ETH_TX_OFFLOAD_IPV4_CKSUM (1ULL << 1)
#define BP_ETH_TX_OFFLOAD_UDP_CKSUM  (1ULL << 2)
#define BP_ETH_TX_OFFLOAD_TCP_CKSUM  (1ULL << 3)
#define BP_ETH_TX_OFFLOAD_TCP_TSO    (1ULL << 5)
#define BP_ETH_TX_OFFLOAD_MULTI_SEGS (1ULL << 15)

/* RSS hash functions (rss_hf), equal to DPDK's RTE_ETH_RSS_*. */
#define BP_ETH_RSS_IPV4              (1ULL << 2)
#define BP_ETH_RSS_NONFRAG_IPV4_TCP  (1ULL << 4)
#define BP_ETH_RSS_NONFRAG_IPV4_UDP  (1ULL << 5)

/* Receive multi-queue modes (struct bp_port_conf.rx_mq_mode), equal to enum rte_eth_rx_mq_mode. */
#define BP_ETH_MQ_RX_NONE 0
#define BP_ETH_MQ_RX_RSS  1

/* Any NUMA socket (SOCKET_ID_ANY). */
#define BP_SOCKET_ID_ANY (-1)

/* Bytes of one extended statistic's name (RTE_ETH_XSTATS_NAME_SIZE). */
#define BP_XSTATS_NAME_SIZE 64

/* struct bp_flow_rule.action */
#define BP_FLOW_ACTION_QUEUE 0
#define BP_FLOW_ACTION_DROP  1
#define BP_FLOW_ACTION_RSS   2

/* Most queues one RSS flow action spreads over. */
#define BP_FLOW_MAX_RSS_QUEUES 1024

/* ------------------------------------------------------------------------------------- structures */

/*
 * The fields of struct rte_eth_dev_info the driver uses, flattened (rte_eth_dev_info holds pointers
 * and nested structures that change between DPDK releases). 128 bytes, no implicit padding.
 */
struct bp_dev_info {
    uint64_t rx_offload_capa;         /* BP_ETH_RX_OFFLOAD_* the port can enable */
    uint64_t tx_offload_capa;         /* BP_ETH_TX_OFFLOAD_* */
    uint64_t flow_type_rss_offloads;  /* BP_ETH_RSS_* the port can hash on */
    uint32_t if_index;                /* host interface bound to the port (af_packet, tap), else 0 */
    uint32_t max_rx_pktlen;           /* largest frame the port receives, bytes */
    uint32_t speed_capa;              /* RTE_ETH_LINK_SPEED_* bitmap */
    int32_t socket_id;                /* NUMA socket of the device, or BP_SOCKET_ID_ANY */
    uint16_t min_mtu;
    uint16_t max_mtu;
    uint16_t max_rx_queues;
    uint16_t max_tx_queues;
    uint16_t rx_desc_max;             /* descriptor limits per queue */
    uint16_t rx_desc_min;
    uint16_t tx_desc_max;
    uint16_t tx_desc_min;
    uint16_t reta_size;               /* RSS redirection table entries, 0 without RSS */
    uint8_t hash_key_size;            /* RSS key bytes, 0 without RSS */
    uint8_t reserved[5];
    char driver_name[64];             /* NUL-terminated, cut if longer */
};

/* Port configuration for bp_eth_dev_configure (a flattened struct rte_eth_conf). 40 bytes. */
struct bp_port_conf {
    uint64_t rx_offloads;             /* BP_ETH_RX_OFFLOAD_* to enable */
    uint64_t tx_offloads;             /* BP_ETH_TX_OFFLOAD_* to enable */
    uint64_t rss_hf;                  /* BP_ETH_RSS_* to hash on (with BP_ETH_MQ_RX_RSS) */
    const uint8_t *rss_key;           /* NULL: the PMD's default key */
    uint32_t mtu;                     /* 0: the PMD's default */
    uint8_t rx_mq_mode;               /* BP_ETH_MQ_RX_* */
    uint8_t rss_key_len;
    uint8_t reserved[2];
};

/* struct rte_eth_link with its bit fields widened. 16 bytes. */
struct bp_link {
    uint32_t speed_mbps;              /* RTE_ETH_SPEED_NUM_*: 0 none, UINT32_MAX unknown */
    uint16_t full_duplex;             /* 1 full, 0 half */
    uint16_t autoneg;                 /* 1 autonegotiated, 0 fixed */
    uint16_t up;                      /* 1 link up, 0 down */
    uint16_t reserved[3];
};

/* The port-wide counters of struct rte_eth_stats (without the per-queue arrays). 64 bytes. */
struct bp_stats {
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;                 /* dropped by the hardware: rx ring full */
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf;               /* rx mbuf allocation failures */
};

/* One extended statistic (struct rte_eth_xstat): its id (index into the names) and value. 16 bytes. */
struct bp_xstat {
    uint64_t id;
    uint64_t value;
};

/*
 * Where struct rte_mbuf keeps its fields, as this library was compiled: the Java fast path reads and
 * writes mbuf fields at these offsets instead of making a call per field. Offsets in bytes from the
 * start of the mbuf; the tx_offload shifts are bit positions in the 64-bit tx_offload word. 80 bytes.
 */
struct bp_mbuf_layout {
    uint32_t mbuf_size;               /* sizeof(struct rte_mbuf) */
    uint32_t headroom;                /* RTE_PKTMBUF_HEADROOM */
    uint32_t buf_addr;                /* void *      */
    uint32_t data_off;                /* uint16_t    */
    uint32_t refcnt;                  /* uint16_t    */
    uint32_t nb_segs;                 /* uint16_t    */
    uint32_t port;                    /* uint16_t    */
    uint32_t ol_flags;                /* uint64_t    */
    uint32_t packet_type;             /* uint32_t    */
    uint32_t pkt_len;                 /* uint32_t    */
    uint32_t data_len;                /* uint16_t    */
    uint32_t vlan_tci;                /* uint16_t    */
    uint32_t hash_rss;                /* uint32_t    */
    uint32_t buf_len;                 /* uint16_t    */
    uint32_t pool;                    /* rte_mempool * */
    uint32_t next;                    /* rte_mbuf *  */
    uint32_t tx_offload;              /* uint64_t: l2_len, l3_len, l4_len, tso_segsz bit fields */
    uint8_t l2_len_shift;             /* bit position of l2_len (7 bits) */
    uint8_t l3_len_shift;             /* l3_len (9 bits) */
    uint8_t l4_len_shift;             /* l4_len (8 bits) */
    uint8_t tso_segsz_shift;          /* tso_segsz (16 bits) */
    uint32_t reserved[2];
};

/*
 * A minimal rte_flow rule: match Ethernet / IPv4 (addresses under masks) / optionally TCP or UDP
 * (ports under masks), or an Ethernet type alone (ARP), then steer to a queue, spread over queues by
 * RSS, or drop. Addresses and ports in host byte order. 64 bytes, no implicit padding.
 */
struct bp_flow_rule {
    uint32_t priority;
    uint32_t group;
    uint32_t ipv4_src;
    uint32_t ipv4_src_mask;           /* 0: any source */
    uint32_t ipv4_dst;
    uint32_t ipv4_dst_mask;
    uint16_t src_port;
    uint16_t src_port_mask;
    uint16_t dst_port;
    uint16_t dst_port_mask;
    uint8_t ip_proto;                 /* 0: any (ports ignored), 6: TCP, 17: UDP */
    uint8_t action;                   /* BP_FLOW_ACTION_* */
    uint16_t queue;                   /* QUEUE: the queue; RSS: the first of rss_queues queues */
    uint16_t ether_type;              /* 0 or 0x0800: the IPv4 pattern; else ETH of this type alone (IP fields unused) */
    uint16_t rss_queues;              /* RSS: queues queue .. queue + rss_queues - 1 (1 .. BP_FLOW_MAX_RSS_QUEUES) */
    uint32_t rss_key_len;             /* RSS: bytes at rss_key; 0: the PMD's key */
    uint32_t reserved;
    uint64_t rss_types;               /* RSS: BP_ETH_RSS_* to hash on; 0: the PMD's default */
    const uint8_t *rss_key;           /* RSS: the Toeplitz key (read during the call only) */
};

/* What went wrong in an rte_flow call (struct rte_flow_error, message copied). 132 bytes. */
struct bp_flow_error {
    int32_t type;                     /* enum rte_flow_error_type */
    char message[128];                /* NUL-terminated, cut if longer; empty if the PMD gave none */
};

/* ---------------------------------------------------------------------------------- library, EAL */

/* BP_SHIM_VERSION of the compiled library. */
int bp_shim_version(void);

/* sizeof of each structure above, in declaration order, for the bindings to check their layouts. */
uint32_t bp_sizeof_dev_info(void);
uint32_t bp_sizeof_port_conf(void);
uint32_t bp_sizeof_link(void);
uint32_t bp_sizeof_stats(void);
uint32_t bp_sizeof_mbuf_layout(void);
uint32_t bp_sizeof_flow_rule(void);
uint32_t bp_sizeof_flow_error(void);

/* rte_eal_init: the number of arguments parsed, or -1 with bp_errno() set. Pins the calling thread. */
int bp_eal_init(int argc, char **argv);
/* rte_eal_cleanup: releases EAL resources; no DPDK call may follow. */
int bp_eal_cleanup(void);
/* rte_errno of the calling thread. */
int bp_errno(void);
/* rte_strerror: text of a (positive) errno, DPDK's own included. */
const char *bp_strerror(int errnum);
/* rte_openlog_stream: DPDK's log goes to f (a FILE * from fopen); NULL restores the default. */
int bp_openlog_stream(FILE *f);
/* rte_log_set_global_level: RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8). */
void bp_log_set_global_level(uint32_t level);
/* rte_thread_register / rte_thread_unregister: gives a non-EAL thread an lcore id (mempool caches). */
int bp_thread_register(void);
void bp_thread_unregister(void);
/* rte_lcore_id: the calling thread's lcore, or UINT32_MAX for a thread EAL does not know. */
uint32_t bp_lcore_id(void);
/* rte_dev_probe: attaches a device after init, e.g. "net_af_packet1,iface=veth0" (hotplug). */
int bp_dev_probe(const char *devargs);
/* rte_eal_hotplug_remove: detaches a device probed by name on a bus ("vdev", "pci"). */
int bp_dev_remove(const char *bus, const char *device_name);

/*
 * Two net_ring ports wired back to back (rte_eth_from_rings), for tests without a NIC: what port a sends
 * on its tx queue q, port b receives on its rx queue q, and the other way, mbufs handed over as they are
 * (chains too). The ports are named "net_ring_<a_name>" and "net_ring_<b_name>" (rte_eth_from_rings adds
 * the prefix); their MACs are 00:00:00:00:00:00 (net_ring passes every frame on, whatever its address).
 * The rings are named "<tag>a<q>" and "<tag>b<q>" (tag at most 20 characters), each of
 * ring_size slots. 0, or a negative errno. The ports are left to the caller (configure, start, close);
 * closing them leaves the rings, which bp_ring_pair_free releases.
 */
int bp_ring_pair(const char *tag, const char *a_name, const char *b_name, uint16_t queues, uint32_t ring_size,
                 int socket_id);
/* Frees the rings of a bp_ring_pair (once both ports are closed). */
void bp_ring_pair_free(const char *tag, uint16_t queues);

/* ---------------------------------------------------------------------------------------- ports */

uint16_t bp_eth_dev_count_avail(void);
int bp_eth_dev_is_valid_port(uint16_t port);
/* rte_eth_dev_get_port_by_name: the port of a device name ("net_af_packet1", "0000:01:00.0"). */
int bp_eth_dev_get_port_by_name(const char *name, uint16_t *port);
int bp_eth_dev_socket_id(uint16_t port);
/* rte_eth_dev_info_get, flattened into *info. */
int bp_eth_dev_info(uint16_t port, struct bp_dev_info *info);
/* rte_eth_dev_configure with a flattened rte_eth_conf. */
int bp_eth_dev_configure(uint16_t port, uint16_t rx_queues, uint16_t tx_queues, const struct bp_port_conf *conf);
/* rte_eth_dev_adjust_nb_rx_tx_desc: rounds descriptor counts to what the port accepts. */
int bp_eth_dev_adjust_nb_rx_tx_desc(uint16_t port, uint16_t *rx_desc, uint16_t *tx_desc);
/* rte_eth_rx_queue_setup with the port's default rxconf and the given per-queue offloads. */
int bp_eth_rx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, int socket_id, uint64_t offloads,
                          struct rte_mempool *pool);
/* rte_eth_tx_queue_setup with the port's default txconf and the given per-queue offloads. */
int bp_eth_tx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, int socket_id, uint64_t offloads);
int bp_eth_dev_start(uint16_t port);
int bp_eth_dev_stop(uint16_t port);
int bp_eth_dev_close(uint16_t port);
int bp_eth_dev_set_mtu(uint16_t port, uint16_t mtu);
int bp_eth_dev_get_mtu(uint16_t port, uint16_t *mtu);
/* rte_eth_link_get_nowait, widened into *link. */
int bp_eth_link_get_nowait(uint16_t port, struct bp_link *link);
int bp_eth_promiscuous_enable(uint16_t port);
int bp_eth_promiscuous_disable(uint16_t port);
int bp_eth_allmulticast_enable(uint16_t port);
/* rte_eth_macaddr_get: the port's MAC into mac[0..6). */
int bp_eth_macaddr_get(uint16_t port, uint8_t mac[6]);

/* -------------------------------------------------------------------------------------- counters */

int bp_eth_stats_get(uint16_t port, struct bp_stats *stats);
int bp_eth_stats_reset(uint16_t port);
/* rte_eth_xstats_get_names: names (BP_XSTATS_NAME_SIZE bytes each) into names[0..n); with n 0 the count. */
int bp_eth_xstats_get_names(uint16_t port, char *names, uint32_t n);
/* rte_eth_xstats_get: values into xstats[0..n); with n 0 the count. */
int bp_eth_xstats_get(uint16_t port, struct bp_xstat *xstats, uint32_t n);

/* ------------------------------------------------------------------------------------------- RSS */

/* rte_eth_dev_rss_hash_update: key (NULL keeps the current one) and hash functions. */
int bp_eth_rss_hash_update(uint16_t port, const uint8_t *key, uint8_t key_len, uint64_t rss_hf);
/* rte_eth_dev_rss_hash_conf_get: key into key[0..key_len), hash functions into *rss_hf. */
int bp_eth_rss_hash_conf_get(uint16_t port, uint8_t *key, uint8_t key_len, uint64_t *rss_hf);
/* rte_eth_dev_rss_reta_update: entry i of the redirection table sends to queues[i], for every i < reta_size. */
int bp_eth_rss_reta_update(uint16_t port, const uint16_t *queues, uint16_t reta_size);
/* rte_eth_dev_rss_reta_query: the whole redirection table into queues[0..reta_size). */
int bp_eth_rss_reta_query(uint16_t port, uint16_t *queues, uint16_t reta_size);

/* ------------------------------------------------------------------------------------------ flow */

/* rte_flow_validate of the rule built from *rule: 0 if the port would accept it. */
int bp_flow_validate(uint16_t port, const struct bp_flow_rule *rule, struct bp_flow_error *error);
/* rte_flow_create: the rule's handle, or NULL with *error filled in. */
struct rte_flow *bp_flow_create(uint16_t port, const struct bp_flow_rule *rule, struct bp_flow_error *error);
int bp_flow_destroy(uint16_t port, struct rte_flow *flow, struct bp_flow_error *error);
int bp_flow_flush(uint16_t port, struct bp_flow_error *error);
/* rte_flow_isolate: with set 1 only traffic matching flow rules reaches the port's queues. */
int bp_flow_isolate(uint16_t port, int set, struct bp_flow_error *error);

/* -------------------------------------------------------------------------------------- mempools */

/* rte_pktmbuf_pool_create: NULL with bp_errno() set on failure. */
struct rte_mempool *bp_pktmbuf_pool_create(const char *name, uint32_t mbufs, uint32_t cache_size,
                                           uint16_t priv_size, uint16_t data_room_size, int socket_id);
void bp_mempool_free(struct rte_mempool *pool);
/* rte_mempool_avail_count / rte_mempool_in_use_count. */
uint32_t bp_mempool_avail_count(const struct rte_mempool *pool);
uint32_t bp_mempool_in_use_count(const struct rte_mempool *pool);
/* rte_pktmbuf_data_room_size: buffer bytes of each mbuf, headroom included. */
uint16_t bp_pktmbuf_data_room_size(struct rte_mempool *pool);

/* ------------------------------------------------------------------------------------- fast path */

/* rte_eth_rx_burst: up to n received mbufs into mbufs[0..); returns how many. */
uint16_t bp_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n);
/* rte_eth_tx_burst: hands mbufs[0..n) to the port; returns how many it took (it frees those). */
uint16_t bp_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n);
/* rte_eth_tx_prepare: checks and fixes offload requests for the PMD; returns how many are ready. */
uint16_t bp_eth_tx_prepare(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n);

/* rte_pktmbuf_alloc: a reset mbuf, or NULL when the pool is empty. */
struct rte_mbuf *bp_pktmbuf_alloc(struct rte_mempool *pool);
/* rte_pktmbuf_alloc_bulk: n mbufs or none (returns 0, or a negative errno). */
int bp_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, uint32_t n);
/* rte_pktmbuf_free: frees the whole chain (each segment when its reference count drops to 0). */
void bp_pktmbuf_free(struct rte_mbuf *m);
/* rte_pktmbuf_free_bulk. */
void bp_pktmbuf_free_bulk(struct rte_mbuf **mbufs, uint32_t n);
/* rte_pktmbuf_reset: fields back to those of a fresh mbuf. */
void bp_pktmbuf_reset(struct rte_mbuf *m);
/* rte_pktmbuf_chain: appends tail to head; 0, or -EOVERFLOW past the segment limit. */
int bp_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail);

/* mbuf fields (the Java fast path uses struct bp_mbuf_layout instead; these are for tests and tools). */
void bp_mbuf_layout(struct bp_mbuf_layout *layout);
void *bp_pktmbuf_mtod(const struct rte_mbuf *m);           /* buf_addr + data_off */
void *bp_mbuf_buf_addr(const struct rte_mbuf *m);
uint16_t bp_mbuf_buf_len(const struct rte_mbuf *m);
uint16_t bp_mbuf_data_off(const struct rte_mbuf *m);
void bp_mbuf_set_data_off(struct rte_mbuf *m, uint16_t data_off);
uint16_t bp_pktmbuf_data_len(const struct rte_mbuf *m);
void bp_pktmbuf_set_data_len(struct rte_mbuf *m, uint16_t len);
uint32_t bp_pktmbuf_pkt_len(const struct rte_mbuf *m);
void bp_pktmbuf_set_pkt_len(struct rte_mbuf *m, uint32_t len);
uint16_t bp_pktmbuf_headroom(const struct rte_mbuf *m);
uint16_t bp_pktmbuf_tailroom(const struct rte_mbuf *m);
uint16_t bp_mbuf_refcnt_read(const struct rte_mbuf *m);
/* rte_mbuf_refcnt_update: adds delta, returns the new count. */
uint16_t bp_mbuf_refcnt_update(struct rte_mbuf *m, int16_t delta);
struct rte_mbuf *bp_mbuf_next(const struct rte_mbuf *m);
uint16_t bp_mbuf_nb_segs(const struct rte_mbuf *m);
uint64_t bp_mbuf_ol_flags(const struct rte_mbuf *m);
void bp_mbuf_set_ol_flags(struct rte_mbuf *m, uint64_t ol_flags);
uint8_t bp_mbuf_l2_len(const struct rte_mbuf *m);
uint16_t bp_mbuf_l3_len(const struct rte_mbuf *m);
uint8_t bp_mbuf_l4_len(const struct rte_mbuf *m);
uint16_t bp_mbuf_tso_segsz(const struct rte_mbuf *m);
/* Sets l2_len, l3_len, l4_len and tso_segsz (the tx_offload word; the outer lengths become 0). */
void bp_mbuf_set_tx_offload(struct rte_mbuf *m, uint16_t l2_len, uint16_t l3_len, uint16_t l4_len,
                            uint16_t tso_segsz);
uint32_t bp_mbuf_hash_rss(const struct rte_mbuf *m);
uint16_t bp_mbuf_port(const struct rte_mbuf *m);
uint32_t bp_mbuf_packet_type(const struct rte_mbuf *m);

#ifdef __cplusplus
}
#endif

#endif /* BYPASS_DPDK_H */
