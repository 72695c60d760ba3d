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
# and the same request is refused once it has ended. The shipped data, not the
# fixtures, is decided on.
shipped_decision(name, time, user, department, model, signals) := decision if {
	decision := handrail.decision with input.phase as "request"
		with input.time as time
		with input.principal as {"user": user, "department": department, "roles": ["user"], "clearance": "OFFICIAL"}
		with input.request as object.union(testing.base.request, {"model": model, "experiment": name})
		with input.model as {"name": model, "configured": true, "provider": "azure"}
		with input.experiment_usage as {"requests_today": 0}
		with input.findings as {"counts": {}, "types": [], "markings": []}
		with input.signals as signals
}

# Signals as the detectors report them for a request of each kind (hosted tools and text: nothing to strip).
coding_agent := [
	{"type": "agentic", "evidence": "the request offers the model a shell tool", "location": "tools[0]", "sources": ["hosted_tools", "text"]},
	{"type": "self_coding", "evidence": "the request offers the model a shell tool", "location": "tools[0]", "sources": ["hosted_tools"]},
]

web_research := [
	{"type": "agentic", "evidence": "the request offers the model a web search tool", "location": "tools[0]", "sources": ["hosted_tools"]},
	{"type": "internet", "evidence": "the request offers the model a web search tool", "location": "tools[0]", "sources": ["hosted_tools"]},
]

during_and_after(name, user, department, model, signals, during, after) if {
	allowed := shipped_decision(name, during, user, department, model, signals)
	allowed.action == "allow"
	allowed.experiment == name
	refused := shipped_decision(name, after, user, department, model, signals)
	refused.action == "block"
	refused.experiment == null
	"experiment_expired" in testing.codes(refused)
}

test_shipped_gds_coding_agents if {
	experiment := data.data.experiments["gds-coding-agents"]
	during_and_after(
		"gds-coding-agents", "dev@example.gov.uk", "GDS", "claude-sonnet-uk", coding_agent,
		"2026-11-24T12:00:00+00:00", experiment.expires,
	)
}

test_shipped_hmrc_web_research if {
	experiment := data.data.experiments["hmrc-web-research"]
	during_and_after(
		"hmrc-web-research", "alice@example.gov.uk", "HMRC", "gpt-4o-uk", web_research,
		"2026-11-24T12:00:00+00:00", experiment.expires,
	)

	# The refusal after the end names no experiment as applied, and gives both safeguards.
	refused := shipped_decision("hmrc-web-research", experiment.expires, "alice@example.gov.uk", "HMRC", "gpt-4o-uk", web_research)
	testing.codes(refused) == ["agentic_use", "internet_access", "experiment_expired"]
	not contains(refused.reasons[0].message, "does not cover this")
}

test_shipped_frontier_preview_evaluation if {
	experiment := data.data.experiments["frontier-preview-evaluation"]
	during_and_after(
		"frontier-preview-evaluation", "eval@example.gov.uk", "GDS", "frontier-preview", [],
		"2026-11-24T12:00:00+00:00", experiment.expires,
	)
}

# Every shipped experiment has a test above.
test_every_shipped_experiment_is_tested if {
	object.keys(data.data.experiments) == {"gds-coding-agents", "hmrc-web-research", "frontier-preview-evaluation"}
}
