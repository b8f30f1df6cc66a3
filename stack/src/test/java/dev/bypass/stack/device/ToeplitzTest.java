package dev.bypass.stack.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.stack.addr.IpAddress;
import org.junit.jupiter.api.Test;

/** The verification suite of Microsoft's RSS specification (IPv4, with and without ports). */
class ToeplitzTest {
    private final Toeplitz toeplitz = new Toeplitz(Toeplitz.MICROSOFT_KEY);

    private static int ip(String s) {
        return IpAddress.parse(s).v4();
    }

    @Test
    void matches_the_specification_verification_suite_for_ipv4_tcp() {
        assertEquals(0x51ccc178, toeplitz.hash(ip("66.9.149.187"), ip("161.142.100.80"), 2794, 1766));
        assertEquals(0xc626b0ea, toeplitz.hash(ip("199.92.111.2"), ip("65.69.140.83"), 14230, 4739));
        assertEquals(0x5c2b394a, toeplitz.hash(ip("24.19.198.95"), ip("12.22.207.184"), 12898, 38024));
        assertEquals(0xafc7327f, toeplitz.hash(ip("38.27.205.30"), ip("209.142.163.6"), 48228, 2217));
        assertEquals(0x10e828a2, toeplitz.hash(ip("153.39.163.191"), ip("202.188.127.2"), 44251, 1303));
    }

    @Test
    void matches_the_specification_verification_suite_for_ipv4_addresses_only() {
        assertEquals(0x323e8fc2, toeplitz.hash(ip("66.9.149.187"), ip("161.142.100.80")));
        assertEquals(0xd718262a, toeplitz.hash(ip("199.92.111.2"), ip("65.69.140.83")));
        assertEquals(0xd2d0a5de, toeplitz.hash(ip("24.19.198.95"), ip("12.22.207.184")));
    }

    @Test
    void symmetric_key_hashes_both_directions_of_a_flow_alike() {
        Toeplitz symmetric = new Toeplitz(Toeplitz.SYMMETRIC_KEY);
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 1000; i++) {
            int a = r.nextInt();
            int b = r.nextInt();
            int pa = r.nextInt(65536);
            int pb = r.nextInt(65536);
            assertEquals(symmetric.hash(a, b, pa, pb), symmetric.hash(b, a, pb, pa));
        }
    }
}
