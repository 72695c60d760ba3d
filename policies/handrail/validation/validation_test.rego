package handrail.validation_test

import rego.v1

import data.handrail.testing
import data.handrail.validation

test_complete_input_has_no_problems if {
	count(validation.problems) == 0 with input.phase as testing.base.phase
		with input.time as testing.base.time
		with input.principal as testing.base.principal
		with input.request as testing.base.request
		with input.model as testing.base.model
		with input.experiment_usage as testing.base.experiment_usage
		with input.findings as testing.base.findings
		with input.signals as testing.base.signals
}

test_missing_input_names_every_problem if {
	validation.problems == {
		"phase", "time", "principal.user", "principal.department", "principal.clearance",
		"request.classification", "model.name", "findings.counts", "signals",
		"experiment_usage.requests_today",
	} with input.phase as null
}

test_malformed_fields_block if {
	decision := testing.decide({"phase": "later", "time": "yesterday", "request": {"classification": "RESTRICTED"}})
	testing.codes(decision) == ["invalid_policy_input"]
	decision.reasons[0].message == "Handrail could not check this request because its policy input was incomplete (phase, request.classification, time), so it was refused."
}

test_unknown_clearance_blocks if {
	testing.codes(testing.decide({"principal": {"clearance": "COSMIC"}})) == ["invalid_policy_input"]
}

# A string or array input is covered by the engines' tests in Python: regopy
# cannot replace the whole input with "with input as".
test_absent_input_blocks if {
	testing.codes(data.handrail.decision) == ["invalid_policy_input"]
}
