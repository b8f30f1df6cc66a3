package dev.bypass.packetdrill;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A parsed packetdrill script.
 *
 * @param path           where it was read from (messages name it; shell paths are relative to its directory)
 * @param options        the {@code --name=value} lines at its top, in order (value "" for a bare flag)
 * @param initCommand    the backquoted shell block before the first event, or null
 * @param events         the body, in order
 * @param cleanupCommand the backquoted shell block after the last event, or null
 */
record Script(Path path, List<Map.Entry<String, String>> options, String initCommand, List<Event> events,
              String cleanupCommand) {

    /** The file name for messages ({@code blocking-accept.pkt}), or the path as given. */
    String displayName() {
        return path.toString();
    }
}
