package dev.bypass.nic.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FaultConfigTest {
    private static void assertRefused(String expectedInMessage, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    }

    @Test
    void every_bad_value_is_named() {
        assertRefused("lossPercent = 100.5", () -> FaultConfig.builder(1).lossPercent(100.5).build());
        assertRefused("duplicatePercent = -1.0", () -> FaultConfig.builder(1).duplicatePercent(-1).build());
        assertRefused("corruptPercent = NaN", () -> FaultConfig.builder(1).corruptPercent(Double.NaN).build());
        assertRefused("reorderHoldNs = 0", () -> FaultConfig.builder(1).reorderPercent(1).reorderHoldNs(0).build());
        assertRefused("delayNs = -5", () -> FaultConfig.builder(1).delayNs(-5).build());
        assertRefused("rateQueueBytes = 0", () -> FaultConfig.builder(1).rate(1_000_000, 0).build());
        assertRefused("flapDownNs = 1000", () -> FaultConfig.builder(1).flaps(1_000, 1_000).build());
        assertRefused("flapDownNs = 5", () -> FaultConfig.builder(1).flaps(0, 5).build());
        assertRefused("maxHeldFrames = 0", () -> FaultConfig.builder(1).maxHeldFrames(0).build());
    }

    @Test
    void defaults_inject_nothing() {
        FaultConfig none = FaultConfig.NONE;
        assertFalse(none.injectsFaults());
        assertFalse(none.holdsFrames());
        assertEquals(FaultConfig.DEFAULT_MAX_HELD_FRAMES, none.maxHeldFrames());
        assertTrue(FaultConfig.builder(1).lossPercent(0.1).build().injectsFaults());
        assertTrue(FaultConfig.builder(1).jitterNs(1).build().holdsFrames());
        assertEquals(FaultConfig.builder(9).delayNs(3).build(), FaultConfig.builder(9).delayNs(3).build());
    }
}
