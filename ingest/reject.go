package ingest

import "fmt"

// Reason is a stable, bounded code that says why a record was rejected. It
// is used as a metric label, as the DLQ "reason" header and in producer and
// collector responses; values never change meaning.
type Reason string

// Rejection reasons.
const (
	// ReasonRecordTooLarge: the raw record exceeds the record size limit.
	ReasonRecordTooLarge Reason = "record_too_large"
	// ReasonInvalidUTF8: the record bytes are not valid UTF-8.
	ReasonInvalidUTF8 Reason = "invalid_utf8"
	// ReasonMalformedJSON: the bytes are not one well-formed JSON value.
	ReasonMalformedJSON Reason = "malformed_json"
	// ReasonNotObject: the JSON value is not an object.
	ReasonNotObject Reason = "not_object"
	// ReasonUnknownField: the object has a field schema v1 does not define.
	ReasonUnknownField Reason = "unknown_field"
	// ReasonWrongType: a field has the wrong JSON type.
	ReasonWrongType Reason = "wrong_type"
	// ReasonUnsupportedSchemaVersion: schema_version is present and not 1.
	ReasonUnsupportedSchemaVersion Reason = "unsupported_schema_version"
	// ReasonMissingField: a required field is absent, null or blank.
	ReasonMissingField Reason = "missing_field"
	// ReasonInvalidCreatedAt: created_at is not an RFC 3339 timestamp.
	ReasonInvalidCreatedAt Reason = "invalid_created_at"
	// ReasonFieldTooLong: id, source, author, url, lang or a meta entry is
	// longer than its limit.
	ReasonFieldTooLong Reason = "field_too_long"
	// ReasonInvalidField: a field's value is malformed (lang not a BCP 47
	// tag, source with characters outside a-z 0-9 . _ -, control
	// characters in id, too many meta entries).
	ReasonInvalidField Reason = "invalid_field"
	// ReasonTextTooLong: text exceeds ingest.max_text_bytes.
	ReasonTextTooLong Reason = "text_too_long"
	// ReasonUnsupportedLanguage: the language is not in ingest.languages
	// and ingest.other_lang is "dlq".
	ReasonUnsupportedLanguage Reason = "unsupported_language"
)

// Reasons lists every Reason, for pre-registering metric label values.
var Reasons = []Reason{
	ReasonRecordTooLarge, ReasonInvalidUTF8, ReasonMalformedJSON, ReasonNotObject,
	ReasonUnknownField, ReasonWrongType, ReasonUnsupportedSchemaVersion, ReasonMissingField,
	ReasonInvalidCreatedAt, ReasonFieldTooLong, ReasonInvalidField, ReasonTextTooLong,
	ReasonUnsupportedLanguage,
}

// RejectError says why one record was rejected. Field is the JSON field
// concerned ("" when the record as a whole is bad); Detail is a short
// human explanation that never quotes the record's content.
type RejectError struct {
	Reason Reason
	Field  string
	Detail string
}

// Error implements error.
func (e *RejectError) Error() string {
	switch {
	case e.Field != "" && e.Detail != "":
		return fmt.Sprintf("%s: %s: %s", e.Reason, e.Field, e.Detail)
	case e.Field != "":
		return fmt.Sprintf("%s: %s", e.Reason, e.Field)
	case e.Detail != "":
		return fmt.Sprintf("%s: %s", e.Reason, e.Detail)
	}
	return string(e.Reason)
}

func reject(r Reason, field, detail string) *RejectError {
	if len(field) > 64 {
		field = field[:64]
	}
	return &RejectError{Reason: r, Field: field, Detail: detail}
}
