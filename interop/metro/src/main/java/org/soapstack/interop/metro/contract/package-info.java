/** JAX-WS service endpoint interface and JAXB types of the IPingService contract. */
@XmlSchema(namespace = PingContract.TNS, elementFormDefault = XmlNsForm.QUALIFIED)
package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlNsForm;
import jakarta.xml.bind.annotation.XmlSchema;
