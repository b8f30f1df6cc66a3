package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.TcpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell block read as a profile: files, sysctl lines, their mapping onto TcpConfig, and what skips. */
class ProfileTest {
    @TempDir
    Path dir;

    /** Scripts live in {@code dir/tcp/x}, so {@code ../common} is {@code dir/tcp/common}. */
    private Profile profile(String command) {
        return ShellBlock.profile(command, dir.resolve("tcp/x"));
    }

    @Test
    void linux_profile_has_linuxs_defaults() {
        TcpConfig c = LinuxProfile.tcpConfig();
        assertEquals(10, c.initialWindowSegments());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(200), c.rtoMinNs());
        assertEquals(TimeUnit.SECONDS.toNanos(1), c.rtoInitialNs());
        assertEquals(TimeUnit.SECONDS.toNanos(120), c.rtoMaxNs());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(40), c.delayedAckNs());
        assertEquals(TimeUnit.SECONDS.toNanos(60), c.timeWaitNs());
        assertEquals(6291456, c.receiveBufferBytes());
        assertEquals(4194304, c.sendBufferBytes());
        assertEquals("cubic", c.congestionControl());
        assertTrue(c.sack() && c.dsack() && c.rack() && c.tailLossProbe() && c.frto() && c.slowStartAfterIdle());
        assertTrue(c.timestamps() && c.windowScaling() && c.tso());
        assertEquals(3, c.reordering());
        Profile p = Profile.linux();
        assertEquals(6, p.forConnect().synRetries());
        assertEquals(5, p.forListen().synRetries());
        assertNull(p.skipReason());
    }

    @Test
    void defaults_sh_is_read_relative_to_the_script_and_its_sysctls_mapped() throws IOException {
        Files.createDirectories(dir.resolve("tcp/common"));
        Files.writeString(dir.resolve("tcp/common/defaults.sh"), """
            #!/bin/bash
            # Flush old cached data (fastopen cookies).
            ip tcp_metrics flush all > /dev/null 2>&1
            sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"
            sysctl -q net.ipv4.tcp_wmem="4096 $((256*1024)) 4194304"
            sysctl -q net.ipv4.tcp_syn_retries=5
            sysctl -q net.ipv4.tcp_synack_retries=4
            sysctl -q net.ipv4.tcp_slow_start_after_idle=0
            sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1
            sysctl -q net.ipv4.tcp_congestion_control=reno
            sysctl -q net.ipv4.tcp_notsent_lowat=4294967295 > /dev/null 2>&1
            tc qdisc add dev tun0 root pfifo
            """);
        Profile p = profile("../common/defaults.sh\nsysctl -q net.ipv4.tcp_reordering=5");
        assertNull(p.skipReason(), p.notes().toString());
        assertEquals(15 * 1024 * 1024, p.tcp().receiveBufferBytes());
        assertEquals(4194304, p.tcp().sendBufferBytes());
        assertEquals(5, p.forConnect().synRetries());
        assertEquals(4, p.forListen().synRetries());
        assertFalse(p.tcp().slowStartAfterIdle());
        assertTrue(p.tcp().tailLossProbe() && p.tcp().rack());
        assertEquals("reno", p.tcp().congestionControl());
        assertEquals(5, p.tcp().reordering());
        assertTrue(p.notes().stream().anyMatch(n -> n.contains("tcp_metrics flush")), p.notes().toString());
        assertTrue(p.notes().stream().anyMatch(n -> n.contains("pfifo")), p.notes().toString());
    }

    @Test
    void a_missing_defaults_file_means_linuxs_defaults() {
        Profile p = profile("../common/defaults.sh");
        assertNull(p.skipReason());
        assertEquals(LinuxProfile.tcpConfig(), p.tcp());
        assertTrue(p.notes().get(0).contains("not found"), p.notes().toString());
    }

    @Test
    void each_known_sysctl_moves_its_knob() {
        TcpConfig c = profile("""
            sysctl -q net.ipv4.tcp_timestamps=0 net.ipv4.tcp_window_scaling=0
            sysctl -w net.ipv4.tcp_sack=0 net/ipv4/tcp_dsack=0
            sysctl -e -q net.ipv4.tcp_frto=0
            sysctl -q net.ipv4.tcp_early_retrans=0 net.ipv4.tcp_recovery=0
            sysctl -q net.ipv4.tcp_tso_win_divisor=100 net.ipv4.tcp_min_tso_segs=10
            sysctl -q net.ipv4.tcp_keepalive_time=60 net.ipv4.tcp_keepalive_intvl=5 net.ipv4.tcp_keepalive_probes=3
            sysctl -q net.ipv4.tcp_retries2=8 net.ipv4.tcp_fin_timeout=30
            sysctl -q net.ipv4.tcp_rto_min_us=50000 net.ipv4.ip_local_port_range="40000 50000"
            """).tcp();
        assertFalse(c.timestamps() || c.windowScaling() || c.sack() || c.dsack() || c.frto() || c.tailLossProbe()
            || c.rack());
        assertEquals(100, c.tsoWinDivisor());
        assertEquals(10, c.minTsoSegments());
        assertEquals(TimeUnit.SECONDS.toNanos(60), c.keepAliveIdleNs());
        assertEquals(TimeUnit.SECONDS.toNanos(5), c.keepAliveIntervalNs());
        assertEquals(3, c.keepAliveProbes());
        assertEquals(8, c.maxRetransmissions());
        assertEquals(TimeUnit.SECONDS.toNanos(30), c.finWait2TimeoutNs());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(50), c.rtoMinNs());
        assertEquals(40000, c.ephemeralPortFirst());
    }

    @Test
    void set_sysctls_py_and_echo_to_proc_are_sysctls_too() {
        Profile p = profile("""
            ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_slow_start_after_idle=1 \\
                                     /proc/sys/net/ipv4/tcp_min_tso_segs=10
            echo 2 > /proc/sys/net/ipv4/tcp_reordering
            """);
        assertNull(p.skipReason());
        assertTrue(p.tcp().slowStartAfterIdle());
        assertEquals(10, p.tcp().minTsoSegments());
        assertEquals(2, p.tcp().reordering());
    }

    @Test
    void sysctls_without_effect_are_noted_and_ignored() {
        Profile p = profile("""
            sysctl -q net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4
            sysctl -q net.ipv4.tcp_pacing_ss_ratio=200
            sysctl -q net.ipv4.tcp_fack=0
            sysctl -q net.ipv4.tcp_autocorking=1
            echo 3 > /sys/module/tcp_cubic/parameters/hystart_detect
            /tmp/sysctl_restore_${PPID}.sh
            """);
        assertNull(p.skipReason(), p.skipReason());
        assertEquals(6, p.notes().size(), p.notes().toString());
    }

    @Test
    void what_bypass_cannot_honour_skips_with_its_name() {
        assertSkip("sysctl -q net.ipv4.tcp_wobble=1", "net.ipv4.tcp_wobble");
        assertSkip("sysctl -q net.ipv4.tcp_congestion_control=bbr", "bbr");
        assertSkip("sysctl -q net.ipv4.tcp_recovery=5", "tcp_recovery");
        assertSkip("sysctl -q net.ipv4.tcp_ecn=1", "ECN");
        assertSkip("sysctl -q net.ipv4.tcp_notsent_lowat=16384", "TCP_NOTSENT_LOWAT");
        assertSkip("sysctl -q net.ipv4.tcp_autocorking=0", "tcp_autocorking");
        assertSkip("tc qdisc replace dev tun0 root fq", "fq");
        assertSkip("tc qdisc replace dev tun0 root pfifo limit 0", "queue discipline");
        assertSkip("echo 1 > /sys/module/tcp_cubic/parameters/hystart_detect", "hystart_detect");
        assertSkip("ip link set dev tun0 mtu 1280", "ip link");
        assertSkip("sysctl -q net.ipv4.tcp_reordering=zero", "not a number");
    }

    private void assertSkip(String command, String mention) {
        String why = profile(command).skipReason();
        assertTrue(why != null && why.contains(mention), command + " -> " + why);
    }

    @Test
    void ethtool_turns_the_devices_tso_off() {
        assertFalse(profile("ethtool -K tun0 tso off gso off").tso());
        assertTrue(profile("").tso());
    }

    @Test
    void shell_words_quotes_arithmetic_and_redirections() {
        assertEquals(List.of("sysctl", "-q", "net.ipv4.tcp_rmem=4096 540000 15728640"),
            ShellBlock.words("sysctl -q net.ipv4.tcp_rmem=\"4096 540000 $((15*1024*1024))\" # comment"));
        assertEquals("7 x", ShellBlock.expand("$((1 + 2 * (4 - 1))) x"));
        assertEquals(List.of(List.of("ip", "tcp_metrics", "flush", "all"), List.of("true")),
            ShellBlock.commands("ip tcp_metrics flush all > /dev/null 2>&1; true"));
    }

    @Test
    void a_command_in_the_body_skips_unless_it_is_the_restore_script() {
        assertNull(ShellBlock.bodyCommandSkipReason("/tmp/sysctl_restore_${PPID}.sh"));
        assertTrue(ShellBlock.bodyCommandSkipReason("tc qdisc replace dev tun0 root pfifo limit 0")
            .contains("tc qdisc"));
    }

    @Test
    void script_options_with_packetdrills_defaults() {
        ScriptOptions d = ScriptOptions.from(List.of());
        assertEquals(4000, d.toleranceUsecs());
        assertEquals(12.5, d.tolerancePercent());
        assertEquals(0, d.tsTickUsecs());
        assertEquals(8080, d.bindPort());
        ScriptOptions o = ScriptOptions.from(List.of(java.util.Map.entry("tolerance_usecs", "10000"),
            java.util.Map.entry("tcp_ts_tick_usecs", "1000"), java.util.Map.entry("ip_version", "ipv4")));
        assertEquals(10000, o.toleranceUsecs());
        assertEquals(1000, o.tsTickUsecs());
        assertNull(o.skipReason());
        assertTrue(ScriptOptions.from(List.of(java.util.Map.entry("ip_version", "ipv6"))).skipReason()
            .contains("IPv4"));
        assertTrue(ScriptOptions.from(List.of(java.util.Map.entry("mss", "1000"))).skipReason().contains("--mss"));
    }
}
