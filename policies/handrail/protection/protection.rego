# METADATA
# title: Data protection
# description: |
#   What happens to each kind of personal or sensitive data the detectors
#   found (data/protection): kinds in "pseudonymise" are replaced by
#   placeholders before the request leaves and restored in the answer; kinds
#   in "block" stop the request. A department may block more kinds. The
#   model's catalogue entry says whether it may receive personal data:
#   "pseudonymise" (placeholders only), "allow" (unchanged) or "block" (no
#   personal data at all). In a model's answer, kinds in
#   "remove_from_answers" that the user did not send are removed. Data found
#   inside encoded content (base64, URL encoding, hex) cannot be replaced by
#   placeholders, so it stops the request unless its kind is listed in
#   "allow_when_encoded".
package handrail.protection

import rego.v1

import data.handrail.catalogue
import data.handrail.departments
import data.handrail.lib

settings := data.data.protection

# METADATA
# title: Kinds of data found (count above zero)
present contains finding_type if {
	some finding_type, found in input.findings.counts
	found > 0
}

# METADATA
# title: Kinds that stop a request
block_types := {t | some t in settings.block} | departments.block_types

# METADATA
# title: Kinds replaced by placeholders
pseudonymise_types := {t | some t in settings.pseudonymise} - block_types

label(finding_type) := object.get(settings.labels, finding_type, lower(finding_type))

labels(types) := lib.readable_list(sort([label(t) | some t in types]))

model_treatment := catalogue.entry.personal_data if {
	catalogue.entry.personal_data in {"pseudonymise", "allow", "block"}
} else := "block"

# Only worked out when something was found: most requests hold no personal data.
blocked_found := present & block_types if {
	input.phase == "request"
	count(present) > 0
}

personal_found := present & pseudonymise_types if {
	input.phase == "request"
	count(present) > 0
}

# METADATA
# title: Data that must never be sent
blocks contains {
	"priority": 30,
	"code": "blocked_data",
	"message": concat("", [
		"The request contains ", labels(blocked_found),
		", which must not be sent to a language model. Remove them and try again.",
	]),
} if {
	count(blocked_found) > 0
}

# Findings inside encoded content; an input from before the field existed has none.
encoded := object.get(input.findings, "encoded", {})

# METADATA
# title: Kinds found inside encoded content that stop a request
# description: |
#   Also counted in input.findings.counts. A placeholder cannot be put inside
#   base64, so these cannot be pseudonymised: every kind stops the request
#   unless data/protection lists it in "allow_when_encoded".
encoded_found := {t | some t in object.get(encoded, "types", [])} - {t | some t in object.get(settings, "allow_when_encoded", [])} if {
	input.phase == "request"
	count(object.get(encoded, "types", [])) > 0
}

encoding_label(encoding) := object.get(object.get(settings, "encoding_labels", {}), encoding, encoding)

# A list that names no encoding must not leave the message (and so the block) undefined.
encoding_labels := lib.readable_list([encoding_label(e) | some e in sort(object.get(encoded, "encodings", []))]) if {
	count(object.get(encoded, "encodings", [])) > 0
} else := "an encoding"

# METADATA
# title: Data hidden in encoded text, which cannot be replaced in place
blocks contains {
	"priority": 29,
	"code": "encoded_data",
	"message": concat("", [
		"The request contains ", labels(encoded_found), " hidden in encoded text (", encoding_labels,
		"), which cannot be replaced by placeholders. Remove the encoded text and try again.",
	]),
} if {
	count(encoded_found) > 0
}

# METADATA
# title: Personal data to a model that may not receive any
blocks contains {
	"priority": 31,
	"code": "personal_data_not_allowed",
	"message": concat("", [
		"The model ", lib.quoted(input.model.name),
		" may not receive personal data, even replaced by placeholders, and the request contains ",
		labels(personal_found), ". Remove them or choose a model approved for personal data.",
	]),
} if {
	count(personal_found) > 0
	model_treatment == "block"
}

# METADATA
# title: Kinds to replace or remove before the text moves on
redact_types := personal_found if {
	input.phase == "request"
	model_treatment == "pseudonymise"
} else := present & {t | some t in settings.remove_from_answers} if {
	input.phase == "response"
} else := set()

# METADATA
# title: What a redaction did, for the user and the audit trail
notes contains {
	"priority": 50,
	"code": "personal_data_pseudonymised",
	"message": concat("", [
		"Personal data (", labels(redact_types),
		") was replaced by placeholders before the request was sent to the model.",
	]),
} if {
	input.phase == "request"
	count(redact_types) > 0
}

notes contains {
	"priority": 50,
	"code": "answer_data_removed",
	"message": concat("", [
		"The model's answer contained ", labels(redact_types),
		" that you did not send; they were removed.",
	]),
} if {
	input.phase == "response"
	count(redact_types) > 0
}
