package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the shim is looked for, and what the error says when it is missing; no DPDK needed. */
class DpdkLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void the_property_wins_and_a_missing_file_it_names_is_an_error_naming_it() {
        Path missing = tmp.resolve("nope.so");
        DpdkUnavailableException e = assertThrows(DpdkUnavailableException.class,
            () -> DpdkLibrary.locate(missing.toString(), "/also/ignored.so", tmp));
        assertTrue(e.getMessage().contains("-Dbypass.dpdk.library=" + missing) && e.getMessage().contains("does not exist")
            && e.getMessage().contains("make -C native"), e.getMessage());
    }

    @Test
    void the_environment_variable_comes_next() throws Exception {
        Path lib = Files.createFile(tmp.resolve("libbypass_dpdk.so"));
        assertEquals(lib, DpdkLibrary.locate(null, lib.toString(), Path.of("/")));
        DpdkUnavailableException e = assertThrows(DpdkUnavailableException.class,
            () -> DpdkLibrary.locate("", tmp.resolve("gone.so").toString(), tmp));
        assertTrue(e.getMessage().contains("BYPASS_DPDK_LIBRARY="), e.getMessage());
    }

    @Test
    void then_the_build_output_in_the_working_directory_or_a_parent() throws Exception {
        Path lib = tmp.resolve(DpdkLibrary.RELATIVE_PATH);
        Files.createDirectories(lib.getParent());
        Files.createFile(lib);
        Path module = Files.createDirectories(tmp.resolve("nic-drivers/target"));
        assertEquals(lib, DpdkLibrary.locate(null, null, module));
        assertEquals(lib, DpdkLibrary.locate(null, null, tmp));
    }

    @Test
    void not_found_says_whether_libdpdk_or_only_the_shim_is_missing() {
        DpdkUnavailableException e = assertThrows(DpdkUnavailableException.class,
            () -> DpdkLibrary.locate(null, null, tmp));
        assertTrue(e.getMessage().startsWith("DPDK shim libbypass_dpdk.so not found: "), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve(DpdkLibrary.RELATIVE_PATH).toString()), e.getMessage());

        List<Path> tried = List.of(Path.of("/a/native/target/libbypass_dpdk.so"), Path.of("/native/target/libbypass_dpdk.so"));
        String noDpdk = DpdkLibrary.notFoundMessage(tried, false);
        assertTrue(noDpdk.contains("libdpdk is not installed") && noDpdk.contains("apt-get install dpdk libdpdk-dev"),
            noDpdk);
        assertTrue(noDpdk.contains("Looked for /a/native/target/libbypass_dpdk.so and 1 parent directories"), noDpdk);
        String noShim = DpdkLibrary.notFoundMessage(tried, true);
        assertTrue(noShim.contains("libdpdk is installed but the shim is not built") && noShim.contains("make -C native"),
            noShim);
    }
}
