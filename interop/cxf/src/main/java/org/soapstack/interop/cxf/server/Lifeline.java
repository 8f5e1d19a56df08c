package org.soapstack.interop.cxf.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ends the server when its parent closes our stdin (so a crashed test never leaves a server
 * behind). A stdin that is /dev/null or closed (background jobs, CI without input) is not
 * watched; then only a signal ends the server.
 */
public final class Lifeline {
    private Lifeline() {
    }

    /** Returns false if stdin is not worth watching. */
    public static boolean watchStdin(Runnable onClose) {
        if (!stdinWatchable()) {
            return false;
        }
        Thread t = new Thread(() -> {
            InputStream in = System.in;
            byte[] buf = new byte[256];
            try {
                while (in.read(buf) >= 0) {
                    // input is ignored; only its end matters
                }
            } catch (IOException ignored) {
                // treat as closed
            }
            onClose.run();
        }, "stdin-lifeline");
        t.setDaemon(true);
        t.start();
        return true;
    }

    /** stdin is watched unless it is /dev/null or not open at all (Linux /proc check). */
    private static boolean stdinWatchable() {
        Path fd0 = Path.of("/proc/self/fd/0");
        if (!Files.isDirectory(Path.of("/proc/self/fd"))) {
            return true; // no /proc: just watch
        }
        try {
            return !Files.readSymbolicLink(fd0).toString().equals("/dev/null");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false; // fd 0 closed
        }
    }
}
