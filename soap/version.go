package soap

import (
	"mime"
	"strings"
)

// Version is a SOAP envelope version.
type Version int

// SOAP versions. The zero value is not a valid version.
const (
	V11 Version = 11
	V12 Version = 12
)

// String returns "1.1" or "1.2".
func (v Version) String() string {
	switch v {
	case V11:
		return "1.1"
	case V12:
		return "1.2"
	}
	return "unknown"
}

// Namespace returns the envelope namespace of v.
func (v Version) Namespace() string {
	if v == V12 {
		return NS12
	}
	return NS11
}

// MediaType returns the HTTP media type (without parameters) of v.
func (v Version) MediaType() string {
	if v == V12 {
		return ContentType12
	}
	return ContentType11
}

// ContentType returns the full HTTP Content-Type for a message of version v.
// SOAP 1.2 carries the action as a media type parameter.
func (v Version) ContentType(action string) string {
	if v == V12 {
		if action != "" {
			if quotable(action) && strings.IndexByte(action, ':') >= 0 {
				// What mime.FormatMediaType writes for an action it must
				// quote and need not escape (an absolute URI), without
				// its map and sorting.
				return ct12Action + action + ct12Charset
			}
			return mime.FormatMediaType(ContentType12, map[string]string{"charset": "utf-8", "action": action})
		}
		return ct12
	}
	return ct11
}

// The Content-Types written by ContentType.
const (
	ct11        = ContentType11 + "; charset=utf-8"
	ct12        = ContentType12 + "; charset=utf-8"
	ct12Action  = ContentType12 + `; action="`
	ct12Charset = `"; charset=utf-8`
)

// quotable reports whether s can stand between the quotes of a media type
// parameter as it is: printable ASCII without a quote or backslash.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (v Version) valid() bool { return v == V11 || v == V12 }

// versionOfNamespace maps an envelope namespace to its version.
func versionOfNamespace(ns string) (Version, bool) {
	switch ns {
	case NS11:
		return V11, true
	case NS12:
		return V12, true
	}
	return 0, false
}

// VersionFromContentType returns the SOAP version announced by an HTTP
// Content-Type and, for SOAP 1.2, the action parameter.
func VersionFromContentType(ct string) (v Version, action string, ok bool) {
	// The forms soapstack, WCF and the Java stacks send are recognized
	// without mime.ParseMediaType, with the same result.
	switch {
	case ct == ct11:
		return V11, "", true
	case ct == ct12:
		return V12, "", true
	case strings.HasPrefix(ct, ct12Action) && strings.HasSuffix(ct, ct12Charset) && len(ct) >= len(ct12Action)+len(ct12Charset):
		if a := ct[len(ct12Action) : len(ct)-len(ct12Charset)]; quotable(a) {
			return V12, a, true
		}
	case strings.HasPrefix(ct, ct12+`; action="`) && strings.HasSuffix(ct, `"`) && len(ct) >= len(ct12)+len(`; action="`)+1:
		if a := ct[len(ct12)+len(`; action="`) : len(ct)-1]; quotable(a) {
			return V12, a, true
		}
	}
	return versionFromMediaType(ct)
}

// versionFromMediaType is VersionFromContentType by mime.ParseMediaType
// alone.
func versionFromMediaType(ct string) (v Version, action string, ok bool) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, "", false
	}
	switch strings.ToLower(mt) {
	case ContentType11:
		return V11, "", true
	case ContentType12:
		return V12, params["action"], true
	}
	return 0, "", false
}
