package soap

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

// Defaults used for zero fields of Limits.
const (
	DefaultMaxBytes      = 4 << 20
	DefaultMaxDepth      = 100
	DefaultMaxElements   = 100_000
	DefaultMaxAttributes = 64
	DefaultMaxAttrBytes  = 64 << 10
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = DefaultMaxAttributes
	}
	if l.MaxAttrBytes <= 0 {
		l.MaxAttrBytes = DefaultMaxAttrBytes
	}
	return l
}
