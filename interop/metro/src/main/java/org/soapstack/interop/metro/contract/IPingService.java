package org.soapstack.interop.metro.contract;

import jakarta.jws.Oneway;
import jakarta.jws.WebMethod;
import jakarta.jws.WebParam;
import jakarta.jws.WebResult;
import jakarta.jws.WebService;
import jakarta.xml.bind.annotation.XmlSeeAlso;
import jakarta.xml.ws.Action;
import jakarta.xml.ws.FaultAction;
import jakarta.xml.ws.RequestWrapper;
import jakarta.xml.ws.ResponseWrapper;

/** The IPingService port type (document/literal wrapped). */
@WebService(name = "IPingService", targetNamespace = PingContract.TNS)
@XmlSeeAlso({Echo.class, EchoResponse.class, Fail.class, FailResponse.class, Notify.class,
    PingFaultInfo.class})
public interface IPingService {

    @WebMethod(operationName = "echo", action = PingContract.ECHO_ACTION)
    @Action(input = PingContract.ECHO_ACTION, output = PingContract.ECHO_RESPONSE_ACTION)
    @RequestWrapper(localName = "echo", targetNamespace = PingContract.TNS,
        className = "org.soapstack.interop.metro.contract.Echo")
    @ResponseWrapper(localName = "echoResponse", targetNamespace = PingContract.TNS,
        className = "org.soapstack.interop.metro.contract.EchoResponse")
    @WebResult(name = "echoResult", targetNamespace = PingContract.TNS)
    String echo(@WebParam(name = "request", targetNamespace = PingContract.TNS) String request);

    @WebMethod(operationName = "fail", action = PingContract.FAIL_ACTION)
    @Action(input = PingContract.FAIL_ACTION, output = PingContract.FAIL_RESPONSE_ACTION,
        fault = {@FaultAction(className = PingFault.class, value = PingContract.FAIL_FAULT_ACTION)})
    @RequestWrapper(localName = "fail", targetNamespace = PingContract.TNS,
        className = "org.soapstack.interop.metro.contract.Fail")
    @ResponseWrapper(localName = "failResponse", targetNamespace = PingContract.TNS,
        className = "org.soapstack.interop.metro.contract.FailResponse")
    void fail(@WebParam(name = "reason", targetNamespace = PingContract.TNS) String reason)
        throws PingFault;

    /** The contract's one-way {@code notify} (Java name differs to stay clear of Object.notify). */
    @Oneway
    @WebMethod(operationName = "notify", action = PingContract.NOTIFY_ACTION)
    @Action(input = PingContract.NOTIFY_ACTION)
    @RequestWrapper(localName = "notify", targetNamespace = PingContract.TNS,
        className = "org.soapstack.interop.metro.contract.Notify")
    void notifyMessage(@WebParam(name = "message", targetNamespace = PingContract.TNS) String message);
}
