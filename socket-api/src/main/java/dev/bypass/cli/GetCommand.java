package dev.bypass.cli;

import dev.bypass.apps.HttpGet;
import dev.bypass.config.BypassConfig;
import dev.bypass.host.HostRuntime;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bypass get URL}: the stack as an HTTP client, fetching one URL over the configured resources. */
@Command(name = "get", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Fetches one URL with the stack as HTTP/1.1 client and prints size, SHA-256, time and throughput.", "",
        "Opens the configured resources (as serve does, without the services), connects from the resource that "
            + "routes to the host, GETs the URL (Connection: close; Content-Length, chunked or close-delimited bodies)"
            + " and writes the body to --out, to stdout, or nowhere (--sha256). The host must be an IPv4 address: "
            + "bypass has no DNS resolver.", "",
        "The figures go to stdout, or to stderr when the body does. Exit status: 0 for a complete 2xx response, 1 "
            + "otherwise, 2 for a usage or configuration error."},
    footer = {"", "Example: ./bypass get http://198.18.0.1:8000/blob.bin --sha256 --config hw-test/examples/bypass-tap.conf"})
public final class GetCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "URL", description = "http://A.B.C.D[:PORT]/PATH")
    String url;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "write the body to FILE ('-' for stdout)")
    String out;

    @Option(names = "--sha256", description = "do not write the body anywhere: only hash it")
    boolean hashOnly;

    @Option(names = "--timeout", converter = Durations.class, defaultValue = "60s", paramLabel = "DURATION",
        description = "give up after this long (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    /** The parts of an http URL bypass can fetch. */
    record Target(Endpoint endpoint, String authority, String path) {
        static Target parse(String url) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a URL: " + e.getMessage());
            }
            if (!"http".equalsIgnoreCase(uri.getScheme())) {
                throw new IllegalArgumentException("only http:// URLs (no TLS in bypass): '" + url + "'");
            }
            String host = uri.getHost();
            if (host == null || !host.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
                throw new IllegalArgumentException("the host must be an IPv4 address (bypass has no DNS resolver): '"
                    + (host == null ? uri.getAuthority() : host) + "'");
            }
            int port = uri.getPort() < 0 ? 80 : uri.getPort();
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                path += "?" + uri.getRawQuery();
            }
            return new Target(Endpoint.of(host, port), uri.getRawAuthority(), path);
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        Target target;
        try {
            target = Target.parse(url);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (hashOnly && out != null) {
            throw new ParameterException(spec.commandLine(), "--sha256 and --out exclude each other");
        }
        BypassConfig config = options.loadOrReport("get", err);
        if (config == null) {
            return 2;
        }
        boolean bodyToStdout = !hashOnly && (out == null || out.equals("-"));
        PrintWriter report = bodyToStdout ? err : spec.commandLine().getOut();
        try (HostRuntime runtime = open(config, err)) {
            if (runtime == null) {
                return 1;
            }
            try (OutputStream sink = hashOnly ? OutputStream.nullOutputStream()
                : bodyToStdout ? unclosed(System.out) : Files.newOutputStream(Path.of(out))) {
                return fetch(runtime, target, sink, report);
            }
        }
    }

    private int fetch(HostRuntime runtime, Target target, OutputStream sink, PrintWriter report)
        throws IOException, InterruptedException {
        int address = target.endpoint().address().v4();
        HostRuntime.Resource r = runtime.route(address);
        HttpGet get = r.loop().call(() -> HttpGet.start(r.stack(), target.endpoint(), target.authority(), target.path(),
            sink::write));
        HttpGet.Result result;
        try {
            result = get.completion().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            long got = r.loop().call(get::bodyBytes);
            r.loop().call(() -> {
                get.connection().abort();
                return null;
            });
            report.printf(Locale.ROOT, "bypass get: no complete answer in %.1f s (%d body bytes so far, connection %s)%n",
                timeout.toNanos() / 1e9, got, r.loop().call(() -> get.connection().state()));
            report.flush();
            return 1;
        } catch (ExecutionException e) {
            report.println("bypass get: " + e.getCause());
            report.flush();
            return 1;
        }
        sink.flush();
        report.print(describe(result, "GET " + url, r, IpAddress.v4ToString(address)));
        report.flush();
        return result.ok() ? 0 : 1;
    }

    /** {@code out} with a close that only flushes (standard output stays open). */
    private static OutputStream unclosed(OutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    static HostRuntime open(BypassConfig config, PrintWriter err) {
        try {
            return HostRuntime.open(config);
        } catch (HostRuntime.StartException e) {
            err.println("bypass: cannot start: " + e.getMessage());
            err.flush();
            return null;
        }
    }

    static String describe(HttpGet.Result r, String what, HostRuntime.Resource from, String to) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-11s %s (from %s %s to %s)%n", "request", what, from.name(), from.address(), to));
        sb.append(String.format(Locale.ROOT, "%-11s %s%n", "status", r.status() == 0 ? "none" : r.status() + " " + r.reason()));
        sb.append(String.format(Locale.ROOT, "%-11s %d%s%n", "bytes", r.bodyBytes(),
            r.contentLength() >= 0 ? " (Content-Length " + r.contentLength() + ")" : ""));
        sb.append(String.format(Locale.ROOT, "%-11s %s%n", "sha256", r.sha256()));
        double seconds = r.totalNs() / 1e9;
        sb.append(String.format(Locale.ROOT, "%-11s %.3f s (connected after %.3f ms)%n", "time", seconds,
            r.connectedNs() / 1e6));
        sb.append(String.format(Locale.ROOT, "%-11s %s%n", "throughput", throughput(r.bodyBytes(), seconds)));
        if (r.problem() != null) {
            sb.append(String.format(Locale.ROOT, "%-11s %s%n", "problem", r.problem()));
        }
        return sb.toString();
    }

    /** "80.6 MB/s (645 Mbit/s)". */
    static String throughput(long bytes, double seconds) {
        if (seconds <= 0) {
            return "-";
        }
        double bps = bytes / seconds;
        return String.format(Locale.ROOT, "%.1f MB/s (%.0f Mbit/s)", bps / 1e6, bps * 8 / 1e6);
    }
}
