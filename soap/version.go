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
			return mime.FormatMediaType(ContentType12, map[string]string{"charset": "utf-8", "action": action})
		}
		return ContentType12 + "; charset=utf-8"
	}
	return ContentType11 + "; charset=utf-8"
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
