# METADATA
# title: Handrail decision
# description: |
#   The entry point the gateway queries (data.handrail.decision): allow,
#   redact or block one request to a language model, or one answer coming
#   back from it (input.phase), with reasons a person can read. Each concern
#   lives in its own package; this one only puts their answers together.
# entrypoint: true
package handrail

import rego.v1

import data.handrail.catalogue
import data.handrail.classification
import data.handrail.departments
import data.handrail.experiments
import data.handrail.protection
import data.handrail.safeguards
import data.handrail.validation

# METADATA
# title: Every reason to refuse
block_reasons := (((classification.blocks | catalogue.blocks) | departments.blocks) | protection.blocks) | safeguards.blocks

# METADATA
# title: Reasons in a stable order (most fundamental first), without their priority
ordered(reasons) := [reason_document(reason[1], reason[2], reason[3]) |
	some reason in sort([[r.priority, r.code, r.message, object.get(r, "evidence", "")] | some r in reasons])
]

# METADATA
# title: A reason as the decision gives it; evidence (what the detectors saw) only where a rule names some
reason_document(code, message, "") := {"code": code, "message": message}

reason_document(code, message, evidence) := {"code": code, "message": message, "evidence": evidence} if evidence != ""

# METADATA
# title: The decision document
# description: |
#   action: allow | redact | strip | block; reasons: [{code, message}], the
#   first one being the main reason; redact_types: finding types to replace
#   (request) or remove (answer), for redact and strip; experiment: the
#   experiment that applied, or null. strip forwards the request without its
#   declared tools (tools, tool_choice, functions ...).
decision := {
	"action": "block",
	"reasons": ordered(validation.blocks),
	"redact_types": [],
	"experiment": null,
} if {
	# Nothing else is evaluated on an input that is not what the rules expect.
	not validation.valid
} else := {
	"action": "block",
	"reasons": ordered(block_reasons | experiments.notes),
	"redact_types": [],
	"experiment": experiments.applied_name,
} if {
	count(block_reasons) > 0
} else := {
	# Forward without the declared tools; redact_types still apply.
	"action": "strip",
	"reasons": ordered(((safeguards.strips | protection.notes) | experiments.notes)),
	"redact_types": sort(protection.redact_types),
	"experiment": experiments.applied_name,
} if {
	count(safeguards.strips) > 0
} else := {
	"action": "redact",
	"reasons": ordered(protection.notes | experiments.notes),
	"redact_types": sort(protection.redact_types),
	"experiment": experiments.applied_name,
} if {
	count(protection.redact_types) > 0
} else := {
	"action": "allow",
	"reasons": ordered(experiments.notes),
	"redact_types": [],
	"experiment": experiments.applied_name,
}
