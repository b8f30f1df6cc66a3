package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.OUR_IP;
import static dev.bypass.stack.TcpFixture.OUR_MAC;
import static dev.bypass.stack.TcpFixture.OUR_PORT;
import static dev.bypass.stack.TcpFixture.PEER_IP;
import static dev.bypass.stack.TcpFixture.PEER_MAC;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static dev.bypass.stack.wire.TcpHeader.SYN;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A million hostile frames against a stack that has a live TCP connection, a TCP listener and a bound
 * UDP socket: random bytes, and valid frames (ARP, ICMP, UDP, TCP to the connection and to a listener,
 * IPv4 fragments, ICMP errors) with bit flips, byte changes, truncation, length and header-length edits
 * and option garbage; half of the mutated frames get their checksums fixed so they reach past the
 * checksum checks. Seeded, on a virtual clock: the same seed replays the same run.
 *
 * <p>What must hold: nothing throws out of {@code receive}/{@code poll}; no internal error; every frame
 * ends in exactly one counter; every frame the stack sends is well formed ({@link Parsed} checks lengths
 * and checksums); and the pool has every frame back at the end.
 */
class StackFuzzTest {
    /** {@code -Dbypass.fuzz.seed=N} to run another seed. */
    private static final long SEED = Long.getLong("bypass.fuzz.seed", 0x5EED_B1A5L);
    /** {@code -Dbypass.fuzz.frames=N} for a longer or shorter run. */
    private static final int FRAMES = Integer.getInteger("bypass.fuzz.frames", 1_000_000);
    private static final int FUZZ_LISTENER_PORT = 8080;
    private static final int UDP_PORT = 53;

    @Test
    void a_million_hostile_frames_never_throw_leak_or_go_uncounted() {
        Run run = new Run(SEED);
        long start = System.nanoTime();
        run.frames(FRAMES);
        double seconds = (System.nanoTime() - start) / 1e9;
        run.drain();
        run.report(seconds);
        run.assertInvariants();
        run.f.stack.close();
        // The run reached past the checks: the connection, reassembly and UDP saw real traffic.
        assertTrue(run.established > 1, "connections established: " + run.established);
        assertTrue(run.appBytesRead > FRAMES, "bytes the connections delivered in order: " + run.appBytesRead);
        assertTrue(run.counter(Counter.TCP_IN_SEGS) > FRAMES / 10, "TCP segments past the checksum");
        assertTrue(run.counter(Counter.IP_REASM_OKS) > FRAMES / 5000, "datagrams reassembled");
        assertTrue(run.counter(Counter.UDP_IN_DATAGRAMS) > FRAMES / 100, "UDP datagrams delivered");
    }

    @Test
    void the_same_seed_replays_the_same_run() {
        Run a = new Run(7);
        a.frames(20_000);
        Run b = new Run(7);
        b.frames(20_000);
        assertArrayEquals(a.snapshot(), b.snapshot(), "counters of two runs with one seed");
        a.drain();
        a.assertInvariants();
        a.f.stack.close();
        b.f.stack.close();
    }

    /** One stack, its scripted peer and the random source. */
    private static final class Run {
        final long seed;
        final SplittableRandom random;
        final TcpFixture f = new TcpFixture();
        final TcpListener listener = f.listen();
        final TcpListener fuzzListener = f.stack.tcp().listen(FUZZ_LISTENER_PORT);
        final UdpSocket udp = f.stack.udp().open(UDP_PORT);
        final UnsafeBuffer appBuffer = new UnsafeBuffer(new byte[65536]);
        final ArrayDeque<byte[]> pendingFragments = new ArrayDeque<>();
        TcpConnection conn;
        int livePeerPort = 40000;
        int nextPeerPort = 40000;
        int established;
        long injected;
        long mutated;
        long fixedUp;
        int fragmentId = 1;
        boolean synAckSeen;
        int lastAckSeen;
        long appBytesRead;

        Run(long seed) {
            this.seed = seed;
            random = new SplittableRandom(seed);
            injected = f.counter(Counter.ETH_RX_FRAMES);
            reestablish();
        }

        long counter(Counter c) {
            return f.stack.counters().get(c);
        }

        long[] snapshot() {
            long[] v = new long[Counter.count()];
            for (Counter c : Counter.values()) {
                v[c.ordinal()] = counter(c);
            }
            return v;
        }

        // ------------------------------------------------------------------------- the run

        void frames(int total) {
            int done = 0;
            while (done < total) {
                int batch = Math.min(1 + random.nextInt(32), total - done);
                for (int i = 0; i < batch; i++) {
                    inject(nextFrame());
                }
                done += batch;
                f.now += random.nextLong(3 * TcpFixture.MS);
                poll("after frame " + done);
                application();
                if ((done & 1023) < batch && (conn == null || conn.state() != TcpState.ESTABLISHED)) {
                    reestablish();
                }
            }
        }

        void inject(byte[] frame) {
            f.device.inject(frame);
            injected++;
        }

        /** One duty cycle; then the peer looks at what the stack sent. Nothing may throw. */
        void poll(String when) {
            try {
                f.stack.poll(f.now);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("poll threw " + when + " (seed " + seed + ")", e);
            }
            observe();
        }

        /** Reads what the stack sent: every frame must parse; the peer answers ARP and tracks sequence numbers. */
        void observe() {
            for (TestDevice.Sent s : f.device.takeSent()) {
                Parsed p = Parsed.of(s.bytes());
                if (p.isArp()) {
                    if (p.arpOperation == ArpPacket.OPERATION_REQUEST && p.arpTargetIp == PEER_IP) {
                        inject(StackFixture.arpFrame(ArpPacket.OPERATION_REPLY, OUR_MAC, PEER_MAC, PEER_IP, OUR_MAC,
                            OUR_IP));
                    }
                    continue;
                }
                if (p.isTcp() && p.ipDestination == PEER_IP && p.tcp.sourcePort == OUR_PORT
                    && p.tcp.destinationPort == livePeerPort) {
                    int end = p.tcp.seq + p.tcp.sequenceLength();
                    if (p.tcp.has(SYN)) {
                        synAckSeen = true;
                        f.ourSeq = end;
                    } else if (end - f.ourSeq > 0) {
                        f.ourSeq = end;
                    }
                    if (p.tcp.has(ACK) && p.tcp.ack - f.peerSeq > 0) {
                        f.peerSeq = p.tcp.ack;
                    } else if (p.tcp.has(ACK) && p.tcp.ack == lastAckSeen && p.tcp.payloadLength == 0) {
                        // A duplicate ACK: a segment of ours was lost in the noise; go on from there.
                        f.peerSeq = p.tcp.ack;
                    }
                    lastAckSeen = p.tcp.ack;
                    if (p.tcp.hasTimestamps && p.tcp.tsEcr - f.peerTsVal >= 0) {
                        f.peerTsVal = p.tcp.tsEcr + 1; // a mutated segment moved TS.Recent ahead: keep up (PAWS)
                    }
                }
            }
        }

        /** The application: reads everything, sometimes writes, takes connections the fuzz completed. */
        void application() {
            while (udp.receive(appBuffer, 0, appBuffer.capacity()) >= 0) {
                // drained
            }
            if (conn != null && conn.state().isSynchronized()) {
                while (conn.readableBytes() > 0) {
                    appBytesRead += conn.read(appBuffer, 0, appBuffer.capacity());
                }
                if (conn.state() == TcpState.ESTABLISHED && random.nextInt(8) == 0) {
                    conn.write(appBuffer, 0, 1 + random.nextInt(3000));
                }
            }
            for (TcpConnection extra = fuzzListener.accept(); extra != null; extra = fuzzListener.accept()) {
                extra.abort();
            }
        }

        /** Closes a broken live connection and opens a new one from a new peer port (listener backlog permitting). */
        void reestablish() {
            if (conn != null) {
                conn.abort();
                conn = null;
            }
            poll("closing the live connection");
            int port = 40000 + (nextPeerPort++ % 20000);
            f.peerSeq = random.nextInt();
            f.peerTsVal += 1000;
            inject(f.seg().flags(SYN).ack(0).mss(1460).wscale(7).ports(port, OUR_PORT).frame());
            livePeerPort = port;
            synAckSeen = false;
            poll("sending the handshake's SYN");
            if (!synAckSeen) {
                return; // the listener is full or the SYN-ACK waits for ARP: try again later
            }
            // observe() took ourSeq from the SYN-ACK and peerSeq (our SYN + 1) from its ACK number.
            inject(f.seg().window(512).ports(port, OUR_PORT).frame());
            poll("sending the handshake's ACK");
            for (TcpConnection c = listener.accept(); c != null; c = listener.accept()) {
                if (c.remotePort() == port && c.state() == TcpState.ESTABLISHED) {
                    conn = c;
                    established++;
                } else {
                    c.abort();
                }
            }
        }

        /** Runs the clock far ahead so ARP, reassembly and TCP timers all finish, closing everything. */
        void drain() {
            if (conn != null) {
                conn.abort();
                conn = null;
            }
            listener.close();
            fuzzListener.close();
            udp.close();
            for (int i = 0; i < 2000; i++) {
                f.now += 500 * TcpFixture.MS;
                poll("draining");
            }
        }

        void report(double seconds) {
            StringBuilder sb = new StringBuilder();
            long frames = counter(Counter.ETH_RX_FRAMES);
            sb.append(String.format("fuzz: %,d frames in %.1f s = %,.0f frames/s%n", frames, seconds,
                frames / seconds));
            sb.append(String.format("  %,d mutated, %,d with checksums fixed; %d connections established,"
                + " %,d bytes read in order from them%n", mutated, fixedUp, established, appBytesRead));
            sb.append(String.format("  %-28s %,10d%n", Counter.STACK_RX_ACCEPTED.label(),
                counter(Counter.STACK_RX_ACCEPTED)));
            Counter[] all = Counter.values();
            Arrays.sort(all, (a, b) -> Long.compare(counter(b), counter(a)));
            for (Counter c : all) {
                if (c.kind() == Counter.Kind.DROP && counter(c) > 0) {
                    sb.append(String.format("  %-28s %,10d%n", c.label(), counter(c)));
                }
            }
            for (Counter c : new Counter[] {Counter.TCP_IN_SEGS, Counter.TCP_OUT_SEGS, Counter.TCP_BAD_OPTIONS,
                Counter.TCP_CHALLENGE_ACKS, Counter.UDP_IN_DATAGRAMS, Counter.IP_REASM_OKS, Counter.IP_REASM_FAILS,
                Counter.ICMP_OUT_MSGS, Counter.ICMP_OUT_RATE_LIMITED, Counter.ARP_CACHE_EVICTIONS,
                Counter.STACK_TX_NO_BUFFER}) {
                sb.append(String.format("  (%s %,d)%n", c.label(), counter(c)));
            }
            System.out.print(sb);
        }

        void assertInvariants() {
            RuntimeException internal = f.stack.lastInternalError();
            if (counter(Counter.STACK_INTERNAL_ERRORS) != 0) {
                StringWriter trace = new StringWriter();
                if (internal != null) {
                    internal.printStackTrace(new PrintWriter(trace));
                }
                fail("seed " + seed + ": " + counter(Counter.STACK_INTERNAL_ERRORS) + " internal errors; the last:\n"
                    + trace);
            }
            assertEquals(counter(Counter.ETH_RX_FRAMES), counter(Counter.STACK_RX_ACCEPTED)
                + f.stack.counters().totalDrops(), "every frame ends in exactly one counter");
            assertEquals(injected, counter(Counter.ETH_RX_FRAMES) + f.device.rxDropped(), "every injected frame taken");
            assertEquals(f.device.pool().size(), f.device.pool().available(), "frames leaked or still held");
        }

        // --------------------------------------------------------------------- frame sources

        byte[] nextFrame() {
            int kind = random.nextInt(100);
            if (kind < 8) {
                byte[] b = new byte[random.nextInt(1601)];
                random.nextBytes(b);
                return b;
            }
            if (kind < 15) {
                return randomBehindOurHeader();
            }
            boolean keepValid = random.nextInt(4) == 0; // valid frames keep the state moving
            byte[] frame = validFrame(keepValid);
            if (keepValid) {
                return frame;
            }
            mutated++;
            frame = mutate(frame);
            if (random.nextBoolean() && fixChecksums(frame)) {
                fixedUp++;
            }
            return frame;
        }

        byte[] randomBehindOurHeader() {
            byte[] payload = new byte[random.nextInt(1500)];
            random.nextBytes(payload);
            int type = random.nextBoolean() ? EthernetHeader.TYPE_IPV4 : EthernetHeader.TYPE_ARP;
            if (type == EthernetHeader.TYPE_IPV4 && payload.length > 0) {
                payload[0] = (byte) (0x40 | (payload[0] & 0xF));
            }
            return Packets.ethernet(OUR_MAC, PEER_MAC, type, payload);
        }

        byte[] validFrame(boolean keepValid) {
            int k = random.nextInt(100);
            if (k < 6) {
                return StackFixture.arpFrame(ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC, PEER_IP, 0,
                    OUR_IP);
            }
            if (k < 10) {
                int host = 3 + random.nextInt(250);
                int ip = (OUR_IP & 0xFFFF_FF00) | host;
                long mac = 0x02_00_00_01_00_00L | host;
                int op = random.nextBoolean() ? ArpPacket.OPERATION_REQUEST : ArpPacket.OPERATION_REPLY;
                int target = random.nextBoolean() ? OUR_IP : (OUR_IP & 0xFFFF_FF00) | random.nextInt(256);
                return StackFixture.arpFrame(op, random.nextBoolean() ? MacAddress.BROADCAST : OUR_MAC, mac, ip, 0,
                    target);
            }
            if (k < 18) {
                byte[] data = new byte[random.nextInt(200)];
                random.nextBytes(data);
                return ip(Ipv4Header.PROTOCOL_ICMP,
                    Packets.icmp(IcmpHeader.TYPE_ECHO_REQUEST, 0, random.nextInt(), data));
            }
            if (k < 28) {
                byte[] data = new byte[random.nextInt(300)];
                random.nextBytes(data);
                int port = random.nextInt(5) == 0 ? 1 + random.nextInt(65535) : UDP_PORT;
                return ip(Ipv4Header.PROTOCOL_UDP,
                    Packets.udp(PEER_IP, OUR_IP, 1024 + random.nextInt(60000), port, data));
            }
            if (k < 36) {
                return nextFragment();
            }
            if (k < 41) {
                return icmpError();
            }
            if (k < 47) {
                return toListener();
            }
            return toConnection(keepValid);
        }

        byte[] ip(int protocol, byte[] payload) {
            return Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV4,
                Packets.ipv4(PEER_IP, OUR_IP, protocol, random.nextInt(65536), 0, 64, payload));
        }

        /** The next fragment of a UDP datagram (to the bound port or not) cut into pieces sent in random order. */
        byte[] nextFragment() {
            if (pendingFragments.isEmpty()) {
                byte[] data = new byte[100 + random.nextInt(4000)];
                random.nextBytes(data);
                int port = random.nextInt(4) == 0 ? 9 : UDP_PORT;
                byte[] l4 = Packets.udp(PEER_IP, OUR_IP, 5353, port, data);
                int chunk = 8 * (8 + random.nextInt(180));
                int id = fragmentId++ & 0xFFFF;
                byte[][] pieces = new byte[(l4.length + chunk - 1) / chunk][];
                for (int i = 0; i < pieces.length; i++) {
                    int off = i * chunk;
                    int len = Math.min(chunk, l4.length - off);
                    int flags = (off + len < l4.length ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | off / 8;
                    byte[] ip = Packets.ipv4(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_UDP, id, flags, 64,
                        Arrays.copyOfRange(l4, off, off + len));
                    pieces[i] = Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV4, ip);
                }
                for (int i = pieces.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    byte[] t = pieces[i];
                    pieces[i] = pieces[j];
                    pieces[j] = t;
                }
                pendingFragments.addAll(Arrays.asList(pieces));
            }
            return pendingFragments.poll();
        }

        /** Fragmentation needed or unreachable about our TCP segment, a UDP datagram, or someone else's packet. */
        byte[] icmpError() {
            int which = random.nextInt(3);
            int seq = f.ourSeq - random.nextInt(100);
            byte[] l4 = which == 0
                ? Packets.tcp(OUR_IP, PEER_IP, OUR_PORT, livePeerPort, seq, f.peerSeq, ACK, 100, -1, -1, false, false,
                    0, 0, new byte[1400])
                : Packets.udp(OUR_IP, PEER_IP, UDP_PORT, 5353, new byte[1400]);
            int source = which == 2 ? PEER_IP : OUR_IP;
            byte[] quoted = Arrays.copyOf(Packets.ipv4(source, PEER_IP, which == 0 ? Ipv4Header.PROTOCOL_TCP
                : Ipv4Header.PROTOCOL_UDP, 1, Ipv4Header.FLAG_DONT_FRAGMENT, 64, l4), 28 + random.nextInt(40));
            int code = random.nextInt(6);
            int rest = code == IcmpHeader.CODE_FRAGMENTATION_NEEDED ? random.nextInt(1600) : 0;
            return ip(Ipv4Header.PROTOCOL_ICMP,
                Packets.icmp(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, code, rest, quoted));
        }

        /** A SYN with random options, or a stray ACK, RST or data, to the fuzz listener. */
        byte[] toListener() {
            int flags = switch (random.nextInt(6)) {
                case 0 -> ACK;
                case 1 -> TcpHeader.RST;
                case 2 -> SYN | TcpHeader.FIN;
                default -> SYN;
            };
            byte[] data = new byte[random.nextInt(3) == 0 ? random.nextInt(100) : 0];
            int sourcePort = 1024 + random.nextInt(30000);
            int mss = random.nextBoolean() ? random.nextInt(65536) : -1;
            int wscale = random.nextBoolean() ? random.nextInt(20) : -1;
            int seq = random.nextInt();
            byte[] tcp = Packets.tcp(PEER_IP, OUR_IP, sourcePort, FUZZ_LISTENER_PORT, seq, random.nextInt(), flags,
                random.nextInt(65536), mss, wscale, random.nextBoolean(), random.nextBoolean(), random.nextInt(), 0,
                data);
            return ip(Ipv4Header.PROTOCOL_TCP, tcp);
        }

        /**
         * Data or an ACK at the live connection's sequence numbers (stale ones now and then); the peer's
         * next sequence number moves on when the segment goes out unharmed.
         */
        byte[] toConnection(boolean keepValid) {
            byte[] data = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(1400)];
            random.nextBytes(data);
            boolean stale = random.nextInt(10) == 0;
            boolean oddAck = random.nextInt(10) == 0;
            int seq = stale ? f.peerSeq - random.nextInt(5000) : f.peerSeq;
            int ack = oddAck ? f.ourSeq + random.nextInt(5000) - 2500 : f.ourSeq;
            f.peerTsVal += random.nextInt(2);
            int flags = ACK | (data.length > 0 ? PSH : 0);
            byte[] frame = f.seg().flags(flags).seq(seq).ack(ack).window(512 + random.nextInt(512)).data(data)
                .ports(livePeerPort, OUR_PORT).frame();
            if (keepValid && !stale && !oddAck) {
                f.peerSeq += data.length; // an ACK of data never sent drops the segment (RFC 9293 3.10.7.4)
            }
            return frame;
        }

        // ------------------------------------------------------------------------------ mutation

        byte[] mutate(byte[] frame) {
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n && frame.length > 0; i++) {
                switch (random.nextInt(10)) {
                    case 0 -> { // bit flips
                        for (int k = 1 + random.nextInt(8); k > 0; k--) {
                            frame[random.nextInt(frame.length)] ^= (byte) (1 << random.nextInt(8));
                        }
                    }
                    case 1 -> { // byte changes
                        for (int k = 1 + random.nextInt(4); k > 0; k--) {
                            frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
                        }
                    }
                    case 2 -> frame = Arrays.copyOf(frame, random.nextInt(frame.length + 1)); // truncation
                    case 3 -> { // extension with garbage
                        int old = frame.length;
                        frame = Arrays.copyOf(frame, old + random.nextInt(64));
                        for (int k = old; k < frame.length; k++) {
                            frame[k] = (byte) random.nextInt(256);
                        }
                    }
                    case 4 -> editShort(frame, 16, randomLength()); // IPv4 total length
                    case 5 -> editNibble(frame, 14, false); // IHL
                    case 6 -> { // TCP data offset or UDP length
                        if (frame.length > 46 && frame[23] == Ipv4Header.PROTOCOL_TCP) {
                            editNibble(frame, 34 + TcpHeader.DATA_OFFSET_OFFSET, true);
                        } else {
                            editShort(frame, 38, randomLength());
                        }
                    }
                    case 7 -> { // option garbage in the TCP header, or IPv4 options that push the payload on
                        if (frame.length > 54 && frame[23] == Ipv4Header.PROTOCOL_TCP) {
                            int end = Math.min(frame.length, 34 + ((frame[46] >> 4) & 0xF) * 4);
                            for (int k = 54; k < end; k++) {
                                frame[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : random.nextInt(12));
                            }
                        } else if (frame.length > 34) {
                            frame = insertIpOptions(frame);
                        }
                    }
                    case 8 -> editShort(frame, 20, random.nextInt(65536)); // flags and fragment offset
                    default -> { // Ethernet: a tag, another EtherType or another destination
                        switch (random.nextInt(3)) {
                            case 0 -> frame = insertTag(frame);
                            case 1 -> editShort(frame, 12, new int[] {0x0800, 0x0806, 0x86DD, 0x8100, 0x88A8,
                                random.nextInt(65536)}[random.nextInt(6)]);
                            default -> frame[random.nextInt(Math.min(6, frame.length))] ^= (byte) 1;
                        }
                    }
                }
            }
            return frame;
        }

        int randomLength() {
            return switch (random.nextInt(4)) {
                case 0 -> random.nextInt(65536);
                case 1 -> random.nextInt(64);
                default -> random.nextInt(1600);
            };
        }

        void editShort(byte[] b, int offset, int value) {
            if (offset + 1 < b.length) {
                b[offset] = (byte) (value >>> 8);
                b[offset + 1] = (byte) value;
            }
        }

        void editNibble(byte[] b, int offset, boolean high) {
            if (offset < b.length) {
                int v = random.nextInt(16);
                b[offset] = (byte) (high ? (b[offset] & 0x0F) | v << 4 : (b[offset] & 0xF0) | v);
            }
        }

        byte[] insertTag(byte[] frame) {
            if (frame.length < 12) {
                return frame;
            }
            byte[] out = new byte[frame.length + 4];
            System.arraycopy(frame, 0, out, 0, 12);
            int tpid = random.nextBoolean() ? EthernetHeader.TYPE_VLAN : EthernetHeader.TYPE_QINQ;
            out[12] = (byte) (tpid >>> 8);
            out[13] = (byte) tpid;
            out[14] = (byte) random.nextInt(256);
            out[15] = (byte) random.nextInt(256);
            System.arraycopy(frame, 12, out, 16, frame.length - 12);
            return out;
        }

        byte[] insertIpOptions(byte[] frame) {
            int words = 1 + random.nextInt(10);
            byte[] out = new byte[frame.length + 4 * words];
            System.arraycopy(frame, 0, out, 0, 34);
            for (int k = 34; k < 34 + 4 * words; k++) {
                out[k] = (byte) random.nextInt(256);
            }
            System.arraycopy(frame, 34, out, 34 + 4 * words, frame.length - 34);
            out[14] = (byte) ((out[14] & 0xF0) | Math.min(15, (out[14] & 0xF) + words));
            int total = ((out[16] & 0xFF) << 8 | (out[17] & 0xFF)) + 4 * words;
            out[16] = (byte) (total >>> 8);
            out[17] = (byte) total;
            return out;
        }

        /**
         * Recomputes the IPv4 header checksum and the TCP, UDP or ICMP checksum of a mutated frame where
         * its lengths allow, so the mutation is seen past the checksum checks. Returns true if it did.
         */
        static boolean fixChecksums(byte[] b) {
            if (b.length < EthernetHeader.LENGTH) {
                return false;
            }
            UnsafeBuffer buf = new UnsafeBuffer(b);
            int l3 = new EthernetHeader().wrap(buf, 0).headerLength(b.length);
            if (l3 < 0 || (buf.getShort(l3 - 2, BIG_ENDIAN) & 0xFFFF) != EthernetHeader.TYPE_IPV4
                || b.length < l3 + 20) {
                return false;
            }
            Ipv4Header ip = new Ipv4Header().wrap(buf, l3);
            int ihl = ip.headerLength();
            if (ihl < 20 || l3 + ihl > b.length) {
                return false;
            }
            ip.updateChecksum();
            int total = ip.totalLength();
            if (total < ihl || l3 + total > b.length || (ip.flagsAndFragment() & 0x3FFF) != 0) {
                return true;
            }
            int l4 = l3 + ihl;
            int length = total - ihl;
            int pseudo = Checksum.pseudoHeaderV4(ip.source(), ip.destination(), ip.protocol(), length);
            switch (ip.protocol()) {
                case Ipv4Header.PROTOCOL_TCP -> {
                    if (length >= 20) {
                        buf.putShort(l4 + 16, (short) 0);
                        buf.putShort(l4 + 16,
                            (short) Checksum.finish(Checksum.add(pseudo, Checksum.sum(buf, l4, length))), BIG_ENDIAN);
                    }
                }
                case Ipv4Header.PROTOCOL_UDP -> {
                    int udpLength = length >= 8 ? buf.getShort(l4 + 4, BIG_ENDIAN) & 0xFFFF : 0;
                    if (udpLength >= 8 && udpLength <= length) {
                        buf.putShort(l4 + 6, (short) 0);
                        int sum = Checksum.add(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), ip.protocol(),
                            udpLength), Checksum.sum(buf, l4, udpLength));
                        int c = Checksum.finish(sum);
                        buf.putShort(l4 + 6, (short) (c == 0 ? 0xFFFF : c), BIG_ENDIAN);
                    }
                }
                case Ipv4Header.PROTOCOL_ICMP -> {
                    if (length >= 8) {
                        buf.putShort(l4 + 2, (short) 0);
                        buf.putShort(l4 + 2, (short) Checksum.finish(Checksum.sum(buf, l4, length)), BIG_ENDIAN);
                    }
                }
                default -> {
                }
            }
            return true;
        }
    }
}
