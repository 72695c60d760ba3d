"""Build Open WebUI's first requests from its own source, for a replay through Handrail (``openwebui.jsonl``).

Open WebUI is a web application (a browser front end over a FastAPI server), so it is not run here; its requests
are rebuilt from the wheel's source instead: the built-in tools it declares in "native" function calling (each
function's name, the description and parameter notes of its docstring, the JSON types of its annotations, the
way Open WebUI turns a function into a tool), the background-task prompts (title, tags, follow-ups) with the
chat history filled in as Open WebUI fills it, the "legacy" tool-selection prompt, and the code-interpreter
prompt it appends to the user's message. Nothing is copied into the repository but the requests themselves.

    python3 -m pip download open-webui==0.12.4 --no-deps -d /tmp/owui
    python tests/clients/openwebui.py /tmp/owui/open_webui-0.12.4-py3-none-any.whl > tests/clients/openwebui.jsonl

Which tools a default chat declares follows ``utils/tools.py: get_builtin_tools`` on a default install with
memory on: time, ``ask_user``, knowledge (no model knowledge), chats, memory, notes. Web search adds
``search_web`` / ``fetch_url``; the code interpreter adds ``execute_code``.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import zipfile
from typing import Any

VERSION = "open-webui==0.12.4"
HEADERS = {"content-type": "application/json", "user-agent": "Python/3.11 aiohttp/3.12.15"}

DEFAULT_TOOLS = [
    "get_current_timestamp",
    "calculate_timestamp",
    "ask_user",
    "list_knowledge_bases",
    "search_knowledge_bases",
    "query_knowledge_bases",
    "grep_knowledge_files",
    "search_knowledge_files",
    "query_knowledge_files",
    "view_knowledge_file",
    "search_chats",
    "view_chat",
    "search_memories",
    "list_memory_paths",
    "read_memory_path",
    "list_memories",
    "update_memory",
    "add_memory",
    "replace_memory_content",
    "delete_memory",
    "search_notes",
    "view_note",
    "write_note",
    "replace_note_content",
]
WEB_TOOLS = ["search_web", "fetch_url"]
CODE_TOOLS = ["execute_code"]

_JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "dict": "object"}


def _json_type(annotation: ast.expr | None) -> dict[str, Any]:
    if annotation is None:
        return {"type": "string"}
    text = ast.unparse(annotation)
    inner = re.sub(r"^(Optional|Annotated)\[(.*?)(,.*)?\]$", r"\2", text).replace(" | None", "")
    if inner.startswith(("list", "List")):
        return {"type": "array", "items": {"type": "string"}}
    return {"type": _JSON_TYPES.get(inner.split("[")[0], "string")}


def _docstring_parts(doc: str) -> tuple[str, dict[str, str]]:
    """The description (lines before the first ':param' or ':return') and each parameter's note."""
    description: list[str] = []
    notes: dict[str, str] = {}
    current: str | None = None
    in_description = True
    for raw in doc.strip().splitlines():
        line = raw.strip()
        if line.startswith((":param", ":return")):
            in_description = False
        if in_description:
            description.append(line)
            continue
        match = re.match(r":param (\w+):\s*(.*)", line)
        if match:
            current = None if match.group(1).startswith("__") else match.group(1)
            if current:
                notes[current] = match.group(2)
        elif line.startswith(":"):
            current = None
        elif current and line:
            notes[current] = f"{notes[current]}\n{line}".strip()
    return "\n".join(description), notes


def tool_specs(source: str) -> dict[str, dict[str, Any]]:
    """Every public async function of ``tools/builtin.py`` as an OpenAI chat tool."""
    specs: dict[str, dict[str, Any]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.AsyncFunctionDef) or node.name.startswith("_"):
            continue
        description, notes = _docstring_parts(ast.get_docstring(node) or "")
        properties: dict[str, Any] = {}
        required: list[str] = []
        arguments = node.args.args + node.args.kwonlyargs
        defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults)
        defaults += list(node.args.kw_defaults)
        for argument, default in zip(arguments, defaults, strict=True):
            if argument.arg.startswith("__") or argument.arg == "self":
                continue
            schema = _json_type(argument.annotation)
            if argument.arg in notes:
                schema["description"] = notes[argument.arg]
            properties[argument.arg] = schema
            if default is None:
                required.append(argument.arg)
        specs[node.name] = {
            "type": "function",
            "function": {
                "name": node.name,
                "description": description,
                "parameters": {"type": "object", "properties": properties, "required": required},
            },
        }
    return specs


def constants(source: str) -> dict[str, str]:
    """The string constants of ``config.py`` (prompt templates)."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found[node.targets[0].id] = node.value.value
    return found


def history(messages: list[dict[str, str]]) -> str:
    return "\n".join(f"{m['role'].upper()}: {m['content']}" for m in messages)


def task_prompt(template: str, messages: list[dict[str, str]]) -> str:
    """A background task's prompt with its chat-history placeholders filled as Open WebUI fills them."""
    filled = re.sub(r"\{\{MESSAGES:END:(\d+)\}\}", lambda m: history(messages[-int(m.group(1)) :]), template)
    filled = filled.replace("{{MESSAGES}}", history(messages))
    return filled.replace("{{prompt}}", messages[-1]["content"])


def build(wheel: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(wheel) as archive:
        builtin = archive.read("open_webui/tools/builtin.py").decode()
        config = archive.read("open_webui/config.py").decode()
    specs = tool_specs(builtin)
    prompts = constants(config)
    first = [{"role": "user", "content": "Can you make this paragraph on our grant scheme plainer? It opens in May."}]
    answered = [
        *first,
        {"role": "assistant", "content": "The grant scheme opens in May. You can apply online or by post."},
    ]
    second = [*answered, {"role": "user", "content": "Now make it shorter, one sentence."}]

    def chat(messages: list[dict[str, str]], tools: list[str]) -> dict[str, Any]:
        return {"model": "echo", "stream": True, "messages": messages, "tools": [specs[name] for name in tools]}

    def task(name: str) -> dict[str, Any]:
        return {
            "model": "echo",
            "stream": False,
            "messages": [{"role": "user", "content": task_prompt(prompts[name], answered)}],
        }

    legacy_tools = json.dumps([specs[n]["function"] for n in DEFAULT_TOOLS + WEB_TOOLS], ensure_ascii=False)
    legacy = {
        "model": "echo",
        "stream": False,
        "messages": [
            {
                "role": "system",
                "content": prompts["DEFAULT_TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE"].replace("{{TOOLS}}", legacy_tools),
            },
            {"role": "user", "content": f"Query: {first[0]['content']}"},
        ],
    }
    interpreter = {
        "model": "echo",
        "stream": True,
        "messages": [
            {
                "role": "user",
                "content": "What is the average of 3, 8, 12 and 5?\n"
                + prompts["DEFAULT_CODE_INTERPRETER_PROMPT"]
                + prompts["CODE_INTERPRETER_PYODIDE_PROMPT"],
            }
        ],
    }
    none = {"agentic": False, "self_coding": False, "internet": False}
    rows: list[tuple[str, dict[str, Any], dict[str, bool], str]] = [
        (
            "owui-default-chat",
            chat(first, DEFAULT_TOOLS),
            {**none, "agentic": True},
            "default chat, native function calling: the built-in tools are declared on an ordinary message",
        ),
        (
            "owui-second-turn",
            chat(second, DEFAULT_TOOLS),
            {**none, "agentic": True},
            "second turn of the default chat, the same built-in tools",
        ),
        (
            "owui-title",
            task("DEFAULT_TITLE_GENERATION_PROMPT_TEMPLATE"),
            none,
            "background task: title generation",
        ),
        ("owui-tags", task("DEFAULT_TAGS_GENERATION_PROMPT_TEMPLATE"), none, "background task: tags"),
        (
            "owui-follow-ups",
            task("DEFAULT_FOLLOW_UP_GENERATION_PROMPT_TEMPLATE"),
            none,
            "background task: follow-up suggestions",
        ),
        (
            "owui-web-search",
            chat(first, DEFAULT_TOOLS + WEB_TOOLS),
            {**none, "agentic": True, "internet": True},
            "web search turned on, native function calling: search_web and fetch_url are declared",
        ),
        (
            "owui-code-interpreter",
            chat(first, DEFAULT_TOOLS + CODE_TOOLS),
            {**none, "agentic": True, "self_coding": True},
            "code interpreter turned on, native function calling: execute_code is declared",
        ),
        (
            "owui-legacy-tool-selection",
            legacy,
            {**none, "agentic": True, "internet": True},
            "legacy ('default') function calling: the tools, web search among them, are written into the prompt "
            "and the model picks tool_calls",
        ),
        (
            "owui-legacy-code-interpreter",
            interpreter,
            {**none, "agentic": True, "self_coding": True},
            "legacy function calling with the code interpreter: its prompt is appended to the user's message",
        ),
    ]
    return [
        {"id": ident, "endpoint": "/v1/chat/completions", "headers": HEADERS, "body": body, "labels": labels}
        | {"note": note, "client": VERSION}
        for ident, body, labels, note in rows
    ]


if __name__ == "__main__":
    for record in build(sys.argv[1]):
        print(json.dumps(record, ensure_ascii=False))
