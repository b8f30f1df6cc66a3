package dev.bypass.packetdrill;

import dev.bypass.stack.TcpConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a script's shell block asks of the stack: the TCP settings sockets start from, the device's
 * offloads, and notes on what was read and left aside. A profile with a {@link #skipReason()} cannot be
 * honoured: the script is skipped.
 *
 * @param tcp           settings every socket starts from (before its setsockopt calls)
 * @param synRetries    {@code tcp_syn_retries}: SYN retransmissions of active opens
 * @param synackRetries {@code tcp_synack_retries}: SYN-ACK retransmissions of passive opens (bypass has
 *                      one knob for both; each socket gets the one that applies to it)
 * @param tso           the device offers TSO (off after {@code ethtool -K tun0 tso off})
 * @param notes         settings read and ignored because they change nothing bypass does, with why
 * @param skipReason    why the script cannot run, or null
 */
public record Profile(TcpConfig tcp, int synRetries, int synackRetries, boolean tso, List<String> notes,
                      String skipReason) {

    /** Linux's defaults ({@link LinuxProfile}), with nothing noted. */
    public static Profile linux() {
        return new Builder().build();
    }

    /** Settings of a socket that listens (passive opens retransmit SYN-ACKs {@code synackRetries} times). */
    public TcpConfig forListen() {
        return tcp.toBuilder().synRetries(synackRetries).build();
    }

    /** Settings of a socket that connects. */
    public TcpConfig forConnect() {
        return tcp.toBuilder().synRetries(synRetries).build();
    }

    /** Collects settings while a shell block is read. */
    static final class Builder {
        final TcpConfig.Builder tcp = LinuxProfile.builder();
        int synRetries = LinuxProfile.SYN_RETRIES;
        int synackRetries = LinuxProfile.SYNACK_RETRIES;
        boolean tso = true;
        final List<String> notes = new ArrayList<>();
        String skipReason;

        void note(String note) {
            notes.add(note);
        }

        /** Marks the profile as impossible; the first reason wins. */
        void skip(String reason) {
            if (skipReason == null) {
                skipReason = reason;
            }
        }

        Profile build() {
            TcpConfig config;
            try {
                config = tcp.build();
            } catch (IllegalArgumentException e) {
                skip("profile: " + e.getMessage());
                config = LinuxProfile.tcpConfig();
            }
            return new Profile(config, synRetries, synackRetries, tso, List.copyOf(notes), skipReason);
        }
    }
}
