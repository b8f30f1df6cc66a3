package dev.bypass.stack;

import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One stack on a {@link TestDevice} and a scripted peer: tests send one segment at a time as the peer
 * and assert exactly the segments the stack emits, on a virtual clock.
 */
class TcpFixture {
    static final long OUR_MAC = 0x02_00_00_00_00_01L;
    static final long PEER_MAC = 0x02_00_00_00_00_02L;
    static final int OUR_IP = IpAddress.parse("198.18.0.2").v4();
    static final int PEER_IP = IpAddress.parse("198.18.0.1").v4();
    static final int OUR_PORT = 80;
    static final int PEER_PORT = 40000;
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    final TestDevice device;
    final NetworkStack stack;
    final TcpConfig tcpConfig;
    long now = 1000 * SECOND;

    /** The peer's next sequence number, and the stack's (learned from its SYN or SYN-ACK). */
    int peerSeq = 1_000_000;
    int ourSeq;
    int peerTsVal = 5000;
    boolean peerTimestamps = true;
    int peerWscale = 7;
    /** Whether the peer's SYN or SYN-ACK offers SACK (RFC 2018). */
    boolean peerSackOk;
    /** Window field the peer sends by default (65535 until the handshake completes, then 512 << 7). */
    int peerWindow = 65535;

    TcpFixture() {
        this(TcpConfig.builder().build());
    }

    TcpFixture(TcpConfig tcpConfig) {
        this(tcpConfig, DeviceCapabilities.NONE);
    }

    TcpFixture(TcpConfig tcpConfig, DeviceCapabilities capabilities) {
        this.tcpConfig = tcpConfig;
        this.device = new TestDevice(OUR_MAC, 1500, capabilities, 512, 2048 + 65536);
        this.stack = new NetworkStack(StackConfig.builder().name("test").address("198.18.0.2/24").tcp(tcpConfig)
            .secretSeed(42).build(), device);
        stack.poll(now);
        // The peer asks for us: the stack learns the peer's MAC and answers. Drop those frames.
        device.inject(Packets.ethernet(0xFFFF_FFFF_FFFFL, PEER_MAC, EthernetHeader.TYPE_ARP,
            Packets.arp(ArpPacket.OPERATION_REQUEST, PEER_MAC, PEER_IP, 0, OUR_IP)));
        stack.poll(now);
        device.takeSent();
    }

    // ------------------------------------------------------------------ time

    void poll() {
        stack.poll(now);
    }

    void advance(long ns) {
        now += ns;
        stack.poll(now);
    }

    /** Runs the clock to the stack's next deadline (at most {@code limitNs} ahead); returns the time moved. */
    long advanceToNextDeadline(long limitNs) {
        long next = stack.nextDeadlineNs();
        long step = Math.min(Math.max(next - now, 0), limitNs);
        advance(step);
        return step;
    }

    // ------------------------------------------------------------------ peer -> stack

    /** A segment from the peer. */
    final class Seg {
        int flags = ACK;
        int seq = peerSeq;
        int ack = ourSeq;
        int window = peerWindow;
        int mss = -1;
        int wscale = -1;
        boolean ts = peerTimestamps;
        int tsVal = peerTsVal;
        int tsEcr;
        byte[] data = new byte[0];
        boolean sackPermitted;
        int[] sackBlocks = new int[0];
        int sourcePort = PEER_PORT;
        int destinationPort = OUR_PORT;

        Seg flags(int f) {
            flags = f;
            return this;
        }

        Seg seq(int s) {
            seq = s;
            return this;
        }

        Seg ack(int a) {
            ack = a;
            return this;
        }

        Seg window(int w) {
            window = w;
            return this;
        }

        Seg mss(int m) {
            mss = m;
            return this;
        }

        Seg wscale(int w) {
            wscale = w;
            return this;
        }

        Seg noTimestamps() {
            ts = false;
            return this;
        }

        Seg ts(int val, int ecr) {
            ts = true;
            tsVal = val;
            tsEcr = ecr;
            return this;
        }

        Seg sackPermitted() {
            sackPermitted = true;
            return this;
        }

        /** SACK blocks: {@code start, end} pairs of absolute sequence numbers. */
        Seg sack(int... blocks) {
            sackBlocks = blocks;
            return this;
        }

        Seg data(byte[] d) {
            data = d;
            return this;
        }

        Seg ports(int source, int destination) {
            sourcePort = source;
            destinationPort = destination;
            return this;
        }

        byte[] frame() {
            byte[] tcp = Packets.tcp(PEER_IP, OUR_IP, sourcePort, destinationPort, seq, ack, flags, window, mss, wscale,
                sackPermitted, ts, tsVal, tsEcr, sackBlocks, data);
            byte[] ip = Packets.ipv4(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_TCP, 1, Ipv4Header.FLAG_DONT_FRAGMENT, 64, tcp);
            return Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV4, ip);
        }
    }

    Seg seg() {
        return new Seg();
    }

    /** Injects the segment and polls once. */
    void send(Seg s) {
        device.inject(s.frame());
        stack.poll(now);
    }

    /** Sends data from the peer at peerSeq and advances peerSeq. */
    void sendData(byte[] data) {
        send(seg().flags(ACK | TcpHeader.PSH).data(data));
        peerSeq += data.length;
    }

    // ------------------------------------------------------------------ stack -> peer

    /** All TCP segments emitted since the last call (checksums verified). */
    List<Parsed> recvAll() {
        List<Parsed> out = new ArrayList<>();
        for (TestDevice.Sent s : device.takeSent()) {
            Parsed p = Parsed.of(s.bytes());
            if (p.isTcp()) {
                assertEquals(OUR_IP, p.ipSource);
                assertEquals(PEER_IP, p.ipDestination);
                assertEquals(PEER_MAC, p.destinationMac);
                assertTrue((p.ipFlagsAndFragment & Ipv4Header.FLAG_DONT_FRAGMENT) != 0, "TCP sets DF");
                out.add(p);
            }
        }
        return out;
    }

    /** Exactly one segment. */
    Parsed recv() {
        List<Parsed> all = recvAll();
        if (all.size() != 1) {
            fail("expected exactly one segment, got " + all.size() + ": " + all + "\n" + stack.counters().dumpNonZero());
        }
        return all.get(0);
    }

    void recvNothing() {
        List<Parsed> all = recvAll();
        if (!all.isEmpty()) {
            fail("expected no segment, got " + all);
        }
    }

    static void assertSegment(Parsed p, int flags, int seq, int ack) {
        assertEquals(TcpHeader.flagsToString(flags), p.flags(), "flags of " + p);
        assertEquals(seq, p.tcp.seq, "seq of " + p);
        if ((flags & ACK) != 0) {
            assertEquals(ack, p.tcp.ack, "ack of " + p);
        }
    }

    long counter(Counter c) {
        return stack.counters().get(c);
    }

    // ------------------------------------------------------------------ fixtures

    /** A listener on OUR_PORT. */
    TcpListener listen() {
        return stack.tcp().listen(OUR_PORT);
    }

    /** The peer's SYN with MSS 1460, window scale 7 and timestamps; returns the SYN-ACK. */
    Parsed peerSyn() {
        Seg syn = seg().flags(SYN).ack(0).window(65535).mss(1460).wscale(peerWscale);
        send(peerSackOk ? syn.sackPermitted() : syn);
        Parsed synAck = recv();
        peerSeq += 1;
        ourSeq = synAck.tcp.seq + 1;
        return synAck;
    }

    /** Passive open through to ESTABLISHED and accepted. */
    TcpConnection established() {
        return established(0);
    }

    /** Passive open whose handshake takes {@code rttNs} (the first RTT sample). */
    TcpConnection established(long rttNs) {
        TcpListener l = listen();
        peerSyn();
        advance(rttNs);
        peerTsVal++;
        peerWindow = 512; // scaled by 7: 65536 bytes of window
        send(seg());
        recvNothing();
        TcpConnection c = l.accept();
        assertNotNull(c, "accept after the handshake");
        assertEquals(TcpState.ESTABLISHED, c.state());
        return c;
    }

    /** An established connection we closed whose FIN the peer acknowledged: FIN-WAIT-2. */
    TcpConnection finWait2() {
        TcpConnection c = established();
        c.close();
        poll();
        recv(); // our FIN
        ourSeq++;
        send(seg().ack(ourSeq));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        return c;
    }

    /**
     * An established connection closed by us, then by the peer with a FIN that also acknowledges ours:
     * in TIME-WAIT, our last ACK received.
     */
    TcpConnection timeWait() {
        TcpConnection c = established();
        c.close();
        poll();
        recv(); // our FIN
        ourSeq++;
        send(seg().flags(dev.bypass.stack.wire.TcpHeader.FIN | ACK).ack(ourSeq));
        peerSeq++;
        recv(); // our ACK of the peer's FIN
        assertEquals(TcpState.TIME_WAIT, c.state());
        return c;
    }

    /** Active open (we connect) through to ESTABLISHED. */
    TcpConnection establishedActive() {
        TcpConnection c = stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
        poll();
        Parsed syn = recv();
        ourSeq = syn.tcp.seq + 1;
        send(seg().flags(SYN | ACK).ack(ourSeq).mss(1460).wscale(peerWscale).ts(peerTsVal, syn.tcp.tsVal)
            .ports(PEER_PORT, OUR_PORT));
        peerSeq += 1;
        Parsed ack = recv();
        assertSegment(ack, ACK, ourSeq, peerSeq);
        assertEquals(TcpState.ESTABLISHED, c.state());
        return c;
    }

    /** Writes bytes as the application. */
    int write(TcpConnection c, byte[] data) {
        return c.write(new UnsafeBuffer(data), 0, data.length);
    }

    byte[] read(TcpConnection c, int max) {
        byte[] b = new byte[max];
        int n = c.read(new UnsafeBuffer(b), 0, max);
        if (n <= 0) {
            return new byte[0];
        }
        return java.util.Arrays.copyOf(b, n);
    }
}
