package org.soapstack.interop.cxf.client;

import java.util.Map;
import java.util.UUID;

import jakarta.xml.ws.BindingProvider;

import org.apache.cxf.endpoint.Client;
import org.apache.cxf.message.Message;
import org.apache.cxf.ws.addressing.AddressingProperties;
import org.apache.cxf.ws.addressing.AttributedURIType;
import org.apache.cxf.ws.addressing.JAXWSAConstants;
import org.soapstack.interop.cxf.contract.IPingService;

/**
 * A typed CXF JAX-WS client for one {@link CaseVersion}, plus what it observed of responses.
 * Call {@link #nextCall()} before each operation: it sets the addressing version and a fresh
 * MessageID so the response's RelatesTo can be checked (versions without WS-Addressing send
 * no addressing headers).
 */
public final class PingPort implements AutoCloseable {
    private final IPingService proxy;
    private final Client client;
    private final CaseVersion version;
    private final Observation observation;
    private volatile String lastMessageId;

    PingPort(IPingService proxy, Client client, CaseVersion version, Observation observation) {
        this.proxy = proxy;
        this.client = client;
        this.version = version;
        this.observation = observation;
    }

    public IPingService service() {
        return proxy;
    }

    public CaseVersion version() {
        return version;
    }

    public Observation observed() {
        return observation;
    }

    /** The CXF client behind the proxy (its interceptor chains). */
    public Client client() {
        return client;
    }

    /**
     * Prepares the next request's WS-Addressing headers; returns its wsa:MessageID (null for
     * a version without WS-Addressing).
     */
    public String nextCall() {
        observation.reset();
        if (version.wsaNamespace() == null) {
            lastMessageId = null;
            return null;
        }
        String messageId = "urn:uuid:" + UUID.randomUUID();
        // The namespace given here selects the WS-Addressing version CXF writes (2004/08 or 1.0).
        AddressingProperties maps = new AddressingProperties(version.wsaNamespace());
        AttributedURIType id = new AttributedURIType();
        id.setValue(messageId);
        maps.setMessageID(id);
        requestContext().put(JAXWSAConstants.CLIENT_ADDRESSING_PROPERTIES, maps);
        lastMessageId = messageId;
        return messageId;
    }

    /** The wsa:MessageID set by the last {@link #nextCall()}. */
    public String lastMessageId() {
        return lastMessageId;
    }

    /** HTTP status of the last exchange (also set for faults and one-way calls). */
    public Integer httpStatus() {
        Object code = ((BindingProvider) proxy).getResponseContext().get(Message.RESPONSE_CODE);
        return code instanceof Integer ? (Integer) code : null;
    }

    /** Sets a request-context property for the following calls (e.g. security.sts.token.do.cancel). */
    public void setRequestProperty(String key, Object value) {
        requestContext().put(key, value);
    }

    private Map<String, Object> requestContext() {
        return ((BindingProvider) proxy).getRequestContext();
    }

    @Override
    public void close() {
        client.destroy();
    }
}
