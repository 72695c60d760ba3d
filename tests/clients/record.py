"""Record the first request real client programs send, as a labelled regression corpus.

usage: python -m tests.clients.record [--only NAME ...] [--envs DIR] [--out FILE]

For each client in ``CLIENTS`` it installs the pinned package(s) in a throwaway environment under ``--envs``
(a virtualenv per Python client, one npm prefix for the Node clients; reused when already there), starts the
stand-in provider on 127.0.0.1, runs the client's driver for ONE turn of a typical request against it, and keeps
the FIRST request the stand-in received: endpoint, headers without credentials or transport noise, and body, with
machine paths, the user name and the host name scrubbed. Each record carries the labels and a one-line reason.
The driver is stopped as soon as the first request has arrived: what the client does with the stand-in's answer
does not matter. Clients point at the stand-in through their base URL with a dummy key; nothing else is called.

Re-record when versions move: bump the pins below and run the script again (see README, "Recorded clients").
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.standin import Recorder, build_app, free_port

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "recorded.jsonl"
DEFAULT_ENVS = Path(tempfile.gettempdir()) / "handrail-clients"
DROPPED_HEADERS = {"authorization", "x-api-key", "api-key", "cookie", "host", "content-length", "x-goog-api-key"}

NONE = {"agentic": False, "self_coding": False, "internet": False}
AGENTIC = {"agentic": True, "self_coding": False, "internet": False}
WEB = {"agentic": True, "self_coding": False, "internet": True}
CODE = {"agentic": True, "self_coding": True, "internet": False}
CODE_WEB = {"agentic": True, "self_coding": True, "internet": True}


@dataclass(frozen=True)
class Client:
    name: str  # the record id
    env: str  # the throwaway environment (shared by clients with the same pins)
    packages: tuple[str, ...]  # pinned, as pip/npm take them
    driver: str  # Python (or JavaScript for npm clients) making ONE turn; BASE_URL, ANTHROPIC_URL set
    labels: dict[str, bool]
    reason: str
    npm: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)


ASK = "Summarise the attached consultation responses on the new bus routes in five bullet points."
LETTER = "Dear Council, my bin has not been collected for two weeks at 12 Mill Lane. Please help."

OPENAI = "from openai import OpenAI\nclient = OpenAI(base_url=BASE_URL, api_key='sk-dummy', max_retries=0)\n"
ANTHROPIC = (
    "import anthropic\nclient = anthropic.Anthropic(base_url=ANTHROPIC_URL, api_key='sk-ant-dummy', max_retries=0)\n"
)
LOOKUP_TOOL = (
    "{'type': 'function', 'function': {'name': 'lookup_case', 'description': 'Look up a case in the case management"
    " system by its reference', 'parameters': {'type': 'object', 'properties': {'reference': {'type': 'string'}},"
    " 'required': ['reference']}}}"
)
COMPLAINT_MODEL = (
    "from pydantic import BaseModel\nclass Complaint(BaseModel):\n    topic: str\n    address: str\n    urgent: bool\n"
)

CLIENTS: list[Client] = [
    # --- openai (Python SDK) ---
    Client(
        "openai-python-chat",
        "openai",
        ("openai==3.57.0",),
        OPENAI
        + "client.chat.completions.create(model='echo', messages=[{'role': 'system', 'content': 'You help council"
        f" staff write clearly.'}}, {{'role': 'user', 'content': {ASK!r}}}])\n",
        NONE,
        "plain chat completion, no tools: ordinary work",
    ),
    Client(
        "openai-python-tools",
        "openai",
        ("openai==3.57.0",),
        OPENAI
        + "client.chat.completions.create(model='echo', messages=[{'role': 'user', 'content': 'What is the status"
        f" of case HR-2231?'}}], tools=[{LOOKUP_TOOL}], tool_choice='auto')\n",
        AGENTIC,
        "declares a function tool the model may call (tool_choice auto): agentic",
    ),
    Client(
        "openai-python-responses-web-search",
        "openai",
        ("openai==3.57.0",),
        OPENAI + "client.responses.create(model='echo', input='What did the ONS publish this morning about"
        " inflation?', tools=[{'type': 'web_search'}])\n",
        WEB,
        "Responses API with the hosted web_search tool: live internet access through a tool",
    ),
    Client(
        "openai-python-responses-code-interpreter",
        "openai",
        ("openai==3.57.0",),
        OPENAI + "client.responses.create(model='echo', input='Work out the median waiting time in this list:"
        " 4, 9, 12, 30, 7', tools=[{'type': 'code_interpreter', 'container': {'type': 'auto'}}])\n",
        CODE,
        "Responses API with the hosted code_interpreter tool: the model's code is executed",
    ),
    Client(
        "openai-python-parse",
        "openai",
        ("openai==3.57.0",),
        OPENAI
        + COMPLAINT_MODEL
        + "parse = getattr(client.chat.completions, 'parse', None) or client.beta.chat.completions.parse\n"
        f"parse(model='echo', messages=[{{'role': 'user', 'content': {LETTER!r}}}], response_format=Complaint)\n",
        NONE,
        "structured output via parse(): a response_format JSON schema, nothing executed",
    ),
    # --- anthropic (Python SDK) ---
    Client(
        "anthropic-python-messages",
        "anthropic",
        ("anthropic==2.16.0",),
        ANTHROPIC
        + f"client.messages.create(model='claude-echo', max_tokens=512, messages=[{{'role': 'user', 'content':"
        f" {ASK!r}}}])\n",
        NONE,
        "plain Messages call, no tools: ordinary work",
    ),
    Client(
        "anthropic-python-tools",
        "anthropic",
        ("anthropic==2.16.0",),
        ANTHROPIC + "client.messages.create(model='claude-echo', max_tokens=512, messages=[{'role': 'user',"
        " 'content': 'What is the status of case HR-2231?'}], tools=[{'name': 'lookup_case', 'description': 'Look"
        " up a case in the case management system', 'input_schema': {'type': 'object', 'properties':"
        " {'reference': {'type': 'string'}}, 'required': ['reference']}}])\n",
        AGENTIC,
        "declares a client tool the model may call: agentic",
    ),
    Client(
        "anthropic-python-web-search",
        "anthropic",
        ("anthropic==2.16.0",),
        ANTHROPIC + "client.messages.create(model='claude-echo', max_tokens=512, messages=[{'role': 'user',"
        " 'content': 'Find this week\\'s guidance on winter fuel payments.'}], tools=[{'type':"
        " 'web_search_20250305', 'name': 'web_search', 'max_uses': 3}])\n",
        WEB,
        "Anthropic's server-side web_search tool: live internet access",
    ),
    Client(
        "anthropic-python-structured",
        "anthropic",
        ("anthropic==2.16.0",),
        ANTHROPIC + "client.messages.create(model='claude-echo', max_tokens=512, messages=[{'role': 'user',"
        f" 'content': {LETTER!r}}}], tools=[{{'name': 'record_complaint', 'description': 'Record the complaint"
        " fields', 'input_schema': {'type': 'object', 'properties': {'topic': {'type': 'string'}, 'address':"
        " {'type': 'string'}}, 'required': ['topic', 'address']}}], tool_choice={'type': 'tool', 'name':"
        " 'record_complaint'})\n",
        NONE,
        "one tool forced with tool_choice that exists only as the answer's schema: structured output",
    ),
    # --- frameworks ---
    Client(
        "instructor-tools-mode",
        "instructor",
        ("instructor==1.17.0", "openai==3.3.0"),
        "import instructor\n" + OPENAI + COMPLAINT_MODEL + "ic = instructor.from_openai(client)\n"
        f"ic.chat.completions.create(model='echo', response_model=Complaint, max_retries=0, messages=[{{'role':"
        f" 'user', 'content': {LETTER!r}}}])\n",
        NONE,
        "instructor's default TOOLS mode: one function forced with tool_choice, only the answer's schema",
    ),
    Client(
        "pydantic-ai-output",
        "pydantic-ai",
        ("pydantic-ai-slim[openai]==2.68.0",),
        "from pydantic_ai import Agent\n"
        "from pydantic_ai.providers.openai import OpenAIProvider\n"
        "try:\n    from pydantic_ai.models.openai import OpenAIChatModel as M\n"
        "except ImportError:\n    from pydantic_ai.models.openai import OpenAIModel as M\n"
        + COMPLAINT_MODEL
        + "model = M('echo', provider=OpenAIProvider(base_url=BASE_URL, api_key='sk-dummy'))\n"
        f"Agent(model, output_type=Complaint).run_sync({LETTER!r})\n",
        NONE,
        "pydantic-ai agent whose only tool is its output tool (the answer's schema): structured output",
    ),
    Client(
        "pydantic-ai-tool",
        "pydantic-ai",
        ("pydantic-ai-slim[openai]==2.68.0",),
        "from pydantic_ai import Agent\n"
        "from pydantic_ai.providers.openai import OpenAIProvider\n"
        "try:\n    from pydantic_ai.models.openai import OpenAIChatModel as M\n"
        "except ImportError:\n    from pydantic_ai.models.openai import OpenAIModel as M\n"
        "model = M('echo', provider=OpenAIProvider(base_url=BASE_URL, api_key='sk-dummy'))\n"
        "agent = Agent(model, system_prompt='You answer questions about casework.')\n"
        "@agent.tool_plain\ndef lookup_case(reference: str) -> str:\n"
        "    '''Look up a case in the case management system.'''\n    return 'open'\n"
        "agent.run_sync('What is the status of case HR-2231?')\n",
        AGENTIC,
        "pydantic-ai agent with a function tool it may call in a loop: agentic",
    ),
    Client(
        "langchain-openai-bind-tools",
        "langchain",
        ("langchain-openai==1.8.1", "langchain-anthropic==1.7.10"),
        "from langchain_openai import ChatOpenAI\nfrom langchain_core.tools import tool\n"
        "@tool\ndef lookup_case(reference: str) -> str:\n"
        "    '''Look up a case in the case management system.'''\n    return 'open'\n"
        "llm = ChatOpenAI(model='echo', base_url=BASE_URL, api_key='sk-dummy', max_retries=0)\n"
        "llm.bind_tools([lookup_case]).invoke('What is the status of case HR-2231?')\n",
        AGENTIC,
        "LangChain bind_tools: a declared tool the model may call: agentic",
    ),
    Client(
        "langchain-openai-structured",
        "langchain",
        ("langchain-openai==1.8.1", "langchain-anthropic==1.7.10"),
        "from langchain_openai import ChatOpenAI\n"
        + COMPLAINT_MODEL
        + "llm = ChatOpenAI(model='echo', base_url=BASE_URL, api_key='sk-dummy', max_retries=0)\n"
        f"llm.with_structured_output(Complaint).invoke({LETTER!r})\n",
        NONE,
        "LangChain with_structured_output on OpenAI: a response_format schema, nothing executed",
    ),
    Client(
        "langchain-anthropic-structured",
        "langchain",
        ("langchain-openai==1.8.1", "langchain-anthropic==1.7.10"),
        "from langchain_anthropic import ChatAnthropic\n"
        + COMPLAINT_MODEL
        + "llm = ChatAnthropic(model='claude-echo', base_url=ANTHROPIC_URL, api_key='sk-ant-dummy', max_retries=0)\n"
        f"llm.with_structured_output(Complaint).invoke({LETTER!r})\n",
        NONE,
        "LangChain with_structured_output on Anthropic: one forced tool, only the answer's schema",
    ),
    Client(
        "litellm-chat",
        "litellm",
        ("litellm==1.110.2",),
        "import litellm\n"
        f"litellm.completion(model='openai/echo', api_base=BASE_URL, api_key='sk-dummy', messages=[{{'role':"
        f" 'user', 'content': {ASK!r}}}])\n",
        NONE,
        "litellm used as a client library, plain chat: ordinary work",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    ),
    Client(
        "litellm-tools",
        "litellm",
        ("litellm==1.110.2",),
        "import litellm\n"
        "litellm.completion(model='openai/echo', api_base=BASE_URL, api_key='sk-dummy', messages=[{'role':"
        f" 'user', 'content': 'What is the status of case HR-2231?'}}], tools=[{LOOKUP_TOOL}])\n",
        AGENTIC,
        "litellm as a client with a declared function tool: agentic",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    ),
    Client(
        "dspy-react",
        "dspy",
        ("dspy==3.4.1",),
        "import dspy\n"
        "dspy.configure(lm=dspy.LM('openai/echo', api_base=BASE_URL, api_key='sk-dummy', cache=False,"
        " num_retries=0))\n"
        "def search_web(query: str) -> str:\n    '''Search the web and return the top results.'''\n    return ''\n"
        "def lookup_case(reference: str) -> str:\n    '''Look up a case in the case management system.'''\n"
        "    return ''\n"
        "dspy.ReAct('question -> answer', tools=[search_web, lookup_case], max_iters=2)(question='What changed"
        " in the winter fuel payment rules this year?')\n",
        WEB,
        "DSPy ReAct: tools listed as numbered prose, next_tool_name/next_tool_args fields; one is a web search",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "DSPY_CACHEDIR": "{tmp}/dspy-cache"},
    ),
    Client(
        "dspy-chain-of-thought",
        "dspy",
        ("dspy==3.4.1",),
        "import dspy\n"
        "dspy.configure(lm=dspy.LM('openai/echo', api_base=BASE_URL, api_key='sk-dummy', cache=False,"
        " num_retries=0))\n"
        f"dspy.ChainOfThought('letter -> summary, urgent: bool')(letter={LETTER!r})\n",
        NONE,
        "DSPy ChainOfThought: field markers and 'formatted as a valid Python bool' instructions, no tools: ordinary"
        " work",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "DSPY_CACHEDIR": "{tmp}/dspy-cache"},
    ),
    Client(
        "pydantic-ai-plain",
        "pydantic-ai",
        ("pydantic-ai-slim[openai]==2.68.0",),
        "from pydantic_ai import Agent\n"
        "from pydantic_ai.providers.openai import OpenAIProvider\n"
        "try:\n    from pydantic_ai.models.openai import OpenAIChatModel as M\n"
        "except ImportError:\n    from pydantic_ai.models.openai import OpenAIModel as M\n"
        "model = M('echo', provider=OpenAIProvider(base_url=BASE_URL, api_key='sk-dummy'))\n"
        "Agent(model, system_prompt='You help council staff reply to residents in plain English.')"
        f".run_sync({LETTER!r})\n",
        NONE,
        "pydantic-ai agent with a system prompt, no tools and plain-text output: ordinary work",
    ),
    Client(
        "smolagents-code-agent",
        "smolagents",
        ("smolagents[openai]==1.26.0",),
        "from smolagents import CodeAgent, OpenAIServerModel\n"
        "model = OpenAIServerModel(model_id='echo', api_base=BASE_URL, api_key='sk-dummy')\n"
        "CodeAgent(tools=[], model=model, max_steps=1).run('How many working days are there in March 2027?')\n",
        CODE,
        "smolagents CodeAgent: the model's Python is executed by the agent; its few-shot examples show a web"
        " search tool that is not given",
    ),
    Client(
        "autogen-assistant-tool",
        "autogen",
        ("autogen-agentchat==0.7.5", "autogen-ext[openai]==0.7.5"),
        "import asyncio\nfrom autogen_agentchat.agents import AssistantAgent\n"
        "from autogen_ext.models.openai import OpenAIChatCompletionClient\n"
        "async def lookup_case(reference: str) -> str:\n"
        "    '''Look up a case in the case management system.'''\n    return 'open'\n"
        "mc = OpenAIChatCompletionClient(model='echo', base_url=BASE_URL, api_key='sk-dummy', model_info={"
        "'vision': False, 'function_calling': True, 'json_output': False, 'family': 'unknown',"
        " 'structured_output': False})\n"
        "agent = AssistantAgent('caseworker', model_client=mc, tools=[lookup_case])\n"
        "asyncio.run(agent.run(task='What is the status of case HR-2231?'))\n",
        AGENTIC,
        "AutoGen AssistantAgent with a function tool: agentic",
    ),
    Client(
        "openai-agents-tool",
        "openai-agents",
        ("openai-agents==0.24.0",),
        "from openai import AsyncOpenAI\n"
        "from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled\n"
        "set_tracing_disabled(True)\n"
        "set_default_openai_client(AsyncOpenAI(base_url=BASE_URL, api_key='sk-dummy', max_retries=0))\n"
        "@function_tool\ndef lookup_case(reference: str) -> str:\n"
        "    '''Look up a case in the case management system.'''\n    return 'open'\n"
        "agent = Agent(name='Caseworker', instructions='You answer questions about casework.', model='echo',"
        " tools=[lookup_case])\n"
        "Runner.run_sync(agent, 'What is the status of case HR-2231?')\n",
        AGENTIC,
        "OpenAI Agents SDK agent with a function tool (Responses API): agentic",
    ),
    Client(
        "llm-cli-prompt",
        "llm",
        ("llm==0.36",),
        "import os, subprocess, sys\n"
        "home = os.environ['LLM_USER_PATH']\nos.makedirs(home, exist_ok=True)\n"
        "open(os.path.join(home, 'extra-openai-models.yaml'), 'w').write("
        "'- model_id: standin\\n  model_name: echo\\n  api_base: ' + BASE_URL + '\\n')\n"
        "llm = os.path.join(os.path.dirname(sys.executable), 'llm')\n"
        f"subprocess.run([llm, '-m', 'standin', '--no-log', {ASK!r}], check=False)\n",
        NONE,
        "Simon Willison's llm CLI, one prompt: ordinary work",
        extra_env={"LLM_USER_PATH": "{tmp}/llm-home"},
    ),
    Client(
        "openai-python-coding-question",
        "openai",
        ("openai==3.57.0",),
        OPENAI + "client.chat.completions.create(model='echo', messages=[{'role': 'user', 'content': 'Write a Python"
        " function that checks whether a date falls on a UK bank holiday, and explain how it works so I can"
        " review it.'}])\n",
        NONE,
        "a coding question whose code a person will read and review; nothing is run: ordinary work",
    ),
    Client(
        "instructor-json-mode",
        "instructor",
        ("instructor==1.17.0", "openai==3.3.0"),
        "import instructor\n"
        + OPENAI
        + COMPLAINT_MODEL
        + "ic = instructor.from_openai(client, mode=instructor.Mode.JSON)\n"
        f"ic.chat.completions.create(model='echo', response_model=Complaint, max_retries=0, messages=[{{'role':"
        f" 'user', 'content': {LETTER!r}}}])\n",
        NONE,
        "instructor JSON mode: the schema in the prompt and a json_object response format, nothing executed",
    ),
    Client(
        "smolagents-toolcalling-web",
        "smolagents",
        ("smolagents[openai]==1.26.0",),
        "from smolagents import ToolCallingAgent, OpenAIServerModel, tool\n"
        "@tool\ndef search_web(query: str) -> str:\n"
        '    """Search the web and return the top results.\n\n    Args:\n        query: what to search for\n    """\n'
        "    return ''\n"
        "model = OpenAIServerModel(model_id='echo', api_base=BASE_URL, api_key='sk-dummy')\n"
        "ToolCallingAgent(tools=[search_web], model=model, max_steps=1).run('What changed in the winter fuel"
        " payment rules this year?')\n",
        WEB,
        "smolagents ToolCallingAgent given a web search tool: agentic with internet access",
    ),
    Client(
        "autogen-code-executor",
        "autogen",
        ("autogen-agentchat==0.7.5", "autogen-ext[openai]==0.7.5"),
        "import asyncio, os\nfrom autogen_agentchat.agents import CodeExecutorAgent\n"
        "from autogen_ext.models.openai import OpenAIChatCompletionClient\n"
        "from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor\n"
        "mc = OpenAIChatCompletionClient(model='echo', base_url=BASE_URL, api_key='sk-dummy', model_info={"
        "'vision': False, 'function_calling': True, 'json_output': False, 'family': 'unknown',"
        " 'structured_output': False})\n"
        "ex = LocalCommandLineCodeExecutor(work_dir=os.path.join(os.getcwd(), 'work'))\n"
        "agent = CodeExecutorAgent('coder', code_executor=ex, model_client=mc)\n"
        "asyncio.run(agent.run(task='Count the rows in applications.csv by month.'))\n",
        CODE,
        "AutoGen CodeExecutorAgent: the system prompt says its code blocks will be executed; no tools field",
    ),
    Client(
        "ag2-assistant-user-proxy",
        "ag2",
        ("ag2[openai]==0.14.0",),
        "from autogen import AssistantAgent, UserProxyAgent\n"
        "cfg = {'config_list': [{'model': 'echo', 'base_url': BASE_URL, 'api_key': 'sk-dummy', 'api_type':"
        " 'openai'}], 'cache_seed': None}\n"
        "assistant = AssistantAgent('assistant', llm_config=cfg)\n"
        "user = UserProxyAgent('user', human_input_mode='NEVER', max_consecutive_auto_reply=1,"
        " code_execution_config={'work_dir': 'coding', 'use_docker': False})\n"
        "user.initiate_chat(assistant, message='Count the planning applications per month in applications.csv.',"
        " max_turns=1)\n",
        CODE_WEB,
        "AG2 0.x (classic autogen API) with a code-executing user proxy: the prompt asks for code the proxy runs,"
        " and to use that code to browse or search the web",
    ),
    Client(
        "openai-agents-web-search",
        "openai-agents",
        ("openai-agents==0.24.0",),
        "from openai import AsyncOpenAI\n"
        "from agents import Agent, Runner, WebSearchTool, set_default_openai_client, set_tracing_disabled\n"
        "set_tracing_disabled(True)\n"
        "set_default_openai_client(AsyncOpenAI(base_url=BASE_URL, api_key='sk-dummy', max_retries=0))\n"
        "agent = Agent(name='Researcher', instructions='You research public guidance.', model='echo',"
        " tools=[WebSearchTool()])\n"
        "Runner.run_sync(agent, 'What changed in the winter fuel payment rules this year?')\n",
        WEB,
        "OpenAI Agents SDK agent with the hosted WebSearchTool: internet access",
    ),
    Client(
        "llm-cli-functions",
        "llm",
        ("llm==0.36",),
        "import os, subprocess, sys\n"
        "home = os.environ['LLM_USER_PATH']\nos.makedirs(home, exist_ok=True)\n"
        "open(os.path.join(home, 'extra-openai-models.yaml'), 'w').write("
        "'- model_id: standin\\n  model_name: echo\\n  supports_tools: true\\n  api_base: ' + BASE_URL + '\\n')\n"
        "llm = os.path.join(os.path.dirname(sys.executable), 'llm')\n"
        'code = \'def lookup_case(reference: str) -> str:\\n    "Look up a case by reference."\\n    return "open"\\n\'\n'
        "subprocess.run([llm, '-m', 'standin', '--no-log', '--functions', code, 'What is the status of case"
        " HR-2231?'], check=False)\n",
        AGENTIC,
        "llm CLI with --functions: a Python function offered to the model as a tool it may call",
        extra_env={"LLM_USER_PATH": "{tmp}/llm-home"},
    ),
    Client(
        "aider-coding-assistant",
        "aider",
        ("aider-chat==0.86.2",),
        "import os, subprocess, sys\n"
        "open('bins.py', 'w').write('def next_collection(day):\\n    return day + 7\\n')\n"
        "aider = os.path.join(os.path.dirname(sys.executable), 'aider')\n"
        "subprocess.run([aider, '--model', 'openai/echo', '--openai-api-base', BASE_URL, '--openai-api-key',"
        " 'sk-dummy', '--no-git', '--no-gitignore', '--yes-always', '--no-check-update', '--analytics-disable',"
        " '--no-show-release-notes', '--no-show-model-warnings', '--no-stream', '--no-pretty', '--message',"
        " 'Skip bank holidays in next_collection.', 'bins.py'], check=False)\n",
        CODE,
        "aider coding assistant: the model's file edits are applied to disk by the client and it may suggest"
        " shell commands to run",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "AIDER_CHECK_UPDATE": "false"},
    ),
    Client(
        "aider-search-replace",
        "aider",
        ("aider-chat==0.86.2",),
        "import os, subprocess, sys\n"
        "open('bins.py', 'w').write('def next_collection(day):\\n    return day + 7\\n')\n"
        "aider = os.path.join(os.path.dirname(sys.executable), 'aider')\n"
        "subprocess.run([aider, '--model', 'openai/echo', '--openai-api-base', BASE_URL, '--openai-api-key',"
        " 'sk-dummy', '--no-git', '--no-gitignore', '--yes-always', '--no-check-update', '--analytics-disable',"
        " '--no-show-release-notes', '--no-show-model-warnings', '--no-stream', '--no-pretty', '--edit-format', 'diff', '--message',"
        " 'Skip bank holidays in next_collection.', 'bins.py'], check=False)\n",
        CODE,
        "aider in its SEARCH/REPLACE (diff) edit format: edits applied to disk by the client, shell commands"
        " suggested to run",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "AIDER_CHECK_UPDATE": "false"},
    ),
    Client(
        "aider-ask",
        "aider",
        ("aider-chat==0.86.2",),
        "import os, subprocess, sys\n"
        "open('bins.py', 'w').write('def next_collection(day):\\n    return day + 7\\n')\n"
        "aider = os.path.join(os.path.dirname(sys.executable), 'aider')\n"
        "subprocess.run([aider, '--model', 'openai/echo', '--openai-api-base', BASE_URL, '--openai-api-key',"
        " 'sk-dummy', '--no-git', '--no-gitignore', '--yes-always', '--no-check-update', '--analytics-disable',"
        " '--no-show-release-notes', '--no-show-model-warnings', '--no-stream', '--no-pretty', '--chat-mode', 'ask',"
        " '--message', 'What does next_collection do?', 'bins.py'], check=False)\n",
        NONE,
        "aider in ask mode: answers questions about the code it is shown and edits nothing: ordinary work",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "AIDER_CHECK_UPDATE": "false"},
    ),
    Client(
        "mini-swe-agent-bash",
        "mini-swe-agent",
        ("mini-swe-agent==2.4.6",),
        "import pathlib, yaml, minisweagent\n"
        "from minisweagent.agents.default import DefaultAgent\n"
        "from minisweagent.models.litellm_model import LitellmModel\n"
        "from minisweagent.environments.local import LocalEnvironment\n"
        "cfg = yaml.safe_load((pathlib.Path(minisweagent.__file__).parent / 'config' / 'default.yaml').read_text())\n"
        "model = LitellmModel(model_name='openai/echo', cost_tracking='ignore_errors', model_kwargs={'api_base':"
        " BASE_URL, 'api_key': 'sk-dummy'}, **{k: v for k, v in cfg.get('model', {}).items() if k not in ('model_name', 'model_kwargs')})\n"
        "DefaultAgent(model, LocalEnvironment(**cfg.get('environment', {})), **cfg['agent']).run('Skip bank holidays"
        " in next_collection in bins.py.')\n",
        CODE,
        "mini-swe-agent: a coding agent whose bash command in each answer is executed on the machine",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "MSWEA_CONFIGURED": "true"},
    ),
    # --- npm ---
    Client(
        "openai-node-chat",
        "npm",
        ("openai@6.49.0",),
        "const OpenAI = require('openai');\n"
        "const client = new OpenAI({baseURL: process.env.BASE_URL, apiKey: 'sk-dummy', maxRetries: 0});\n"
        f"client.chat.completions.create({{model: 'echo', messages: [{{role: 'user', content: {json.dumps(ASK)}}}]}})"
        ".catch(() => {});\n",
        NONE,
        "OpenAI Node SDK, plain chat: ordinary work",
        npm=True,
    ),
    Client(
        "openai-node-tools",
        "npm",
        ("openai@6.49.0",),
        "const OpenAI = require('openai');\n"
        "const client = new OpenAI({baseURL: process.env.BASE_URL, apiKey: 'sk-dummy', maxRetries: 0});\n"
        "client.chat.completions.create({model: 'echo', messages: [{role: 'user', content: 'What is the status of"
        " case HR-2231?'}], tools: [{type: 'function', function: {name: 'lookup_case', description: 'Look up a"
        " case in the case management system', parameters: {type: 'object', properties: {reference: {type:"
        " 'string'}}, required: ['reference']}}}]}).catch(() => {});\n",
        AGENTIC,
        "OpenAI Node SDK with a declared function tool: agentic",
        npm=True,
    ),
    Client(
        "anthropic-node-tools",
        "npm",
        ("@anthropic-ai/sdk@1.16.0",),
        "const Anthropic = require('@anthropic-ai/sdk');\n"
        "const client = new (Anthropic.default || Anthropic)({baseURL: process.env.ANTHROPIC_URL, apiKey:"
        " 'sk-ant-dummy', maxRetries: 0});\n"
        "client.messages.create({model: 'claude-echo', max_tokens: 512, messages: [{role: 'user', content: 'What"
        " is the status of case HR-2231?'}], tools: [{name: 'lookup_case', description: 'Look up a case in the"
        " case management system', input_schema: {type: 'object', properties: {reference: {type: 'string'}},"
        " required: ['reference']}}]}).catch(() => {});\n",
        AGENTIC,
        "Anthropic Node SDK with a declared client tool: agentic",
        npm=True,
    ),
    Client(
        "vercel-ai-generate-text-tools",
        "npm",
        ("ai@6.0.326", "@ai-sdk/openai@3.0.141", "zod@4.6.7"),
        "const {generateText, tool} = require('ai');\nconst {createOpenAI} = require('@ai-sdk/openai');\n"
        "const {z} = require('zod');\n"
        "const openai = createOpenAI({baseURL: process.env.BASE_URL, apiKey: 'sk-dummy'});\n"
        "generateText({model: openai.chat('echo'), maxRetries: 0, prompt: 'What is the status of case HR-2231?',"
        " tools: {lookup_case: tool({description: 'Look up a case in the case management system', inputSchema:"
        " z.object({reference: z.string()}), execute: async () => 'open'})}}).catch(() => {});\n",
        AGENTIC,
        "Vercel AI SDK generateText with an executable tool: agentic",
        npm=True,
    ),
    Client(
        "vercel-ai-generate-object",
        "npm",
        ("ai@6.0.326", "@ai-sdk/openai@3.0.141", "zod@4.6.7"),
        "const {generateObject} = require('ai');\nconst {createOpenAI} = require('@ai-sdk/openai');\n"
        "const {z} = require('zod');\n"
        "const openai = createOpenAI({baseURL: process.env.BASE_URL, apiKey: 'sk-dummy'});\n"
        "generateObject({model: openai.chat('echo'), maxRetries: 0, schema: z.object({topic: z.string(), address:"
        f" z.string()}}), prompt: {json.dumps(LETTER)}}}).catch(() => {{}});\n",
        NONE,
        "Vercel AI SDK generateObject: a JSON schema for the answer, nothing executed",
        npm=True,
    ),
    Client(
        "vercel-ai-web-search",
        "npm",
        ("ai@6.0.326", "@ai-sdk/openai@3.0.141", "zod@4.6.7"),
        "const {generateText} = require('ai');\nconst {createOpenAI} = require('@ai-sdk/openai');\n"
        "const openai = createOpenAI({baseURL: process.env.BASE_URL, apiKey: 'sk-dummy'});\n"
        "generateText({model: openai.responses('echo'), maxRetries: 0, prompt: 'What changed in the winter fuel"
        " payment rules this year?', tools: {web_search: openai.tools.webSearch({})}}).catch(() => {});\n",
        WEB,
        "Vercel AI SDK with OpenAI's hosted web search tool (Responses API): internet access",
        npm=True,
    ),
]


class RecordingStandIn:
    """The stand-in (``tests.support.standin.build_app``) plus the Responses API, which it does not serve.

    Every path is recorded; the answers only have to be good enough for a client to send its first request.
    """

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        app = build_app(self.recorder)

        async def responses(request: Request) -> Response:
            body = await request.json()
            self.recorder.add("/v1/responses", dict(request.headers), body)
            return JSONResponse(
                {
                    "id": f"resp_{uuid.uuid4().hex[:12]}",
                    "object": "response",
                    "created_at": int(time.time()),
                    "status": "completed",
                    "model": body.get("model", ""),
                    "output": [
                        {
                            "type": "message",
                            "id": f"msg_{uuid.uuid4().hex[:12]}",
                            "status": "completed",
                            "role": "assistant",
                            "content": [{"type": "output_text", "text": "Done.", "annotations": []}],
                        }
                    ],
                    "parallel_tool_calls": True,
                    "tool_choice": "auto",
                    "tools": [],
                    "usage": {"input_tokens": 12, "output_tokens": 1, "total_tokens": 13},
                }
            )

        async def anything(request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = {}
            self.recorder.add(request.url.path, dict(request.headers), body)
            return JSONResponse({"error": {"message": "not served by the stand-in"}}, status_code=404)

        app.router.routes.insert(0, Route("/v1/responses", responses, methods=["POST"]))
        app.router.routes.append(Route("/{path:path}", anything, methods=["POST"]))
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> RecordingStandIn:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the stand-in provider did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def install(client: Client, envs: Path) -> Path:
    """The environment for ``client``, created and filled when missing (uv when available, else pip/npm)."""
    env = envs / client.env
    if client.npm:
        env.mkdir(parents=True, exist_ok=True)
        if not (env / "package.json").exists():
            (env / "package.json").write_text('{"name": "handrail-clients", "private": true}\n')
        missing = [p for p in client.packages if not _npm_has(env, p)]
        if missing:
            subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", *missing], cwd=env, check=True)
        return env
    python = env / "bin" / "python"
    uv = shutil.which("uv")
    if not python.exists():
        if uv:
            subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(env)], check=True)
        else:
            subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    if uv:
        cmd = [uv, "pip", "install", "-q", "--python", str(python), *client.packages]
    else:
        cmd = [str(python), "-m", "pip", "install", "-q", *client.packages]
    subprocess.run(cmd, check=True)
    return env


def _npm_has(env: Path, spec: str) -> bool:
    name, _, version = spec.rpartition("@")
    manifest = env / "node_modules" / name / "package.json"
    return manifest.exists() and json.loads(manifest.read_text()).get("version") == version


def run_driver(client: Client, env: Path, standin: RecordingStandIn, timeout: float = 120) -> dict | None:
    """Run the driver until the stand-in has the client's first request; that request, or None."""
    standin.recorder.clear()
    with tempfile.TemporaryDirectory(prefix="handrail-client-") as tmp:
        environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "BASE_URL": f"http://127.0.0.1:{standin.port}/v1",
            "ANTHROPIC_URL": f"http://127.0.0.1:{standin.port}",
            "OPENAI_API_KEY": "sk-dummy",
            "ANTHROPIC_API_KEY": "sk-ant-dummy",
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        environ.update({k: v.replace("{tmp}", tmp) for k, v in client.extra_env.items()})
        if client.npm:
            script = Path(tmp) / "driver.js"
            script.write_text(client.driver)
            environ["NODE_PATH"] = str(env / "node_modules")
            cmd = ["node", str(script)]
        else:
            script = Path(tmp) / "driver.py"
            prelude = "import os\nBASE_URL = os.environ['BASE_URL']\nANTHROPIC_URL = os.environ['ANTHROPIC_URL']\n"
            script.write_text(prelude + client.driver)
            cmd = [str(env / "bin" / "python"), str(script)]
        log = Path(tmp) / "driver.log"
        with log.open("w") as out:
            process = subprocess.Popen(cmd, cwd=tmp, env=environ, stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None and not standin.recorder.requests:
                time.sleep(0.1)
            if process.poll() is None:
                process.kill()
                process.wait()
        if not standin.recorder.requests:
            sys.stderr.write(f"{client.name}: no request recorded; driver output:\n{log.read_text()[-3000:]}\n")
            return None
        return standin.recorder.requests[0]


def scrub(value: object, replacements: list[tuple[re.Pattern[str], str]]) -> object:
    if isinstance(value, str):
        for pattern, replacement in replacements:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [scrub(item, replacements) for item in value]
    if isinstance(value, dict):
        return {scrub(k, replacements): scrub(v, replacements) for k, v in value.items()}
    return value


def _replacements(envs: Path) -> list[tuple[re.Pattern[str], str]]:
    pairs: list[tuple[str, str]] = [
        (str(envs), "/envs"),
        (tempfile.gettempdir() + "/handrail-client-", "/tmp/client-"),
        (str(Path.home()), "/home/user"),
    ]
    patterns = [(re.compile(re.escape(old)), new) for old, new in pairs]
    for word, new in ((getpass.getuser(), "user"), (socket.gethostname(), "host")):
        if len(word) >= 3 and word not in {"root", "user", "host"}:
            patterns.append((re.compile(rf"\b{re.escape(word)}\b"), new))
    patterns.append((re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"))
    return patterns


def record(client: Client, request: dict, envs: Path) -> dict:
    headers = {k.lower(): v for k, v in request["headers"].items() if k.lower() not in DROPPED_HEADERS}
    replacements = _replacements(envs)
    return {
        "id": client.name,
        "endpoint": request["path"],
        "headers": scrub(headers, replacements),
        "body": scrub(request["body"], replacements),
        "labels": client.labels,
        "note": client.reason,
        "client": " ".join(client.packages),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="record only these clients (by name); others are kept as they are")
    parser.add_argument("--envs", type=Path, default=DEFAULT_ENVS, help="where the throwaway environments live")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    chosen = [c for c in CLIENTS if not args.only or c.name in args.only]
    existing: dict[str, dict] = {}
    if args.only and args.out.exists():
        existing = {r["id"]: r for r in map(json.loads, args.out.read_text().splitlines()) if r}
    failed: list[str] = []
    standin = RecordingStandIn().start()
    try:
        for client in chosen:
            try:
                env = install(client, args.envs)
            except subprocess.CalledProcessError as error:
                sys.stderr.write(f"{client.name}: install failed ({error})\n")
                failed.append(client.name)
                continue
            request = run_driver(client, env, standin)
            if request is None:
                failed.append(client.name)
                continue
            existing[client.name] = record(client, request, args.envs)
            print(f"recorded {client.name}: {request['path']}", flush=True)
    finally:
        standin.stop()
    order = {c.name: i for i, c in enumerate(CLIENTS)}
    records = sorted(existing.values(), key=lambda r: order.get(r["id"], len(order)))
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    if failed:
        print("not recorded: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
