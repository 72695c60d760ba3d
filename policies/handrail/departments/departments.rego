# METADATA
# title: Departments
# description: |
#   Per-department settings (data/departments). A department can only make
#   the policy stricter: block more kinds of data, or limit which models its
#   staff may use. A department the data does not list gets the defaults.
package handrail.departments

import rego.v1

import data.handrail.lib

defaults := {"block": [], "models": []}

# METADATA
# title: The settings that apply to the caller's department
entry := object.union(
	object.union(defaults, {"name": input.principal.department}),
	data.data.departments[input.principal.department],
) if {
	data.data.departments[input.principal.department]
} else := object.union(defaults, {"name": input.principal.department})

# METADATA
# title: Extra finding types the department blocks
block_types contains finding_type if some finding_type in entry.block

# METADATA
# title: A department with a model list allows only those models
blocks contains {
	"priority": 22,
	"code": "model_not_for_department",
	"message": concat("", [
		entry.name, " has not approved the model ", lib.quoted(input.model.name),
		". Choose one of: ", concat(", ", sort(entry.models)), ".",
	]),
} if {
	input.phase == "request"
	count(entry.models) > 0
	not input.model.name in entry.models
}

# METADATA
# title: A department the policy does not know is refused
# description: |
#   Keys are checked against data/departments when they are made. A key whose
#   department a later policy change removed (or a name typed in another case)
#   is refused here, instead of silently getting no department rules.
#   Priority 12, two digits like every block reason: regopy 1.5.2 sorts
#   numbers as text (sort([3, 20]) is [20, 3]), so a one-digit priority
#   would order reasons differently from OPA.
blocks contains {
	"priority": 12,
	"code": "unknown_department",
	"message": concat("", [
		"Your key names the department ", lib.quoted(input.principal.department),
		", which the policy does not know, so no request can be decided for it.",
		" Ask your administrator for a key with a department listed in the policy.",
	]),
} if {
	input.phase == "request"
	not data.data.departments[input.principal.department]
}
