package dev.bypass.packetdrill;

import dev.bypass.stack.TcpConfig;

/**
 * The profile scripts start from: Linux's TCP defaults, which live in the stack as {@link TcpConfig#linux()}
 * (one source of truth, documented knob by knob in the README's "The Linux profile"). A script's shell
 * block ({@code defaults.sh}, {@code sysctl -q net.ipv4.*}) then moves knobs (see {@link Sysctls}).
 *
 * <p>The one thing a script needs beyond {@link TcpConfig}: Linux retries SYNs ({@code tcp_syn_retries})
 * and SYN-ACKs ({@code tcp_synack_retries}) a different number of times, while bypass has one knob;
 * {@link Profile} gives each socket the one that applies to it.
 */
public final class LinuxProfile {
    /** SYN retransmissions of an active open: {@code net.ipv4.tcp_syn_retries} = 6 (about 127 s in all). */
    public static final int SYN_RETRIES = TcpConfig.linux().synRetries();

    /** SYN-ACK retransmissions of a passive open: {@code net.ipv4.tcp_synack_retries} = 5. */
    public static final int SYNACK_RETRIES = TcpConfig.linuxListener().synRetries();

    private LinuxProfile() {
    }

    /** Linux's defaults as a builder, for a script to adjust ({@link TcpConfig#linuxBuilder()}). */
    public static TcpConfig.Builder builder() {
        return TcpConfig.linuxBuilder();
    }

    /** Linux's defaults ({@link TcpConfig#linux()}). */
    public static TcpConfig tcpConfig() {
        return TcpConfig.linux();
    }
}
