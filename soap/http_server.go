package soap

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/soapstack/soapstack/internal/xmlwrite"
)

// HTTPHandler serves SOAP over HTTP: it checks the method and content type,
// bounds the body, parses the envelope strictly, runs the Handler and writes
// the reply (200), nothing (202, one-way) or a fault (500).
type HTTPHandler struct {
	h         Handler
	cfg       httpConfig
	endpoints []endpointAddress // WithEndpointAddress, parsed
}

// NewHTTPHandler returns an http.Handler serving h. Before h runs, it
// refuses a request whose wsa:To does not name this endpoint (see
// WithEndpointAddress and WithToCheck) with a DestinationUnreachable fault.
// It panics when an address given with WithEndpointAddress is invalid.
func NewHTTPHandler(h Handler, opts ...HTTPOption) *HTTPHandler {
	s := &HTTPHandler{h: h, cfg: newHTTPConfig(opts)}
	if s.cfg.endpointsSet {
		eps, err := parseEndpoints(s.cfg.endpoints)
		if err != nil {
			panic("soap: WithEndpointAddress: " + err.Error())
		}
		s.endpoints = eps
	}
	return s
}

// internalErrorReason is the reason of the fault sent for non-fault errors;
// like WCF it says nothing about the cause.
const internalErrorReason = "The server was unable to process the request due to an internal error."

// ServeHTTP implements http.Handler.
func (s *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "SOAP endpoints accept POST only", http.StatusMethodNotAllowed)
		return
	}
	v, action, ok := VersionFromContentType(r.Header.Get("Content-Type"))
	if !ok {
		http.Error(w, "unsupported media type: want text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)", http.StatusUnsupportedMediaType)
		return
	}
	if v == V11 {
		action = strings.Trim(strings.TrimSpace(r.Header.Get("SOAPAction")), `"`)
	}
	body := io.Reader(http.MaxBytesReader(w, r.Body, s.cfg.limits.MaxBytes))
	size := r.ContentLength // -1 when unknown
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		if !s.cfg.gzip {
			http.Error(w, "gzip request bodies are not enabled", http.StatusUnsupportedMediaType)
			return
		}
		zr, err := gzip.NewReader(body)
		if err != nil {
			s.writeFault(r.Context(), w, r, v, nil, SenderFault("The compressed request body is invalid.").WithCause(err))
			return
		}
		defer zr.Close()
		body = zr // ReadMessage bounds the decompressed size
		size = -1
	default:
		http.Error(w, "unsupported content encoding", http.StatusUnsupportedMediaType)
		return
	}
	req, err := readMessage(body, size, s.cfg.limits)
	if err != nil {
		s.writeFault(r.Context(), w, r, v, nil, err)
		return
	}
	if req.Version != v {
		s.writeFault(r.Context(), w, r, v, nil, NewFault(CodeVersionMismatch, "The envelope version does not match the HTTP Content-Type."))
		return
	}
	req.SOAPAction = action
	peer := peerOf(r)
	ctx := NewContextWithPeer(r.Context(), peer)
	if err := s.checkTo(req, peer.URL); err != nil {
		s.writeFault(ctx, w, r, v, req, err)
		return
	}
	if !s.cfg.toCheckOff {
		ctx = context.WithValue(ctx, toCheckKey{}, &toCheck{s: s, peerURL: peer.URL, passed: req.Addressing.To})
	}
	resp, err := s.serve(ctx, req)
	if err != nil {
		s.writeFault(ctx, w, r, v, req, err)
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	status := http.StatusOK
	if resp.IsFault() {
		// A layer may answer with a fault message of its own (a secured
		// fault such as WS-SC RenewNeeded): it goes out as a fault.
		status = http.StatusInternalServerError
	}
	s.writeMessage(w, r, status, resp)
}

// peerOf describes the connection r arrived on.
func peerOf(r *http.Request) *Peer {
	p := &Peer{TLS: r.TLS}
	if r.RemoteAddr != "" {
		p.Addr = stringAddr{network: "tcp", addr: r.RemoteAddr}
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		p.LocalAddr = a
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// The path as the client sent it (RequestURI), not r.URL's, which a
	// wrapping handler such as http.StripPrefix may have shortened.
	p.URL = scheme + "://" + r.Host + requestPath(r)
	return p
}

// requestPath returns the escaped path of r's request target.
func requestPath(r *http.Request) string {
	if plainPath(r.RequestURI) {
		return r.RequestURI // what the parse below returns, without it
	}
	if r.RequestURI != "" && r.RequestURI != "*" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			return u.EscapedPath()
		}
	}
	return r.URL.EscapedPath()
}

// plainPath reports whether s is an absolute path of unreserved
// characters and slashes only: its escaped path is s itself.
func plainPath(s string) bool {
	if s == "" || s[0] != '/' {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '/', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// serve runs the handler, turning a panic into an error so that bad input
// can never take the process down.
func (s *HTTPHandler) serve(ctx context.Context, req *Message) (resp *Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("soap: handler panic: %v", p)
		}
	}()
	return s.h.ServeSOAP(ctx, req)
}

func (s *HTTPHandler) writeFault(ctx context.Context, w http.ResponseWriter, r *http.Request, v Version, req *Message, err error) {
	f, ok := AsFault(err)
	if !ok {
		s.cfg.logger.ErrorContext(ctx, "soap: request failed", slog.Any("error", err))
		f = ReceiverFault(internalErrorReason).WithCause(err)
	} else {
		s.cfg.logger.InfoContext(ctx, "soap: fault", slog.String("code", f.Code.String()), slog.String("reason", f.Reason()), slog.Any("cause", f.Cause))
	}
	if s.cfg.onFault != nil {
		s.cfg.onFault(ctx, req, f)
	}
	m, merr := NewFaultMessage(v, f, req, s.cfg.rand)
	if merr != nil {
		s.cfg.logger.ErrorContext(ctx, "soap: building fault", slog.Any("error", merr))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.writeMessage(w, r, http.StatusInternalServerError, m)
}

func (s *HTTPHandler) writeMessage(w http.ResponseWriter, r *http.Request, status int, m *Message) {
	buf := xmlwrite.Buffer()
	defer xmlwrite.PutBuffer(buf)
	*buf = xmlwrite.AppendDocument(*buf, m.Doc)
	action := m.Addressing.Action
	if action == "" {
		action = m.SOAPAction
	}
	h := w.Header()
	if !s.cfg.gzip || len(*buf) <= 1024 || !acceptsGzip(r) {
		// Both header values in one allocation (the keys are canonical).
		vals := []string{m.Version.ContentType(action), strconv.Itoa(len(*buf))}
		h["Content-Type"] = vals[0:1:1]
		h["Content-Length"] = vals[1:2:2]
		w.WriteHeader(status)
		_, _ = w.Write(*buf)
		return
	}
	h.Set("Content-Type", m.Version.ContentType(action))
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	w.WriteHeader(status)
	zw := gzip.NewWriter(w)
	_, _ = zw.Write(*buf)
	_ = zw.Close()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
