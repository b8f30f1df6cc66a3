package dev.bypass.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bypass} command line. */
@Command(name = "bypass", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "A userspace TCP/IP stack in Java over kernel-bypass NICs.",
    subcommands = {DemoCommand.class, ServeCommand.class, StatCommand.class, GetCommand.class, SendCommand.class,
        DoctorCommand.class, ConfigCommand.class, PatternCommand.class, QueryCommand.class, ConnectCommand.class,
        PacketdrillCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Running it:",
        "  ./bypass doctor                    what this host lacks (JVM flags, TAP, DPDK, hugepages, ...)",
        "  ./bypass serve --config FILE       the stack and its services until Ctrl-C",
        "                                     (example: hw-test/examples/bypass-tap.conf)",
        "  ./bypass stat                      that process's counters, live, from another shell",
        "  ./bypass get URL, send HOST:PORT   the stack as a client",
        "  ./bypass config --reference        every configuration key ($BYPASS_CONFIG names a default file)",
        "  ./bypass pattern SIZE [--sha256]   the bytes the services send, to check transfers from kernel tools",
        "  ./bypass query IP:PORT             connect through a host's connect query from kernel networking",
        "  ./bypass connect IP:PORT -n N      N connections through the query from every resource, each GET checked",
        "", "From the ./bypass launcher also:",
        "  test     build and run every test (Maven: mvn verify), as CI does",
        "  build    build without running tests",
        "  bench    bypass against kernel loopback TCP, side by side: latency, throughput, connections/s",
        "           (--full for the long run, --epsilon on the Epsilon GC, --help for the rest; bench/README.md)"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"bypass " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
