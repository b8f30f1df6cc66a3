package dev.bypass.bench;

import dev.bypass.nic.dpdk.DpdkConfig;
import dev.bypass.nic.dpdk.DpdkDevice;
import dev.bypass.nic.dpdk.DpdkEal;
import dev.bypass.nic.dpdk.DpdkEalConfig;
import dev.bypass.nic.dpdk.DpdkException;
import dev.bypass.nic.dpdk.DpdkLibrary;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The DPDK driver's burst path ({@link DpdkDevice} over the FFM shim, {@code libbypass_dpdk.so}) on DPDK's
 * {@code net_null} virtual device: no NIC, no namespace, no hugepages (EAL as
 * {@link DpdkEalConfig#forVirtualDevices()}: {@code --no-huge --no-pci}, 256 MiB, the first allowed CPU).
 * {@code net_null} frees what it is given and receives mbufs it allocates without writing them (64 bytes),
 * so the figures are the driver's and the shim's work plus DPDK's mempool, not a NIC's.
 *
 * <ul>
 *   <li>{@link #txBurst32}: 32 frames taken from the device's pool (mbufs), 60 bytes each, queued with
 *       {@code transmit} and sent by one {@code flush} (one {@code rte_eth_tx_burst}).
 *   <li>{@link #rxBurst32}: one {@code receive} of 32 frames (one {@code rte_eth_rx_burst}, each mbuf wrapped
 *       as a {@link Frame}), each frame then released (its mbuf freed), as the stack does after input.
 * </ul>
 *
 * One op is a burst of 32 frames; divide by 32 for a frame. The JMH thread is not an EAL lcore, so the
 * mempool's per-lcore cache is not used (the stack's poll thread is not one either). Without a usable DPDK
 * (no shim, no libdpdk, EAL refusing to start) the setup fails and says why: no numbers are made up.
 */
public class DpdkBurstBenchmark extends BenchmarkDefaults {
    private static final int BURST = 32;
    private static final int FRAME_BYTES = 60;

    private DpdkDevice device;
    private FramePool pool;
    private final Frame[] frames = new Frame[BURST];

    @Setup
    public void setUp() throws DpdkException {
        String reason = DpdkLibrary.unavailableReason();
        if (reason != null) {
            throw new IllegalStateException("DPDK is not usable, no figures: " + reason
                + " (build the shim with ./bypass build; needs libdpdk-dev)");
        }
        DpdkEal eal = DpdkEal.running();
        if (eal == null) {
            try {
                eal = DpdkEal.start(DpdkEalConfig.forVirtualDevices());
            } catch (DpdkException | RuntimeException e) {
                throw new IllegalStateException("DPDK's EAL did not start, no figures: " + e.getMessage(), e);
            }
        }
        try {
            device = DpdkDevice.open(eal, DpdkConfig.port("net_null0").withDevargs("net_null0"));
        } catch (DpdkException | RuntimeException e) {
            throw new IllegalStateException("net_null0 did not open (DPDK log: " + eal.logFile() + "): "
                + e.getMessage(), e);
        }
        pool = device.pool();
        System.out.println("\n" + device + ", " + device.mbufs() + " mbufs");
    }

    /**
     * Stops the device without closing it: JMH counts a trial teardown's allocations in the last iteration's
     * B/op, and closing a port allocates (about 0.5 MB here). The port and its mempool are closed by a
     * shutdown hook when the forked JVM exits.
     */
    @TearDown
    public void tearDown() {
        DpdkDevice d = device;
        if (d != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(d::close, "close-net_null0"));
        }
    }

    /** 32 frames from the pool, transmitted and flushed; returns the frames the port took (32). */
    @Benchmark
    public int txBurst32() {
        for (int i = 0; i < BURST; i++) {
            Frame f = pool.allocate();
            if (f == null) {
                throw new IllegalStateException("pool empty: " + device);
            }
            f.length(FRAME_BYTES);
            device.transmit(0, f, 0);
        }
        int sent = device.flush(0, 0);
        if (sent != BURST) {
            throw new IllegalStateException(sent + " of " + BURST + " frames sent: " + device);
        }
        return sent;
    }

    /** One receive burst of 32 frames, each released; returns the frames received (32). */
    @Benchmark
    public int rxBurst32() {
        int n = device.receive(0, frames, BURST, 0);
        for (int i = 0; i < n; i++) {
            frames[i].release();
            frames[i] = null;
        }
        if (n != BURST) {
            throw new IllegalStateException(n + " of " + BURST + " frames received: " + device);
        }
        return n;
    }
}
