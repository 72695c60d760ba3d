"""Signals from what the text says.

Agent frameworks often describe their tools only in the prompt (ReAct loops,
JSON tool specifications pasted into a message, XML tool tags, "you are an
autonomous agent" personas). People also ask a model to run the code it
writes. Both are told apart from ordinary civil-service language ("run a
consultation", "execute the contract", "explain what this code does", "I'll run
it myself") by requiring the shapes those frameworks and requests really have,
not single words.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from core.conversation import Conversation, TextPart
from detectors.usage.capabilities import (
    INTERNET,
    SELF_CODING,
    text_capabilities,
    words_of,
)
from detectors.usage.evidence import AGENTIC, TEXT, Evidence

_FLAGS = re.IGNORECASE | re.MULTILINE

# --- agent scaffolding -------------------------------------------------------------------------

_REACT_LINE = re.compile(r"^\s*(Thought|Action|Action Input|Observation|Final Answer)\s*:", _FLAGS)
_TOOL_INTRODUCTION = re.compile(
    r"\b(you (only )?(have|will have|now have) access to (the following|these|several|some) (tools|functions|commands|actions)"
    r"|you (can|may|are able to) (call|use|invoke) (the following|these|any of the following) (tools|functions|commands)"
    r"|the following (tools|functions|commands) are available to you"
    r"|to (call|use|invoke) (a|one|the|any) (tool|function)\b"
    r"|(answer|respond|reply) (only )?with (a|one) (json|tool call|function call)"
    r"|i will (run|execute|call) (it|them|the (tool|function)) and (send|give|return) you the result"
    r"|wait for the (tool'?s? )?(result|output|observation)"
    r"|use (one|a single) tool per (message|turn|step)"
    r"|reply \W?terminate\W? (in the end )?when (everything|the task) is done"
    r"|^\s*commands\s*:\s*$"
    r"|^\s*#*\s*(tools|available tools|tools available|functions available|available functions)\s*:?\s*$"
    r"|\bwith (access to )?(the following|these) (tools|functions)\s*:"
    r"|\b(tools|functions) (you can|you may|available to you to) (use|call)\s*:"
    r"|\buse the [\w-]+ tool to (run|execute|edit|write|search|browse|fetch|read|open|call|modify|create)\b)",
    _FLAGS,
)
# "Action Input:" is ReAct's own phrase, even when the format is described inline rather than line by line.
_REACT_INLINE = re.compile(r"\bAction:\s*\S[^\n]{0,80}\bAction Input\s*:", re.IGNORECASE)
_TOOL_TAG = re.compile(
    r"<(execute_command|write_to_file|read_file|replace_in_file|apply_diff|search_files|list_files|browser_action|"
    r"use_mcp_tool|access_mcp_resource|tool_call|tool_use|function_calls?|invoke|run_command|edit_file)\b",
    re.IGNORECASE,
)
_AGENT_PERSONA = re.compile(
    r"\b(you are (an? |the )?(fully |highly )?(autonomous|independent|self-directed)\b[^.\n]{0,40}\b(agent|assistant|ai)"
    r"|you are (an? |the )?(coding|software|research|browsing|web|devops|data) agent\b"
    r"|you are open interpreter\b"
    r"|(complete|achieve|accomplish) (any|the user's|your) (goal|task|objective)s? by (executing|running|writing) code"
    r"|(full|complete) (and complete )?permission to (execute|run)"
    r"|your decisions must (always )?be made independently"
    r"|you (can|may|are able to) (run|execute) (shell |terminal |system )?commands"
    r"|you (can|may) (browse|search) the (web|internet)"
    r"|you (operate|work|run|act) (autonomously|independently|in a loop|without (human|user) (input|assistance|confirmation))"
    r"|you are (an? )?(claude code|cursor agent|copilot agent|codex cli|gemini cli|autogpt|auto-gpt|babyagi|agentgpt|openhands|open devin|opendevin|swe-agent|devin|aider|cline|"
    r"roo code|goose|crewai agent|autogen agent)\b"
    r"|\b(langchain|llamaindex|crewai|autogen|semantic kernel|smolagents)\b[^.\n]{0,30}\bagent\b"
    r"|\b(code|it|your code) (will|is going to) be (executed|run) (automatically|for you|on the user's machine)"
    r"|\b(code|it|your code) (will|is going to) be (executed|run) and (its |the )?(output|result))",
    _FLAGS,
)
_JSON_TOOL_SPEC = re.compile(r'"type"\s*:\s*"function"|"(input_schema|inputSchema)"\s*:\s*\{', re.IGNORECASE)
_JSON_NAME = re.compile(r'"name"\s*:\s*"([^"]{1,80})"')
# Lines that hold the task the agent is given, not a description of its tools.
_TASK_LINE = re.compile(
    r"^\s*(question|user request|request|task|query|input|final answer|thought|answer|user)\s*:", re.IGNORECASE
)
_BEGIN = re.compile(r"^\s*begin!?\s*$", re.IGNORECASE)

# --- what the text *enables*, whatever the framework calls it -------------------------------------

# The client picks the next tool from named fields of the answer, instead of "Action:" lines.
_TOOL_FIELDS = re.compile(
    r"\bnext_?(tool|action)_?(name|args|arguments|input)\b|\b(tool|action)[_ ]name\b[^.\n]{0,40}\b(must|should|can) be one of\b",
    re.IGNORECASE,
)
# The loop itself: after each tool call or action, its result comes back to the model.
_OBSERVATION_LOOP = re.compile(
    r"\b(after|once|when)\s+(each|every|any)\s+(?P<step>tool( call)?|action|function call)\b[^.\n]{0,60}\byou\b[^.\n]{0,25}"
    r"\b(receive|get|see|are given|will be given|are shown)\b[^.\n]{0,40}\b(observations?|results?|outputs?)\b"
    r"|\byou (will )?(receive|get|see|are given|are shown)\s+(the |its )?(results?|outputs?|observations?) of (each|every|the|your) "
    r"(?P<steps>tool calls?|tools?|actions?|function calls?)\b",
    re.IGNORECASE,
)
_OBSERVATION = re.compile(r"\bobservations?\b", re.IGNORECASE)


def observation_loop(text: str) -> bool:
    """Does the text say each tool call's (or action's) result comes back to the model?

    An "action" is a tool's step only beside an observation: "after each action in the plan, you will see the
    results in the tracker" is project work.
    """
    for sentence in _sentences(text):
        for match in _OBSERVATION_LOOP.finditer(sentence):
            step = (match.group("step") or match.group("steps") or "").lower()
            if not step.startswith("action") or _OBSERVATION.search(sentence):
                return True
    return False


# A list of tools in JSON (name and a JSON-schema "parameters" object), or a reply format of tool calls.
_JSON_TOOL_LIST = re.compile(
    r'"parameters"\s*:\s*\{\s*"type"\s*:\s*"object"|\{\s*"(tool_calls|tool_uses|function_call)"\s*:|'
    r"\bavailable (tools|functions)\s*:\s*[\[{]",
    re.IGNORECASE,
)
# Code the model writes is run and the result comes back: a code-execution loop, with or without a tools field.
_EXECUTED = re.compile(
    r"\b(is|are|will be|gets|get|shall be|would be)\s+(automatically\s+|then\s+|immediately\s+)?(executed|run|evaluated)\b"
    r"|\bfor (execution|evaluation)\b",
    re.IGNORECASE,
)
_MODELS_OWN_OUTPUT = re.compile(
    r"\b(your (reply|replies|answer|response|message|output|code)|you (write|put|place|return|output|send|produce|suggest|include)|"
    r"(should|must|shall|is to|are to) be (provided|written|given|placed|put|returned|enclosed|wrapped|sent)\b|"
    r"(write|put) (it|the code|your code|code)\b|anything (between|inside|in)\b|every (fenced |code )?block\b|"
    r"(any|each|every) code\b)",
    re.IGNORECASE,
)
_RESULT_COMES_BACK = re.compile(
    r"\b(output|outputs|result|results|stdout|observation|printed output)\b[^.\n]{0,50}\b(returned|sent|shown|given|passed|"
    r"shared|reported|fed back|comes? back|appended)\b[^.\n]{0,20}\b(to )?you\b",
    re.IGNORECASE,
)
# The model's role is to write code and run it: "you generate and execute SQL queries", "your job is to write and run R code".
_WRITE_AND_RUN = re.compile(
    r"\b(you|your (role|job|task|purpose|goal) is to)\b[^.\n]{0,20}\b(write|generate|produce|create|draft)s?\s+and\s+(then\s+)?"
    r"(execute|run|test)s?\b[^.\n]{0,30}\b(code|programs?|sql|python|powershell|bash|javascript|vba|notebooks?|"
    # "scripts", "queries" and "commands" alone are also call-centre scripts, research queries and orders
    r"(python|shell|bash|powershell|sql|r|javascript|vba|database|sh)\s+(scripts?|queries|query|commands?))\b",
    re.IGNORECASE,
)
# The text gives the model somewhere to run code: "You have access to a Python code interpreter via <tags>".
_INTERPRETER_GIVEN = re.compile(
    r"\byou\s+(now\s+)?(have|will have|are given|have been given|get)\s+(access to\s+)?(a|an|your own)\s+"
    r"([\w-]+\s+){0,3}?("
    # each noun with what makes it a place to run code: "an interpreter" at a hearing, "a regulatory sandbox", a
    # shared notebook and an airport terminal are not
    r"(code|python|javascript|node|ruby|r|sql) interpreter|(bash|unix|linux|command[- ]line|system|zsh|powershell) shell"
    r"|shell session|(code|python|execution|jupyter|docker) (sandbox|environment)|(jupyter|python|ipython) (kernel|notebook)"
    r"|(bash|linux|unix|command[- ]line|python|sql) (terminal|console|repl)|repl)\b"
    r"(?!\s+(script|scripts|commands?|account|history|session logs?|output|file|files|policy|access)\b)",
    re.IGNORECASE,
)
_ASKED_OR_SUPPOSED = re.compile(r"\b(do|did|does|if|whether|when|suppose|imagine|pretend)\s+you\s*$", re.IGNORECASE)


def gives_an_interpreter(text: str) -> bool:
    """Does the text tell the model it has a code interpreter (not ask whether it has one)?"""
    for sentence in _sentences(text):
        match = _INTERPRETER_GIVEN.search(sentence)
        if (
            match
            and not sentence.rstrip().endswith("?")
            and not _ASKED_OR_SUPPOSED.search(sentence[: match.start()])
            and not _SOMEONE_ELSE_RUNS_IT.search(sentence)
        ):
            return True
    return False


# Code a person reviews before it runs is not run for the model.
_PERSON_RUNS_IT = re.compile(
    r"\b(after|once)\b[^.\n]{0,20}\b(review|reviewed|approval|approved|checked|tested|sign-off)\b"
    r"|\bby (a|the|our|my|your) (team|person|human|reviewer|developer|engineer|colleague|analyst)s?\b",
    re.IGNORECASE,
)
_CODE_SUBJECT = re.compile(
    r"\b(code|block|blocks|program|programs|script|scripts|commands?|snippet|tags?|python|shell)\b", re.IGNORECASE
)
# The model's edits are written to the user's files by the client (whole-file listings, SEARCH/REPLACE blocks, diffs).
_APPLIED_EDITS = re.compile(
    r"\b(blocks?|edits?|diffs?|patch(es)?|listings?|changes|files?)\b[^.\n]{0,60}\b(are|is|will be|get|gets)\s+"
    r"(automatically\s+)?(applied|written|saved|committed)\s+(to|in|into|on)\b[^.\n]{0,40}\b(files?|disk|repository|repo|"
    r"working tree|working copy|codebase|project|workspace)\b"
    r"|\b(applies|apply|writes|saves|commits)\s+(your|the model's|these|those)\s+(edits?|diffs?|changes|blocks?|patch(es)?|"
    r"listings?)\s+(to|in|into)\b[^.\n]{0,40}\b(files?|disk|repository|repo|working tree|working copy|codebase|project|workspace)\b",
    re.IGNORECASE,
)
# An output format for file changes that a program can apply: the text prescribes a format ...
_PRESCRIBED_FORMAT = re.compile(
    r"\b(use|using|follow|in|per)\s+(exactly\s+)?(this|the following|these)\b[^.\n]{0,30}\b(format|envelope|form)\b"
    r"|\b(must|always|only)\b[^.\n]{0,40}\b(use|be|follow|emit|return|output)\b[^.\n]{0,40}\b(format|envelope)\b"
    r"|\blike so\s*:",
    re.IGNORECASE,
)
# ... for files (their paths, or changes to and contents of files) ...
_FILE_CHANGES = re.compile(
    r"\b(change|changes|edit|edits|update|create|modify|rewrite|content|contents)\b[^.\n]{0,40}\bfiles?\b"
    r"|\bfiles?\b[^.\n]{0,40}\b(change|changes|changed|edit|edits|edited|updated?|modif(y|ied)|touch|content|contents)\b",
    re.IGNORECASE,
)
# ... or files named by path, in a text about changing them ("The file path alone on a line" / "each change").
_FILE_NAMED = re.compile(r"\bfile ?(path|name)s?\b", re.IGNORECASE)
_CHANGE_WORD = re.compile(
    r"\b(change|changes|changed|edit|edits|edited|modify|modified|update|updated|rewrite|replace|patch|diffs?)\b",
    re.IGNORECASE,
)
# ... whose grammar a program parses: search/replace markers, a patch envelope, unified diff headers, or a path
# (or an upper-case placeholder for one) alone on a line directly above a fenced block.
_MARKER_OPEN = re.compile(r"<{5,}[ \t]*[A-Z]{3,}\b")
_MARKER_CLOSE = re.compile(r">{5,}[ \t]*[A-Z]{3,}\b")
_EDIT_GRAMMAR = (
    re.compile(r"^\s*\*{3}\s*(begin|update|add|delete)\b[^\n]*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^\s*---\s+\S+[^\n]*\n\s*\+\+\+\s+\S+", re.MULTILINE),
    re.compile(
        r"^[ \t]*([\w.\-]+/)*[\w\-]+\.\w{1,5}[ \t]*\n[ \t]*```|^[ \t]*[A-Z][A-Z_]{3,}[ \t]*\n[ \t]*```", re.MULTILINE
    ),
)


def edit_format(text: str) -> bool:
    """Does the text prescribe a machine-applied output format for changes to files?

    All three must be there: a prescribed format, files as its object, and a grammar a program parses. A
    merge conflict pasted into a question, or a diff a person will apply, shows the grammar but prescribes nothing.
    """
    return (
        bool(_PRESCRIBED_FORMAT.search(text))
        and bool(_FILE_CHANGES.search(text) or (_FILE_NAMED.search(text) and _CHANGE_WORD.search(text)))
        and (_search_replace_markers(text) or any(grammar.search(text) for grammar in _EDIT_GRAMMAR))
    )


def _search_replace_markers(text: str) -> bool:
    """An opening ``<<<<<<< WORD`` marker with a closing ``>>>>>>> WORD`` marker after it."""
    opening = _MARKER_OPEN.search(text)
    return opening is not None and _MARKER_CLOSE.search(text, opening.end()) is not None


# Lines that show an example rather than say what this request offers: "Example ...:" up to a blank
# line, a heading or "Begin!", and anything inside <example> tags.
_EXAMPLE_WORDS = r"(examples?|demonstrations?|samples?|sample runs?|few-shot examples?)"
_EXAMPLE_START = re.compile(
    rf"^\s*(#+\s*)?(for example|for instance|e\.g\.|examples?|sample|worked example)\b|\b{_EXAMPLE_WORDS}\b[^\n]{{0,80}}:\s*$",
    re.IGNORECASE,
)
# A later line that looks back at the examples ("Above examples were using notional tools", "the demonstrations
# above", "end of examples") closes them, however many blank lines they hold.
_EXAMPLES_CLOSED = re.compile(
    rf"\b(above|previous|preceding|these|those)\s+(\w+\s+)?{_EXAMPLE_WORDS}\b|\b{_EXAMPLE_WORDS}\s+above\b"
    rf"|\bend of (the )?{_EXAMPLE_WORDS}\b",
    re.IGNORECASE,
)
# An example inside a sentence runs to the end of its line ("as in 'wikipedia_search(...)'", "for instance, a call
# to scrape_site ..."); the tool names and calls it shows are not offered, but its prose still says what the request
# enables ("use the code you write, for example, to search the web").
_INLINE_EXAMPLE = re.compile(r"\b(as in|for instance|for example|e\.g\.)[^\n]*", re.IGNORECASE)
_SHOWN_CALL = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b|\b[A-Za-z_]\w*\s*\(")
# A language named as a notation for values ("formatted as a valid Python dict", "a Python Literal[...]") is not code to run.
_NOTATION = re.compile(
    r"\b(formatted|written|given|expressed|encoded)\s+as\s+(an?\s+)?(valid\s+)?(python|javascript|typescript)\b"
    r"|\b(python|javascript|typescript)\s+(literals?|dict(ionar(y|ies))?|lists?|tuples?|sets?|types?|values?|objects?|syntax|"
    r"notation|strings?|ints?|integers?|floats?|bools?|booleans?|enums?)\b",
    re.IGNORECASE,
)
_EXAMPLE_TAG_OPEN = re.compile(r"<(examples?|example_\w+)>", re.IGNORECASE)
_EXAMPLE_TAG_CLOSE = re.compile(r"</(examples?|example_\w+)>", re.IGNORECASE)
_HEADING = re.compile(r"^\s*#+\s")


def runs_written_code(text: str) -> bool:
    """Does the text say that code the model writes is executed for it?"""
    for sentence in _sentences(text):
        if _WRITE_AND_RUN.search(sentence) and not (
            _SOMEONE_ELSE_RUNS_IT.search(sentence) or _PERSON_RUNS_IT.search(sentence)
        ):
            return True
        executed = _EXECUTED.search(sentence)
        if (
            not executed
            or _SOMEONE_ELSE_RUNS_IT.search(sentence)
            or _PERSON_RUNS_IT.search(sentence)
            or not _CODE_SUBJECT.search(words_of(sentence))
        ):
            continue
        if _MODELS_OWN_OUTPUT.search(sentence) or _RESULT_COMES_BACK.search(sentence):
            return True
    return False


def applies_edits(text: str) -> bool:
    """Does the text say that the model's edits are written to files by the client?"""
    return any(
        _APPLIED_EDITS.search(sentence) and not _SOMEONE_ELSE_RUNS_IT.search(sentence) for sentence in _sentences(text)
    )


def without_examples(text: str) -> list[str]:
    """The lines of the text that are not examples."""
    kept: list[str] = []
    in_tag = in_block = shown_any = False
    lines = text.splitlines()
    closings = [number for number, line in enumerate(lines) if _EXAMPLES_CLOSED.search(line)]
    introductions = [number for number, line in enumerate(lines) if _TOOL_INTRODUCTION.search(line)]
    closed_at = -1  # an example section that a later line looks back at runs up to that line
    for number, line in enumerate(lines):
        if number < closed_at:
            continue
        if not in_tag and not in_block and _EXAMPLE_START.search(line):
            later = bisect_right(closings, number)
            # ... unless the tools really offered are introduced in between: they are not an example.
            if later < len(closings) and bisect_right(introductions, number) == bisect_left(
                introductions, closings[later]
            ):
                closed_at = closings[later]
                continue
        if _EXAMPLE_TAG_OPEN.search(line):
            in_tag = True
        if in_tag:
            in_tag = not _EXAMPLE_TAG_CLOSE.search(line)
            continue
        if in_block and not line.strip() and not shown_any:
            continue  # blank lines between an example's header and its first line
        if in_block and (not line.strip() or _HEADING.match(line) or _BEGIN.match(line)):
            in_block = False
        if in_block:
            shown_any = True
        if not in_block and _EXAMPLE_START.search(line):
            in_block, shown_any = True, False
        if not in_block:
            kept.append(line)
    return kept


def scaffolding(text: str) -> tuple[str, frozenset[str]] | None:
    """What kind of agent scaffolding the text carries, in words, and what it enables beyond tools; or None."""
    react_lines = {match.group(1).lower() for match in _REACT_LINE.finditer(text)}
    # Minutes have "Action:" lines too; a ReAct loop also has an action input, or thoughts and observations.
    if "action" in react_lines and ("action input" in react_lines or {"thought", "observation"} <= react_lines):
        return "an agent loop (Thought/Action/Observation) with tools described in the text", frozenset()
    if _REACT_INLINE.search(text) or _TOOL_FIELDS.search(text) or observation_loop(text):
        return "an agent loop that chooses tools described in the text", frozenset()
    if (_JSON_TOOL_SPEC.search(text) and _JSON_NAME.search(text)) or _JSON_TOOL_LIST.search(text):
        return "a tool specification pasted into the text", frozenset()
    if applies_edits(text) or edit_format(text):
        return "an edit format that the client writes to the user's files", frozenset({SELF_CODING})
    if runs_written_code(text):
        return "instructions that the code the model writes is executed for it", frozenset({SELF_CODING})
    if gives_an_interpreter(text):
        return "a code interpreter given to the model in the text", frozenset({SELF_CODING})
    if _TOOL_TAG.search(text):
        return "tool-call tags that an agent framework executes", frozenset()
    if _TOOL_INTRODUCTION.search(text):
        return "tools described to the model in the text", frozenset()
    if _AGENT_PERSONA.search(text):
        return "instructions for an autonomous agent", frozenset()
    return None


def described_capabilities(text: str) -> set[str]:
    """What the tools described in scaffolding text can do.

    The task the agent is given is not read ("Question: ...", anything after
    "Begin!"): "What is on the council's website?" asks about a website, it does
    not give the model a browser. Nor are examples: a prompt that shows how a
    web search *would* be called in another app does not offer one.
    """
    lines = []
    for line in without_examples(text):
        if _BEGIN.match(line):
            break
        if not _TASK_LINE.match(line):
            shown = _INLINE_EXAMPLE.sub(lambda match: _SHOWN_CALL.sub(" ", match.group(0)), line)
            lines.append(words_of(_NOTATION.sub(" ", shown)))
    return text_capabilities("\n".join(lines))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


# --- asking the model to run its own code, or to change itself ----------------------------------

_WRITE_CODE = re.compile(
    r"\b(write|writes|generate|create|produce|draft|give me|make|build|code up)\b[^.?!\n]{0,80}?"
    r"\b(code|script|program|programme|function|snippet|query|one-liner|macro|python|bash|shell|sql|powershell|"
    r"javascript|notebook)\b",
    re.IGNORECASE,
)
_RUN_IT = re.compile(
    r"\b(run|execute|exec)\s+(it|them|this|that|the (code|script|program|programme|query|function|file|notebook|macro|"
    r"snippet|commands?|sql))\b(?!\s+(myself|ourselves|past|by|through|over|up))"
    r"|\b(run|execute|evaluate|test|try)\s+(it|them|this|that|the \w+)\s+yourself\b",
    re.IGNORECASE,
)
_RUN_WHAT_YOU_WROTE = re.compile(
    r"\b(run|execute)\b[^.?!\n]{0,40}\b(code|script|program|programme|query|function)\b[^.?!\n]{0,20}"
    r"\byou\b[^.?!\n]{0,10}\b(wrote|generated|created|produced|write|generate)\b",
    re.IGNORECASE,
)
_SOMEONE_ELSE_RUNS_IT = re.compile(
    r"\b(i|we)('ll| will| can| shall|'m going to| am going to| want to| need to)\s+(then\s+)?(run|execute|use|paste)\b"
    r"|\bfor (me|us|the \w+|our \w+|my \w+|an? \w+) to (run|execute|use)\b"
    r"|\b(myself|ourselves|mentally|by hand)\b"
    r"|\bso (that )?(i|we) can (run|execute)\b",
    re.IGNORECASE,
)
_SELF_MODIFICATION = re.compile(
    r"\b(modify|update|change|rewrite|edit|improve|patch|amend|extend)\s+(your|its) own\s+"
    r"(code|source( code)?|instructions|system prompt|prompt|rules|configuration|weights|behaviou?r)\b"
    r"|\b(update|change|rewrite|edit|overwrite|replace)\s+your\s+(system prompt|instructions|source code)\b",
    re.IGNORECASE,
)
# A live-browsing tool named in a plain request ("use your browsing tool to check ...").
_BROWSING_TOOL = re.compile(
    r"\b(your|the|a)\s+(web[- ]?browsing|browsing|browser|web[- ]?search|internet|web)\s+"
    r"(tool|plugin|capability|access|feature)\b",
    re.IGNORECASE,
)


def asks_to_run_its_code(text: str) -> bool:
    for sentence in _sentences(text):
        if _SOMEONE_ELSE_RUNS_IT.search(sentence):
            continue
        if _RUN_WHAT_YOU_WROTE.search(sentence):
            return True
        written = _WRITE_CODE.search(sentence)
        if written and _RUN_IT.search(sentence, written.end()):
            return True
    return False


def add_content_evidence(conversation: Conversation, evidence: Evidence) -> None:
    for part in conversation.parts:
        if part.kind not in {"message", "instructions"}:
            continue
        for signal_type, what in text_evidence(part.text, _is_request(part)):
            evidence.add(signal_type, what, part.location, TEXT)


@lru_cache(maxsize=8192)
def text_evidence(text: str, is_request: bool) -> tuple[tuple[str, str], ...]:
    """(signal type, what was seen) in one text, in the order found.

    Cached, like the personal-data analysis: chat tools resend the whole
    conversation every turn, and only the newest message is new.
    """
    found: list[tuple[str, str]] = []
    seen = scaffolding(text)
    if seen:
        kind, enables = seen
        what = f"the text carries {kind}"
        found.append((AGENTIC, what))
        found.extend((signal_type, what) for signal_type in sorted(enables | described_capabilities(text)))
    if not is_request:
        return tuple(found)
    if asks_to_run_its_code(text):
        found.append((SELF_CODING, "the model is asked to run the code it writes"))
    if _SELF_MODIFICATION.search(text):
        found.append((SELF_CODING, "the model is asked to change its own code or instructions"))
    if _BROWSING_TOOL.search(text):
        found.append((AGENTIC, "the model is told to use a browsing tool"))
        found.append((INTERNET, "the model is told to use a browsing tool"))
    return tuple(found)


def _is_request(part: TextPart) -> bool:
    """Only what the user or the system asks counts; an assistant's earlier words are not instructions."""
    return part.role in {"user", "system", "developer"}
