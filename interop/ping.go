package interop

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
)

// The IPingService contract every peer hosts (see CONTRACT.md).
const (
	NSPing = "http://InteropBaseAddress/interop"

	ActionEcho         = NSPing + "/IPingService/echo"
	ActionEchoResponse = NSPing + "/IPingService/echoResponse"
	ActionFail         = NSPing + "/IPingService/fail"
	ActionFailFault    = NSPing + "/IPingService/failPingFaultFault"
	ActionNotify       = NSPing + "/IPingService/notify"

	// LastNotify is the echo text that asks the service for the last
	// one-way notification it received.
	LastNotify = "last-notify"
	// PingFaultCode is the code the declared fault carries.
	PingFaultCode = "42"
)

// PingService is the Go implementation of the IPingService contract.
type PingService struct {
	mu   sync.Mutex
	last string
}

// Handler returns the service as a soap.Handler dispatching by action.
func (s *PingService) Handler() soap.Handler {
	mux := soap.NewServeMux()
	mux.HandleFunc(ActionEcho, s.echo)
	mux.HandleFunc(ActionFail, s.fail)
	mux.HandleFunc(ActionNotify, s.notify)
	return mux
}

func payloadText(req *soap.Message, op, field string) (string, error) {
	p := req.Payload()
	if !soap.Is(p, NSPing, op) {
		return "", soap.SenderFault(fmt.Sprintf("The body is not a %s request.", op))
	}
	for _, c := range p.ChildElements() {
		if soap.Is(c, NSPing, field) {
			return c.Text(), nil
		}
	}
	return "", soap.SenderFault(fmt.Sprintf("The %s request has no %s element.", op, field))
}

// pingElement builds <tns:name> in the Ping namespace with one child.
func pingElement(name, child, text string) *etree.Element {
	el := etree.NewElement("tns:" + name)
	el.CreateAttr("xmlns:tns", NSPing)
	el.CreateElement("tns:" + child).SetText(text)
	return el
}

func (s *PingService) echo(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	text, err := payloadText(req, "echo", "request")
	if err != nil {
		return nil, err
	}
	if text == LastNotify {
		s.mu.Lock()
		text = s.last
		s.mu.Unlock()
	}
	return soap.Reply(req, ActionEchoResponse, pingElement("echoResponse", "echoResult", text))
}

// PingFault returns the declared fault of the contract for reason.
func PingFault(reason string) *soap.Fault {
	f := soap.SenderFault(reason)
	d := pingElement("PingFault", "code", PingFaultCode)
	d.CreateElement("tns:message").SetText(reason)
	f.Detail = []*etree.Element{d}
	f.Action = ActionFailFault
	return f
}

func (s *PingService) fail(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	reason, err := payloadText(req, "fail", "reason")
	if err != nil {
		return nil, err
	}
	return nil, PingFault(reason)
}

func (s *PingService) notify(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	text, err := payloadText(req, "notify", "message")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.last = text
	s.mu.Unlock()
	return nil, nil
}

// PingClient calls an IPingService endpoint through any soap.Invoker.
type PingClient struct {
	Invoker    soap.Invoker
	Version    soap.Version
	Addressing soap.AddressingVersion
	// To is the wsa:To of requests.
	To string
	// Rand is the random source of MessageIDs (crypto/rand when nil).
	Rand io.Reader
}

// call sends payload with action. A one-way message carries no
// wsa:ReplyTo (as WCF and Metro send them): no reply is expected, and a
// reliable session reads a ReplyTo as "wait for the reply".
func (c *PingClient) call(ctx context.Context, action string, payload *etree.Element, oneWay bool) (req, resp *soap.Message, err error) {
	req = soap.NewMessageWithBody(c.Version, payload)
	if c.Addressing != 0 {
		a, err := soap.RequestAddressing(c.Addressing, action, c.To, c.Rand)
		if err != nil {
			return nil, nil, err
		}
		if oneWay {
			a.ReplyTo = nil
		}
		req.SetAddressing(a)
	}
	req.SOAPAction = action
	resp, err = c.Invoker.Call(ctx, req)
	return req, resp, err
}

// Echo sends text and returns the echoed text, checking the reply's
// addressing (action, RelatesTo, version).
func (c *PingClient) Echo(ctx context.Context, text string) (string, error) {
	req, resp, err := c.call(ctx, ActionEcho, pingElement("echo", "request", text), false)
	if err != nil {
		return "", err
	}
	if resp == nil {
		return "", fmt.Errorf("echo: no reply")
	}
	if err := checkReplyAddressing(req, resp, ActionEchoResponse); err != nil {
		return "", err
	}
	p := resp.Payload()
	if !soap.Is(p, NSPing, "echoResponse") {
		return "", fmt.Errorf("echo: unexpected reply payload %v", soap.ElementName(p))
	}
	for _, ch := range p.ChildElements() {
		if soap.Is(ch, NSPing, "echoResult") {
			return ch.Text(), nil
		}
	}
	return "", fmt.Errorf("echo: reply without echoResult")
}

func checkReplyAddressing(req, resp *soap.Message, action string) error {
	if req.Addressing.Version == 0 {
		return nil
	}
	ra := resp.Addressing
	if ra.Version != req.Addressing.Version {
		return fmt.Errorf("reply addressing version %v, want %v", ra.Version, req.Addressing.Version)
	}
	if ra.Action != action {
		return fmt.Errorf("reply action %q, want %q", ra.Action, action)
	}
	if len(ra.RelatesTo) != 1 || ra.RelatesTo[0].ID != req.Addressing.MessageID {
		return fmt.Errorf("reply RelatesTo %v, want %q", ra.RelatesTo, req.Addressing.MessageID)
	}
	return nil
}

// Fail calls fail and checks that the declared fault comes back. It
// returns nil only when the fault matches the contract.
func (c *PingClient) Fail(ctx context.Context, reason string) error {
	req, resp, err := c.call(ctx, ActionFail, pingElement("fail", "reason", reason), false)
	f, ok := soap.AsFault(err)
	if !ok {
		if err == nil {
			return fmt.Errorf("fail: got a reply, want a fault")
		}
		return fmt.Errorf("fail: %w", err)
	}
	if f.Code != soap.CodeSender {
		return fmt.Errorf("fail: fault code %v, want Sender", f.Code)
	}
	if f.Reason() != reason {
		return fmt.Errorf("fail: fault reason %q, want %q", f.Reason(), reason)
	}
	if len(f.Detail) != 1 || !soap.Is(f.Detail[0], NSPing, "PingFault") {
		return fmt.Errorf("fail: fault detail is not a PingFault")
	}
	var code, msg string
	for _, ch := range f.Detail[0].ChildElements() {
		switch {
		case soap.Is(ch, NSPing, "code"):
			code = strings.TrimSpace(ch.Text())
		case soap.Is(ch, NSPing, "message"):
			msg = ch.Text()
		}
	}
	if code != PingFaultCode || msg != reason {
		return fmt.Errorf("fail: PingFault code=%q message=%q, want %q/%q", code, msg, PingFaultCode, reason)
	}
	if resp != nil && req.Addressing.Version != 0 {
		ra := resp.Addressing
		if ra.Version != req.Addressing.Version || len(ra.RelatesTo) != 1 || ra.RelatesTo[0].ID != req.Addressing.MessageID {
			return fmt.Errorf("fail: fault addressing does not relate to the request")
		}
	}
	return nil
}

// Notify sends a one-way notification (without wsa:ReplyTo); the reply
// must be empty (202).
func (c *PingClient) Notify(ctx context.Context, text string) error {
	_, resp, err := c.call(ctx, ActionNotify, pingElement("notify", "message", text), true)
	if err != nil {
		return err
	}
	if resp != nil {
		return fmt.Errorf("notify: got a reply to a one-way message")
	}
	return nil
}
