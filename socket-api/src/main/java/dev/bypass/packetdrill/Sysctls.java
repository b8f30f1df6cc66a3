package dev.bypass.packetdrill;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Maps one Linux sysctl ({@code net.ipv4.tcp_sack=1}) onto the {@link Profile} a script runs with.
 *
 * <p>Three outcomes: a knob bypass has is set; a sysctl that changes nothing bypass does (a global
 * limit, a feature no script line can reach, a value equal to what bypass does anyway) is noted and
 * ignored; a sysctl that would change behaviour bypass cannot reproduce skips the script with its name.
 * Names are accepted with dots or slashes ({@code net/ipv4/tcp_sack}).
 */
final class Sysctls {
    /**
     * Sysctls bypass does not model, with Linux's default: at the default the difference is the same in
     * every script (and the README's "The Linux profile" documents it); any other value skips.
     */
    private static final Map<String, String> UNMODELLED_AT_DEFAULT = Map.ofEntries(
        Map.entry("net.ipv4.tcp_max_reordering", "300"),
        Map.entry("net.ipv4.tcp_min_rtt_wlen", "300"),
        Map.entry("net.ipv4.tcp_autocorking", "1"),
        Map.entry("net.ipv4.tcp_limit_output_bytes", "1048576"),
        Map.entry("net.ipv4.tcp_mtu_probing", "0"),
        Map.entry("net.ipv4.tcp_adv_win_scale", "1"),
        Map.entry("net.ipv4.tcp_app_win", "31"),
        Map.entry("net.ipv4.tcp_workaround_signed_windows", "0"),
        Map.entry("net.ipv4.tcp_rfc1337", "0"),
        Map.entry("net.ipv4.tcp_abort_on_overflow", "0"),
        Map.entry("net.ipv4.tcp_stdurg", "0"),
        Map.entry("net.ipv4.tcp_thin_linear_timeouts", "0"),
        Map.entry("net.ipv4.tcp_tso_rtt_log", "9"),
        Map.entry("net.ipv4.tcp_shrink_window", "0"),
        Map.entry("net.ipv4.tcp_comp_sack_delay_ns", "1000000"),
        Map.entry("net.ipv4.tcp_comp_sack_slack_ns", "100000"),
        Map.entry("net.ipv4.tcp_comp_sack_nr", "44"),
        Map.entry("net.ipv4.tcp_pingpong_thresh", "1"),
        Map.entry("net.ipv4.tcp_tw_reuse", "2"));

    /** Sysctls that change nothing a script can observe on bypass, with why. */
    private static final Map<String, String> IRRELEVANT = Map.ofEntries(
        Map.entry("net.ipv4.tcp_fack", "FACK was removed from Linux in 4.15; the sysctl does nothing"),
        Map.entry("net.ipv4.tcp_fastopen", "Fast Open is not in bypass; scripts using it skip on their own"),
        Map.entry("net.ipv4.tcp_fastopen_key", "Fast Open is not in bypass; scripts using it skip on their own"),
        Map.entry("net.ipv4.tcp_syncookies",
            "SYN cookies only act on a full SYN queue; bypass drops and counts instead"),
        Map.entry("net.ipv4.tcp_pacing_ss_ratio", "bypass does not pace (no fq qdisc either)"),
        Map.entry("net.ipv4.tcp_pacing_ca_ratio", "bypass does not pace (no fq qdisc either)"),
        Map.entry("net.ipv4.tcp_ecn_option", "AccECN options only matter once ECN is negotiated"),
        Map.entry("net.ipv4.tcp_ecn_option_beacon", "AccECN options only matter once ECN is negotiated"),
        Map.entry("net.ipv4.tcp_ecn_fallback", "ECN fallback only matters once ECN is negotiated"),
        Map.entry("net.ipv4.tcp_no_metrics_save", "bypass keeps no per-destination metrics (as with 1)"),
        Map.entry("net.ipv4.tcp_moderate_rcvbuf", "bypass does not autotune its receive buffer"),
        Map.entry("net.ipv4.tcp_mem", "a global memory limit no script reaches"),
        Map.entry("net.ipv4.tcp_retries1", "a routing hint after retries; bypass has no route refresh"),
        Map.entry("net.ipv4.tcp_challenge_ack_limit", "a global challenge-ACK limit; the per-socket one applies"),
        Map.entry("net.ipv4.tcp_base_mss", "only used by MTU probing, which is off"),
        Map.entry("net.ipv4.tcp_max_syn_backlog", "the listen backlog bounds bypass's half-open connections"),
        Map.entry("net.ipv4.tcp_max_tw_buckets", "a global TIME-WAIT limit no script reaches"),
        Map.entry("net.ipv4.tcp_max_orphans", "a global limit no script reaches"),
        Map.entry("net.ipv4.tcp_l3mdev_accept", "no VRF devices in bypass"),
        Map.entry("net.ipv4.tcp_migrate_req", "no SO_REUSEPORT groups in bypass"),
        Map.entry("net.ipv4.tcp_backlog_ack_defer", "a socket-lock detail with no wire effect"),
        Map.entry("net.ipv4.ip_no_pmtu_disc", "path MTU changes need ICMP, which scripts here do not send"),
        Map.entry("net.core.rmem_max", "caps SO_RCVBUF, which bypass applies as asked"),
        Map.entry("net.core.wmem_max", "caps SO_SNDBUF, which bypass applies as asked"),
        Map.entry("net.core.rmem_default", "only used by non-TCP sockets"),
        Map.entry("net.core.wmem_default", "only used by non-TCP sockets"),
        Map.entry("net.core.somaxconn", "bypass bounds the backlog by listen()'s argument"),
        Map.entry("net.core.busy_poll", "bypass always polls"),
        Map.entry("net.core.busy_read", "bypass always polls"));

    private Sysctls() {
    }

    /** Applies {@code name=value} to the profile being built (or notes it, or marks the script skipped). */
    static void apply(String rawName, String value, Profile.Builder p) {
        String name = rawName.replace('/', '.');
        String v = value.trim();
        try {
            applyKnown(name, v, p);
        } catch (NumberFormatException e) {
            p.skip("sysctl " + name + "=" + v + ": not a number");
        }
    }

    private static void applyKnown(String name, String v, Profile.Builder p) {
        switch (name) {
            case "net.ipv4.tcp_rmem" -> {
                long[] r = triple(name, v);
                p.tcp.receiveBufferBytes((int) Math.min(r[2], 1 << 30));
                p.note(name + "=\"" + v + "\": receive buffer " + r[2] + " bytes (the autotuning ceiling, which also"
                    + " sets the window scale as on Linux)");
            }
            case "net.ipv4.tcp_wmem" -> {
                long[] w = triple(name, v);
                p.tcp.sendBufferBytes((int) Math.min(w[2], Integer.MAX_VALUE));
                p.note(name + "=\"" + v + "\": send buffer " + w[2] + " bytes (the autotuning ceiling)");
            }
            case "net.ipv4.tcp_timestamps" -> p.tcp.timestamps(number(v) != 0);
            case "net.ipv4.tcp_window_scaling" -> p.tcp.windowScaling(number(v) != 0);
            case "net.ipv4.tcp_sack" -> p.tcp.sack(number(v) != 0);
            case "net.ipv4.tcp_dsack" -> p.tcp.dsack(number(v) != 0);
            case "net.ipv4.tcp_syn_retries" -> p.synRetries = (int) number(v);
            case "net.ipv4.tcp_synack_retries" -> p.synackRetries = (int) number(v);
            case "net.ipv4.tcp_frto" -> p.tcp.frto(number(v) != 0);
            case "net.ipv4.tcp_reordering" -> p.tcp.reordering((int) number(v));
            case "net.ipv4.tcp_slow_start_after_idle" -> p.tcp.slowStartAfterIdle(number(v) != 0);
            case "net.ipv4.tcp_tso_win_divisor" -> p.tcp.tsoWinDivisor((int) number(v));
            case "net.ipv4.tcp_min_tso_segs" -> p.tcp.minTsoSegments((int) number(v));
            case "net.ipv4.tcp_retries2" -> p.tcp.maxRetransmissions((int) number(v));
            case "net.ipv4.tcp_fin_timeout" -> p.tcp.finWait2TimeoutNs(TimeUnit.SECONDS.toNanos(number(v)));
            case "net.ipv4.tcp_keepalive_time" -> p.tcp.keepAliveIdleNs(TimeUnit.SECONDS.toNanos(number(v)));
            case "net.ipv4.tcp_keepalive_intvl" -> p.tcp.keepAliveIntervalNs(TimeUnit.SECONDS.toNanos(number(v)));
            case "net.ipv4.tcp_keepalive_probes" -> p.tcp.keepAliveProbes((int) number(v));
            case "net.ipv4.tcp_invalid_ratelimit" ->
                p.tcp.challengeAckIntervalNs(TimeUnit.MILLISECONDS.toNanos(number(v)));
            case "net.ipv4.tcp_rto_min_us" -> p.tcp.rtoMinNs(TimeUnit.MICROSECONDS.toNanos(number(v)));
            case "net.ipv4.tcp_rto_max_ms" -> p.tcp.rtoMaxNs(TimeUnit.MILLISECONDS.toNanos(number(v)));
            case "net.ipv4.ip_local_port_range" -> {
                String[] parts = v.split("\\s+");
                if (parts.length != 2) {
                    p.skip("sysctl " + name + "=\"" + v + "\": expected two ports");
                    return;
                }
                p.tcp.ephemeralPorts(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
            case "net.ipv4.tcp_congestion_control" -> {
                if (v.equals("reno") || v.equals("cubic")) {
                    p.tcp.congestionControl(v);
                } else {
                    p.skip("sysctl " + name + "=" + v + ": bypass has reno and cubic");
                }
            }
            case "net.ipv4.tcp_early_retrans" -> {
                // 0: no tail-loss probes; 3 and 4: TLP on (1 and 2 were the removed RFC 5827 early retransmit).
                p.tcp.tailLossProbe(number(v) >= 3);
            }
            case "net.ipv4.tcp_recovery" -> {
                long bits = number(v);
                p.tcp.rack((bits & 1) != 0);
                if ((bits & ~1L) != 0) {
                    p.skip("sysctl " + name + "=" + v + ": RACK options beyond bit 1 (static reordering window, no"
                        + " dupthresh) are not in bypass");
                }
            }
            case "net.ipv4.tcp_ecn" -> {
                long mode = number(v);
                if (mode == 0) {
                    return;
                }
                if (mode == 2) {
                    p.note(name + "=2: bypass neither asks for nor accepts ECN (scripts negotiating ECN fail)");
                    return;
                }
                p.skip("sysctl " + name + "=" + v + ": ECN is not in bypass");
            }
            case "net.ipv4.tcp_notsent_lowat" -> {
                if (number(v) >= Integer.MAX_VALUE) {
                    p.note(name + "=" + v + ": unlimited, as bypass");
                } else {
                    p.skip("sysctl " + name + "=" + v + ": TCP_NOTSENT_LOWAT is not in bypass");
                }
            }
            case "net.ipv4.tcp_syn_linear_timeouts" -> {
                // Linux 6.x retries the SYN of an active open at a constant 1 s while it has timed out at most N
                // times (and adds N to tcp_syn_retries); bypass doubles from the first retry (RFC 6298 5.5),
                // which is Linux with 0.
                if (number(v) == 0) {
                    p.note(name + "=0: SYN timeouts double from the first retry, as bypass's");
                } else {
                    p.skip("sysctl " + name + "=" + v + ": bypass doubles SYN timeouts from the first retry (as 0)");
                }
            }
            case "net.core.default_qdisc" -> {
                if (v.equals("fq")) {
                    p.skip("sysctl " + name + "=fq: pacing (the fq qdisc) is not in bypass");
                } else {
                    p.note(name + "=" + v + ": bypass sends in order with no qdisc");
                }
            }
            default -> applyOther(name, v, p);
        }
    }

    private static void applyOther(String name, String v, Profile.Builder p) {
        String why = IRRELEVANT.get(name);
        if (why != null) {
            p.note(name + "=" + v + " ignored: " + why);
            return;
        }
        String linuxDefault = UNMODELLED_AT_DEFAULT.get(name);
        if (linuxDefault != null) {
            if (linuxDefault.equals(v) || (name.equals("net.ipv4.tcp_comp_sack_nr") && v.equals("0"))) {
                p.note(name + "=" + v + ": Linux's default, which the Linux profile documents");
            } else {
                p.skip("sysctl " + name + "=" + v + ": bypass has no such knob (only Linux's default "
                    + linuxDefault + " is reproduced)");
            }
            return;
        }
        p.skip("sysctl " + name + ": not known to the runner");
    }

    private static long number(String v) {
        String s = v.trim();
        return s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
    }

    private static long[] triple(String name, String v) {
        String[] parts = v.trim().split("\\s+");
        if (parts.length != 3) {
            throw new NumberFormatException(name + " needs three numbers");
        }
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2])};
    }
}
