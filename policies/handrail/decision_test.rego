package handrail_test

import rego.v1

import data.handrail
import data.handrail.testing

test_ordinary_request_is_allowed if {
	testing.decide({}) == {"action": "allow", "reasons": [], "redact_types": [], "experiment": null}
}

test_block_wins_over_redaction if {
	decision := testing.decide(testing.found({"PERSON": 1, "CREDENTIAL": 1}))
	decision.action == "block"
	decision.redact_types == []
	testing.codes(decision) == ["blocked_data"]
}

test_reasons_are_ordered_most_fundamental_first if {
	overrides := object.union(
		object.union(testing.found({"UK_NINO": 1}), {"signals": [testing.signal("agentic")]}),
		object.union(testing.for_model("retired"), {"request": {"experiment": "nonesuch"}}),
	)
	testing.codes(testing.decide(overrides)) == ["model_withdrawn", "blocked_data", "agentic_use", "experiment_unknown"]
}

test_redaction_notes_come_before_experiment_notes if {
	overrides := object.union(testing.found({"PERSON": 1}), {"request": {"experiment": "nonesuch"}})
	decision := testing.decide(overrides)
	decision.action == "redact"
	testing.codes(decision) == ["personal_data_pseudonymised", "experiment_unknown"]
}

test_ordered_strips_priorities if {
	handrail.ordered({{"priority": 2, "code": "b", "message": "B"}, {"priority": 1, "code": "z", "message": "Z"}}) == [
		{"code": "z", "message": "Z"},
		{"code": "b", "message": "B"},
	]
}

# The shipped policy and data, end to end: the demo model behaves as approved.
test_shipped_policy_on_the_demo_model if {
	decision := handrail.decision with input.phase as "request"
		with input.time as testing.now
		with input.principal as testing.base.principal
		with input.request as object.union(testing.base.request, {"model": "demo"})
		with input.model as {"name": "demo", "provider": "mock"}
		with input.experiment_usage as {"requests_today": 0}
		with input.findings as {"counts": {"PERSON": 1}, "types": ["PERSON"], "markings": []}
		with input.signals as []
	decision.action == "redact"
	decision.redact_types == ["PERSON"]
}
