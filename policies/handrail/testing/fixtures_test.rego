# METADATA
# title: Test fixtures
# description: |
#   A complete, ordinary request and a small catalogue, experiments and
#   departments of its own, so the rules' tests do not change meaning when
#   the security team edits the real data. decide(overrides) runs the whole
#   policy on the base request changed by overrides (merged two levels deep).
#   Tests set input one top-level key at a time ("with input.phase as ..."),
#   which both OPA and the embedded engine support.
package handrail.testing

import rego.v1

now := "2026-11-24T12:00:00+00:00"

base := {
	"phase": "request",
	"time": now,
	"principal": {"user": "alice@example.gov.uk", "department": "HMRC", "roles": ["user"], "clearance": "OFFICIAL"},
	"request": {
		"endpoint": "/v1/chat/completions",
		"api": "openai.chat",
		"model": "approved-uk",
		"stream": false,
		"classification": "OFFICIAL",
		"experiment": null,
		"unscannable_kinds": [],
	},
	"model": {"name": "approved-uk", "provider": "azure"},
	"experiment_usage": {"requests_today": 0},
	"findings": {"counts": {}, "types": [], "markings": []},
	"signals": [],
}

models := {
	"approved-uk": {
		"hosting": "UK",
		"status": "approved",
		"personal_data": "pseudonymise",
		"max_classification": "OFFICIAL-SENSITIVE",
		"unscannable_content": ["image"],
	},
	"in-house": {
		"hosting": "departmental",
		"status": "approved",
		"personal_data": "allow",
		"max_classification": "OFFICIAL-SENSITIVE",
		"unscannable_content": ["image", "file"],
	},
	"public-us": {
		"hosting": "US",
		"status": "approved",
		"personal_data": "block",
		"max_classification": "OFFICIAL",
		"unscannable_content": [],
	},
	"preview": {"hosting": "EU", "status": "trial"},
	"retired": {"hosting": "gone", "status": "withdrawn"},
	"odd": {"hosting": "?", "status": "maybe", "personal_data": "sometimes", "max_classification": "RESTRICTED"},
}

experiments := {
	"agents": {
		"departments": ["GDS"],
		"users": ["alice@example.gov.uk"],
		"models": ["approved-uk", "preview"],
		"relaxes": ["agentic", "self_coding"],
		"max_classification": "OFFICIAL",
		"starts": "2026-11-01T00:00:00Z",
		"expires": "2026-12-31T23:59:59+00:00",
		"daily_request_cap": 10,
	},
	"images": {
		"departments": ["HMRC"],
		"users": [],
		"models": ["public-us"],
		"relaxes": ["unscannable_content"],
		"max_classification": "OFFICIAL",
		"starts": "2026-11-01T00:00:00+00:00",
		"expires": "2026-12-31T23:59:59+00:00",
		"daily_request_cap": 10,
	},
	"future": {
		"departments": ["HMRC"],
		"users": [],
		"models": ["approved-uk"],
		"relaxes": ["internet"],
		"max_classification": "OFFICIAL",
		"starts": "2027-01-01T00:00:00+00:00",
		"expires": "2027-12-31T23:59:59+00:00",
		"daily_request_cap": 10,
	},
	"over": {
		"departments": ["HMRC"],
		"users": [],
		"models": ["approved-uk"],
		"relaxes": ["internet"],
		"max_classification": "OFFICIAL",
		"starts": "2026-01-01T00:00:00+00:00",
		"expires": "2026-10-31T23:59:59+00:00",
		"daily_request_cap": 10,
	},
	"broken": {"departments": ["HMRC"], "models": ["approved-uk"], "relaxes": ["everything"], "expires": "soon"},
}

safeguard_settings := {"declared_tools": "strip", "structured_output": "allow"}

departments := {
	"HMRC": {"name": "HM Revenue & Customs", "block": [], "models": []},
	"HO": {"name": "Home Office", "block": ["DATE_OF_BIRTH"], "models": []},
	"MOJ": {"name": "Ministry of Justice", "block": [], "models": ["in-house", "approved-uk"]},
}

# METADATA
# title: The base request with some fields replaced
merged(overrides) := {key: merge_value(key, overrides) | some key in (object.keys(base) | object.keys(overrides))}

merge_value(key, overrides) := object.union(base[key], overrides[key]) if {
	is_object(base[key])
	is_object(overrides[key])
} else := overrides[key] if {
	key in object.keys(overrides)
} else := base[key]

# METADATA
# title: The whole policy's decision on a changed base request, with the fixture data
decide(overrides) := decision if {
	request := merged(overrides)
	decision := data.handrail.decision with input.phase as request.phase
		with input.time as request.time
		with input.principal as request.principal
		with input.request as request.request
		with input.model as request.model
		with input.experiment_usage as request.experiment_usage
		with input.findings as request.findings
		with input.signals as request.signals
		with data.data.models as models
		with data.data.experiments as experiments
		with data.data.departments as departments
		with data.data.safeguards as safeguard_settings
}

# METADATA
# title: The reason codes of a decision, in order
codes(decision) := [reason.code | some reason in decision.reasons]

# METADATA
# title: A request for a model, with its name in both places the input carries it
for_model(name) := {"request": {"model": name}, "model": {"name": name}}

# METADATA
# title: Findings with the given counts
found(counts) := {"findings": {"counts": counts, "types": object.keys(counts), "markings": []}}

# METADATA
# title: One usage signal
signal(signal_type) := {"type": signal_type, "evidence": concat("", ["test evidence of ", signal_type]), "location": "tools"}

# METADATA
# title: One usage signal whose evidence comes from the given sources
signal_from(signal_type, sources) := object.union(signal(signal_type), {"sources": sources})
