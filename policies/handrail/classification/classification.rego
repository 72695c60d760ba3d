# METADATA
# title: Classification
# description: |
#   The Government Security Classification of a request: the level the client
#   declares (X-Data-Classification, OFFICIAL by default), raised by any
#   security marking the detectors found in the text. It is checked against
#   the caller's clearance and the model's ceiling from the catalogue.
#   SECRET and TOP SECRET material never leaves, whatever the experiment.
#   Checked on the request only: an answer coming back is not leaving.
package handrail.classification

import rego.v1

import data.handrail.catalogue
import data.handrail.lib

# METADATA
# title: Classification levels, lowest first
levels := {"OFFICIAL": 1, "OFFICIAL-SENSITIVE": 2, "SECRET": 3, "TOP SECRET": 4}

# METADATA
# title: Level names by rank
names := {rank: name | some name, rank in levels}

# METADATA
# title: Rank given to a marking the detectors found but could not read
# description: OFFICIAL-SENSITIVE, so an unreadable marking still needs a cleared user and model.
unrecognised_marking_rank := 2

# METADATA
# title: The level the client declared
declared_rank := levels[input.request.classification]

# METADATA
# title: Levels of the security markings found in the text
marking_ranks contains levels[marking] if some marking in input.findings.markings

marking_ranks contains unrecognised_marking_rank if {
	some marking in input.findings.markings
	not levels[marking]
}

marking_ranks contains unrecognised_marking_rank if {
	input.findings.counts.SECURITY_MARKING > 0
	count(object.get(input.findings, "markings", [])) == 0
}

# METADATA
# title: The request's effective classification rank
effective_rank := max({declared_rank} | marking_ranks)

# METADATA
# title: The request's effective classification
effective := names[effective_rank]

# METADATA
# title: A marking in the text raised the level above the declared one
raised_by_marking if effective_rank > declared_rank

# METADATA
# title: The effective classification as a message puts it
described := concat("", [effective, " (because of a security marking in the text)"]) if {
	raised_by_marking
} else := effective

# METADATA
# title: The highest classification the model may receive
# description: OFFICIAL when the catalogue entry names no level Handrail knows.
model_ceiling_rank := levels[catalogue.entry.max_classification] if {
	levels[catalogue.entry.max_classification]
} else := 1

# METADATA
# title: SECRET and TOP SECRET never leave
blocks contains {
	"priority": 10,
	"code": "classification_too_high",
	"message": concat("", [
		"The request is ", described, ". SECRET and TOP SECRET material must never be sent to a language model.",
	]),
} if {
	input.phase == "request"
	effective_rank >= 3
}

# METADATA
# title: The caller must be cleared for the material
blocks contains {
	"priority": 11,
	"code": "above_clearance",
	"message": concat("", [
		"The request is ", described, ", which is above your clearance (",
		input.principal.clearance, ").",
	]),
} if {
	input.phase == "request"
	effective_rank < 3
	effective_rank > levels[input.principal.clearance]
}

# METADATA
# title: The model must be approved for the material
blocks contains {
	"priority": 21,
	"code": "model_not_cleared",
	"message": concat("", [
		"The model ", lib.quoted(input.model.name), " is approved for ", names[model_ceiling_rank],
		" material only, and this request is ", described, ". Choose a model approved for ", effective,
		" material.",
	]),
} if {
	input.phase == "request"
	effective_rank < 3
	effective_rank > model_ceiling_rank
}
