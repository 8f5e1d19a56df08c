package soap

import (
	"encoding/xml"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Limits bound what the parser accepts before any other layer reads a
// message; a zero field takes its default:
//
//   - MaxBytes bounds the size of the serialized envelope (default 4 MiB);
//   - MaxDepth bounds element nesting (default 100);
//   - MaxElements bounds the number of elements (default 100,000);
//   - MaxAttributes bounds attributes, namespace declarations included,
//     per element (default 64);
//   - MaxAttrBytes bounds one attribute value, and so every namespace URI
//     (default 64 KiB);
//   - MaxNameBytes bounds one qualified name of an element or attribute,
//     and so every prefix (default 1024; WCF's name-table quota is 16,384
//     characters, SOAP and WS-* names a few dozen bytes). A longer name is
//     a Sender fault whose cause is ErrNameTooLong.
type Limits = xmlutil.Limits

// Defaults used for zero fields of Limits.
const (
	DefaultMaxBytes      = xmlutil.DefaultMaxBytes
	DefaultMaxDepth      = xmlutil.DefaultMaxDepth
	DefaultMaxElements   = xmlutil.DefaultMaxElements
	DefaultMaxAttributes = xmlutil.DefaultMaxAttributes
	DefaultMaxAttrBytes  = xmlutil.DefaultMaxAttrBytes
	DefaultMaxNameBytes  = xmlutil.DefaultMaxNameBytes
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits { return xmlutil.DefaultLimits() }

// ErrNameTooLong is the cause (wrapped by a *ParseError) of the fault
// returned for an element name, attribute name or namespace prefix longer
// than Limits.MaxNameBytes.
var ErrNameTooLong = xmlutil.ErrNameTooLong

// ErrTooLarge is the cause of the fault returned when a message exceeds
// Limits.MaxBytes.
var ErrTooLarge = xmlutil.ErrTooLarge

// ParseError describes why the strict parser rejected its input (Offset,
// Reason, and Err: the sentinel of the limit that was exceeded, such as
// ErrNameTooLong, or nil). It is the Cause of the Sender fault the parser
// returns.
type ParseError = xmlutil.ParseError

// ElementName returns the expanded name of el.
func ElementName(el *etree.Element) xml.Name { return xmlutil.ElementName(el) }

// Is reports whether el has namespace ns and local name local.
func Is(el *etree.Element, ns, local string) bool { return xmlutil.Is(el, ns, local) }

// AttrNS returns el's attribute with the given expanded name, or nil.
// Unprefixed attributes are in no namespace.
func AttrNS(el *etree.Element, ns, local string) *etree.Attr { return xmlutil.AttrNS(el, ns, local) }
