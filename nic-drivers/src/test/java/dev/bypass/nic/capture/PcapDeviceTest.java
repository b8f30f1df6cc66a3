package dev.bypass.nic.capture;

import static dev.bypass.nic.testing.Packets.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.testing.Environment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapDeviceTest {
    /** 2023-11-14T22:13:20Z: a virtual-time run starting at 0 is shown at this date. */
    private static final long EPOCH_OFFSET_NS = 1_700_000_000_000_000_000L;
    private static final MacAddress MAC_A = MacAddress.local(0xA);
    private static final MacAddress MAC_B = MacAddress.local(0xB);
    private static final int TSO_BYTES = 9000;

    @TempDir
    Path dir;

    /** One record of a pcap file. */
    record PcapRecord(long seconds, long nanos, int capturedLength, int originalLength, byte[] data) {
        long timestampNs() {
            return seconds * 1_000_000_000L + nanos;
        }
    }

    /** A pcap reader for the test, written from the format description, not from {@link PcapWriter}. */
    static List<PcapRecord> read(Path file, int[] globalHeaderOut) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            globalHeaderOut[i] = i == 1 || i == 2 ? b.getShort() & 0xFFFF : b.getInt(); // magic, major, minor, zone, sigfigs, snaplen
        }
        globalHeaderOut[6] = b.getInt(); // link type
        List<PcapRecord> records = new ArrayList<>();
        while (b.hasRemaining()) {
            long seconds = b.getInt() & 0xFFFF_FFFFL;
            long nanos = b.getInt() & 0xFFFF_FFFFL;
            int captured = b.getInt();
            int original = b.getInt();
            byte[] data = new byte[captured];
            b.get(data);
            records.add(new PcapRecord(seconds, nanos, captured, original, data));
        }
        return records;
    }

    private static Packets aToB() {
        return Packets.between(MAC_A.bits(), MAC_B.bits());
    }

    private static InMemoryNicConfig offloadingNic(String name, MacAddress mac) {
        return InMemoryNicConfig.builder(name, mac)
            .offloads(DeviceCapabilities.OFFLOAD_TSO | DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM
                | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM)
            .maxTsoBytes(TSO_BYTES).frameCapacityBytes(TSO_BYTES + 128).poolFrames(256).build();
    }

    @Test
    void records_received_and_transmitted_frames_as_they_are_on_the_wire() throws Exception {
        Path file = dir.resolve("capture.pcap");
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic a = network.connect(offloadingNic("a", MAC_A));
        PcapDevice capture = new PcapDevice(a, file, EPOCH_OFFSET_NS);
        Packets p = aToB();
        byte[] plain = p.udp(payload(100, 1));
        byte[] udpReference = p.udp(payload(333, 2));
        Packets tcp = aToB();
        tcp.tcpFlags = TcpHeader.ACK | TcpHeader.PSH;
        byte[] tsoPayload = payload(4000, 3);
        byte[] fromB;
        try (InMemoryNic b = network.connect(InMemoryNicConfig.builder("b", MAC_B).build())) {
            assertSame(a.capabilities(), capture.capabilities(), "capabilities unchanged");

            capture.transmit(0, Packets.frame(a.pool(), plain), 1_000);
            capture.transmit(0, Packets.offloaded(a.pool(), udpReference, Packets.CHECKSUMS_UDP, 0), 2_000_000_123L);
            capture.transmit(0, Packets.offloaded(a.pool(), tcp.tcp(tsoPayload), Packets.TSO, 1000), 3_000_000_000L);
            assertEquals(6, capture.flush(0, 3_000_000_000L));
            fromB = Packets.between(MAC_B.bits(), MAC_A.bits()).udp(payload(60, 4));
            b.transmit(0, Packets.frame(b.pool(), fromB), 0);
            b.flush(0, 0);
            Frame[] burst = new Frame[4];
            assertEquals(1, capture.receive(0, burst, 4, 5_000_000_000L));
            burst[0].release();
        }
        capture.close();

        assertThrows(IllegalStateException.class, () -> a.flush(0, 0), "close() closed the inner device too");
        assertEquals(4, capture.capturedRecords());
        assertEquals(0, capture.lostRecords());
        assertEquals(7, capture.writtenRecords(), "the super-frame is written as its 4 segments");
        int[] header = new int[7];
        List<PcapRecord> records = read(file, header);
        assertArrayEquals(new int[] {0xA1B23C4D, 2, 4, 0, 0, 262_144, 1}, header);
        assertEquals(7, records.size());

        assertArrayEquals(plain, records.get(0).data());
        assertEquals(EPOCH_OFFSET_NS + 1_000, records.get(0).timestampNs());
        assertEquals(1_700_000_000L, records.get(0).seconds());

        assertArrayEquals(udpReference, records.get(1).data(), "checksums filled in");
        assertEquals(1_700_000_002L, records.get(1).seconds());
        assertEquals(123, records.get(1).nanos());

        for (int i = 0; i < 4; i++) {
            PcapRecord segment = records.get(2 + i);
            Packets expected = tcp.copy();
            expected.seq = tcp.seq + 1000 * i;
            expected.ipId = tcp.ipId + i;
            expected.tcpFlags = TcpHeader.ACK | (i == 3 ? TcpHeader.PSH : 0);
            assertArrayEquals(expected.tcp(Arrays.copyOfRange(tsoPayload, 1000 * i, 1000 * (i + 1))), segment.data(), "segment " + i);
            assertEquals(segment.capturedLength(), segment.originalLength());
            assertEquals(EPOCH_OFFSET_NS + 3_000_000_000L, segment.timestampNs());
        }

        assertArrayEquals(fromB, records.get(6).data(), "received frame");
        assertEquals(EPOCH_OFFSET_NS + 5_000_000_000L, records.get(6).timestampNs());

        readableByTshark(file, 7);
    }

    /** tshark must read the file without complaint and find no bad checksum in it. */
    private static void readableByTshark(Path file, int frames) throws Exception {
        Environment.requireCommands("tshark");
        List<String> lines = run("tshark", "-r", file.toString());
        assertEquals(frames, lines.size(), String.join("\n", lines));
        List<String> bad = run("tshark", "-r", file.toString(),
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0");
        assertEquals(List.of(), bad, "frames with a bad checksum according to tshark");
    }

    private static List<String> run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, process.exitValue(), "tshark exit status; stderr: " + err);
        assertEquals("", err.lines().filter(l -> !l.contains("Running as user")).reduce("", String::concat), "tshark stderr");
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void a_frame_that_does_not_fit_the_ring_is_counted_lost_and_the_poll_thread_goes_on() throws Exception {
        Path file = dir.resolve("small-ring.pcap");
        InMemoryNetwork network = new InMemoryNetwork(1);
        PcapDevice capture = new PcapDevice(network.connect(offloadingNic("a", MAC_A)), file, 0, 64 * 1024);
        Packets tcp = aToB();
        Frame big = Packets.offloaded(capture.pool(), tcp.tcp(payload(8800, 1)), Packets.TSO, 1460);

        capture.transmit(0, big, 0); // 8854 bytes: larger than an eighth of the 64 KiB ring
        capture.transmit(0, Packets.frame(capture.pool(), aToB().udp(payload(10, 1))), 1);
        capture.flush(0, 1);
        capture.close();

        assertEquals(1, capture.lostRecords());
        assertEquals(1, capture.capturedRecords());
        assertEquals(1, read(file, new int[7]).size());
    }

    @Test
    void a_small_ring_is_refused() {
        InMemoryNetwork network = new InMemoryNetwork(1);
        try (InMemoryNic a = network.connect(InMemoryNicConfig.builder("a", MAC_A).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PcapDevice(a, dir.resolve("x.pcap"), 0, 1000));
            assertTrue(e.getMessage().contains("1000 bytes"), e.getMessage());
        }
    }

    @Test
    void the_writer_keeps_up_with_many_frames_and_writes_them_in_order() throws Exception {
        Path file = dir.resolve("many.pcap");
        InMemoryNetwork network = new InMemoryNetwork(2);
        PcapDevice capture = new PcapDevice(network.connect(InMemoryNicConfig.builder("a", MAC_A).build()), file, 0);
        int frames = 20_000;
        for (int i = 0; i < frames; i++) {
            Packets p = aToB();
            p.ipId = i;
            capture.transmit(0, Packets.frame(capture.pool(), p.udp(payload(200, i))), i);
            capture.flush(0, i);
        }
        capture.close();

        List<PcapRecord> records = read(file, new int[7]);
        assertEquals(frames - capture.lostRecords(), records.size());
        long previous = -1;
        for (PcapRecord r : records) {
            assertTrue(r.timestampNs() > previous);
            previous = r.timestampNs();
            assertEquals(r.timestampNs() & 0xFFFF, Packets.getShort(r.data(), 18), "ip id matches the time it was sent at");
        }
    }
}
