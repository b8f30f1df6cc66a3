package dev.bypass.nic.dpdk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds and loads {@code libbypass_dpdk.so}, the C shim over DPDK ({@code native/}), once per process.
 *
 * <p>Where it looks, first match wins:
 * <ol>
 *   <li>the system property {@value #PROPERTY} (a path to the library);</li>
 *   <li>the environment variable {@value #ENVIRONMENT};</li>
 *   <li>{@value #RELATIVE_PATH} in the working directory or one of its parents (a build of this
 *       repository: Maven runs each module's tests in the module's directory).</li>
 * </ol>
 * When it is not found or does not load, {@link DpdkUnavailableException} says exactly what is missing:
 * libdpdk itself ({@code apt-get install libdpdk-dev}, then rebuild), the shim (not built yet), or the
 * DPDK libraries the shim links against ({@code librte_*.so}, listed by {@code ldd}).
 */
public final class DpdkLibrary {
    /** System property naming the library file. */
    public static final String PROPERTY = "bypass.dpdk.library";
    /** Environment variable naming the library file. */
    public static final String ENVIRONMENT = "BYPASS_DPDK_LIBRARY";
    /** Where a build of this repository puts the library, relative to the repository's root. */
    public static final String RELATIVE_PATH = "native/target/libbypass_dpdk.so";

    private static final Object LOCK = new Object();
    private static SymbolLookup symbols;
    private static Path loadedPath;
    private static DpdkUnavailableException failure;

    private DpdkLibrary() {
    }

    /**
     * The shim's symbols, loading it on first call (and checking its version and structure sizes against
     * {@link DpdkShim}).
     *
     * @throws DpdkUnavailableException when it cannot be found or loaded; the same exception every call
     */
    public static SymbolLookup load() {
        synchronized (LOCK) {
            if (symbols != null) {
                return symbols;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                Path path = locate(System.getProperty(PROPERTY), System.getenv(ENVIRONMENT),
                    Path.of("").toAbsolutePath());
                SymbolLookup lookup = open(path);
                loadedPath = path;
                symbols = lookup;
                // Under the lock (re-entered by the bindings' first calls): nobody sees an unchecked library.
                checkVersion();
                return symbols;
            } catch (DpdkUnavailableException e) {
                symbols = null;
                failure = e;
                throw e;
            }
        }
    }

    /** Null if the shim loads; otherwise why not (for tests that skip without DPDK). */
    public static String unavailableReason() {
        try {
            load();
            return null;
        } catch (DpdkUnavailableException e) {
            return e.getMessage();
        }
    }

    /** The file the shim was loaded from, or null before {@link #load()}. */
    public static Path loadedPath() {
        synchronized (LOCK) {
            return loadedPath;
        }
    }

    /**
     * Where the library is: the property, else the environment variable, else {@value #RELATIVE_PATH}
     * under {@code workingDirectory} or a parent. A property or variable naming a missing file is an
     * error (not a reason to look further): whoever set it meant that file.
     */
    static Path locate(String property, String environment, Path workingDirectory) {
        if (property != null && !property.isBlank()) {
            return requireFile(Path.of(property), "-D" + PROPERTY + "=" + property);
        }
        if (environment != null && !environment.isBlank()) {
            return requireFile(Path.of(environment), ENVIRONMENT + "=" + environment);
        }
        List<Path> tried = new ArrayList<>();
        for (Path dir = workingDirectory; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE_PATH);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            tried.add(candidate);
        }
        throw new DpdkUnavailableException(notFoundMessage(tried, libdpdkInstalled()));
    }

    private static Path requireFile(Path path, String setting) {
        if (!Files.isRegularFile(path)) {
            throw new DpdkUnavailableException("the DPDK shim named by " + setting + " does not exist; build it "
                + "with make -C native (needs libdpdk-dev: apt-get install libdpdk-dev) or fix the setting");
        }
        return path;
    }

    /** The message when no library was found, saying whether libdpdk or only the shim is missing. */
    static String notFoundMessage(List<Path> tried, boolean libdpdkInstalled) {
        String what = libdpdkInstalled
            ? "libdpdk is installed but the shim is not built: run a Maven build of the project (or make -C "
                + "native) to build " + RELATIVE_PATH
            : "libdpdk is not installed (pkg-config finds no libdpdk): apt-get install dpdk libdpdk-dev "
                + "pkg-config, then rebuild the project (or make -C native) to build " + RELATIVE_PATH;
        return "DPDK shim libbypass_dpdk.so not found: " + what + ". Or point -D" + PROPERTY + " (or "
            + ENVIRONMENT + ") at a built copy. Looked for " + (tried.isEmpty() ? "nothing" : tried.getFirst()
            + (tried.size() > 1 ? " and " + (tried.size() - 1) + " parent directories" : ""));
    }

    /** True if pkg-config knows libdpdk (the development package, which the shim is built against). */
    static boolean libdpdkInstalled() {
        try {
            Process p = new ProcessBuilder("pkg-config", "--exists", "libdpdk").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false; // no pkg-config: treat as not installed, the message says to install both
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static SymbolLookup open(Path path) {
        try {
            // The global arena: the library stays loaded for the life of the process, as EAL must.
            return SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new DpdkUnavailableException("cannot load the DPDK shim " + path + ": " + missingLibraries(path)
                + " (reinstall dpdk / libdpdk-dev, or rebuild the shim against the DPDK installed here: "
                + "make -C native clean all)", e);
        }
    }

    /** What {@code ldd} says the library cannot find, or a note that it could not tell. */
    private static String missingLibraries(Path path) {
        try {
            Process p = new ProcessBuilder("ldd", path.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            List<String> missing;
            try (Stream<String> lines = out.lines()) {
                missing = lines.filter(l -> l.contains("not found")).map(String::strip).toList();
            }
            return missing.isEmpty()
                ? "the dynamic loader refused it (wrong architecture or a corrupt file?): " + out.strip()
                : "the DPDK runtime libraries it links against are not loadable: " + String.join(", ", missing);
        } catch (IOException e) {
            return "the dynamic loader refused it (ldd unavailable to say why)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the dynamic loader refused it";
        }
    }

    private static void checkVersion() {
        int version = DpdkShim.bp_shim_version();
        if (version != DpdkShim.BP_SHIM_VERSION) {
            throw unavailable("the DPDK shim " + loadedPath + " is version " + version + ", these bindings are for "
                + DpdkShim.BP_SHIM_VERSION + ": rebuild it (make -C native) from this checkout");
        }
        checkSize("bp_dev_info", DpdkShim.bp_sizeof_dev_info(), DpdkShim.bp_dev_info.LAYOUT.byteSize());
        checkSize("bp_port_conf", DpdkShim.bp_sizeof_port_conf(), DpdkShim.bp_port_conf.LAYOUT.byteSize());
        checkSize("bp_link", DpdkShim.bp_sizeof_link(), DpdkShim.bp_link.LAYOUT.byteSize());
        checkSize("bp_stats", DpdkShim.bp_sizeof_stats(), DpdkShim.bp_stats.LAYOUT.byteSize());
        checkSize("bp_mbuf_layout", DpdkShim.bp_sizeof_mbuf_layout(), DpdkShim.bp_mbuf_layout.LAYOUT.byteSize());
        checkSize("bp_flow_rule", DpdkShim.bp_sizeof_flow_rule(), DpdkShim.bp_flow_rule.LAYOUT.byteSize());
        checkSize("bp_flow_error", DpdkShim.bp_sizeof_flow_error(), DpdkShim.bp_flow_error.LAYOUT.byteSize());
    }

    private static void checkSize(String struct, int cSize, long javaSize) {
        if (cSize != javaSize) {
            throw unavailable("struct " + struct + " is " + cSize + " bytes in the DPDK shim " + loadedPath
                + " but " + javaSize + " in DpdkShim: header and bindings disagree");
        }
    }

    private static DpdkUnavailableException unavailable(String message) {
        return new DpdkUnavailableException(message);
    }
}
