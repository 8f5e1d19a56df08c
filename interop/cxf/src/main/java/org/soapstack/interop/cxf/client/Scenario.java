package org.soapstack.interop.cxf.client;

import java.util.List;

/**
 * One interop scenario (a report {@code scenario} name), run once per version it supports.
 * Implementations throw {@link CheckFailure} (or any exception) to fail the case.
 */
public interface Scenario {
    String name();

    /** The versions this scenario runs in; the foundation scenarios run in all four. */
    default List<? extends CaseVersion> versions() {
        return List.of(WireVersion.values());
    }

    /** Selection groups this scenario belongs to, usable as a --cases item (e.g. "wssec"). */
    default List<String> groups() {
        return List.of();
    }

    void run(CaseContext ctx) throws Exception;
}
