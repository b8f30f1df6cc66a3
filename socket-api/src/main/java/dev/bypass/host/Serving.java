package dev.bypass.host;

import dev.bypass.apps.DiscardServer;
import dev.bypass.apps.EchoServer;
import dev.bypass.apps.HttpServer;
import dev.bypass.apps.UdpEchoServer;
import dev.bypass.config.BypassConfig;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bypass serve} runs: every resource of a configuration ({@link HostRuntime}) with the
 * configured services on each, on its poll thread: the HTTP/1.1 server, TCP echo, TCP discard and UDP echo.
 * ICMP echo needs no service: the stack answers pings itself. The services' figures are published as
 * counters of their resource ({@code svc.http.requests}, ...).
 *
 * <p>In the steady state nothing is allocated: the services reuse their sessions and buffers, the poll
 * threads copy counters without allocating, and the heartbeat thread only stamps a time.
 */
public final class Serving implements AutoCloseable {
    private final HostRuntime runtime;
    private final List<ResourceServices> services;

    /** The services on one resource (null where switched off); touch them on its poll thread. */
    public record ResourceServices(HostRuntime.Resource resource, HttpServer http, EchoServer tcpEcho,
                                   DiscardServer discard, UdpEchoServer udpEcho) {
    }

    private final ConnectQueryPublisher query;

    private Serving(HostRuntime runtime, List<ResourceServices> services, ConnectQueryPublisher query) {
        this.runtime = runtime;
        this.services = services;
        this.query = query;
    }

    /** Opens the resources and starts the services on each. */
    public static Serving start(BypassConfig config) throws HostRuntime.StartException {
        HostRuntime runtime = HostRuntime.open(config);
        try {
            List<ResourceServices> all = new ArrayList<>();
            BypassConfig.Services s = config.services();
            for (HostRuntime.Resource r : runtime.resources()) {
                ResourceServices rs;
                try {
                    rs = r.loop().call(() -> new ResourceServices(r,
                        s.http() ? HttpServer.start(r.stack(), s.httpPort()) : null,
                        s.tcpEcho() ? EchoServer.start(r.stack(), s.tcpEchoPort()) : null,
                        s.discard() ? DiscardServer.startCounting(r.stack(), s.discardPort()) : null,
                        s.udpEcho() ? UdpEchoServer.start(r.stack(), s.udpEchoPort()) : null));
                } catch (RuntimeException e) {
                    throw new HostRuntime.StartException("resource " + r.name() + ": cannot start the services: "
                        + e.getMessage(), e);
                }
                if (rs.http() != null) {
                    HttpServer h = rs.http();
                    r.addCounter("svc.http.connections", h::acceptedConnections);
                    r.addCounter("svc.http.requests", h::requests);
                    r.addCounter("svc.http.not_found", h::notFound);
                    r.addCounter("svc.http.rejected", h::rejected);
                    r.addCounter("svc.http.body_bytes", h::bodyBytes);
                }
                if (rs.tcpEcho() != null) {
                    EchoServer e = rs.tcpEcho();
                    r.addCounter("svc.tcp_echo.connections", e::acceptedConnections);
                    r.addCounter("svc.tcp_echo.bytes", e::echoedBytes);
                }
                if (rs.discard() != null) {
                    DiscardServer d = rs.discard();
                    r.addCounter("svc.discard.connections", d::acceptedConnections);
                    r.addCounter("svc.discard.bytes", d::receivedBytes);
                }
                if (rs.udpEcho() != null) {
                    UdpEchoServer u = rs.udpEcho();
                    r.addCounter("svc.udp_echo.datagrams", u::echoed);
                    r.addCounter("svc.udp_echo.unsent", u::unsent);
                }
                all.add(rs);
            }
            ConnectQueryPublisher query = ConnectQueryPublisher.start(runtime, config);
            return new Serving(runtime, List.copyOf(all), query);
        } catch (HostRuntime.StartException | RuntimeException | Error e) {
            runtime.close();
            throw e;
        }
    }

    public HostRuntime runtime() {
        return runtime;
    }

    public List<ResourceServices> services() {
        return services;
    }

    /** What runs where, for the start-up banner. */
    public String banner() {
        BypassConfig c = runtime.config();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "bypass serve: '%s', pid %d, %d resource%s%n", c.name(),
            ProcessHandle.current().pid(), c.resources().size(), c.resources().size() == 1 ? "" : "s"));
        for (HostRuntime.Resource r : runtime.resources()) {
            BypassConfig.Resource rc = r.config();
            sb.append(String.format(Locale.ROOT, "  %-8s %-6s %-18s mac %s  idle %s  cpu %s%n", r.name(), rc.driverType(),
                rc.addressText(), MacAddress.toString(r.stack().device().macAddress()), rc.idle(),
                rc.cpu() < 0 ? "any (" + CpuAffinity.allowedCpus() + ")" : Integer.toString(rc.cpu())));
            sb.append("           ").append(r.detail()).append('\n');
            if (rc.stack().publicAddress() != 0) {
                sb.append("           also answers for the public IP ")
                    .append(IpAddress.v4ToString(rc.stack().publicAddress())).append('\n');
            }
            if (!rc.routes().isEmpty()) {
                sb.append("           routes: ").append(String.join(", ", rc.routes().stream().map(Object::toString).toList()))
                    .append('\n');
            }
        }
        sb.append("  services: icmp echo (by the stack), ").append(c.services().describe()).append('\n');
        if (query != null) {
            sb.append("  connect query: on ").append(query.where()).append('\n');
        }
        sb.append("  counters: ").append(runtime.countersFilePath() == null ? "none (counters-file = \"none\")"
            : runtime.countersFilePath() + "  (./bypass stat --file " + runtime.countersFilePath() + ")").append('\n');
        for (String w : c.warnings()) {
            sb.append("  warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    /** Stops the services, the poll threads and the NICs; the counters keep their last values. */
    @Override
    public void close() {
        if (query != null) {
            query.close();
        }
        runtime.close();
    }

    /** The connect query service and its table publisher, or null when there is none (no public IP, or off). */
    public ConnectQueryPublisher connectQuery() {
        return query;
    }

    /** The non-zero counters of every resource, for the summary at the end. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        for (HostRuntime.Resource r : runtime.resources()) {
            Map<String, Long> counters = r.counters();
            sb.append(String.format(Locale.ROOT, "  %s %s: frames in %d, out %d; TCP connections %d (passive %d); "
                    + "HTTP requests %d; ping replies %d; frames dropped %d%n", r.name(), r.config().addressText(),
                counters.getOrDefault("eth.rx_frames", 0L), counters.getOrDefault("eth.tx_frames", 0L),
                counters.getOrDefault("tcp.passive_opens", 0L) + counters.getOrDefault("tcp.active_opens", 0L),
                counters.getOrDefault("tcp.passive_opens", 0L), counters.getOrDefault("svc.http.requests", 0L),
                counters.getOrDefault("icmp.out_echo_reps", 0L), r.stack().counters().totalDrops()));
            for (Map.Entry<String, Long> e : counters.entrySet()) {
                if (e.getValue() != 0) {
                    sb.append(String.format(Locale.ROOT, "    %-36s %16d%n", e.getKey(), e.getValue()));
                }
            }
        }
        return sb.toString();
    }
}
