// Package xmlwrite serializes github.com/beevik/etree trees: the writer
// behind soap.Message.WriteTo and the HTTP transports, replacing etree's
// own WriteTo on the hot paths.
//
// # Output
//
// The tree is written as it is: element and attribute names with the
// prefixes they hold, attributes (namespace declarations included) in
// their order, no declaration added or dropped, an element without
// children as an empty-element tag (<a/>), no white space added. The
// output parses back, with internal/xmlparse or any conforming parser, to
// the tree that was written:
//
//   - character data escapes & < > as &amp; &lt; &gt; and CR as &#xD;
//     (a literal CR would become LF, XML 1.0 §2.11);
//   - attribute values are written in double quotes and escape & < " as
//     &amp; &lt; &quot; and TAB, LF and CR as &#x9; &#xA; &#xD; (literal
//     ones would become spaces, XML 1.0 §3.3.3);
//   - characters XML cannot hold (control characters other than TAB, LF and
//     CR, invalid UTF-8, U+FFFE and U+FFFF) become U+FFFD in character data,
//     attribute values and comments, as etree's serializer and internal/c14n
//     do;
//   - CDATA sections are written as escaped character data (the same
//     information; the strict parser reads CDATA as text anyway);
//   - a comment gets a space between two hyphens and after a final
//     hyphen, as etree writes it; processing instructions and directives
//     are written by etree.
//
// For trees without CDATA sections and with valid characters in comments
// the output is byte for byte etree's with WriteSettings CanonicalText and
// CanonicalAttrVal set. etree's default settings, which soap used before,
// wrote TAB, LF and CR in attribute values and CR in text literally, so a
// receiver normalized them into other characters (and a signature over such
// a value broke); here they survive.
//
// # Cost
//
// The Append functions allocate nothing but the growth of dst; the Write
// functions take their buffer from a pool and hand the output to the
// io.Writer in one Write.
package xmlwrite
