# METADATA
# title: Handrail decision entry point
# description: Allow, redact or block one request to a language model.
package handrail

import rego.v1

blocked_types := {"UK_NINO", "UK_NHS", "UK_PASSPORT", "UK_DRIVING_LICENCE", "UK_SORT_CODE", "UK_BANK_ACCOUNT", "IBAN_CODE", "CREDIT_CARD", "CREDENTIAL"}

redacted_types := {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "UK_POSTCODE", "DATE_OF_BIRTH", "IP_ADDRESS"}

present contains t if some t, n in input.findings.counts

block_reasons contains {"code": "blocked_data", "message": concat("", ["The request contains data of a kind that may not be sent to a language model: ", concat(", ", sort([t | some t in present; t in blocked_types]))])} if {
	some t in present
	t in blocked_types
}

block_reasons contains {"code": concat("", [s.type, "_use"]), "message": concat("", ["The request uses a capability that is not permitted: ", s.type])} if {
	some s in input.signals
	s.type in {"agentic", "self_coding", "internet"}
}

to_redact := [t | some t in present; t in redacted_types]

decision := {"action": "block", "reasons": sort_reasons(block_reasons), "redact_types": [], "experiment": null} if count(block_reasons) > 0

else := {"action": "redact", "reasons": [{"code": "personal_data_redacted", "message": "Personal data was replaced by placeholders before the request was sent."}], "redact_types": to_redact, "experiment": null} if count(to_redact) > 0

else := {"action": "allow", "reasons": [], "redact_types": [], "experiment": null}

sort_reasons(reasons) := [r | some r in reasons]
