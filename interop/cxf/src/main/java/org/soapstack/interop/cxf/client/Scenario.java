package org.soapstack.interop.cxf.client;

import java.util.List;

/**
 * One interop scenario (a report {@code scenario} name), run once per version it supports.
 * Implementations throw {@link CheckFailure} (or any exception) to fail the case.
 */
public interface Scenario {
    String name();

    /** The versions this scenario runs in; the foundation scenarios run in all four. */
    default List<WireVersion> versions() {
        return List.of(WireVersion.values());
    }

    void run(CaseContext ctx) throws Exception;
}
