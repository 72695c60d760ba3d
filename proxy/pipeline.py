"""The request path, top to bottom.

    authenticate → read and parse → detect → decide → enforce → audit (open)
      → forward → check and restore the answer → audit (close)

Every stage is a plain function elsewhere; this module only puts them in
order and decides what happens when one of them says no. Nothing is forwarded
that was not scanned, decided and recorded: any failure of a guard stage ends
the request with an error (fail closed).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Literal, TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive

from audit.store import AuditUnavailable
from core.conversation import Conversation
from core.errors import (
    BadRequest,
    ClientDisconnected,
    ErrorView,
    GuardFailure,
    HandrailError,
    PolicyRefusal,
    RateLimited,
    TextTooLong,
)
from core.findings import Finding, ScanResult, Signal
from detectors.pseudonymise import TOOL_ARGUMENT, Pseudonymiser, StreamRestorer, redact_by_type
from proxy import formats, request_input
from proxy.answer import Answer, AnswerDelta, ToolCallDelta
from proxy.answer_screen import Key, StreamScreen
from proxy.auth import Principal, bearer_key
from proxy.batch import scanned
from proxy.enforce import (
    answer_call_signal,
    audit_prompt_text,
    outbound_body,
    scrubbed,
    scrubbed_signals,
    sent_text,
    strip_tools,
    tools_removed_header,
)
from proxy.formats import StreamRenderer
from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyUnavailable
from proxy.policy.input import build_policy_input
from proxy.request_context import RequestContext
from proxy.request_ids import request_id_of
from proxy.services import Services
from proxy.shutdown import next_or_stop

log = logging.getLogger("handrail")
T = TypeVar("T")
STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


async def handle_model_request(request: Request, endpoint: str, services: Services) -> Response:
    """Serve one call to a model API (chat, responses, messages, embeddings)."""
    adapter = formats.adapter_for(endpoint)
    context = _context(request, endpoint)
    try:
        with context.stage("authenticate"):
            context.principal = await authenticate(request, services, "user")
        with context.stage("parse"):
            body = request_input.decode_json_object(
                await request_input.read_body(request, services.settings.server.max_body_bytes)
            )
            conversation = adapter.parse(body, formats.client_headers(request.headers))
            services.upstream.require_model(conversation.model)
            context.note_conversation(conversation)
            _check_text_length(conversation, services.settings.server.max_text_chars)
            context.provider = services.upstream.provider_of(conversation.model)
            context.classification = request_input.classification(request.headers)
            context.experiment = request_input.experiment(request.headers)
        with context.stage("detect"):
            scan = await _guard("scan", services.require_scanner().scan, conversation)
            scan.signals = await _guard("scan", scrubbed_signals, scan.signals, services.require_scanner().analyze_text)
            context.scan = scan
            context.prompt_text = _stored_text(services, lambda: audit_prompt_text(conversation, scan))
        with context.stage("decide"):
            context.decision = decision = await _decide(services, context, conversation, scan, "request")
        if decision.action == "block":
            message = _refusal_message(decision, "The request was not sent to the model.")
            raise PolicyRefusal(message + earlier_message_hint(conversation, scan), code=decision.first_reason_code)
        if conversation.unforwardable:
            raise BadRequest(conversation.unforwardable[0])
        with context.stage("enforce"):
            upstream_request, pseudonymiser = outbound_body(
                conversation, scan, decision, services.settings.detection.pseudonymisation
            )
            if decision.action == "strip":
                upstream_request = dict(upstream_request)  # never change the parsed conversation's own request
                removed = strip_tools(upstream_request, services.require_scanner().analyze_text)
                context.decision = decision = decision.with_removed_tools(removed)
        with context.stage("audit"):
            await _scrub_user_agent(services, context)
            await _guard("audit", services.require_audit().record_request, context.request_event("forwarded"))
    except HandrailError as error:
        return await _refuse(services, context, adapter, error)
    except Exception:
        # A bug, not the client's fault and not a guard's verdict: answered 500, and still recorded.
        log.exception("unexpected failure before forwarding request %s", context.request_id)
        return await _refuse(services, context, adapter, _unexpected())

    forward = Forwarding(services, context, adapter, conversation, scan, decision, pseudonymiser, upstream_request)
    forward.receive = request.receive
    if conversation.api == "openai.embeddings":
        return await forward.embeddings()
    response = await (forward.stream() if conversation.stream else forward.complete())
    response.headers.update(tools_removed_header(decision))
    return response


async def handle_scan_request(request: Request, services: Services) -> Response:
    """``POST /v1/guardrail/scan``: the detectors as a service, same input and output as ``handrail scan``."""
    context = _context(request, "/v1/guardrail/scan")
    try:
        with context.stage("authenticate"):
            context.principal = await authenticate(request, services, "user", "policy-admin")
        with context.stage("parse"):
            record = request_input.decode_json_object(
                await request_input.read_body(request, services.settings.server.max_body_bytes)
            )
        with context.stage("detect"):
            scanner = services.require_scanner()
            result, scan = await _guard("scan", scanned, record, scanner)
            if "error" in result:
                raise BadRequest(result["error"])
            scan.signals = await _guard("scan", scrubbed_signals, scan.signals, scanner.analyze_text)
            context.scan = scan
        with context.stage("audit"):
            await _scrub_user_agent(services, context)
            await _guard("audit", services.require_audit().record_request, context.request_event("scanned"))
    except HandrailError as error:
        return await _refuse(services, context, formats.openai_chat, error)
    except Exception:
        log.exception("unexpected failure of scan request %s", context.request_id)
        return await _refuse(services, context, formats.openai_chat, _unexpected())
    context.finished("scanned", 200)
    return JSONResponse(result)


async def count_tokens(request: Request, services: Services) -> Response:
    """``POST /v1/messages/count_tokens``: counted here, with litellm's local tokenizers.

    Nothing leaves the gateway, so nothing needs scanning or recording; the body
    is still parsed by the Messages adapter, so a bad one gets the same 400.
    """
    await authenticate(request, services, "user")
    raw = await request_input.read_body(request, services.settings.server.max_body_bytes)
    body = request_input.decode_json_object(raw)
    # count_tokens takes a Messages body without max_tokens
    conversation = formats.anthropic_messages.parse({"max_tokens": 1, **body}, formats.client_headers(request.headers))
    services.upstream.require_model(conversation.model)
    tokens = await anyio.to_thread.run_sync(services.upstream.count_tokens, conversation.model, conversation.outbound)
    return JSONResponse({"input_tokens": tokens})


async def models_for(request: Request, services: Services) -> list[str]:
    """The configured models this caller may use: those the policy would not refuse outright."""
    context = _context(request, "/v1/models")
    context.principal = await authenticate(request, services, "user")
    context.classification = "OFFICIAL"
    allowed = []
    for name in services.upstream.model_names():
        context.provider = services.upstream.provider_of(name)
        probe = Conversation(api="openai.chat", model=name, body={})
        decision = await _decide(services, context, probe, ScanResult(), "request")
        if decision.action != "block":
            allowed.append(name)
    return allowed


async def authenticate(request: Request, services: Services, *roles: str) -> Principal:
    request_input.refuse_ambiguous_headers(request.headers)
    keys = services.require_keys()
    principal = await _guard("keys", keys.authenticate, bearer_key(request.headers))
    principal.require(*roles)
    if services.limits is not None:
        await _guard("limits", services.limits.check, principal)
    return principal


class Forwarding:
    """Forward an accepted request and bring the answer back through the checks."""

    def __init__(
        self,
        services: Services,
        context: RequestContext,
        adapter: ModuleType,
        conversation: Conversation,
        scan: ScanResult,
        decision: Decision,
        pseudonymiser: Pseudonymiser,
        upstream_request: dict[str, Any],
    ) -> None:
        self.services = services
        self.context = context
        self.adapter = adapter
        self.conversation = conversation
        self.scan = scan
        self.decision = decision
        self.pseudonymiser = pseudonymiser
        self.upstream_request = upstream_request
        self.model = conversation.model
        self.receive: Receive | None = None

    async def complete(self) -> Response:
        context = self.context
        try:
            with context.stage("upstream"):
                answer = await _unless_client_leaves(
                    self.receive, self.services.upstream.complete(self.model, self.upstream_request)
                )
            with context.stage("answer_checks"):
                answer_scan, findings_per_choice = await self._check_answer(answer)
            stored_answer = _stored_text(self.services, lambda: _audit_answer_text(answer, findings_per_choice))
            _restore_answer(answer, self.pseudonymiser)
            signals = _signal_documents(answer_scan.signals) + _unrestored_signals(self.pseudonymiser)
            with context.stage("audit"):
                await _guard(
                    "audit",
                    self.services.require_audit().record_completion,
                    context.completion(
                        "completed",
                        200,
                        upstream_status=200,
                        **_usage(answer),
                        answer_text=stored_answer,
                        answer_findings=answer_scan.finding_counts(),
                        answer_signals=signals,
                    ),
                )
        except HandrailError as error:
            return await self._fail(error)
        except Exception:
            log.exception("unexpected failure of forwarded request %s", context.request_id)
            return await self._fail(_unexpected())
        context.finished("completed", 200)
        return JSONResponse(self.adapter.render_answer(answer, self.model))

    async def embeddings(self) -> Response:
        context = self.context
        try:
            with context.stage("upstream"):
                answer = await self.services.upstream.embed(self.model, self.upstream_request)
            with context.stage("audit"):
                tokens = answer.usage.input_tokens if answer.usage else None
                await _guard(
                    "audit",
                    self.services.require_audit().record_completion,
                    context.completion("completed", 200, upstream_status=200, input_tokens=tokens),
                )
        except HandrailError as error:
            return await self._fail(error)
        except Exception:
            log.exception("unexpected failure of forwarded request %s", context.request_id)
            return await self._fail(_unexpected())
        context.finished("completed", 200)
        return JSONResponse(self.adapter.render_answer(answer, self.model))

    async def stream(self) -> Response:
        context = self.context
        try:
            screen = self._screen()  # before anything is forwarded: no scanner, no stream
            with context.stage("upstream_first_chunk"):
                start, deltas = await self.services.upstream.stream(self.model, self.upstream_request)
        except HandrailError as error:
            return await self._fail(error)
        renderer: StreamRenderer = self.adapter.StreamRenderer(start, self.model, self.conversation.body)
        return StreamingResponse(
            self._relay(renderer, deltas, screen),
            media_type="text/event-stream",
            headers=STREAM_HEADERS,
        )

    async def _relay(
        self, renderer: StreamRenderer, deltas: AsyncIterator[AnswerDelta], screen: StreamScreen
    ) -> AsyncIterator[bytes]:
        """Pass the stream on as it is scanned, restoring placeholders on the way.

        The screen holds back a bounded tail of text until it has been scanned
        and judged (see proxy.answer_screen); the restorers hold back only a
        possible placeholder prefix. A tool call, or data the user did not send,
        that the policy does not allow ends the stream with an error event.
        """
        restorers: dict[Key, StreamRestorer] = {}
        usage = None
        outcome, status, error_view = "completed", 200, None
        tool_calls_checked = False
        try:
            yield renderer.begin()
            shutdown, upstream = self.services.shutdown, aiter(deltas)
            # Each wait for the provider ends at the end of the shutdown grace period (ServerStopping, below).
            while (delta := await next_or_stop(shutdown, upstream)) is not None:
                assert isinstance(delta, AnswerDelta)
                if delta.usage is not None:
                    usage = delta.usage
                if delta.tool_calls and not tool_calls_checked:
                    tool_calls_checked = True
                    refusal = await self._tool_call_refusal(
                        [call.name or "a tool" for call in delta.tool_calls if call.name]
                    )
                    if refusal is not None:
                        outcome, status, error_view = "blocked_answer", refusal.status, ErrorView.of(refusal)
                        yield renderer.error(error_view, self.context.request_id)
                        return
                for chunk in self._render(renderer, await screen.push(delta), restorers):
                    yield chunk
            for chunk in self._render(renderer, await screen.finish(), restorers):
                yield chunk
            for chunk in self._render_tails(renderer, restorers, None):
                yield chunk
            yield renderer.end(usage)
        except HandrailError as error:
            outcome, status, error_view = error.outcome, error.status, ErrorView.of(error)
            yield renderer.error(error_view, self.context.request_id)
        except BaseException:
            # The client went away (or the server is stopping): the upstream call
            # is closed below, so nothing keeps generating or billing.
            outcome, status = "cancelled", 499
            raise
        finally:
            await _close(deltas)
            with anyio.CancelScope(shield=True):
                await self._record_stream_end(screen, usage, outcome, status, error_view)

    def _screen(self) -> StreamScreen:
        scanner = self.services.require_scanner()

        async def analyze(text: str) -> list[Finding]:
            return await _guard("scan", scanner.analyze_text, text)

        async def judge(findings: list[Finding]) -> set[str]:
            decision = await _decide(
                self.services, self.context, self.conversation, ScanResult(findings=findings), "response"
            )
            if decision.action == "block":
                raise _answer_refusal(decision)
            return set(decision.redact_types) if decision.action == "redact" else set()

        scanning = self.services.settings.detection.scan_answers
        return StreamScreen(analyze if scanning else None, judge, sent_text(self.conversation))

    def _render(
        self, renderer: StreamRenderer, released: list[AnswerDelta], restorers: dict[Key, StreamRestorer]
    ) -> Iterator[bytes]:
        for delta in released:
            if delta.finish_reason is not None:
                # What a restorer still holds belongs before the choice's end.
                yield from self._render_tails(renderer, restorers, delta.choice)
            chunk = renderer.delta(self._restore_delta(delta, restorers))
            if chunk:
                yield chunk

    def _render_tails(
        self, renderer: StreamRenderer, restorers: dict[Key, StreamRestorer], choice: int | None
    ) -> Iterator[bytes]:
        for key in [k for k in restorers if choice is None or k[1] == choice]:
            tail = restorers.pop(key).flush()
            if not tail:
                continue
            if key[0] == "text":
                delta = AnswerDelta(choice=key[1], text=tail)
            else:
                delta = AnswerDelta(choice=key[1], tool_calls=[ToolCallDelta(key[2], arguments=tail)])
            chunk = renderer.delta(delta)
            if chunk:
                yield chunk

    def _restore_delta(self, delta: AnswerDelta, restorers: dict[Key, StreamRestorer]) -> AnswerDelta:
        if not self.pseudonymiser:
            return delta
        calls = []
        for call in delta.tool_calls:
            key: Key = ("call", delta.choice, call.index)
            if key not in restorers:
                # A client may execute a tool call: its arguments keep their placeholders.
                restorers[key] = self.pseudonymiser.stream_restorer(keep=TOOL_ARGUMENT)
            calls.append(ToolCallDelta(call.index, call.id, call.name, restorers[key].feed(call.arguments)))
        text = ""
        if delta.text:
            text = restorers.setdefault(("text", delta.choice), self.pseudonymiser.stream_restorer()).feed(delta.text)
        return AnswerDelta(delta.choice, text, calls, delta.finish_reason, delta.usage)

    async def _record_stream_end(
        self, screen: StreamScreen, usage: object, outcome: str, status: int, error_view: ErrorView | None
    ) -> None:
        context = self.context
        try:
            if screen.scanning:
                counts = screen.finding_counts()
                stored = screen.audit_text()
            else:
                # Not scanned on the way (detection.scan_answers is off): scanned now, for the record only.
                raw_text = screen.scanned_texts()
                texts = [raw_text[index] for index in sorted(raw_text)]
                scanner = self.services.require_scanner()
                findings = [await anyio.to_thread.run_sync(scanner.analyze_text, text) for text in texts]
                counts = {}
                for per_text in findings:
                    for finding in per_text:
                        counts[finding.type] = counts.get(finding.type, 0) + 1
                stored = "\n".join(redact_by_type(text, found) for text, found in zip(texts, findings, strict=True))
            completion = context.completion(
                outcome,
                status,
                upstream_status=200,
                answer_text=stored if self.services.settings.audit.store_text == "redacted" else None,
                answer_findings=counts,
                answer_signals=_unrestored_signals(self.pseudonymiser),
                input_tokens=getattr(usage, "input_tokens", None),
                output_tokens=getattr(usage, "output_tokens", None),
                error_code=error_view.code if error_view else None,
                error_message=error_view.message if error_view else None,
            )
            await anyio.to_thread.run_sync(self.services.require_audit().record_completion, completion)
        except Exception:
            # The stream has already been delivered; the request record written
            # before forwarding stays, marked as never completed.
            log.exception("could not record the end of streamed request %s", context.request_id)
        context.finished(outcome, status)

    async def _check_answer(self, answer: Answer) -> tuple[ScanResult, list[list[Finding]]]:
        """Scan the answer; ask the policy about tool calls and personal data the user did not send.

        A tool call's arguments are scanned like text: the client may execute them.
        """
        scanner = self.services.require_scanner()
        scanning = self.services.settings.detection.scan_answers
        findings_per_choice: list[list[Finding]] = []
        findings_per_call: list[list[Finding]] = []
        result = ScanResult()
        sent = sent_text(self.conversation)
        for choice in answer.choices:
            found = await _guard("scan", scanner.analyze_text, choice.text or "") if scanning else []
            findings_per_choice.append(found)
            result.findings.extend(f for f in found if f.value(choice.text or "").casefold() not in sent)
            for call in choice.tool_calls:
                # the tool's name is the model's text: scanned before it is quoted to the policy, the audit or a refusal
                evidence = scrubbed(f"the model's answer calls the tool '{call.name}'", scanner.analyze_text)
                result.signals.append(Signal(answer_call_signal(self.conversation, call.name), evidence, "answer"))
                in_call = await _guard("scan", scanner.analyze_text, call.arguments) if scanning else []
                findings_per_call.append(in_call)
                result.findings.extend(f for f in in_call if f.value(call.arguments).casefold() not in sent)
        if not result.findings and not result.signals:
            return result, findings_per_choice
        decision = await _decide(self.services, self.context, self.conversation, result, "response")
        if decision.action == "block":
            raise _answer_refusal(decision)
        if decision.action == "redact" and decision.redact_types:
            remover = Pseudonymiser({t: "drop" for t in decision.redact_types})

            def drop_new(text: str, found: list[Finding]) -> str:
                new = [f for f in found if f.value(text).casefold() not in sent]
                return remover.redact(text, new, decision.redact_types) if new else text

            calls = iter(findings_per_call)
            for choice, found in zip(answer.choices, findings_per_choice, strict=True):
                choice.text = drop_new(choice.text, found) if choice.text else choice.text
                for call in choice.tool_calls:
                    call.arguments = drop_new(call.arguments, next(calls))
        return result, findings_per_choice

    async def _tool_call_refusal(self, tool_names: list[str]) -> PolicyRefusal | None:
        names = ", ".join(f"'{name}'" for name in tool_names) or "a tool"
        kinds = {answer_call_signal(self.conversation, name) for name in tool_names} or {"agentic"}
        evidence = await _guard(
            "scan", scrubbed, f"the model's answer calls {names}", self.services.require_scanner().analyze_text
        )
        answer_scan = ScanResult(signals=[Signal(kind, evidence, "answer") for kind in sorted(kinds)])
        try:
            decision = await _decide(self.services, self.context, self.conversation, answer_scan, "response")
        except HandrailError as error:
            return PolicyRefusal(error.message, code=error.code)
        if decision.action == "block":
            return _answer_refusal(decision)
        return None

    async def _fail(self, error: HandrailError) -> Response:
        context = self.context
        try:
            await anyio.to_thread.run_sync(
                self.services.require_audit().record_completion,
                context.completion(
                    error.outcome,
                    error.status,
                    error_code=error.code,
                    error_message=error.message,
                    upstream_status=getattr(error, "status", None) if error.outcome == "upstream_error" else None,
                ),
            )
        except Exception:
            log.exception("could not record the failure of request %s", context.request_id)
        context.finished(error.outcome, error.status)
        return error_response(self.adapter, error, context.request_id)


async def _unless_client_leaves(receive: Receive | None, call: Awaitable[T]) -> T:
    """Await ``call``, cancelling it (and with it the provider's HTTP request) if the client disconnects first.

    The body has been read, so the next ASGI message is ``http.disconnect``: watching for it costs nothing.
    """
    if receive is None:
        return await call
    result: list[T] = []
    failed: list[Exception] = []
    gone = False

    async def run_call(scope: anyio.CancelScope) -> None:
        try:
            result.append(await call)
        except Exception as error:  # raised as itself below, not wrapped in the task group's ExceptionGroup
            failed.append(error)
        scope.cancel()

    async def watch(scope: anyio.CancelScope) -> None:
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        gone = True
        scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(run_call, group.cancel_scope)
        group.start_soon(watch, group.cancel_scope)
    if failed:
        raise failed[0]
    if gone and not result:
        raise ClientDisconnected(
            "The client disconnected before the answer was ready; the provider call was cancelled."
        )
    return result[0]


def _unexpected() -> HandrailError:
    return HandrailError("The gateway failed unexpectedly; the request was not completed.")


def _check_text_length(conversation: Conversation, limit: int) -> None:
    """More text than the detectors read for one request is refused as too large, before any scanning."""
    total = sum(len(part.text) for part in conversation.parts)
    if total > limit:
        raise TextTooLong(
            f"The request holds more than {limit:,} characters of text, the most this gateway scans for one request.",
        )


async def _guard(stage: str, function: Callable[..., T], *args: object) -> T:
    """Run a guard stage off the event loop; any failure of it refuses the request."""
    try:
        return await anyio.to_thread.run_sync(function, *args)
    except HandrailError:
        raise
    except PolicyUnavailable as error:
        raise GuardFailure(
            f"The policy engine could not make a decision ({error}), so the request was refused."
        ) from error
    except AuditUnavailable as error:
        raise GuardFailure("The audit trail could not record the request, so it was not sent to the model.") from error
    except Exception as error:
        log.exception("guard stage %s failed", stage)
        what = {"scan": "The request could not be scanned", "keys": "The API key could not be checked"}.get(
            stage, f"The {stage} stage failed"
        )
        raise GuardFailure(f"{what}, so it was refused.") from error


async def _decide(
    services: Services,
    context: RequestContext,
    conversation: Conversation,
    scan: ScanResult,
    phase: Literal["request", "response"],
) -> Decision:
    experiment = context.experiment
    audit = services.require_audit()
    used_today = await _guard("audit", audit.experiment_requests_today, experiment) if experiment else 0
    assert context.principal is not None
    policy_input = build_policy_input(
        principal=context.principal,
        conversation=conversation,
        scan=scan,
        endpoint=context.endpoint,
        classification=context.classification or "OFFICIAL",
        experiment=experiment,
        experiment_requests_today=used_today,
        provider=context.provider or "unknown",
        now=datetime.now(UTC),
        phase=phase,
    )
    return await _guard("policy", services.require_policy().decide, policy_input)


def _answer_refusal(decision: Decision) -> PolicyRefusal:
    refusal = PolicyRefusal(
        _refusal_message(decision, "The model's answer was withheld."), code=decision.first_reason_code
    )
    refusal.outcome = "blocked_answer"
    return refusal


def earlier_message_hint(conversation: Conversation, scan: ScanResult) -> str:
    """Say so when the data is only in earlier messages: chat tools resend the whole conversation every turn,
    so the user would otherwise be refused again and again for something they no longer see on screen."""
    indexes = [part.message_index for part in conversation.parts if part.message_index is not None]
    if not scan.findings or not indexes:
        return ""
    latest = max(indexes)
    places = {conversation.parts[f.part].message_index for f in scan.findings if f.part is not None}
    if None in places or latest in places:
        return ""
    return (
        " The data is in an earlier message of this conversation, which your chat tool sends again with every new"
        " message: start a new chat to continue without it."
    )


def _refusal_message(decision: Decision, consequence: str) -> str:
    return f"{consequence} {decision.explanation()}".strip()


def _stored_text(services: Services, make: Callable[[], str]) -> str | None:
    return make() if services.settings.audit.store_text == "redacted" else None


def _audit_answer_text(answer: Answer, findings_per_choice: list[list[Finding]]) -> str:
    return "\n".join(
        redact_by_type(choice.text or "", found)
        for choice, found in zip(answer.choices, findings_per_choice, strict=True)
    )


def _restore_answer(answer: Answer, pseudonymiser: Pseudonymiser) -> None:
    if not pseudonymiser:
        return
    for choice in answer.choices:
        if choice.text:
            choice.text = pseudonymiser.restore(choice.text)
        for call in choice.tool_calls:
            # A client may execute a tool call: its arguments keep their placeholders.
            call.arguments = pseudonymiser.keep_placeholders(call.arguments, TOOL_ARGUMENT)


def _unrestored_signals(pseudonymiser: Pseudonymiser) -> list[dict[str, str | None]]:
    """The audit note of placeholders left in the answer, if any: how many and why, never which."""
    reasons = pseudonymiser.unrestored
    if not reasons:
        return []
    total = sum(reasons.values())
    why = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
    noun = "placeholder was" if total == 1 else "placeholders were"
    return [
        {"type": "unrestored_placeholders", "evidence": f"{total} {noun} left unrestored ({why})", "location": "answer"}
    ]


def _usage(answer: Answer) -> dict[str, Any]:
    if answer.usage is None:
        return {}
    return {"input_tokens": answer.usage.input_tokens, "output_tokens": answer.usage.output_tokens}


def _signal_documents(signals: list[Signal]) -> list[dict[str, str | None]]:
    return [{"type": s.type, "evidence": s.evidence, "location": s.location} for s in signals]


async def _close(deltas: AsyncIterator[AnswerDelta]) -> None:
    close = getattr(deltas, "aclose", None)
    if close is not None:
        with anyio.CancelScope(shield=True):
            try:
                await close()
            except Exception:
                log.debug("closing the upstream stream failed", exc_info=True)


async def _scrub_user_agent(services: Services, context: RequestContext) -> None:
    """The User-Agent is client text: it is scanned before it is stored, or not stored at all."""
    if not context.user_agent:
        return
    try:
        context.user_agent = await _guard("scan", scrubbed, context.user_agent, services.require_scanner().analyze_text)
    except HandrailError:
        context.user_agent = None


async def _refuse(services: Services, context: RequestContext, adapter: ModuleType, error: HandrailError) -> Response:
    """Answer with the error, after recording the refused request."""
    await _scrub_user_agent(services, context)
    try:
        audit = services.require_audit()
        await anyio.to_thread.run_sync(audit.record_request, context.request_event(error.outcome, error))
    except Exception:
        # Nothing was forwarded, so the refusal still stands; the failure to record it is logged loudly.
        log.exception("could not record refused request %s", context.request_id)
    context.finished(error.outcome, error.status)
    return error_response(adapter, error, context.request_id)


def error_response(adapter: ModuleType, error: HandrailError, request_id: str) -> JSONResponse:
    view = ErrorView.of(error)
    if isinstance(error, PolicyRefusal):
        # Every refusal by the policy says what the person can do next: ask the policy team for an exception.
        view = dataclasses.replace(
            view,
            message=f"{view.message} To ask for an exception, sign in to the console: "
            f"/console/exceptions/new?request={request_id}",
        )
    headers = {"x-request-id": request_id}
    if error.status == 401:
        headers["www-authenticate"] = "Bearer"
    if isinstance(error, RateLimited):
        headers.update(error.headers())
    return JSONResponse(adapter.error_body(view, request_id), status_code=view.status, headers=headers)


def _context(request: Request, endpoint: str) -> RequestContext:
    client = request.client.host if request.client else None
    return RequestContext(endpoint, client, request.headers.get("user-agent"), request_id_of(request))
