package dev.bypass.demo;

import dev.bypass.apps.BytePattern;
import dev.bypass.apps.UdpEchoServer;
import dev.bypass.host.Simulation;
import dev.bypass.nic.capture.PcapDevice;
import dev.bypass.nic.fault.FaultConfig;
import dev.bypass.nic.fault.FaultInjectingDevice;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.UdpSocket;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.NetworkDevice;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The embedded demo: two bypass hosts on an in-memory switch, in virtual time. Host A opens several TCP
 * connections to host B and both ends stream a checked byte pattern at once; A also sends UDP datagrams
 * to an echo service on B. The link is modelled by fault decorators on both NICs: a rate and a one-way
 * delay always, plus the loss, reordering, duplication and corruption asked for. Host A's NIC can be
 * captured to a pcap file.
 */
public final class Demo {
    /** What to run. */
    public record Options(long bytesPerDirection, int connections, int udpDatagrams, double lossPercent,
                          double reorderPercent, double duplicatePercent, double corruptPercent, long seed,
                          long linkBitsPerSecond, long oneWayDelayNs, boolean offloads, Path pcap)
        implements DemoLinks.LinkOptions {
        public Options {
            if (bytesPerDirection < 0 || connections < 1 || udpDatagrams < 0) {
                throw new IllegalArgumentException("demo needs bytes >= 0, connections >= 1, datagrams >= 0");
            }
            for (double p : new double[] {lossPercent, reorderPercent, duplicatePercent, corruptPercent}) {
                if (p < 0 || p > 100) {
                    throw new IllegalArgumentException("fault percentages must be 0..100, got " + p);
                }
            }
        }

        public static Options defaults() {
            return new Options(8L << 20, 4, 1000, 0, 0, 0, 0, 1, 10_000_000_000L, 20_000, true, null);
        }
    }

    /** Per-host figures. */
    public record HostReport(String name, String address, long tcpBytesSent, long tcpBytesReceived, long tcpMismatches,
                             long segmentsOut, long segmentsIn, long retransmissions, long rtoExpiries,
                             long fastRetransmits, double meanSrttUs, long udpSent, long udpReceived,
                             long udpMismatches, Map<String, Long> counters, Map<String, Long> faults) {
    }

    /** The outcome. */
    public record Result(boolean ok, String problem, long virtualNs, long wallNs, long bytesPerDirection, int connections,
                         List<HostReport> hosts, long capturedFrames) {
    }

    private static final long ONE_DAY_NS = 24L * 3600 * 1_000_000_000L;
    private static final int UDP_PORT = 7;
    /** Port 7 (echo): a port Wireshark dissects as plain data, so no heuristic guesses at the random payload. */
    private static final int TCP_PORT = 7;
    private static final int UDP_PAYLOAD = 512;

    private Demo() {
    }

    /** Runs the demo; throws if the capture file cannot be written. */
    public static Result run(Options o) throws java.io.IOException {
        long wallStart = System.nanoTime();
        InMemoryNetwork network = new InMemoryNetwork(2);
        int offloads = o.offloads() ? DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM
            | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM | DeviceCapabilities.OFFLOAD_TSO : 0;
        InMemoryNic nicA = network.connect(nic("host-a", 1, offloads));
        InMemoryNic nicB = network.connect(nic("host-b", 2, offloads));
        FaultInjectingDevice wireA = new FaultInjectingDevice(nicA, link(o, o.seed() * 2 + 1));
        FaultInjectingDevice wireB = new FaultInjectingDevice(nicB, link(o, o.seed() * 2 + 2));
        PcapDevice capture = null;
        NetworkDevice deviceA = wireA;
        if (o.pcap() != null) {
            capture = new PcapDevice(wireA, o.pcap(), System.currentTimeMillis() * 1_000_000L); // virtual time from now
            deviceA = capture;
        }
        NetworkStack a = new NetworkStack(StackConfig.builder().name("host-a").address("198.18.0.1/24")
            .secretSeed(o.seed()).build(), deviceA);
        NetworkStack b = new NetworkStack(StackConfig.builder().name("host-b").address("198.18.0.2/24")
            .secretSeed(o.seed() + 1000).build(), wireB);
        Simulation sim = new Simulation(0).add(a).add(b);

        // TCP: B listens, A connects N times; both ends of every connection stream at once.
        TcpListener listener = b.tcp().listen(TCP_PORT);
        List<PatternEndpoint> servers = new ArrayList<>();
        List<PatternEndpoint> clients = new ArrayList<>();
        listener.handler(l -> {
            TcpConnection c;
            while ((c = l.accept()) != null) {
                long id = c.remotePort(); // streams are named by the client's port: accept order may differ
                PatternEndpoint e = new PatternEndpoint(c, streamSeed(o, id, true), o.bytesPerDirection(),
                    streamSeed(o, id, false), sim.nowNs());
                servers.add(e);
                e.pump();
            }
        });
        Endpoint server = new Endpoint(IpAddress.parse("198.18.0.2"), TCP_PORT);
        for (int i = 0; i < o.connections(); i++) {
            TcpConnection c = a.tcp().connect(server);
            long id = c.localPort();
            clients.add(new PatternEndpoint(c, streamSeed(o, id, false), o.bytesPerDirection(), streamSeed(o, id, true), 0));
        }

        // UDP: B echoes, A sends numbered datagrams of a pattern and checks what comes back.
        UdpEchoServer echo = UdpEchoServer.start(b, UDP_PORT);
        UdpSocket udp = a.udp().open(0);
        UnsafeBuffer datagram = new UnsafeBuffer(ByteBuffer.allocateDirect(UDP_PAYLOAD));
        UnsafeBuffer back = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
        long[] udpSent = {0};
        long[] udpReceived = {0};
        long[] udpBad = {0};
        udp.handler(s -> {
            int n;
            while ((n = s.receive(back, 0, back.capacity())) >= 0) {
                long seq = back.getLong(0);
                udpReceived[0]++;
                if (n != UDP_PAYLOAD || BytePattern.mismatches(o.seed() ^ 0x55, seq * UDP_PAYLOAD + 8, back, 8, n - 8) != 0) {
                    udpBad[0]++;
                }
            }
        });
        int udpTarget = IpAddress.parse("198.18.0.2").v4();
        sim.everyStep(() -> {
            if (udpSent[0] < o.udpDatagrams()) {
                datagram.putLong(0, udpSent[0]);
                BytePattern.fill(o.seed() ^ 0x55, udpSent[0] * UDP_PAYLOAD + 8, datagram, 8, UDP_PAYLOAD - 8);
                if (udp.send(udpTarget, UDP_PORT, datagram, 0, UDP_PAYLOAD)) {
                    udpSent[0]++;
                }
            }
        });

        boolean finished = sim.runUntil(() -> servers.size() == o.connections() && allDone(clients) && allDone(servers)
            && udpSent[0] == o.udpDatagrams(), ONE_DAY_NS);
        // Let the last UDP echoes and the closes finish.
        sim.runFor(10_000_000L);

        long captured = 0;
        if (capture != null) {
            capture.close(); // drains the capture writer (and closes A's devices: the run is over)
            captured = capture.writtenRecords();
        }
        String problem = null;
        long expected = o.bytesPerDirection() * o.connections();
        HostReport ra = report(a, wireA, clients, udpSent[0], udpReceived[0], udpBad[0]);
        HostReport rb = report(b, wireB, servers, echo.echoed(), echo.echoed(), 0);
        if (!finished) {
            problem = "transfer did not finish within a virtual day";
        } else if (ra.tcpMismatches() + rb.tcpMismatches() + udpBad[0] > 0) {
            problem = "wrong bytes arrived: " + (ra.tcpMismatches() + rb.tcpMismatches()) + " TCP bytes, " + udpBad[0]
                + " UDP datagrams";
        } else if (ra.tcpBytesReceived() != expected || rb.tcpBytesReceived() != expected) {
            problem = "byte counts differ: A received " + ra.tcpBytesReceived() + ", B received " + rb.tcpBytesReceived()
                + ", expected " + expected + " each";
        } else if (a.counters().get(Counter.STACK_INTERNAL_ERRORS) + b.counters().get(Counter.STACK_INTERNAL_ERRORS) > 0) {
            problem = "internal errors in the stack: " + a.lastInternalError() + " / " + b.lastInternalError();
        }
        return new Result(problem == null, problem, sim.nowNs(), System.nanoTime() - wallStart, o.bytesPerDirection(),
            o.connections(), List.of(ra, rb), captured);
    }

    /** Checked after every step of the simulation: an indexed loop, nothing allocated. */
    private static boolean allDone(List<PatternEndpoint> ends) {
        for (int i = 0; i < ends.size(); i++) {
            if (!ends.get(i).done()) {
                return false;
            }
        }
        return true;
    }

    private static long streamSeed(Options o, long connection, boolean fromServer) {
        return o.seed() * 1_000_003L + connection * 2 + (fromServer ? 1 : 0);
    }

    private static InMemoryNicConfig nic(String name, int id, int offloads) {
        return DemoLinks.nic(name, id, offloads, 8192);
    }

    private static FaultConfig link(Options o, long seed) {
        return DemoLinks.link(o, seed, 8000);
    }

    private static HostReport report(NetworkStack s, FaultInjectingDevice wire, List<PatternEndpoint> ends, long udpSent,
                                     long udpReceived, long udpBad) {
        long sent = 0;
        long received = 0;
        long bad = 0;
        long segOut = 0;
        long segIn = 0;
        long retrans = 0;
        long rto = 0;
        long fast = 0;
        double srtt = 0;
        for (PatternEndpoint e : ends) {
            TcpInfo info = e.info();
            sent += e.sent();
            received += e.received();
            bad += e.mismatches();
            segOut += info.segmentsOut;
            segIn += info.segmentsIn;
            retrans += info.retransmits;
            rto += info.timeouts;
            fast += info.fastRetransmits;
            srtt += info.srttNs / 1000.0;
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            long v = s.counters().get(c);
            if (v != 0) {
                counters.put(c.label(), v);
            }
        }
        Map<String, Long> faults = new LinkedHashMap<>();
        faults.put("lost", wire.lost());
        faults.put("duplicated", wire.duplicated());
        faults.put("reordered", wire.reordered());
        faults.put("corrupted", wire.corrupted());
        faults.put("delayed", wire.delayed());
        faults.put("rate_dropped", wire.rateDropped());
        return new HostReport(s.config().name(), IpAddress.v4ToString(s.config().address()), sent, received, bad, segOut,
            segIn, retrans, rto, fast, ends.isEmpty() ? 0 : srtt / ends.size(), udpSent, udpReceived, udpBad, counters,
            faults);
    }
}
