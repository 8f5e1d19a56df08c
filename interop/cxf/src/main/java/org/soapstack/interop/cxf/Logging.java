package org.soapstack.interop.cxf;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Keeps stdout machine-readable: CXF logs through java.util.logging (to stderr, WARNING and up
 * unless --verbose); Jetty logs through slf4j, bound to slf4j-nop.
 */
final class Logging {
    /** Held so the configured levels are not lost when the loggers are collected. */
    private static final Logger[] PINNED = new Logger[4];

    private Logging() {
    }

    /**
     * @param quietChains also silence CXF's per-failure "has thrown exception, unwinding now"
     *     stack traces (the client reports failures in its JSON lines instead)
     */
    static void configure(boolean verbose, boolean quietChains) {
        Level level = verbose ? Level.INFO : Level.WARNING;
        Logger root = LogManager.getLogManager().getLogger("");
        root.setLevel(level);
        for (Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
        PINNED[0] = root;
        PINNED[1] = Logger.getLogger("org.apache.cxf");
        PINNED[1].setLevel(level);
        PINNED[2] = Logger.getLogger("org.eclipse.jetty");
        PINNED[2].setLevel(level);
        PINNED[3] = Logger.getLogger("org.apache.cxf.phase.PhaseInterceptorChain");
        PINNED[3].setLevel(quietChains && !verbose ? Level.SEVERE : level);
    }
}
