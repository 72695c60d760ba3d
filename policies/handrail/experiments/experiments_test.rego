package handrail.experiments_test

import rego.v1

import data.handrail
import data.handrail.experiments
import data.handrail.lib
import data.handrail.testing

agentic_under(experiment) := object.union(
	{"signals": [testing.signal("agentic")]},
	{"request": {"experiment": experiment}},
)

test_agentic_use_allowed_under_an_experiment if {
	decision := testing.decide(agentic_under("agents"))
	decision == {"action": "allow", "reasons": [], "redact_types": [], "experiment": "agents"}
}

test_participant_by_department if {
	overrides := object.union(agentic_under("agents"), {"principal": {"user": "carol@example.gov.uk", "department": "GDS"}})
	testing.decide(overrides).experiment == "agents"
}

test_not_a_participant if {
	overrides := object.union(agentic_under("agents"), {"principal": {"user": "carol@example.gov.uk"}})
	decision := testing.decide(overrides)
	testing.codes(decision) == ["agentic_use", "experiment_not_participant"]
	decision.experiment == null
}

test_unknown_experiment if {
	decision := testing.decide(agentic_under("nonesuch"))
	testing.codes(decision) == ["agentic_use", "experiment_unknown"]
	decision.reasons[1].message == "There is no experiment called 'nonesuch'."
}

test_unknown_experiment_does_not_block_an_ordinary_request if {
	decision := testing.decide({"request": {"experiment": "nonesuch"}})
	decision.action == "allow"
	testing.codes(decision) == ["experiment_unknown"]
}

test_expired_experiment if {
	decision := testing.decide(object.union(agentic_under("agents"), {"time": "2027-01-01T00:00:00+00:00"}))
	testing.codes(decision) == ["agentic_use", "experiment_expired"]
	decision.reasons[1].message == "The experiment 'agents' ended on 2026-12-31."
}

test_expiry_is_exclusive if {
	decision := testing.decide(object.union(agentic_under("agents"), {"time": "2026-12-31T23:59:59Z"}))
	"experiment_expired" in testing.codes(decision)
	testing.decide(object.union(agentic_under("agents"), {"time": "2026-12-31T23:59:58Z"})).action == "allow"
}

test_not_started if {
	overrides := object.union({"signals": [testing.signal("internet")]}, {"request": {"experiment": "future"}})
	decision := testing.decide(overrides)
	testing.codes(decision) == ["internet_access", "experiment_not_started"]
	decision.reasons[1].message == "The experiment 'future' starts on 2027-01-01."
}

test_ended_experiment_named_in_data if {
	overrides := object.union({"signals": [testing.signal("internet")]}, {"request": {"experiment": "over"}})
	"experiment_expired" in testing.codes(testing.decide(overrides))
}

test_model_outside_the_experiment if {
	overrides := object.union(agentic_under("agents"), testing.for_model("in-house"))
	decision := testing.decide(overrides)
	testing.codes(decision) == ["agentic_use", "experiment_model"]
	decision.reasons[1].message == "The experiment 'agents' does not cover the model 'in-house'."
}

test_daily_cap if {
	at_cap := object.union(agentic_under("agents"), {"experiment_usage": {"requests_today": 10}})
	decision := testing.decide(at_cap)
	testing.codes(decision) == ["agentic_use", "experiment_cap_reached"]
	decision.reasons[1].message == "The experiment 'agents' has reached its limit of 10 requests today."
	below_cap := object.union(agentic_under("agents"), {"experiment_usage": {"requests_today": 9}})
	testing.decide(below_cap).action == "allow"
}

test_cap_is_not_checked_again_on_the_answer if {
	answer := object.union(agentic_under("agents"), {"phase": "response", "experiment_usage": {"requests_today": 10}})
	testing.decide(answer).action == "allow"
}

test_experiment_classification_limit if {
	overrides := object.union(agentic_under("agents"), {
		"request": {"classification": "OFFICIAL-SENSITIVE"},
		"principal": {"clearance": "OFFICIAL-SENSITIVE"},
	})
	decision := testing.decide(overrides)
	testing.codes(decision) == ["agentic_use", "experiment_classification"]
	contains(decision.reasons[1].message, "allows material up to OFFICIAL only")
}

test_experiment_relaxes_only_what_it_names if {
	overrides := object.union(
		{"signals": [testing.signal("agentic"), testing.signal("internet")]},
		{"request": {"experiment": "agents"}},
	)
	decision := testing.decide(overrides)
	testing.codes(decision) == ["internet_access"]
	endswith(decision.reasons[0].message, "The experiment 'agents' does not cover this.")
	decision.experiment == "agents"
}

test_experiment_never_relaxes_data_protection if {
	overrides := object.union(agentic_under("agents"), testing.found({"UK_NINO": 1}))
	decision := testing.decide(overrides)
	testing.codes(decision) == ["blocked_data"]
	decision.experiment == "agents"
}

test_misconfigured_experiment_is_refused if {
	decision := testing.decide({"request": {"experiment": "broken"}})
	testing.codes(decision) == ["experiment_misconfigured"]
}

test_empty_header_means_no_experiment if {
	not experiments.requested with input.request.experiment as ""
	not experiments.requested with input.request.experiment as null
}

# The shipped experiments must be usable: readable dates that are in order,
# known safeguards, a cap, a classification no higher than OFFICIAL-SENSITIVE.
test_shipped_experiments_are_well_formed if {
	every _, experiment in data.data.experiments {
		lib.timestamp_ns(experiment.starts) < lib.timestamp_ns(experiment.expires)
		every safeguard in experiment.relaxes {
			safeguard in experiments.relaxable
		}
		experiment.daily_request_cap > 0
		experiment.max_classification in {"OFFICIAL", "OFFICIAL-SENSITIVE"}
		count(experiment.models) > 0
		count(experiment.departments) + count(experiment.users) > 0
	}
}

# Each shipped experiment allows a typical request of its kind while it runs,
# and the same request is refused once it has ended. The data in force is
# decided on, not the fixtures, so an experiment added later is tested too.
# A typical request uses every safeguard the experiment relaxes, through the
# tools that grant it: a web search or code tool is also a tool, so internet
# and self_coding come with agentic (what hmrc-web-research first missed).
typical_types(experiment) := {t | some t in experiment.relaxes} | {"agentic" |
	some t in experiment.relaxes
	t in {"internet", "self_coding"}
}

typical_request(name, experiment, time) := {
	"phase": "request",
	"time": time,
	"principal": {
		"user": first(object.get(experiment, "users", []), "participant@example.gov.uk"),
		"department": first(object.get(experiment, "departments", []), "NONE"),
		"roles": ["user"], "clearance": "OFFICIAL",
	},
	"request": object.union(testing.base.request, {
		"model": experiment.models[0], "experiment": name,
		"unscannable_kinds": [kind | "unscannable_content" in experiment.relaxes; some kind in ["file"]],
	}),
	"model": {"name": experiment.models[0], "provider": "azure"},
	"experiment_usage": {"requests_today": 0},
	"findings": {"counts": {}, "types": [], "markings": []},
	"signals": [{"type": t, "evidence": "typical", "location": "tools[0]", "sources": ["hosted_tools"]} |
		some t in typical_types(experiment)
	],
}

first(list, default_value) := list[0] if count(list) > 0

else := default_value

decided(request) := decision if {
	decision := handrail.decision with input as request
}

# Reasons an experiment is there to lift.
lifted_codes := {"agentic_use", "self_coding", "internet_access", "unscannable_content", "model_in_trial"}

midpoint(experiment) := time.format((lib.timestamp_ns(experiment.starts) + lib.timestamp_ns(experiment.expires)) / 2)

test_each_shipped_experiment_allows_its_kind_of_request_during_and_not_after if {
	count(data.data.experiments) > 0
	every name, experiment in data.data.experiments {
		during := decided(typical_request(name, experiment, midpoint(experiment)))
		during.experiment == name
		count({code | some code in testing.codes(during)} & lifted_codes) == 0
		after := decided(typical_request(name, experiment, experiment.expires))
		after.experiment == null
		"experiment_expired" in testing.codes(after)
		refused_after(after)
	}
}

# An experiment that lifts nothing (no safeguard, an approved model) fails here: it would allow nothing new.
refused_after(decision) if count({code | some code in testing.codes(decision)} & lifted_codes) > 0

test_a_web_search_experiment_that_relaxes_only_internet_would_fail_the_check if {
	experiment := {"users": ["alice@example.gov.uk"], "models": ["approved-uk"], "relaxes": ["internet"]}
	typical_types(experiment) == {"agentic", "internet"}
	decision := testing.decide({
		"request": {"experiment": "web"},
		"signals": [testing.signal("agentic"), testing.signal("internet")],
	}) with testing.experiments as {"web": object.union(testing.experiments.future, {
		"users": ["alice@example.gov.uk"], "starts": "2026-01-01T00:00:00Z", "relaxes": ["internet"],
	})}
	testing.codes(decision) == ["agentic_use"]
}
