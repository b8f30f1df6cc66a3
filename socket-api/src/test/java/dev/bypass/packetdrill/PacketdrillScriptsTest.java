package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every script under {@code src/test/packetdrill} against bypass. A script listed in
 * {@code known-failures.txt} ({@code path  reason}, one a line) must fail, so the list stays honest: one
 * that starts passing fails this test until its line is removed. A script bypass cannot model is skipped.
 */
class PacketdrillScriptsTest {
    private static final Path ROOT = Path.of("src/test/packetdrill");
    private static final Path KNOWN_FAILURES = ROOT.resolve("known-failures.txt");

    @TestFactory
    Stream<DynamicTest> every_script_passes_unless_known_to_fail() throws IOException {
        Map<String, String> known = knownFailures();
        return PacketdrillRunner.scripts(List.of(ROOT)).stream().map(script -> {
            String name = ROOT.relativize(script).toString();
            return DynamicTest.dynamicTest(name, () -> {
                Result r = PacketdrillRunner.run(script);
                String why = known.get(name);
                if (why != null && why.startsWith("skips:")) {
                    // A script that must be refused (unsupported on purpose): asserted, not reported as skipped.
                    assertEquals(Result.Status.SKIP, r.status(), name + " is listed as skipping (" + why + "): "
                        + r.message());
                    return;
                }
                if (why != null) {
                    assertEquals(Result.Status.FAIL, r.status(), name + " is listed in known-failures.txt (" + why
                        + ") but " + (r.status() == Result.Status.PASS ? "passes: remove its line. "
                        : "skips: update its line. ") + r.message());
                    return;
                }
                switch (r.status()) {
                    case PASS -> {
                    }
                    case SKIP -> fail(name + " skips (" + r.reason() + "): support it, or list it in known-failures.txt"
                        + " as 'skips: why'");
                    case FAIL -> fail(r.message());
                }
            });
        });
    }

    @Test
    void known_failures_name_existing_scripts_with_a_reason() throws IOException {
        for (Map.Entry<String, String> e : knownFailures().entrySet()) {
            assertTrue(Files.isRegularFile(ROOT.resolve(e.getKey())), "known-failures.txt: no script " + e.getKey());
            assertTrue(!e.getValue().isBlank(), "known-failures.txt: " + e.getKey() + " needs a reason");
        }
    }

    /** {@code path  reason} lines; blank lines and {@code #} comments are skipped. */
    private static Map<String, String> knownFailures() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(KNOWN_FAILURES)) {
            return out;
        }
        for (String line : Files.readAllLines(KNOWN_FAILURES)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+", 2);
            out.put(parts[0], parts.length > 1 ? parts[1] : "");
        }
        return out;
    }
}
