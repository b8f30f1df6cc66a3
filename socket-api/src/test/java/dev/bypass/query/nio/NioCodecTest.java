package dev.bypass.query.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.stack.query.ConnectQueryMessage;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The NIO library's ByteBuffer side of the protocol agrees with the stack's codec, byte for byte and verdict for verdict. */
class NioCodecTest {
    @Test
    void queries_are_written_byte_for_byte_as_the_stack_writes_them() {
        for (int length : new int[] {64, 512, 1200}) {
            ByteBuffer nio = ByteBuffer.allocate(length);
            NioConnectQuery.writeQuery(nio, 0x1122334455667788L, 3, 0xC6_12_00_0B, 80, 6, length);
            UnsafeBuffer stack = new UnsafeBuffer(new byte[length]);
            new ConnectQueryMessage().wrapForWrite(stack, 0).writeQuery(0x1122334455667788L, 3, 0xC6_12_00_0B, 80, 6, 0, 0,
                length);
            assertArrayEquals(stack.byteArray(), nio.array(), "length " + length);
        }
    }

    @Test
    void the_two_checks_agree_on_random_and_mutated_datagrams() {
        SplittableRandom random = new SplittableRandom(61);
        ConnectQueryMessage m = new ConnectQueryMessage();
        UnsafeBuffer valid = new UnsafeBuffer(new byte[ConnectQueryMessage.replyLength(4)]);
        ConnectQueryMessage w = m.wrapForWrite(valid, 0);
        w.writeReply(1, 0, 2, 3, 4, 1, 4, 5, 6, 6);
        for (int i = 0; i < 4; i++) {
            w.writeEntry(i, i, i, i, i, 1);
        }
        for (int round = 0; round < 200_000; round++) {
            byte[] d;
            if (random.nextBoolean()) {
                d = valid.byteArray().clone();
                for (int k = random.nextInt(1, 4); k > 0; k--) {
                    d[random.nextInt(d.length)] = (byte) random.nextInt(256);
                }
                d = java.util.Arrays.copyOf(d, random.nextInt(0, d.length + 8));
            } else {
                d = new byte[random.nextInt(0, 80)];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (byte) random.nextInt(256);
                }
                if (d.length > 4) {
                    d[0] = 'B';
                    d[1] = 'P';
                    d[2] = 'Q';
                    d[3] = (byte) random.nextInt(0, 3);
                    d[4] = (byte) random.nextInt(0, 5);
                }
            }
            int round0 = round;
            byte[] datagram = d;
            assertEquals(m.wrap(new UnsafeBuffer(d), 0, d.length).check(), NioConnectQuery.check(ByteBuffer.wrap(d)),
                () -> "round " + round0 + ": " + java.util.HexFormat.of().formatHex(datagram));
        }
    }
}
