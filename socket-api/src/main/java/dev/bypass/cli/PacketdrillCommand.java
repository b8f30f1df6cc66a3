package dev.bypass.cli;

import dev.bypass.packetdrill.PacketdrillRunner;
import dev.bypass.packetdrill.Result;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bypass packetdrill PATH...}: runs packetdrill scripts against bypass on a virtual clock. */
@Command(name = "packetdrill", mixinStandardHelpOptions = true,
    description = {"Runs packetdrill scripts (.pkt) against bypass on a virtual clock.", "",
        "Each script runs on a fresh stack. Its shell block (defaults.sh, sysctl lines) is read as the profile;"
            + " socket calls map onto bypass's API; '<' lines are injected and '>' lines checked, with packetdrill's"
            + " tolerance. Directories are searched for .pkt files. A script using what bypass does not model is"
            + " skipped, with the reason. Exits 1 if any script failed."})
public final class PacketdrillCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "scripts or directories of scripts")
    List<Path> paths;

    @Option(names = {"-v", "--verbose"}, description = "print the script and actual packets of each failure")
    boolean verbose;

    @Option(names = "--trace", description = "print every packet injected and seen and every call, as they happen")
    boolean trace;

    @Option(names = "--notes", description = "print the settings and packets each run read and ignored, with why")
    boolean notes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new ParameterException(spec.commandLine(), "no such file or directory: " + p);
            }
        }
        PrintStream out = System.out;
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        for (Path script : PacketdrillRunner.scripts(paths)) {
            Result r = PacketdrillRunner.run(script, trace ? l -> out.println("    " + l) : null);
            out.println(line(r));
            if (verbose && r.status() == Result.Status.FAIL && !r.details().isEmpty()) {
                r.details().lines().forEach(l -> out.println("    " + l));
            }
            if (notes && !r.notes().isEmpty()) {
                r.notes().forEach(n -> out.println("    note: " + n));
            }
            switch (r.status()) {
                case PASS -> passed++;
                case FAIL -> failed++;
                case SKIP -> skipped++;
            }
        }
        out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        return failed == 0 ? 0 : 1;
    }

    static String line(Result r) {
        String status = switch (r.status()) {
            case PASS -> "PASS";
            case FAIL -> "FAIL";
            case SKIP -> "SKIP";
        };
        return status + " " + r.script() + (r.reason().isEmpty() ? "" : "  (" + r.reason() + ")");
    }
}
