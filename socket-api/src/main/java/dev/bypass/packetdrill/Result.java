package dev.bypass.packetdrill;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of one script.
 *
 * @param script  the script file
 * @param status  PASS, FAIL or SKIP
 * @param reason  for FAIL the first line of the failure ({@code file:line: error handling packet: ...}),
 *                for SKIP what is not supported; empty for PASS
 * @param details the rest of a failure message (the script and actual packets), or ""
 * @param notes   settings read and ignored while preparing the run, with why
 */
public record Result(Path script, Status status, String reason, String details, List<String> notes) {
    public enum Status { PASS, FAIL, SKIP }

    static Result pass(Path script, List<String> notes) {
        return new Result(script, Status.PASS, "", "", List.copyOf(notes));
    }

    static Result fail(Path script, String message, List<String> notes) {
        int nl = message.indexOf('\n');
        return new Result(script, Status.FAIL, nl < 0 ? message : message.substring(0, nl),
            nl < 0 ? "" : message.substring(nl + 1), List.copyOf(notes));
    }

    static Result skip(Path script, String reason, List<String> notes) {
        return new Result(script, Status.SKIP, reason, "", List.copyOf(notes));
    }

    /** The whole failure message: reason and details. */
    public String message() {
        return details.isEmpty() ? reason : reason + "\n" + details;
    }
}
