# METADATA
# title: Experiments
# description: |
#   An experiment (data/experiments) is a named, time-boxed permission: for
#   some departments or named users, on some models, it relaxes usage
#   safeguards (agentic, self_coding, internet, unscannable_content) or opens
#   a model in trial, up to a highest classification and a daily request cap.
#   A client selects one with the X-Handrail-Experiment header. When the
#   experiment does not apply, the request is decided as if there were no
#   header, and the reasons say why the experiment was not applied.
package handrail.experiments

import rego.v1

import data.handrail.classification
import data.handrail.lib

# METADATA
# title: Safeguards an experiment may relax
relaxable := {"agentic", "self_coding", "internet", "unscannable_content"}

# METADATA
# title: The experiment the client asked for
requested := input.request.experiment if {
	is_string(input.request.experiment)
	input.request.experiment != ""
}

# METADATA
# title: The experiment's definition
definition := data.data.experiments[requested]

now_ns := lib.timestamp_ns(input.time)

starts_ns := lib.timestamp_ns(definition.starts)

expires_ns := lib.timestamp_ns(definition.expires)

name := lib.quoted(requested)

# METADATA
# title: Why the requested experiment does not apply
problems contains {
	"code": "experiment_unknown",
	"message": concat("", ["There is no experiment called ", name, "."]),
} if {
	requested
	not definition
}

problems contains {
	"code": "experiment_misconfigured",
	"message": concat("", [
		"The experiment ", name,
		" is not set up correctly (its dates, cap or safeguards could not be read), so it cannot be used.",
	]),
} if {
	definition
	not well_formed
}

problems contains {
	"code": "experiment_not_started",
	"message": concat("", ["The experiment ", name, " starts on ", lib.day(definition.starts), "."]),
} if {
	well_formed
	now_ns < starts_ns
}

problems contains {
	"code": "experiment_expired",
	"message": concat("", ["The experiment ", name, " ended on ", lib.day(definition.expires), "."]),
} if {
	well_formed
	now_ns >= expires_ns
}

problems contains {
	"code": "experiment_not_participant",
	"message": concat("", ["You are not a participant in the experiment ", name, "."]),
} if {
	well_formed
	not participant
}

problems contains {
	"code": "experiment_model",
	"message": concat("", [
		"The experiment ", name, " does not cover the model ", lib.quoted(input.model.name), ".",
	]),
} if {
	well_formed
	not input.model.name in definition.models
}

# The cap is checked when the request arrives; the check of the model's
# answer belongs to a request that was already admitted and counted.
problems contains {
	"code": "experiment_cap_reached",
	"message": concat("", [
		"The experiment ", name, " has reached its limit of ",
		format_int(definition.daily_request_cap, 10), " requests today.",
	]),
} if {
	well_formed
	input.phase == "request"
	input.experiment_usage.requests_today >= definition.daily_request_cap
}

problems contains {
	"code": "experiment_classification",
	"message": concat("", [
		"The experiment ", name, " allows material up to ", definition.max_classification,
		" only, and this request is ", classification.described, ".",
	]),
} if {
	well_formed
	classification.effective_rank > classification.levels[definition.max_classification]
}

# METADATA
# title: The definition has everything the checks need
well_formed if {
	now_ns
	starts_ns
	expires_ns
	is_number(definition.daily_request_cap)
	classification.levels[definition.max_classification]
	is_array(definition.models)
	is_array(definition.relaxes)
	is_array(object.get(definition, "departments", []))
	is_array(object.get(definition, "users", []))
	every safeguard in definition.relaxes {
		safeguard in relaxable
	}
}

# METADATA
# title: The caller belongs to the experiment, by department or by name
participant if input.principal.department in object.get(definition, "departments", [])

participant if input.principal.user in object.get(definition, "users", [])

# METADATA
# title: The requested experiment applies to this request
applied if {
	definition
	count(problems) == 0
}

# METADATA
# title: The experiment named in the decision (null when none applies)
default applied_name := null

applied_name := requested if applied

# METADATA
# title: Safeguards the applied experiment relaxes
relaxed contains safeguard if {
	applied
	some safeguard in definition.relaxes
}

# METADATA
# title: Reasons recorded when a requested experiment does not apply
notes contains object.union(problem, {"priority": 90}) if {
	# Most requests name no experiment: stop here rather than try every problem.
	requested
	some problem in problems
}
