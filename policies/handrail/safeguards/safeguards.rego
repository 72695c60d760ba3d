# METADATA
# title: Usage safeguards
# description: |
#   Agentic use (tools, autonomous agents), self-coding (code the model writes
#   that runs automatically, or changes to its own instructions) and live
#   internet access are blocked unless an experiment that applies relaxes
#   them. The same rules check the model's answer (a tool call in it is
#   agentic use). A request whose only tool use is declared function tools
#   on an ordinary chat (data/safeguards declared_tools: "strip") is
#   forwarded without its tools instead of refused; "block" refuses it.
#   Structured output (one forced tool that is only the answer's shape, or a
#   JSON answer format) is allowed and audited unless data/safeguards
#   structured_output is "block". Content Handrail cannot scan (images, files, audio) may go
#   only to a model whose catalogue entry accepts that kind of content, or
#   within an experiment that relaxes unscannable_content: the gateway cannot
#   see whether it holds personal data or a security marking.
package handrail.safeguards

import rego.v1

import data.handrail.catalogue
import data.handrail.experiments
import data.handrail.lib

# METADATA
# title: What each safeguard forbids, in plain English
rules := {
	"agentic": {
		"code": "agentic_use",
		"message": "Tools and autonomous agents cannot be used through Handrail unless an approved experiment allows it.",
	},
	"self_coding": {
		"code": "self_coding",
		"message": "Asking a model to write code that runs automatically, or to change its own code or instructions, is not allowed unless an approved experiment allows it.",
	},
	"internet": {
		"code": "internet_access",
		"message": "Giving a model live internet access (web search, browsing or fetching tools) is not allowed unless an approved experiment allows it.",
	},
}

# METADATA
# title: Safeguarded capabilities the request (or answer) uses
used contains signal.type if {
	some signal in input.signals
	rules[signal.type]
}

# METADATA
# title: What the detectors saw, first in a stable order
evidence(signal_type) := found[0] if {
	found := sort([object.get(signal, "evidence", "") |
		some signal in input.signals
		signal.type == signal_type
	])
}

# METADATA
# title: An applied experiment relaxes the safeguard
permitted(safeguard) if safeguard in experiments.relaxed

# METADATA
# title: Safeguards the request uses that no applied experiment relaxes
refused_types := {signal_type | some signal_type in used; not permitted(signal_type)}

# METADATA
# title: The policy team's choices (data/safeguards); anything unreadable is the strict choice
settings := object.union({"declared_tools": "block", "structured_output": "block"}, object.get(data.data, "safeguards", {}))

# METADATA
# title: Evidence that only comes from declared function tools, which the gateway can remove
from_declared_tools_only(signal) if object.get(signal, "sources", []) == ["declared_tools"]

# METADATA
# title: The declared tools are removed instead of the request refused
# description: |
#   Removing the declared tools removes everything refused: the client's
#   function tools are the only evidence, and the conversation is ordinary
#   chat (no tool calls or results, no agent scaffolding, no hosted tools).
#   Hosted tools (web search, code interpreter, MCP) are refused instead: the
#   client asked the provider for that capability itself, and an answer made
#   without it would look as if it had been made with it.
strip_tools if {
	input.phase == "request"
	settings.declared_tools == "strip"
	count(refused_types) > 0
	every signal in input.signals {
		allowed_or_removable(signal)
	}
}

allowed_or_removable(signal) if not signal.type in refused_types

allowed_or_removable(signal) if from_declared_tools_only(signal)

scope_note := concat("", [" The experiment ", lib.quoted(experiments.requested), " does not cover this."]) if {
	experiments.applied
} else := ""

blocks contains {
	"priority": 40,
	"code": rules[signal_type].code,
	"message": concat("", [rules[signal_type].message, scope_note]),
	"evidence": evidence(signal_type),
} if {
	not strip_tools
	some signal_type in refused_types
}

# METADATA
# title: The safeguard named first when tools are removed (agentic, then self-coding, then internet)
first_refused := [signal_type | some signal_type in ["agentic", "self_coding", "internet"]; signal_type in refused_types][0]

# METADATA
# title: Why the tools were removed, recorded with the forwarded request
strips contains {
	"priority": 60,
	"code": "tools_removed",
	"message": concat("", [
		"The request's tools were removed before it was sent to the model, so the model answered without them. ",
		rules[first_refused].message, scope_note,
	]),
	"evidence": evidence(first_refused),
} if {
	strip_tools
}

# METADATA
# title: Structured output, when the policy team does not allow it
blocks contains {
	"priority": 40,
	"code": "structured_output",
	"message": "Asking a model to answer in a fixed structure (a forced tool or a JSON schema) is not allowed here.",
	"evidence": evidence("structured_output"),
} if {
	settings.structured_output != "allow"
	some signal in input.signals
	signal.type == "structured_output"
}

# METADATA
# title: Kinds of content in the request that Handrail cannot scan
unscannable_kinds contains kind if {
	some signal in input.signals
	signal.type == "unscannable_content"
	some kind in object.get(input.request, "unscannable_kinds", [])
}

unscannable_kinds contains "unidentified" if {
	some signal in input.signals
	signal.type == "unscannable_content"
	count(object.get(input.request, "unscannable_kinds", [])) == 0
}

# METADATA
# title: Unscannable kinds the model is not approved to receive
refused_kinds := unscannable_kinds - {kind | some kind in catalogue.entry.unscannable_content}

blocks contains {
	"priority": 45,
	"code": "unscannable_content",
	"message": concat("", [
		"The request includes ", lib.readable_list(sort(refused_kinds)),
		" content, which Handrail cannot check for personal or sensitive data, and the model ",
		lib.quoted(input.model.name),
		" is not approved to receive it. Send the information as text, or choose a model approved for this content.",
		scope_note,
	]),
} if {
	count(unscannable_kinds) > 0
	count(refused_kinds) > 0
	not permitted("unscannable_content")
}
