// Package xmlparse turns one XML document held in memory into a
// github.com/beevik/etree tree under strict input rules. It is the parser
// behind soap.ReadMessage and xmlutil.ParseFragment.
//
// # Design
//
// The input is bounded (Limits.MaxBytes), so it is parsed whole, in two
// passes. The first pass is a hand-written scanner over the bytes: it checks
// well-formedness, namespaces, the strict rules and the limits, decodes
// character data and attribute values in place (a decoded value is never
// longer than its source), and records compact events (offsets into the
// buffer, child counts). Nothing of the tree is built before the whole
// input has been accepted. The second pass builds the tree with one
// allocation per kind of node: all elements in one slice, all character
// data in another, all child lists carved from one []etree.Token and all
// attributes from one []etree.Attr (each carved slice has its capacity
// clipped, so appending to one never overwrites its neighbour). Names,
// text and attribute values are strings that share the input buffer, so no
// string is allocated. The scratch space of the first pass is pooled.
//
// Costs are linear in the input: names are looked up on a namespace stack,
// through a map once more than a few dozen bindings are in scope; duplicate
// attributes are found with a hash table (seeded, so collisions cannot be
// forced) once an element has more than a few attributes.
//
// Because the tree's strings share one buffer, a string kept from the tree
// keeps the whole input alive. Code that stores a string taken from a
// parsed message beyond the message's life (a cache key, for example)
// should store strings.Clone of it.
//
// # What is accepted
//
// XML 1.0 (fifth edition) and Namespaces in XML 1.0, for what SOAP uses:
//
//   - UTF-8 input, with an optional byte order mark; an XML declaration, if
//     any, only at the very start (after the byte order mark), with version
//     1.0, optionally encoding UTF-8 or US-ASCII (then every byte must be
//     ASCII) and standalone yes or no, in that order;
//   - elements, attributes quoted with ' or ", character data, CDATA sections
//     and comments; the five predefined entity references and character
//     references to characters matching the Char production;
//   - names per the NameStartChar and NameChar productions, as QNames;
//     end tags matching their start tags; white space between attributes;
//   - outside the document element only white space (S) and comments.
//
// Rejected: DOCTYPE and any other markup declaration, processing
// instructions, undeclared prefixes, prefix undeclaration (xmlns:p=""),
// misuse of the xml and xmlns prefixes and namespaces, duplicate attributes
// by namespace URI and local name, invalid UTF-8 and characters outside
// Char, and anything beyond Limits.
//
// The tree: comments and white space outside the document element are
// dropped; character data, CDATA sections (as plain text) and comments
// inside it are kept as tokens, one per run between markup, as
// encoding/xml's RawToken splits them. Line ends (CR LF and lone CR) become
// LF everywhere (XML 1.0 §2.11). Attribute values are normalized as XML
// 1.0 §3.3.3 requires for CDATA attributes: each literal TAB, LF, CR or
// CR LF becomes one space, while characters written as references (&#9;
// &#xA; &#xD;) are kept.
//
// # Limits
//
// Limits bound the input (MaxBytes, 4 MiB), the nesting (MaxDepth, 100),
// the elements (MaxElements, 100,000), the attributes of one element
// (MaxAttributes, 64, namespace declarations included), one attribute
// value (MaxAttrBytes, 64 KiB; namespace URIs are attribute values, so
// this bounds them) and one qualified name of an element or attribute
// (MaxNameBytes, 1024 bytes, which bounds every prefix and local name).
// WCF's name-table quota is 16,384 characters; the names of SOAP and WS-*
// are a few dozen bytes, so ours is smaller. A name is measured once it is
// scanned, and an over-long one is never quoted in the error, whose Err is
// ErrNameTooLong. MaxBytes is checked before the scan, the others as the
// scanner meets them, so a rejected document costs at most one pass over
// its bytes and nothing of the tree is built.
//
// # Differences from the encoding/xml based parser it replaces
//
// That parser (encoding/xml's Decoder.RawToken in Strict mode) is kept as
// the oracle of the soap package's differential tests. Where the two
// differ, this package follows the XML specification:
//
//   - attribute values: encoding/xml does no attribute-value normalization
//     (a literal TAB or LF stays, CR LF becomes LF); here they become spaces.
//     Exclusive C14N of a signed attribute value containing a literal line
//     break therefore now matches what Santuario (WSS4J) and xmlsec1
//     compute;
//   - comments: encoding/xml neither checks the characters of a comment
//     nor normalizes its line ends; here both are done;
//   - a UTF-8 byte order mark is accepted (encoding/xml sees text before the
//     document element);
//   - the XML declaration is parsed by its grammar (encoding/xml accepts any
//     pseudo-attributes, a missing version, any standalone value, <?xml!?>,
//     and does not see encoding = "latin1" written with spaces around '=');
//   - US-ASCII documents must be ASCII (encoding/xml reads them as UTF-8);
//   - white space is required between attributes (encoding/xml accepts
//     <a x="1"y="2">);
//   - outside the document element only S is allowed (the old parser
//     accepted any Unicode white space, references to white space and CDATA
//     sections of white space there);
//   - a character reference to a surrogate (&#xD800;) is rejected
//     (encoding/xml turns it into U+FFFD);
//   - names follow the fifth edition's NameStartChar and NameChar
//     (encoding/xml uses the older, narrower tables of the fourth edition);
//   - both parts of a prefixed name must be NCNames, as Namespaces in XML
//     requires (encoding/xml reads <p:1> as prefix p, local name 1).
package xmlparse
