# METADATA
# title: Input validation
# description: |
#   The decision is only as good as its input. A field the other rules rely
#   on that is missing or malformed blocks the request, so a change in the
#   gateway can never turn into an implicit allow.
package handrail.validation

import rego.v1

import data.handrail.classification
import data.handrail.lib

# Every field is read through object.get, so a missing one is null rather
# than undefined: OPA and regopy treat "not f(undefined)" differently.
field(path) := object.get(input, path, null)

# METADATA
# title: Fields of the input that are missing or malformed
problems contains "phase" if not field(["phase"]) in {"request", "response"}

problems contains "time" if not lib.timestamp_ns(field(["time"]))

problems contains "principal.user" if not is_string(field(["principal", "user"]))

problems contains "principal.department" if not is_string(field(["principal", "department"]))

problems contains "principal.clearance" if not classification.levels[field(["principal", "clearance"])]

problems contains "request.classification" if not classification.levels[field(["request", "classification"])]

problems contains "model.name" if not is_string(field(["model", "name"]))

problems contains "findings.counts" if not is_object(field(["findings", "counts"]))

problems contains "signals" if not is_array(field(["signals"]))

problems contains "experiment_usage.requests_today" if not is_number(field(["experiment_usage", "requests_today"]))

# METADATA
# title: The input is an object with every field the rules rely on
# description: A positive rule, so an absent or non-object input can only make it undefined.
valid if {
	is_object(input)
	count(problems) == 0
}

missing := concat(", ", sort(problems)) if count(problems) > 0

else := "the whole input document"

# METADATA
# title: Refuse rather than guess
blocks contains {
	"priority": 0,
	"code": "invalid_policy_input",
	"message": concat("", [
		"Handrail could not check this request because its policy input was incomplete (",
		missing, "), so it was refused.",
	]),
} if {
	not valid
}
