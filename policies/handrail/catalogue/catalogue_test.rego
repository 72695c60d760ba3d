package handrail.catalogue_test

import rego.v1

import data.handrail.catalogue
import data.handrail.testing

test_withdrawn_model_is_blocked if {
	decision := testing.decide(testing.for_model("retired"))
	testing.codes(decision) == ["model_withdrawn"]
	contains(decision.reasons[0].message, "'retired' has been withdrawn")
}

test_trial_model_needs_an_experiment if {
	testing.codes(testing.decide(testing.for_model("preview"))) == ["model_in_trial"]
}

test_trial_model_within_its_experiment if {
	decision := testing.decide(object.union(testing.for_model("preview"), {"request": {"experiment": "agents"}}))
	decision.action == "allow"
	decision.experiment == "agents"
}

test_unknown_status_is_refused if {
	"model_misconfigured" in testing.codes(testing.decide(testing.for_model("odd")))
}

test_unlisted_model_gets_the_restrictive_entry if {
	entry := catalogue.entry with input.model.name as "brand-new" with data.data.models as testing.models
	entry == catalogue.unlisted
	not catalogue.listed with input.model.name as "brand-new" with data.data.models as testing.models
}

test_partial_entry_is_completed_restrictively if {
	entry := catalogue.entry with input.model.name as "preview" with data.data.models as testing.models
	entry.personal_data == "pseudonymise"
	entry.max_classification == "OFFICIAL"
	entry.unscannable_content == []
	entry.hosting == "EU"
}

test_answers_are_not_refused_for_the_model_status if {
	decision := testing.decide(object.union(testing.for_model("retired"), {"phase": "response"}))
	decision.action == "allow"
}

# The shipped catalogue: the demo model behaves as an approved model so a new
# installation can be tried at once.
test_shipped_demo_model_is_approved if {
	demo := data.data.models.demo
	demo.status == "approved"
	demo.personal_data == "pseudonymise"
	demo.max_classification == "OFFICIAL-SENSITIVE"
}

test_shipped_entries_are_well_formed if {
	every name, entry in data.data.models {
		is_string(name)
		entry.status in catalogue.statuses
		entry.personal_data in {"pseudonymise", "allow", "block"}
		entry.max_classification in {"OFFICIAL", "OFFICIAL-SENSITIVE"}
		is_array(entry.unscannable_content)
		is_string(entry.hosting)
	}
}
