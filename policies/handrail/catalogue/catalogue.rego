# METADATA
# title: Model catalogue
# description: |
#   What the security team has decided about each model (data/models):
#   where it is hosted, whether it may receive personal data, the highest
#   classification it may receive, which content Handrail cannot scan it may
#   still receive, and whether it is approved, in trial or withdrawn.
#   A configured model the catalogue does not list gets the most restrictive
#   treatment: OFFICIAL only, personal data replaced by placeholders, no
#   unscannable content. It still works for ordinary prompts at once.
package handrail.catalogue

import rego.v1

import data.handrail.experiments
import data.handrail.lib

# METADATA
# title: Treatment of a model the catalogue does not list
unlisted := {
	"description": "A configured model the catalogue does not list.",
	"hosting": "unknown (not in the model catalogue)",
	"status": "approved",
	"personal_data": "pseudonymise",
	"max_classification": "OFFICIAL",
	"unscannable_content": [],
}

# METADATA
# title: Defaults for fields a catalogue entry leaves out
# description: The restrictive choice for each field, so a partial entry never loosens anything.
restrictive := {
	"status": "approved",
	"personal_data": "pseudonymise",
	"max_classification": "OFFICIAL",
	"unscannable_content": [],
}

# METADATA
# title: The model is in the catalogue
listed if data.data.models[input.model.name]

# METADATA
# title: The catalogue entry that applies to the requested model
entry := object.union(restrictive, data.data.models[input.model.name]) if listed

else := unlisted

statuses := {"approved", "trial", "withdrawn"}

# METADATA
# title: A withdrawn model cannot be used
blocks contains {
	"priority": 20,
	"code": "model_withdrawn",
	"message": concat("", [
		"The model ", lib.quoted(input.model.name),
		" has been withdrawn by the security team and cannot be used. Choose another model.",
	]),
} if {
	input.phase == "request"
	entry.status == "withdrawn"
}

# METADATA
# title: A model in trial is only usable within an experiment that names it
blocks contains {
	"priority": 20,
	"code": "model_in_trial",
	"message": concat("", [
		"The model ", lib.quoted(input.model.name),
		" is being trialled and can only be used within an experiment that includes it.",
	]),
} if {
	input.phase == "request"
	entry.status == "trial"
	not experiments.applied
}

# METADATA
# title: An entry with an unknown status is refused until the catalogue is fixed
blocks contains {
	"priority": 20,
	"code": "model_misconfigured",
	"message": concat("", [
		"The model ", lib.quoted(input.model.name),
		" has an unrecognised catalogue entry, so it cannot be used until the security team corrects it.",
	]),
} if {
	input.phase == "request"
	not entry.status in statuses
}
