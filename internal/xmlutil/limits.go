package xmlutil

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
	// Namespace URIs are attribute values (of xmlns declarations), so this
	// bounds them too.
	MaxAttrBytes int
	// MaxNameBytes bounds the length in bytes of one qualified name of an
	// element or attribute, namespace declarations included, and so of
	// every prefix (default 1024). WCF's name-table quota
	// (XmlDictionaryReaderQuotas.MaxNameTableCharCount) is 16,384
	// characters; SOAP and WS-* names are a few dozen bytes, and the
	// longest in the interop vectors under 60, so 1024 leaves room while
	// keeping names out of the megabytes. A longer name is a Sender fault
	// whose cause is ErrNameTooLong.
	MaxNameBytes int
}

// Defaults used for zero fields of Limits (the parser's, internal/xmlparse).
const (
	DefaultMaxBytes      = xmlparse.DefaultMaxBytes
	DefaultMaxDepth      = xmlparse.DefaultMaxDepth
	DefaultMaxElements   = xmlparse.DefaultMaxElements
	DefaultMaxAttributes = xmlparse.DefaultMaxAttributes
	DefaultMaxAttrBytes  = xmlparse.DefaultMaxAttrBytes
	DefaultMaxNameBytes  = xmlparse.DefaultMaxNameBytes
)

// ErrNameTooLong is the cause (wrapped by a *ParseError) of the fault
// returned for an element name, attribute name or namespace prefix longer
// than Limits.MaxNameBytes, in a message or in a fragment (ParseFragment).
var ErrNameTooLong = xmlparse.ErrNameTooLong

// DefaultLimits returns the default limits.
func DefaultLimits() Limits { return WithDefaults(Limits{}) }

// ParserLimits returns l as internal/xmlparse takes it.
func ParserLimits(l Limits) xmlparse.Limits {
	return xmlparse.Limits{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth, MaxElements: l.MaxElements,
		MaxAttributes: l.MaxAttributes, MaxAttrBytes: l.MaxAttrBytes, MaxNameBytes: l.MaxNameBytes}
}

// WithDefaults returns l with its zero fields set to their defaults.
// (Functions, not methods: xmlutil.Limits is an alias of Limits and gains no
// methods from this package.)
func WithDefaults(l Limits) Limits {
	x := ParserLimits(l).WithDefaults()
	return Limits{MaxBytes: x.MaxBytes, MaxDepth: x.MaxDepth, MaxElements: x.MaxElements,
		MaxAttributes: x.MaxAttributes, MaxAttrBytes: x.MaxAttrBytes, MaxNameBytes: x.MaxNameBytes}
}
