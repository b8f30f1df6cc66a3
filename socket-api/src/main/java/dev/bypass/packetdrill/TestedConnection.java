package dev.bypass.packetdrill;

import dev.bypass.stack.wire.TcpHeader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The connection a script's packet lines are about (packetdrill's "socket under test"), and the mapping
 * between script and live values that packetdrill keeps for it:
 * <ul>
 *   <li>the remote side's ISN is the script's (a {@code <} SYN's sequence number is injected as written);
 *       its other sequence numbers are relative to it;
 *   <li>our ISN is learned from the SYN or SYN-ACK the stack sends; outbound sequence numbers and inbound
 *       ACK and SACK fields are relative to it (a SYN's own sequence number relative to the script's);
 *   <li>TS val: each outbound TS val the script wrote maps to the live value seen, so an inbound TS ecr
 *       naming a script value is injected as the live one; outbound TS vals are shown in script space,
 *       offset from the first one seen.
 * </ul>
 */
final class TestedConnection {
    /** packetdrill's socket states, as far as packet lines move them. */
    enum State {
        NEW, PASSIVE_LISTENING, PASSIVE_PACKET_RECEIVED, PASSIVE_SYNACK_SENT, PASSIVE_SYNACK_ACKED,
        ACTIVE_CONNECTING, ACTIVE_SYN_SENT, ACTIVE_SYN_ACKED
    }

    State state = State.NEW;
    /** Live ports; 0 until known. */
    int localPort;
    int remotePort;
    long scriptLocalIsn;
    long liveLocalIsn;
    /** The remote ISN, live and script alike. */
    long remoteIsn;
    /** The application's socket, once socket() or accept() gave it an fd; null for an unaccepted child. */
    ScriptSocket socket;

    private final Map<Long, Long> tsValScriptToLive = new HashMap<>();
    private boolean foundFirstTs;
    private long firstScriptTsVal;
    private long firstLiveTsVal;

    /** A child of a listener, created by an inbound packet (as packetdrill does for any, usually a SYN). */
    static TestedConnection child(int localPort, int remotePort, long remoteIsn) {
        TestedConnection c = new TestedConnection();
        c.state = State.PASSIVE_PACKET_RECEIVED;
        c.localPort = localPort;
        c.remotePort = remotePort;
        c.remoteIsn = remoteIsn;
        return c;
    }

    /** Maps an inbound script segment to the live segment to inject; throws {@link ScriptFailure}-worthy text. */
    Segment inboundToLive(PacketSpec p, boolean tsEcrScaled) throws MappingException {
        boolean syn = p.has(TcpHeader.SYN);
        long seqOffset = syn ? 0 : remoteIsn;
        long ackOffset = syn ? liveLocalIsn - scriptLocalIsn : liveLocalIsn;
        long ack = p.has(TcpHeader.ACK) ? p.ack() + ackOffset : p.ack();
        List<TcpOption> options = new ArrayList<>();
        for (TcpOption o : p.options()) {
            switch (o) {
                case TcpOption.Sack s -> {
                    List<long[]> blocks = new ArrayList<>();
                    for (long[] b : s.blocks()) {
                        blocks.add(new long[] {(b[0] + ackOffset) & 0xFFFF_FFFFL, (b[1] + ackOffset) & 0xFFFF_FFFFL});
                    }
                    options.add(new TcpOption.Sack(List.copyOf(blocks)));
                }
                case TcpOption.Timestamp ts when p.has(TcpHeader.ACK) -> {
                    Long live = tsValScriptToLive.get(ts.ecr());
                    long ecr;
                    if (live != null) {
                        ecr = live;
                    } else if (tsEcrScaled && foundFirstTs) {
                        ecr = (ts.ecr() - firstScriptTsVal + firstLiveTsVal) & 0xFFFF_FFFFL;
                    } else {
                        throw new MappingException("unable to infer live TS ecr for script TS ecr " + ts.ecr()
                            + ";  no matching or preceding outbound TS val");
                    }
                    options.add(new TcpOption.Timestamp(ts.val(), ecr));
                }
                default -> options.add(o);
            }
        }
        return new Segment(remotePort, localPort, p.flags(), (p.seq() + seqOffset) & 0xFFFF_FFFFL,
            ack & 0xFFFF_FFFFL, p.window(), p.urgent(), List.copyOf(options), p.payloadLength(), true);
    }

    /**
     * Maps the sequence, acknowledgment and SACK numbers of a live outbound segment to script space
     * (packetdrill's tcp_convert_seq_number, done on every segment sniffed).
     */
    Segment sequenceToScript(Segment live) {
        boolean syn = live.has(TcpHeader.SYN);
        long seqOffset = syn ? liveLocalIsn - scriptLocalIsn : liveLocalIsn;
        long ackOffset = syn ? 0 : remoteIsn;
        long ack = live.has(TcpHeader.ACK) ? live.ack() - ackOffset : live.ack();
        List<TcpOption> options = new ArrayList<>();
        for (TcpOption o : live.options()) {
            if (o instanceof TcpOption.Sack s) {
                List<long[]> blocks = new ArrayList<>();
                for (long[] b : s.blocks()) {
                    blocks.add(new long[] {(b[0] - ackOffset) & 0xFFFF_FFFFL, (b[1] - ackOffset) & 0xFFFF_FFFFL});
                }
                options.add(new TcpOption.Sack(List.copyOf(blocks)));
            } else {
                options.add(o);
            }
        }
        return new Segment(live.srcPort(), live.dstPort(), live.flags(), (live.seq() - seqOffset) & 0xFFFF_FFFFL,
            ack & 0xFFFF_FFFFL, live.window(), live.urgent(), List.copyOf(options), live.payloadLength(),
            live.payloadZero());
    }

    /**
     * Maps the TS val of an outbound segment (already in script sequence space) to script space, recording
     * the script value {@code script} expects as naming the live one (packetdrill's map_outbound_live_packet).
     */
    Segment timestampToScript(Segment segment, PacketSpec script) {
        TcpOption.Timestamp scriptTs = scriptTimestamp(script);
        if (scriptTs == null || segment.timestamp() == null) {
            return segment;
        }
        List<TcpOption> options = new ArrayList<>();
        for (TcpOption o : segment.options()) {
            if (o instanceof TcpOption.Timestamp ts) {
                tsValScriptToLive.put(scriptTs.val(), ts.val());
                if (!foundFirstTs) {
                    foundFirstTs = true;
                    firstScriptTsVal = scriptTs.val();
                    firstLiveTsVal = ts.val();
                }
                options.add(new TcpOption.Timestamp((firstScriptTsVal + ts.val() - firstLiveTsVal) & 0xFFFF_FFFFL,
                    ts.ecr()));
            } else {
                options.add(o);
            }
        }
        return segment.withOptions(List.copyOf(options));
    }

    private static TcpOption.Timestamp scriptTimestamp(PacketSpec script) {
        TcpOption.Timestamp ts = null;
        if (script.options() != null) {
            for (TcpOption o : script.options()) {
                if (o instanceof TcpOption.Timestamp t) {
                    ts = t;
                }
            }
        }
        return ts;
    }

    /** An inbound value that cannot be mapped (a TS ecr echoing nothing sent). */
    static final class MappingException extends Exception {
        MappingException(String message) {
            super(message);
        }
    }
}
