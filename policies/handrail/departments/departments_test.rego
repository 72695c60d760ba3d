package handrail.departments_test

import rego.v1

import data.handrail.departments
import data.handrail.testing

as_department(department) := {"principal": {"department": department}}

test_department_blocks_extra_kinds if {
	overrides := object.union(as_department("HO"), testing.found({"DATE_OF_BIRTH": 1}))
	decision := testing.decide(overrides)
	testing.codes(decision) == ["blocked_data"]
	contains(decision.reasons[0].message, "dates of birth")
}

test_other_departments_pseudonymise_the_same_kind if {
	decision := testing.decide(object.union(as_department("HMRC"), testing.found({"DATE_OF_BIRTH": 1})))
	decision.action == "redact"
	decision.redact_types == ["DATE_OF_BIRTH"]
}

test_department_model_list if {
	blocked := testing.decide(object.union(as_department("MOJ"), testing.for_model("public-us")))
	testing.codes(blocked) == ["model_not_for_department"]
	contains(blocked.reasons[0].message, "Ministry of Justice has not approved the model 'public-us'. Choose one of: approved-uk, in-house.")
	testing.decide(as_department("MOJ")).action == "allow"
}

test_an_unlisted_department_is_refused_not_given_the_defaults if {
	entry := departments.entry with input.principal.department as "Ofwat" with data.data.departments as testing.departments
	entry == {"name": "Ofwat", "block": [], "models": []}
	decision := testing.decide(as_department("Ofwat"))
	decision.action == "block"
	testing.codes(decision) == ["unknown_department"]
	contains(decision.reasons[0].message, "department 'Ofwat', which the policy does not know")
}

test_department_names_are_exact if {
	testing.codes(testing.decide(as_department("ho"))) == ["unknown_department"]
	testing.decide(as_department("HO")).action == "allow"
}

test_an_unknown_department_is_not_judged_again_on_the_answer if {
	overrides := object.union(as_department("Ofwat"), {"phase": "response"})
	not "unknown_department" in testing.codes(testing.decide(overrides))
}

test_shipped_departments_are_well_formed if {
	every _, entry in data.data.departments {
		is_string(entry.name)
		is_array(entry.block)
		is_array(entry.models)
	}
}
