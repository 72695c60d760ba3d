package handrail.protection_test

import rego.v1

import data.handrail.protection
import data.handrail.testing

test_personal_data_is_pseudonymised if {
	decision := testing.decide(testing.found({"PERSON": 2, "EMAIL_ADDRESS": 1}))
	decision.action == "redact"
	decision.redact_types == ["EMAIL_ADDRESS", "PERSON"]
	testing.codes(decision) == ["personal_data_pseudonymised"]
	decision.reasons[0].message == "Personal data (email addresses and names) was replaced by placeholders before the request was sent to the model."
}

test_every_default_pseudonymised_kind if {
	every kind in ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "UK_POSTCODE", "DATE_OF_BIRTH", "IP_ADDRESS"] {
		testing.decide(testing.found({kind: 1})).redact_types == [kind]
	}
}

test_every_default_blocked_kind if {
	every kind in [
		"UK_NINO", "UK_NHS", "UK_PASSPORT", "UK_DRIVING_LICENCE", "UK_SORT_CODE",
		"UK_BANK_ACCOUNT", "IBAN_CODE", "CREDIT_CARD", "CREDENTIAL",
	] {
		testing.codes(testing.decide(testing.found({kind: 1}))) == ["blocked_data"]
	}
}

test_blocked_message_names_kinds_not_values if {
	decision := testing.decide(testing.found({"UK_NINO": 1, "UK_NHS": 2, "PERSON": 1}))
	decision.action == "block"
	decision.redact_types == []
	decision.reasons[0].message == "The request contains NHS numbers and National Insurance numbers, which must not be sent to a language model. Remove them and try again."
}

test_zero_counts_are_ignored if {
	testing.decide(testing.found({"UK_NINO": 0})).action == "allow"
}

test_unknown_kinds_are_allowed if {
	testing.decide(testing.found({"LOCATION": 3, "SECURITY_MARKING": 0})).action == "allow"
}

test_model_approved_for_personal_data_receives_it_unchanged if {
	decision := testing.decide(object.union(testing.for_model("in-house"), testing.found({"PERSON": 1})))
	decision.action == "allow"
	testing.codes(testing.decide(object.union(testing.for_model("in-house"), testing.found({"UK_NINO": 1})))) == ["blocked_data"]
}

test_model_that_may_not_receive_personal_data if {
	decision := testing.decide(object.union(testing.for_model("public-us"), testing.found({"PERSON": 1})))
	testing.codes(decision) == ["personal_data_not_allowed"]
	contains(decision.reasons[0].message, "'public-us' may not receive personal data")
}

test_unknown_treatment_is_read_as_block if {
	decision := testing.decide(object.union(testing.for_model("odd"), testing.found({"PERSON": 1})))
	"personal_data_not_allowed" in testing.codes(decision)
}

test_unlisted_model_gets_placeholders if {
	decision := testing.decide(object.union(testing.for_model("brand-new"), testing.found({"PERSON": 1})))
	decision.action == "redact"
	decision.redact_types == ["PERSON"]
}

test_answer_identifiers_the_user_did_not_send_are_removed if {
	decision := testing.decide(object.union({"phase": "response"}, testing.found({"UK_NINO": 1, "PERSON": 3})))
	decision.action == "redact"
	decision.redact_types == ["UK_NINO"]
	decision.reasons == [{
		"code": "answer_data_removed",
		"message": "The model's answer contained National Insurance numbers that you did not send; they were removed.",
	}]
}

test_names_in_answers_are_left_alone if {
	testing.decide(object.union({"phase": "response"}, testing.found({"PERSON": 3}))).action == "allow"
}

test_label_falls_back_to_the_type if {
	protection.label("US_SSN") == "us_ssn"
}

encoded(counts, types, encodings) := {"findings": {
	"counts": counts, "types": object.keys(counts), "markings": [],
	"encoded": {"types": types, "encodings": encodings},
}}

test_a_value_hidden_in_base64_stops_the_request if {
	decision := testing.decide(encoded({"UK_NINO": 1}, ["UK_NINO"], ["base64"]))
	decision.action == "block"
	testing.codes(decision) == ["encoded_data", "blocked_data"]
	decision.reasons[0].message == "The request contains National Insurance numbers hidden in encoded text (base64), which cannot be replaced by placeholders. Remove the encoded text and try again."
}

test_personal_data_hidden_in_encoded_text_is_not_pseudonymised if {
	decision := testing.decide(encoded({"PERSON": 2, "EMAIL_ADDRESS": 1}, ["PERSON"], ["hex", "url"]))
	decision.action == "block"
	decision.redact_types == []
	testing.codes(decision) == ["encoded_data"]
	decision.reasons[0].message == "The request contains names hidden in encoded text (hexadecimal and URL encoding), which cannot be replaced by placeholders. Remove the encoded text and try again."
}

test_an_unknown_encoding_is_named_as_written if {
	decision := testing.decide(encoded({"PERSON": 1}, ["PERSON"], ["rot13"]))
	contains(decision.reasons[0].message, "hidden in encoded text (rot13)")
}

test_encoded_findings_without_encodings_still_stop_the_request if {
	decision := testing.decide(encoded({"PERSON": 1}, ["PERSON"], []))
	testing.codes(decision) == ["encoded_data"]
	contains(decision.reasons[0].message, "hidden in encoded text (an encoding)")
}

test_kinds_allowed_when_encoded_follow_the_ordinary_rules if {
	decision := testing.decide(encoded({"PERSON": 1}, ["PERSON"], ["base64"])) with data.data.protection.allow_when_encoded as ["PERSON"]
	decision.action == "redact"
	decision.redact_types == ["PERSON"]
}

test_no_encoded_findings_changes_nothing if {
	decision := testing.decide(encoded({"PERSON": 1}, [], []))
	decision.action == "redact"
	testing.codes(decision) == ["personal_data_pseudonymised"]
}

test_an_input_without_the_encoded_field_reads_as_none if {
	testing.decide(testing.found({"PERSON": 1})).action == "redact"
}

test_encoded_findings_in_an_answer_follow_the_answer_rules if {
	decision := testing.decide(object.union({"phase": "response"}, encoded({"UK_NINO": 1}, ["UK_NINO"], ["base64"])))
	decision.action == "redact"
	testing.codes(decision) == ["answer_data_removed"]
}
