package dev.bypass.packetdrill;

import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import java.util.List;

/**
 * Compares a segment the stack sent (mapped to script space) with the {@code >} line expecting it, field
 * by field in packetdrill's order ({@code verify_outbound_live_packet}): lengths, flags, sequence and
 * acknowledgment numbers, window (if the line gives one), urgent pointer, then the options one by one in
 * order (unless {@code <...>}), then the payload (zeros, as packetdrill writes). Returns packetdrill's
 * message for the first difference, or null.
 */
final class OutboundCheck {
    private OutboundCheck() {
    }

    /**
     * @param tsToleranceUsecs the tolerance for TS val differences (packetdrill's, grown with the time since
     *                         the script started)
     * @param tsTickUsecs      microseconds per TS tick; 0 leaves TS vals unchecked (packetdrill's default)
     */
    static String verify(PacketSpec script, Segment actual, long tsToleranceUsecs, int tsTickUsecs) {
        boolean checkOptions = script.options() != null;
        int actualOptions = optionsLength(actual.options());
        int scriptOptions = checkOptions ? script.optionsLength() : actualOptions;
        String e = field("ipv4_total_length",
            Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH + scriptOptions + script.payloadLength(),
            Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH + actualOptions + actual.payloadLength());
        if (e == null) {
            e = field("tcp_data_offset", (TcpHeader.MIN_LENGTH + scriptOptions) / 4, (TcpHeader.MIN_LENGTH + actualOptions) / 4);
        }
        e = e != null ? e : flag("tcp_fin", script.flags(), actual.flags(), TcpHeader.FIN);
        e = e != null ? e : flag("tcp_syn", script.flags(), actual.flags(), TcpHeader.SYN);
        e = e != null ? e : flag("tcp_rst", script.flags(), actual.flags(), TcpHeader.RST);
        e = e != null ? e : flag("tcp_psh", script.flags(), actual.flags(), TcpHeader.PSH);
        e = e != null ? e : flag("tcp_ack", script.flags(), actual.flags(), TcpHeader.ACK);
        e = e != null ? e : flag("tcp_urg", script.flags(), actual.flags(), TcpHeader.URG);
        e = e != null ? e : flag("tcp_ece", script.flags(), actual.flags(), TcpHeader.ECE);
        e = e != null ? e : flag("tcp_cwr", script.flags(), actual.flags(), TcpHeader.CWR);
        e = e != null ? e : flag("tcp_ae", script.flags(), actual.flags(), PacketFlags.AE);
        e = e != null ? e : field("tcp_seq", script.seq(), actual.seq());
        e = e != null ? e : field("tcp_ack_seq", script.ack(), actual.ack());
        if (e == null && script.window() >= 0) {
            e = field("tcp_window", script.window(), actual.window());
        }
        e = e != null ? e : field("tcp_urg_ptr", script.urgent(), actual.urgent());
        if (e == null && checkOptions) {
            e = options(script.options(), actual.options(), tsToleranceUsecs, tsTickUsecs);
        }
        if (e == null && !actual.payloadZero()) {
            e = "incorrect outbound data payload";
        }
        return e;
    }

    private static String options(List<TcpOption> expected, List<TcpOption> actual, long toleranceUsecs, int tick) {
        int n = Math.max(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (i >= expected.size() || i >= actual.size() || expected.get(i).kind() != actual.get(i).kind()) {
                return "bad outbound TCP options";
            }
            TcpOption s = expected.get(i);
            TcpOption a = actual.get(i);
            if (s instanceof TcpOption.Timestamp st && a instanceof TcpOption.Timestamp at) {
                if (tick != 0 && Math.abs((long) (int) (at.val() - st.val())) * tick > toleranceUsecs) {
                    return "bad outbound TCP timestamp value, tolerance " + toleranceUsecs;
                }
            } else if (!(s instanceof TcpOption.Nop) && !(s instanceof TcpOption.Eol)) {
                String type = s.length() != a.length() ? "bad length" : !s.equals(a) ? "bad value" : null;
                if (type != null) {
                    return type + " in outbound TCP option (kind=" + s.kind() + "): expected: " + s + " actual: " + a;
                }
            }
        }
        return null;
    }

    private static int optionsLength(List<TcpOption> options) {
        int n = 0;
        for (TcpOption o : options) {
            n += o.length();
        }
        return n;
    }

    private static String flag(String name, int expected, int actual, int bit) {
        return field(name, (expected & bit) != 0 ? 1 : 0, (actual & bit) != 0 ? 1 : 0);
    }

    /** packetdrill's {@code check_field} message. */
    static String field(String name, long expected, long actual) {
        if (expected == actual) {
            return null;
        }
        return "live packet field " + name + ": expected: " + expected + " (0x" + Long.toHexString(expected)
            + ") vs actual: " + actual + " (0x" + Long.toHexString(actual) + ")";
    }
}
