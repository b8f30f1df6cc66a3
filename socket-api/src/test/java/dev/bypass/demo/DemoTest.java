package dev.bypass.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.CaptureCheck;
import dev.bypass.testing.Environment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    private static Demo.Options options(double loss, double reorder, double duplicate, double corrupt, Path pcap) {
        return new Demo.Options(512 * 1024, 3, 200, loss, reorder, duplicate, corrupt, 7, 10_000_000_000L, 20_000, true,
            pcap);
    }

    @Test
    void clean_link_moves_every_byte_without_retransmission(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("demo.pcap");
        Demo.Result r = Demo.run(options(0, 0, 0, 0, pcap));
        assertTrue(r.ok(), r.problem());
        for (Demo.HostReport h : r.hosts()) {
            assertEquals(3 * 512 * 1024, h.tcpBytesReceived());
            assertEquals(0, h.tcpMismatches());
            assertEquals(0, h.retransmissions());
            assertTrue(h.meanSrttUs() >= 40, "RTT includes the 2 x 20 us of the link: " + h.meanSrttUs());
        }
        Demo.HostReport a = r.hosts().get(0);
        assertEquals(200, a.udpSent());
        assertEquals(200, a.udpReceived());
        assertTrue(r.capturedFrames() > 1000);
        assertTrue(Files.size(pcap) > 1_000_000);
    }

    @Test
    void the_demo_capture_passes_tsharks_checks(@TempDir Path dir) throws Exception {
        Environment.requireCommands("tshark");
        Path pcap = dir.resolve("demo.pcap");
        Demo.Result r = Demo.run(options(0, 0, 0, 0, pcap));
        assertTrue(r.ok(), r.problem());
        CaptureCheck.Verdict verdict = CaptureCheck.check(pcap);
        assertTrue(verdict.cleanLink(), verdict.toString());
        assertEquals(r.capturedFrames(), verdict.frames());
    }

    @Test
    void lossy_link_still_delivers_every_byte() throws Exception {
        Demo.Result r = Demo.run(options(5, 5, 5, 1, null));
        assertTrue(r.ok(), r.problem());
        Demo.HostReport a = r.hosts().get(0);
        assertTrue(a.retransmissions() > 0);
        assertTrue(a.faults().get("lost") > 0 && a.faults().get("corrupted") > 0);
        assertEquals(3 * 512 * 1024, r.hosts().get(1).tcpBytesReceived());
    }

    @Test
    void same_seed_gives_the_same_run() throws Exception {
        Demo.Result x = Demo.run(options(3, 1, 1, 1, null));
        Demo.Result y = Demo.run(options(3, 1, 1, 1, null));
        assertEquals(x.virtualNs(), y.virtualNs(), "virtual time is deterministic");
        assertEquals(x.hosts().get(0).counters(), y.hosts().get(0).counters());
    }
}
