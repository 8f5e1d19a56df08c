package soap

import "github.com/soapstack/soapstack/internal/xmlparse"

// Limits bound what the parser accepts before any other layer reads a
// message. A zero field takes its default.
type Limits struct {
	// MaxBytes bounds the size of the serialized envelope (default 4 MiB).
	MaxBytes int64
	// MaxDepth bounds element nesting (default 100).
	MaxDepth int
	// MaxElements bounds the number of elements (default 100,000).
	MaxElements int
	// MaxAttributes bounds attributes (including namespace declarations)
	// per element (default 64).
	MaxAttributes int
	// MaxAttrBytes bounds the length of one attribute value (default 64 KiB).
	MaxAttrBytes int
}

// Defaults used for zero fields of Limits (the parser's, internal/xmlparse).
const (
	DefaultMaxBytes      = xmlparse.DefaultMaxBytes
	DefaultMaxDepth      = xmlparse.DefaultMaxDepth
	DefaultMaxElements   = xmlparse.DefaultMaxElements
	DefaultMaxAttributes = xmlparse.DefaultMaxAttributes
	DefaultMaxAttrBytes  = xmlparse.DefaultMaxAttrBytes
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

func (l Limits) parser() xmlparse.Limits {
	return xmlparse.Limits{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth, MaxElements: l.MaxElements,
		MaxAttributes: l.MaxAttributes, MaxAttrBytes: l.MaxAttrBytes}
}

func (l Limits) withDefaults() Limits {
	x := l.parser().WithDefaults()
	return Limits{MaxBytes: x.MaxBytes, MaxDepth: x.MaxDepth, MaxElements: x.MaxElements,
		MaxAttributes: x.MaxAttributes, MaxAttrBytes: x.MaxAttrBytes}
}
