package handrail.testing_test

import rego.v1

import data.handrail.testing

test_merge_replaces_nested_fields_and_keeps_the_rest if {
	request := testing.merged({"principal": {"clearance": "SECRET"}, "signals": [1]})
	request.principal.clearance == "SECRET"
	request.principal.user == "alice@example.gov.uk"
	request.signals == [1]
	request.phase == "request"
}

test_base_request_is_allowed if {
	testing.decide({}) == {"action": "allow", "reasons": [], "redact_types": [], "experiment": null}
}
