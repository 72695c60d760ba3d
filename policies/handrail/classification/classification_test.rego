package handrail.classification_test

import rego.v1

import data.handrail.testing

decide_at(level, clearance, model, markings) := testing.decide(object.union(
	testing.for_model(model),
	{
		"request": {"classification": level},
		"principal": {"clearance": clearance},
		"findings": {"counts": {"SECURITY_MARKING": count(markings)}, "markings": markings},
	},
))

test_official_request_is_allowed if {
	decide_at("OFFICIAL", "OFFICIAL", "approved-uk", []).action == "allow"
}

test_secret_never_leaves if {
	decision := decide_at("SECRET", "SECRET", "in-house", [])
	decision.action == "block"
	testing.codes(decision) == ["classification_too_high"]
	contains(decision.reasons[0].message, "The request is SECRET.")
}

test_top_secret_never_leaves if {
	testing.codes(decide_at("TOP SECRET", "SECRET", "in-house", [])) == ["classification_too_high"]
}

test_secret_marking_raises_an_official_request if {
	decision := decide_at("OFFICIAL", "SECRET", "in-house", ["SECRET"])
	testing.codes(decision) == ["classification_too_high"]
	contains(decision.reasons[0].message, "SECRET (because of a security marking in the text)")
}

test_above_clearance_is_blocked if {
	decision := decide_at("OFFICIAL-SENSITIVE", "OFFICIAL", "approved-uk", [])
	testing.codes(decision) == ["above_clearance"]
	contains(decision.reasons[0].message, "above your clearance (OFFICIAL)")
}

test_cleared_user_may_send_official_sensitive_to_a_cleared_model if {
	decide_at("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE", "approved-uk", []).action == "allow"
}

test_model_ceiling if {
	decision := decide_at("OFFICIAL-SENSITIVE", "SECRET", "public-us", [])
	testing.codes(decision) == ["model_not_cleared"]
	contains(decision.reasons[0].message, "approved for OFFICIAL material only")
}

test_unlisted_model_takes_official_only if {
	testing.codes(decide_at("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE", "new-model", [])) == ["model_not_cleared"]
	decide_at("OFFICIAL", "OFFICIAL", "new-model", []).action == "allow"
}

test_catalogue_level_handrail_does_not_know_means_official if {
	decision := decide_at("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE", "odd", [])
	"model_not_cleared" in testing.codes(decision)
}

test_official_sensitive_marking_needs_clearance if {
	decision := decide_at("OFFICIAL", "OFFICIAL", "approved-uk", ["OFFICIAL-SENSITIVE"])
	testing.codes(decision) == ["above_clearance"]
}

test_unreadable_marking_counts_as_official_sensitive if {
	testing.codes(decide_at("OFFICIAL", "OFFICIAL", "approved-uk", ["UNRECOGNISED"])) == ["above_clearance"]
	decide_at("OFFICIAL", "OFFICIAL-SENSITIVE", "approved-uk", ["UNRECOGNISED"]).action == "allow"
}

test_marking_counted_without_levels_counts_as_official_sensitive if {
	decision := testing.decide({"findings": {"counts": {"SECURITY_MARKING": 1}, "markings": []}})
	testing.codes(decision) == ["above_clearance"]
}

test_lower_marking_does_not_lower_the_declared_level if {
	decision := decide_at("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE", "approved-uk", ["OFFICIAL"])
	decision.action == "allow"
}

test_answers_are_not_classified_again if {
	decision := testing.decide({
		"phase": "response",
		"findings": {"counts": {"SECURITY_MARKING": 1}, "markings": ["TOP SECRET"]},
	})
	decision.action == "allow"
}
