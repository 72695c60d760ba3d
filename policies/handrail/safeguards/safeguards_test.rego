package handrail.safeguards_test

import rego.v1

import data.handrail.testing

test_each_safeguard_blocks if {
	every signal_type, code in {"agentic": "agentic_use", "self_coding": "self_coding", "internet": "internet_access"} {
		testing.codes(testing.decide({"signals": [testing.signal(signal_type)]})) == [code]
	}
}

test_message_explains_and_quotes_the_evidence if {
	decision := testing.decide({"signals": [testing.signal("agentic")]})
	decision.reasons[0].message == "Tools and autonomous agents cannot be used through Handrail unless an approved experiment allows it. What Handrail saw: test evidence of agentic."
}

test_one_reason_per_safeguard_with_the_first_evidence if {
	signals := [
		{"type": "internet", "evidence": "b: a browsing tool", "location": "tools[1]"},
		{"type": "internet", "evidence": "a: a web search tool", "location": "tools[0]"},
	]
	decision := testing.decide({"signals": signals})
	testing.codes(decision) == ["internet_access"]
	endswith(decision.reasons[0].message, "What Handrail saw: a: a web search tool.")
}

test_several_safeguards_in_order if {
	signals := [testing.signal("self_coding"), testing.signal("agentic"), testing.signal("internet")]
	testing.codes(testing.decide({"signals": signals})) == ["agentic_use", "internet_access", "self_coding"]
}

test_other_signals_are_ignored if {
	testing.decide({"signals": [testing.signal("telepathy")]}).action == "allow"
}

test_tool_call_in_an_answer_is_blocked if {
	decision := testing.decide({"phase": "response", "signals": [testing.signal("agentic")]})
	testing.codes(decision) == ["agentic_use"]
}

unscannable(kinds) := {
	"signals": [{"type": "unscannable_content", "evidence": "image content cannot be scanned", "location": "m"}],
	"request": {"unscannable_kinds": kinds},
}

test_image_to_a_model_approved_for_images if {
	testing.decide(unscannable(["image"])).action == "allow"
}

test_file_to_a_model_approved_only_for_images if {
	decision := testing.decide(unscannable(["file", "image"]))
	testing.codes(decision) == ["unscannable_content"]
	contains(decision.reasons[0].message, "The request includes file content, which Handrail cannot check")
}

test_unlisted_model_gets_no_unscannable_content if {
	decision := testing.decide(object.union(unscannable(["image"]), testing.for_model("brand-new")))
	testing.codes(decision) == ["unscannable_content"]
}

test_unidentified_unscannable_content_is_refused if {
	decision := testing.decide(unscannable([]))
	contains(decision.reasons[0].message, "The request includes unidentified content")
}

test_experiment_may_relax_unscannable_content if {
	overrides := object.union(
		object.union(unscannable(["image", "audio"]), testing.for_model("public-us")),
		{"request": {"experiment": "images"}},
	)
	decision := testing.decide(overrides)
	decision.action == "allow"
	decision.experiment == "images"
}
