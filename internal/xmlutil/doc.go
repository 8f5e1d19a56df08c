// Package xmlutil holds the XML helpers that packages soap, wssecurity,
// secureconv, reliable and internal/xmlenc share, so that no internal
// package imports the public soap package for them:
//
//   - Limits, the bounds of the strict parser (soap.Limits is an alias),
//     their defaults and WithDefaults;
//   - ParseDocument, which reads one document under Limits with
//     internal/xmlparse (errors: ErrTooLarge, *ParseError), and
//     ParseFragment, which parses content (decrypted data) in the namespace
//     scope of the element it replaces;
//   - expanded names and namespace scope on etree: ElementName, Is, AttrNS,
//     AttrValue, Child, LookupPrefix, ResolveQName, InScopeNamespaces;
//   - CopyWithScope, a deep copy that stands alone with the namespace
//     declarations it needs, so its exclusive canonical form is unchanged;
//   - AddTextElement, a leaf element with its text in one allocation, and
//     AddElement, a child named by prefix and local name without building
//     the qualified name, for the tokens of outgoing security headers.
//
// Package soap re-exports Limits, ParseError, the sentinels and ElementName,
// Is and AttrNS for users who read headers and bodies as etree elements.
package xmlutil
