package dev.bypass.nic.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.MacAddress;
import org.junit.jupiter.api.Test;

/** What can be checked without root: the config's rules and the failure to find the clone device. */
class TapConfigTest {
    @Test
    void bad_names_are_refused_with_the_rule_they_break() {
        String[][] cases = {
            {"", "empty"}, {"a/b", "'/'"}, {"a:b", "':'"}, {"a b", "whitespace"}, {"..", "reserved"},
            {"sixteen-bytes-xx", "longer than 15 bytes"}, {"tâp", "non-ASCII"}};
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TapConfig.named(c[0]));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void out_of_range_settings_are_refused() {
        TapConfig ok = TapConfig.named("bp0");
        assertThrows(IllegalArgumentException.class, () -> ok.withMtu(TapConfig.MIN_MTU - 1));
        assertThrows(IllegalArgumentException.class, () -> ok.withMtu(TapConfig.MAX_MTU + 1));
        assertThrows(IllegalArgumentException.class, () -> ok.withPoolFrames(0));
        assertThrows(IllegalArgumentException.class, () -> ok.withTxQueueFrames(0));
        IllegalArgumentException multicast = assertThrows(IllegalArgumentException.class,
            () -> ok.withMacAddress(MacAddress.parse("01:00:5e:00:00:01").bits()));
        assertTrue(multicast.getMessage().contains("group address"), multicast.getMessage());
    }

    @Test
    void a_configured_mac_is_used_as_given() {
        long mac = MacAddress.parse("02:00:00:00:be:ef").bits();
        assertEquals(mac, TapConfig.named("bp0").withMacAddress(mac).resolveMac("bp0"));
    }

    @Test
    void derived_macs_are_local_unicast_and_differ_per_name() {
        long a = TapConfig.named("bp0").resolveMac("bp0");
        long b = TapConfig.named("bp1").resolveMac("bp1");
        assertEquals(0x02, a >>> 40, MacAddress.toString(a));
        assertEquals(0x02, b >>> 40, MacAddress.toString(b));
        assertTrue(a != b);
    }

    @Test
    void a_missing_clone_device_is_reported_as_ENOENT_with_the_fix() {
        TapException e = assertThrows(TapException.class,
            () -> TapDevice.open(TapConfig.named("bp0").withCloneDevicePath("/nonexistent/net/tun")));
        assertEquals(Libc.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("ENOENT") && e.getMessage().contains("modprobe tun"), e.getMessage());
    }
}
