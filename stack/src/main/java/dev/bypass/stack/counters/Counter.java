package dev.bypass.stack.counters;

/**
 * Every counter a stack keeps, grouped by protocol, with the names of the RFC MIBs where one exists
 * (RFC 4293 IP, RFC 4022 TCP, RFC 4113 UDP). Each says what a non-zero value means.
 *
 * <p>{@link Kind#DROP} counters are the reasons a received frame was dropped. Every frame the stack
 * takes from a device ends in exactly one of {@link #STACK_RX_ACCEPTED}, {@link #EXCEPTION_TO_KERNEL} (the
 * only {@link Kind#PASSED} counter) or a drop counter, so
 * {@code ETH_RX_FRAMES == STACK_RX_ACCEPTED + EXCEPTION_TO_KERNEL + sum(drops)} always holds: a drop that
 * is not counted cannot happen.
 */
public enum Counter {
    // ---- Ethernet
    ETH_RX_FRAMES("eth.rx_frames", Kind.COUNT, "frames taken from the device"),
    ETH_TX_FRAMES("eth.tx_frames", Kind.COUNT, "frames handed to the device"),
    ETH_DROP_TOO_SHORT("eth.drop.too_short", Kind.DROP, "frame shorter than its Ethernet header (and tags)"),
    ETH_DROP_NOT_FOR_US("eth.drop.not_for_us", Kind.DROP, "destination MAC is neither ours nor broadcast nor a joined group (promiscuous device or flooding switch)"),
    ETH_DROP_UNKNOWN_TYPE("eth.drop.unknown_type", Kind.DROP, "EtherType the stack does not speak (IPv6 before the IPv6 issue, LLDP, ...)"),

    // ---- ARP (RFC 826)
    ARP_RX_REQUESTS("arp.rx_requests", Kind.COUNT, "ARP requests received"),
    ARP_RX_REPLIES("arp.rx_replies", Kind.COUNT, "ARP replies received"),
    ARP_TX_REQUESTS("arp.tx_requests", Kind.COUNT, "ARP requests sent (resolution, retries, gratuitous)"),
    ARP_TX_REPLIES("arp.tx_replies", Kind.COUNT, "ARP replies sent for our addresses"),
    ARP_RESOLUTION_FAILED("arp.resolution_failed", Kind.COUNT, "a neighbour did not answer ARP: packets to it were dropped"),
    ARP_PENDING_DROPPED("arp.pending_dropped", Kind.COUNT, "packets waiting for ARP dropped: queue full or resolution failed"),
    ARP_CACHE_EVICTIONS("arp.cache_evictions", Kind.COUNT, "cache full: an entry was evicted to make room"),
    IGMP_JOINS("igmp.joins", Kind.COUNT, "multicast groups joined"),
    IGMP_LEAVES("igmp.leaves", Kind.COUNT, "multicast groups left"),
    IGMP_REPORTS("igmp.reports", Kind.COUNT, "membership reports and leaves sent"),
    IGMP_QUERIES("igmp.queries", Kind.COUNT, "membership queries received"),
    IGMP_DROP_MALFORMED("igmp.drop.malformed", Kind.DROP, "IGMP message shorter than 8 bytes, or a query of a length no version has"),
    IGMP_DROP_BAD_CHECKSUM("igmp.drop.bad_checksum", Kind.DROP, "IGMP checksum wrong"),
    EXCEPTION_TO_KERNEL("exception.to_kernel", Kind.PASSED, "frames the stack does not claim, passed to the host's kernel"),
    EXCEPTION_RING_FULL("exception.drop.ring_full", Kind.DROP, "frames for the kernel dropped: the exception path's ring was full (or the frame larger than an eighth of it)"),
    EXCEPTION_COPIED_TO_KERNEL("exception.copied_to_kernel", Kind.COUNT, "ARP frames the stack took and the kernel got a copy of"),
    EXCEPTION_COPY_RING_FULL("exception.copy_ring_full", Kind.COUNT, "ARP copies for the kernel not made: the ring was full"),
    EXCEPTION_FROM_KERNEL("exception.from_kernel", Kind.COUNT, "frames of the host's kernel sent on this stack's NIC"),
    EXCEPTION_FROM_KERNEL_TOO_LONG("exception.drop.from_kernel_too_long", Kind.DROP, "a kernel frame longer than a pool frame, dropped"),
    ARP_SHARD_RING_FULL("arp.shard_ring_full", Kind.DROP, "an ARP frame from another queue's stack found this stack's ring full: not learned"),
    ARP_ADDRESS_CONFLICTS("arp.address_conflicts", Kind.COUNT, "another host claims one of our addresses"),
    ARP_DROP_MALFORMED("arp.drop.malformed", Kind.DROP, "ARP packet truncated or not Ethernet/IPv4"),
    ARP_DROP_BAD_SENDER("arp.drop.bad_sender", Kind.DROP, "ARP sender MAC is multicast or sender IP is not a unicast address"),

    // ---- IPv4 (RFC 791, MIB names of RFC 4293)
    IP_IN_RECEIVES("ip.in_receives", Kind.COUNT, "IPv4 packets received (ipInReceives)"),
    IP_IN_DELIVERS("ip.in_delivers", Kind.COUNT, "IPv4 packets handed to ICMP, UDP or TCP (ipInDelivers)"),
    IP_OUT_REQUESTS("ip.out_requests", Kind.COUNT, "IPv4 packets sent (ipOutRequests)"),
    IP_OUT_NO_ROUTES("ip.out_no_routes", Kind.COUNT, "packet not sent: no route to its destination (ipOutNoRoutes)"),
    IP_OUT_DISCARDS("ip.out_discards", Kind.COUNT, "packet not sent: no frame buffer free (ipOutDiscards)"),
    IP_REASM_REQDS("ip.reasm_reqds", Kind.COUNT, "fragments received for reassembly (ipReasmReqds)"),
    IP_REASM_OKS("ip.reasm_oks", Kind.COUNT, "datagrams reassembled (ipReasmOKs)"),
    IP_REASM_FAILS("ip.reasm_fails", Kind.COUNT, "datagrams given up: timeout, overlap or no memory (ipReasmFails)"),
    IP_REASM_TIMEOUTS("ip.reasm_timeouts", Kind.COUNT, "datagrams whose fragments did not all arrive in time"),
    IP_FRAG_OKS("ip.frag_oks", Kind.COUNT, "datagrams fragmented on output (ipFragOKs)"),
    IP_FRAG_CREATES("ip.frag_creates", Kind.COUNT, "fragments created on output (ipFragCreates)"),
    IP_FRAG_FAILS("ip.frag_fails", Kind.COUNT, "datagram too big with don't-fragment set, or no buffers (ipFragFails)"),
    IP_DROP_TOO_SHORT("ip.drop.too_short", Kind.DROP, "IPv4 packet shorter than 20 bytes"),
    IP_DROP_BAD_VERSION("ip.drop.bad_version", Kind.DROP, "version field is not 4 in an IPv4 EtherType frame"),
    IP_DROP_BAD_HEADER_LENGTH("ip.drop.bad_header_length", Kind.DROP, "IHL below 5 or past the packet"),
    IP_DROP_BAD_TOTAL_LENGTH("ip.drop.bad_total_length", Kind.DROP, "total length shorter than the header or longer than the frame (truncated)"),
    IP_DROP_BAD_CHECKSUM("ip.drop.bad_checksum", Kind.DROP, "IPv4 header checksum wrong (corruption on the wire)"),
    IP_DROP_BAD_SOURCE("ip.drop.bad_source", Kind.DROP, "source address broadcast, multicast, loopback or ours (RFC 1122 3.2.1.3)"),
    IP_DROP_NOT_FOR_US("ip.drop.not_for_us", Kind.DROP, "destination is not one of our addresses; hosts do not forward (ipInAddrErrors)"),
    IP_DROP_UNKNOWN_PROTOCOL("ip.drop.unknown_protocol", Kind.DROP, "protocol not ICMP, UDP or TCP; protocol unreachable sent (ipInUnknownProtos)"),
    IP_DROP_BAD_FRAGMENT("ip.drop.bad_fragment", Kind.DROP, "fragment past 65535 bytes, misaligned, or overlapping another"),
    IP_DROP_REASM_NO_MEMORY("ip.drop.reasm_no_memory", Kind.DROP, "fragment dropped: reassembly memory or slots exhausted"),

    // ---- ICMP (RFC 792)
    ICMP_IN_MSGS("icmp.in_msgs", Kind.COUNT, "ICMP messages received"),
    ICMP_IN_ECHOS("icmp.in_echos", Kind.COUNT, "echo requests received"),
    ICMP_IN_ECHO_REPS("icmp.in_echo_reps", Kind.COUNT, "echo replies received"),
    ICMP_IN_DEST_UNREACHS("icmp.in_dest_unreachs", Kind.COUNT, "destination unreachable messages received"),
    ICMP_OUT_MSGS("icmp.out_msgs", Kind.COUNT, "ICMP messages sent"),
    ICMP_OUT_ECHO_REPS("icmp.out_echo_reps", Kind.COUNT, "echo replies sent"),
    ICMP_OUT_DEST_UNREACHS("icmp.out_dest_unreachs", Kind.COUNT, "destination unreachable messages sent"),
    ICMP_OUT_RATE_LIMITED("icmp.out_rate_limited", Kind.COUNT, "ICMP errors not sent: rate limit (RFC 1812 4.3.2.8)"),
    ICMP_PMTU_UPDATES("icmp.pmtu_updates", Kind.COUNT, "path MTU lowered by fragmentation-needed (RFC 1191)"),
    ICMP_DROP_TOO_SHORT("icmp.drop.too_short", Kind.DROP, "ICMP message shorter than its header, or an error quoting too little"),
    ICMP_DROP_BAD_CHECKSUM("icmp.drop.bad_checksum", Kind.DROP, "ICMP checksum wrong"),
    ICMP_DROP_UNHANDLED("icmp.drop.unhandled", Kind.DROP, "ICMP type the stack does not act on (redirect, timestamp, ...)"),
    ICMP_DROP_BROADCAST_ECHO("icmp.drop.broadcast_echo", Kind.DROP, "echo to a broadcast address ignored (RFC 1122 3.2.2.6 allows)"),
    ICMP_DROP_UNMATCHED_ERROR("icmp.drop.unmatched_error", Kind.DROP, "ICMP error about no connection or a sequence outside the window (RFC 5927)"),

    // ---- UDP (RFC 768, MIB names of RFC 4113)
    UDP_IN_DATAGRAMS("udp.in_datagrams", Kind.COUNT, "datagrams delivered to a socket"),
    UDP_OUT_DATAGRAMS("udp.out_datagrams", Kind.COUNT, "datagrams sent"),
    UDP_DROP_NO_PORT("udp.drop.no_port", Kind.DROP, "no socket on the port; port unreachable sent (udpNoPorts)"),
    UDP_DROP_BAD_LENGTH("udp.drop.bad_length", Kind.DROP, "UDP length field below 8 or past the IP payload"),
    UDP_DROP_BAD_CHECKSUM("udp.drop.bad_checksum", Kind.DROP, "UDP checksum wrong"),
    UDP_DROP_QUEUE_FULL("udp.drop.queue_full", Kind.DROP, "socket receive queue full: the application reads too slowly"),
    UDP_DROP_TOO_LONG("udp.drop.too_long", Kind.DROP, "datagram longer than an eighth of the socket's queue, the most its ring holds: raise udpReceiveQueueBytes"),

    // ---- TCP (RFC 9293, MIB names of RFC 4022)
    TCP_ACTIVE_OPENS("tcp.active_opens", Kind.COUNT, "connections opened by connect (tcpActiveOpens)"),
    TCP_PASSIVE_OPENS("tcp.passive_opens", Kind.COUNT, "connections opened from a listener (tcpPassiveOpens)"),
    TCP_ATTEMPT_FAILS("tcp.attempt_fails", Kind.COUNT, "opening connections that failed (tcpAttemptFails)"),
    TCP_ESTAB_RESETS("tcp.estab_resets", Kind.COUNT, "established connections reset (tcpEstabResets)"),
    TCP_CURR_ESTAB("tcp.curr_estab", Kind.GAUGE, "connections in ESTABLISHED or CLOSE-WAIT now (tcpCurrEstab)"),
    TCP_IN_SEGS("tcp.in_segs", Kind.COUNT, "segments received (tcpInSegs)"),
    TCP_OUT_SEGS("tcp.out_segs", Kind.COUNT, "segments sent, super-segments counted as sent (tcpOutSegs)"),
    TCP_RETRANS_SEGS("tcp.retrans_segs", Kind.COUNT, "segments retransmitted (tcpRetransSegs)"),
    TCP_OUT_RSTS("tcp.out_rsts", Kind.COUNT, "resets sent (tcpOutRsts)"),
    TCP_TIMEOUTS("tcp.timeouts", Kind.COUNT, "retransmission timer expiries"),
    TCP_FAST_RETRANSMITS("tcp.fast_retransmits", Kind.COUNT, "fast recoveries entered (RACK, SACK or duplicate ACKs showed a loss)"),
    TCP_LOSS_PROBES("tcp.loss_probes", Kind.COUNT, "tail-loss probes sent (RFC 8985): the last segments of a flight went unacknowledged for 2 RTTs"),
    TCP_SACK_RECOVERIES("tcp.sack_recoveries", Kind.COUNT, "recoveries with SACK"),
    TCP_DSACKS_RECEIVED("tcp.dsacks_received", Kind.COUNT, "D-SACK blocks received: the peer got a segment twice (spurious retransmission or duplication)"),
    TCP_DSACKS_SENT("tcp.dsacks_sent", Kind.COUNT, "D-SACK blocks sent: a segment arrived twice"),
    TCP_SPURIOUS_UNDOS("tcp.spurious_undos", Kind.COUNT, "window reductions undone: the loss proved spurious (F-RTO, D-SACK, timestamps)"),
    TCP_RECOVERY_PARTIAL_ACKS("tcp.recovery_partial_acks", Kind.COUNT, "partial ACKs in NewReno recovery (RFC 6582)"),
    TCP_DELAYED_ACKS("tcp.delayed_acks", Kind.COUNT, "ACKs sent by the delayed-ACK timer"),
    TCP_ZERO_WINDOW_PROBES("tcp.zero_window_probes", Kind.COUNT, "zero-window probes sent"),
    TCP_KEEPALIVE_PROBES("tcp.keepalive_probes", Kind.COUNT, "keepalive probes sent"),
    TCP_KEEPALIVE_TIMEOUTS("tcp.keepalive_timeouts", Kind.COUNT, "connections dropped: keepalive unanswered"),
    TCP_RETRANSMIT_TIMEOUTS_ABORT("tcp.retransmit_aborts", Kind.COUNT, "connections dropped: too many retransmissions"),
    TCP_OUT_OF_ORDER_QUEUED("tcp.ooo_queued", Kind.COUNT, "segments queued out of order"),
    TCP_OUT_OF_ORDER_DROPPED("tcp.ooo_dropped", Kind.COUNT, "out-of-order data dropped: queue bounded"),
    TCP_CHALLENGE_ACKS("tcp.challenge_acks", Kind.COUNT, "challenge ACKs sent (RFC 5961)"),
    TCP_TSO_SEGMENTS("tcp.tso_segments", Kind.COUNT, "super-segments handed to the device for segmentation"),
    TCP_GSO_SEGMENTS("tcp.gso_segments", Kind.COUNT, "super-segments cut into segments in software (no TSO on the device)"),
    TCP_TX_NO_BUFFER("tcp.tx_no_buffer", Kind.COUNT, "output held back: no frame buffer free; resumed later"),
    TCP_BAD_OPTIONS("tcp.bad_options", Kind.COUNT, "segments with an impossible option length (rest of options ignored)"),
    TCP_BUFFER_POOL_BYTES_ALLOCATED("tcp.buffer_pool.bytes_allocated", Kind.GAUGE, "direct memory the TCP buffer pool holds, lent or free (bounded by bufferPoolBytes)"),
    TCP_BUFFER_POOL_BYTES_IN_USE("tcp.buffer_pool.bytes_in_use", Kind.GAUGE, "bytes of send and receive rings lent to connections now (idle connections hold none)"),
    TCP_BUFFER_POOL_TAKES("tcp.buffer_pool.takes", Kind.COUNT, "send or receive rings taken from the pool (data began to flow)"),
    TCP_BUFFER_POOL_RETURNS("tcp.buffer_pool.returns", Kind.COUNT, "rings given back to the pool (a buffer drained, or its connection ended)"),
    TCP_BUFFER_POOL_EXHAUSTED_SEND("tcp.buffer_pool.exhausted_send", Kind.COUNT, "writes that got 0: no send ring left in the pool; the writer is woken when one is returned"),
    TCP_BUFFER_POOL_EXHAUSTED_RECEIVE("tcp.buffer_pool.exhausted_receive", Kind.COUNT, "segments whose data was dropped unacknowledged: no receive ring left in the pool; the peer resends"),
    TCP_PMTU_REDUCTIONS("tcp.pmtu_reductions", Kind.COUNT, "connections that lowered their MSS after fragmentation-needed"),
    TCP_DROP_MALFORMED("tcp.drop.malformed", Kind.DROP, "segment shorter than 20 bytes or data offset impossible (tcpInErrs)"),
    TCP_DROP_BAD_CHECKSUM("tcp.drop.bad_checksum", Kind.DROP, "TCP checksum wrong (tcpInErrs)"),
    TCP_DROP_BAD_ADDRESS("tcp.drop.bad_address", Kind.DROP, "segment to a broadcast or multicast address"),
    TCP_DROP_NO_SOCKET("tcp.drop.no_socket", Kind.DROP, "no connection or listener: answered with a reset (RFC 9293 3.5.2 case 1)"),
    TCP_DROP_UNACCEPTABLE("tcp.drop.unacceptable", Kind.DROP, "sequence outside the receive window: answered with an ACK (RFC 9293 3.10.7.4)"),
    TCP_DROP_PAWS("tcp.drop.paws", Kind.DROP, "old timestamp: rejected by PAWS (RFC 7323 5.3)"),
    TCP_DROP_BAD_ACK("tcp.drop.bad_ack", Kind.DROP, "acknowledges data never sent"),
    TCP_DROP_BAD_RST("tcp.drop.bad_rst", Kind.DROP, "reset outside the window or not exactly at RCV.NXT (RFC 5961 3.2)"),
    TCP_DROP_BAD_SYN("tcp.drop.bad_syn", Kind.DROP, "SYN on a synchronized connection: challenge ACK sent (RFC 5961 4.2)"),
    TCP_DROP_NO_ACK("tcp.drop.no_ack", Kind.DROP, "segment without ACK on a synchronized connection (RFC 9293 3.10.7.4 fifth)"),
    TCP_DROP_LISTEN_OVERFLOW("tcp.drop.listen_overflow", Kind.DROP, "SYN dropped: listen backlog full"),
    TCP_DROP_NO_MEMORY("tcp.drop.no_memory", Kind.DROP, "SYN dropped: connection limit of the stack reached"),
    TCP_DROP_IGNORED("tcp.drop.ignored", Kind.DROP, "segment with nothing to act on in its state (RST to a listener, data after close, ...)"),

    // ---- Whole stack
    STACK_RX_ACCEPTED("stack.rx_accepted", Kind.COUNT, "frames a protocol accepted (the complement of the drops)"),
    STACK_INTERNAL_ERRORS("stack.drop.internal_error", Kind.DROP, "a frame raised an exception inside the stack: a bug; the frame was dropped, the stack carried on"),
    STACK_TX_NO_BUFFER("stack.tx_no_buffer", Kind.COUNT, "a frame to send could not get a buffer (pool empty)");

    /** What a counter is. */
    public enum Kind {
        /** Grows with traffic. */
        COUNT,
        /** A reason a received frame was dropped. */
        DROP,
        /** A received frame the stack passed on unprocessed (to the host's kernel, by the exception path). */
        PASSED,
        /** Goes up and down. */
        GAUGE
    }

    private final String label;
    private final Kind kind;
    private final String meaning;

    Counter(String label, Kind kind, String meaning) {
        this.label = label;
        this.kind = kind;
        this.meaning = meaning;
    }

    public String label() {
        return label;
    }

    public Kind kind() {
        return kind;
    }

    /** What a non-zero value means. */
    public String meaning() {
        return meaning;
    }

    /** The protocol group: the part of the label before the first dot. */
    public String group() {
        return label.substring(0, label.indexOf('.'));
    }

    private static final Counter[] VALUES = values();

    public static Counter of(int ordinal) {
        return VALUES[ordinal];
    }

    public static int count() {
        return VALUES.length;
    }
}
