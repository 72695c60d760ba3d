# METADATA
# title: Shared helpers
# description: |
#   Small functions the other Handrail modules use to read times and to write
#   reasons in plain English. Messages are built with concat, not sprintf, so
#   the embedded engine (regopy) and an OPA server produce identical text.
package handrail.lib

import rego.v1

# METADATA
# title: Nanoseconds since the epoch of an RFC 3339 timestamp
# description: |
#   Accepts a "Z" suffix as well as a numeric offset (regopy reads only the
#   latter). Undefined when the value is not a timestamp.
timestamp_ns(value) := time.parse_rfc3339_ns(concat("", [trim_suffix(value, "Z"), "+00:00"])) if {
	is_string(value)
	endswith(value, "Z")
} else := time.parse_rfc3339_ns(value) if is_string(value)

# METADATA
# title: The date part (YYYY-MM-DD) of a timestamp, for messages
day(value) := substring(value, 0, 10)

# METADATA
# title: Items joined the way a person writes a list
# description: |
#   ["a"] -> "a"; ["a", "b"] -> "a and b"; ["a", "b", "c"] -> "a, b and c".
#   The items are copied into a fresh array first: regopy 1.5.2 cannot index
#   the array that sort() returns for a set, and OPA does not mind.
readable_list(items) := joined([item | some item in items])

joined(list) := list[0] if {
	count(list) == 1
} else := concat(" and ", [concat(", ", array.slice(list, 0, count(list) - 1)), list[count(list) - 1]]) if {
	count(list) > 1
}

# METADATA
# title: Quote a name in a message
quoted(name) := concat("", ["'", name, "'"])
