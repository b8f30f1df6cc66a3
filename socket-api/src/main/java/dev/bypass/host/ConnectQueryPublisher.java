package dev.bypass.host;

import dev.bypass.config.BypassConfig;
import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.stack.addr.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code serve}'s connect query: the service on the resource that answers for the public IP, and a control
 * thread that rebuilds its table twice per TTL from the resources' live state. For every TCP service
 * (HTTP, echo, discard) the public tuple (public IP, port) maps to one bypass tuple per resource (its own
 * address, the port), with the resource's open connections as the load hint and its link as its health.
 * The service reads the newest table without locks; a new table is built only when health or load changed
 * enough to matter.
 */
public final class ConnectQueryPublisher implements AutoCloseable {
    private final HostRuntime runtime;
    private final BypassConfig config;
    private final AtomicReference<BypassTupleTable> table = new AtomicReference<>(BypassTupleTable.EMPTY);
    private final ScheduledExecutorService refresher;
    private final ConnectQueryService service;
    private final HostRuntime.Resource home;
    private final int[] publishedLoad;
    private final boolean[] publishedHealthy;
    private final int[] load;
    private final boolean[] healthy;
    private final int[] addresses;
    private long version;

    private ConnectQueryPublisher(HostRuntime runtime, BypassConfig config, HostRuntime.Resource home) {
        this.runtime = runtime;
        this.config = config;
        this.home = home;
        int n = runtime.resources().size();
        this.publishedLoad = new int[n];
        this.publishedHealthy = new boolean[n];
        this.load = new int[n];
        this.healthy = new boolean[n];
        this.addresses = new int[n];
        for (int i = 0; i < n; i++) {
            addresses[i] = runtime.resources().get(i).config().stack().address();
        }
        publish();
        BypassConfig.Services s = config.services();
        this.service = home.loop().call(() -> ConnectQueryService.start(home.stack(), new ConnectQueryService.Config(
            s.connectQueryPort(), s.connectQueryTtlMs(), ConnectQueryService.Config.DEFAULT.ratePerSecond(),
            ConnectQueryService.Config.DEFAULT.burst(), ConnectQueryService.Config.DEFAULT.rateLimitSources()),
            table::get));
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bypass-connect-query-table");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(50, s.connectQueryTtlMs() / 2);
        refresher.scheduleAtFixedRate(this::publishQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    /** Starts it when the configuration has a public IP and the service is on; null otherwise. */
    static ConnectQueryPublisher start(HostRuntime runtime, BypassConfig config) {
        if (config.publicIp() == 0 || !config.services().connectQuery()) {
            return null;
        }
        for (HostRuntime.Resource r : runtime.resources()) {
            if (r.config().stack().isLocalAddress(config.publicIp())) {
                return new ConnectQueryPublisher(runtime, config, r);
            }
        }
        return null;
    }

    /** The table clients are answered from now. */
    public BypassTupleTable table() {
        return table.get();
    }

    public ConnectQueryService service() {
        return service;
    }

    /** "public-ip:port (resource r0)", for the banner. */
    String where() {
        return IpAddress.v4ToString(config.publicIp()) + ":" + config.services().connectQueryPort() + " (resource "
            + home.name() + "), TTL " + config.services().connectQueryTtlMs() + " ms";
    }

    /**
     * Reads the resources' load and health and publishes a new table if they changed enough to matter: a
     * health change, or a load hint moved by more than an eighth (and by more than 8 connections). Between
     * changes nothing is built, so an idle host makes no garbage (the serve interop run keeps its Epsilon
     * heap). The connection count is read without asking the poll thread: an int a hint may see late.
     */
    public void publish() {
        boolean changed = version == 0;
        for (int i = 0; i < load.length; i++) {
            HostRuntime.Resource r = runtime.resources().get(i);
            load[i] = r.stack().tcp().connectionCount();
            healthy[i] = r.stack().device().linkUp();
            int moved = Math.abs(load[i] - publishedLoad[i]);
            if (healthy[i] != publishedHealthy[i] || (moved > 8 && moved > publishedLoad[i] / 8)) {
                changed = true;
            }
        }
        if (!changed) {
            return;
        }
        BypassConfig.Services s = config.services();
        List<Integer> ports = new ArrayList<>();
        if (s.http()) {
            ports.add(s.httpPort());
        }
        if (s.tcpEcho()) {
            ports.add(s.tcpEchoPort());
        }
        if (s.discard()) {
            ports.add(s.discardPort());
        }
        table.set(BypassTupleTable.ofResources(++version, config.publicIp(), ports, addresses, load, healthy));
        System.arraycopy(load, 0, publishedLoad, 0, load.length);
        System.arraycopy(healthy, 0, publishedHealthy, 0, healthy.length);
    }

    private void publishQuietly() {
        try {
            publish();
        } catch (RuntimeException e) {
            // a poll loop closing under us: the last table stays until close
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
