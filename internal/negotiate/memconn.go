package negotiate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// errWouldBlock is returned by a memConn read with no input after the
// handshake, when reads no longer wait.
var errWouldBlock = errors.New("negotiate: no more TLS data in the blob")

// memConn is the in-memory connection a tunnelled TLS handshake runs on:
// writes collect the next blob, reads take the peer's blobs. During the
// handshake, a read with no input parks the handshake goroutine and tells
// the waiting Step that the flight is complete.
type memConn struct {
	mu       sync.Mutex
	cond     *sync.Cond
	in, out  bytes.Buffer
	parked   bool // the handshake waits for input
	finished bool // the handshake returned
	err      error
	closed   bool
	noWait   bool // after the handshake: reads do not wait
}

func newMemConn() *memConn {
	c := &memConn{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.in.Len() == 0 {
		if c.closed {
			return 0, net.ErrClosed
		}
		if c.noWait {
			return 0, errWouldBlock
		}
		c.parked = true
		c.cond.Broadcast()
		c.cond.Wait()
	}
	c.parked = false
	return c.in.Read(p)
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.out.Write(p)
}

// Close ends the connection; a parked handshake returns.
func (c *memConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.cond.Broadcast()
	return nil
}

// feed adds the peer's blob and waits until the handshake has consumed it
// and either waits for more or has finished; it returns what the handshake
// wrote meanwhile.
func (c *memConn) feed(ctx context.Context, blob []byte) ([]byte, bool, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.Write(blob)
	if len(blob) > 0 {
		c.parked = false
		c.cond.Broadcast()
	}
	for !c.finished && !(c.parked && c.in.Len() == 0) {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		if c.closed {
			return nil, false, net.ErrClosed
		}
		c.cond.Wait()
	}
	out := bytes.Clone(c.out.Bytes())
	c.out.Reset()
	if c.finished {
		return out, true, c.err
	}
	return out, false, nil
}

// done records the end of the handshake.
func (c *memConn) done(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finished, c.err, c.noWait = true, err, true
	c.cond.Broadcast()
}

// push adds input after the handshake (for a read that does not wait).
func (c *memConn) push(blob []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.Write(blob)
}

// take returns and clears the output written after the handshake.
func (c *memConn) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := bytes.Clone(c.out.Bytes())
	c.out.Reset()
	return out
}

// pendingInput reports the bytes not yet read.
func (c *memConn) pendingInput() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.in.Len()
}

func (c *memConn) LocalAddr() net.Addr                { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "tlsnego" }
func (memAddr) String() string  { return "tlsnego" }

var _ io.ReadWriteCloser = (*memConn)(nil)
