package org.soapstack.interop.cxf.client;

import java.util.Optional;

import javax.xml.namespace.QName;

import org.apache.cxf.ws.addressing.Names;
import org.apache.cxf.ws.addressing.VersionTransformer.Names200408;
import org.soapstack.interop.cxf.contract.PingContract;

/** The SOAP × WS-Addressing versions of the contract, by their report names. */
public enum WireVersion implements CaseVersion {
    SOAP11_WSA200408("soap11-wsa200408", false, Names200408.WSA_NAMESPACE_NAME),
    SOAP11_WSA10("soap11-wsa10", false, Names.WSA_NAMESPACE_NAME),
    SOAP12_WSA200408("soap12-wsa200408", true, Names200408.WSA_NAMESPACE_NAME),
    SOAP12_WSA10("soap12-wsa10", true, Names.WSA_NAMESPACE_NAME);

    public static final String SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/";
    public static final String SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope";

    private final String id;
    private final boolean soap12;
    private final String wsaNamespace;

    WireVersion(String id, boolean soap12, String wsaNamespace) {
        this.id = id;
        this.soap12 = soap12;
        this.wsaNamespace = wsaNamespace;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean soap12() {
        return soap12;
    }

    @Override
    public String wsaNamespace() {
        return wsaNamespace;
    }

    /** Endpoint path of this SOAP version on a peer (CONTRACT.md). */
    public String path() {
        return soap12 ? "/soap12" : "/soap11";
    }

    public QName port() {
        return soap12 ? PingContract.SOAP12_PORT : PingContract.SOAP11_PORT;
    }

    public static Optional<WireVersion> byId(String id) {
        for (WireVersion v : values()) {
            if (v.id.equals(id)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
