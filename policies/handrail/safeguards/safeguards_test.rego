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
	decision.reasons[0] == {
		"code": "agentic_use",
		"message": "Tools and autonomous agents cannot be used through Handrail unless an approved experiment allows it.",
		"evidence": "test evidence of agentic",
	}
}

test_one_reason_per_safeguard_with_the_first_evidence if {
	signals := [
		{"type": "internet", "evidence": "b: a browsing tool", "location": "tools[1]"},
		{"type": "internet", "evidence": "a: a web search tool", "location": "tools[0]"},
	]
	decision := testing.decide({"signals": signals})
	testing.codes(decision) == ["internet_access"]
	decision.reasons[0].evidence == "a: a web search tool"
}

test_reasons_without_evidence_have_no_evidence_field if {
	decision := testing.decide({"findings": {"counts": {"UK_NINO": 1}, "markings": []}})
	testing.codes(decision) == ["blocked_data"]
	every reason in decision.reasons {
		not "evidence" in object.keys(reason)
	}
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

# --- declared tools on an ordinary chat are removed, not refused ---------------------------------

declared(signal_types) := {"signals": [testing.signal_from(t, ["declared_tools"]) | some t in signal_types]}

test_declared_function_tools_are_stripped if {
	decision := testing.decide(declared(["agentic"]))
	decision.action == "strip"
	testing.codes(decision) == ["tools_removed"]
	decision.reasons[0].message == "The request's tools were removed before it was sent to the model, so the model answered without them. Tools and autonomous agents cannot be used through Handrail unless an approved experiment allows it."
	decision.reasons[0].evidence == "test evidence of agentic"
}

test_declared_tools_that_would_search_the_web_are_stripped_too if {
	decision := testing.decide(declared(["agentic", "internet"]))
	decision.action == "strip"
	testing.codes(decision) == ["tools_removed"]
}

test_strip_keeps_redaction if {
	decision := testing.decide(object.union(declared(["agentic"]), testing.found({"PERSON": 2})))
	decision.action == "strip"
	decision.redact_types == ["PERSON"]
	testing.codes(decision) == ["personal_data_pseudonymised", "tools_removed"]
}

test_personal_data_that_blocks_still_blocks if {
	decision := testing.decide(object.union(declared(["agentic"]), testing.found({"UK_NINO": 1})))
	decision.action == "block"
	testing.codes(decision) == ["blocked_data"]
}

test_tools_beyond_declared_function_tools_are_refused if {
	every sources in [["declared_tools", "history"], ["declared_tools", "text"], ["hosted_tools"], ["text"], ["history"], []] {
		decision := testing.decide({"signals": [testing.signal_from("agentic", sources)]})
		decision.action == "block"
		testing.codes(decision) == ["agentic_use"]
	}
}

test_one_signal_from_elsewhere_refuses_the_whole_request if {
	signals := [testing.signal_from("agentic", ["declared_tools"]), testing.signal_from("self_coding", ["text"])]
	decision := testing.decide({"signals": signals})
	decision.action == "block"
	testing.codes(decision) == ["agentic_use", "self_coding"]
}

test_a_policy_team_can_refuse_declared_tools_everywhere if {
	decision := testing.decide(declared(["agentic"])) with testing.safeguard_settings as {"declared_tools": "block"}
	decision.action == "block"
	testing.codes(decision) == ["agentic_use"]
}

test_unreadable_settings_are_the_strict_choice if {
	settings := {"declared_tools": "sometimes", "structured_output": true}
	testing.decide(declared(["agentic"])).action == "strip"
	decision := testing.decide(declared(["agentic"])) with testing.safeguard_settings as settings
	decision.action == "block"
	structured := testing.decide({"signals": [testing.signal("structured_output")]}) with testing.safeguard_settings as settings
	structured.action == "block"
}

test_a_tool_call_in_the_answer_is_never_stripped if {
	decision := testing.decide(object.union(declared(["agentic"]), {"phase": "response"}))
	decision.action == "block"
}

test_what_an_experiment_relaxes_is_not_stripped if {
	overrides := object.union(declared(["agentic"]), {"request": {"experiment": "agents"}})
	testing.decide(overrides).action == "allow"
}

test_strip_names_the_first_safeguard_an_experiment_does_not_relax if {
	overrides := object.union(declared(["agentic", "internet"]), {"request": {"experiment": "agents"}})
	decision := testing.decide(overrides)
	decision.action == "strip"
	contains(decision.reasons[0].message, "Giving a model live internet access")
	endswith(decision.reasons[0].message, "The experiment 'agents' does not cover this.")
}

# --- structured output ---------------------------------------------------------------------------

test_structured_output_is_allowed if {
	decision := testing.decide({"signals": [testing.signal_from("structured_output", ["declared_tools"])]})
	decision == {"action": "allow", "reasons": [], "redact_types": [], "experiment": null}
}

test_a_policy_team_can_refuse_structured_output if {
	overrides := {"signals": [testing.signal("structured_output")]}
	decision := testing.decide(overrides) with testing.safeguard_settings as {"declared_tools": "strip", "structured_output": "block"}
	testing.codes(decision) == ["structured_output"]
	decision.reasons[0].message == "Asking a model to answer in a fixed structure (a forced tool or a JSON schema) is not allowed here."
	decision.reasons[0].evidence == "test evidence of structured_output"
}

test_the_shipped_settings_strip_declared_tools_and_allow_structured_output if {
	data.data.safeguards == {"declared_tools": "strip", "structured_output": "allow"}
}
