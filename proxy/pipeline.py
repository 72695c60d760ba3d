"""The request path, top to bottom.

    authenticate → read and parse → detect → decide → enforce → audit (open)
      → forward → check and restore the answer → audit (close)

Every stage is a plain function elsewhere; this module only puts them in
order and decides what happens when one of them says no. Nothing is forwarded
that was not scanned, decided and recorded: any failure of a guard stage ends
the request with an error (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from audit.store import AuditUnavailable
from detectors.findings import Finding, ScanResult, Signal
from detectors.pseudonymise import Pseudonymiser, redact_by_type
from proxy import formats, request_input
from proxy.answer import Answer, AnswerDelta, ToolCallDelta
from proxy.auth import Principal, bearer_key
from proxy.conversation import Conversation
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
from proxy.errors import BadRequest, ErrorView, GuardFailure, HandrailError, PolicyRefusal, RateLimited
from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyUnavailable
from proxy.policy.input import build_policy_input
from proxy.request_context import RequestContext
from proxy.services import Services

log = logging.getLogger("handrail")
T = TypeVar("T")
STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


async def handle_model_request(request: Request, endpoint: str, services: Services) -> Response:
    """Serve one call to a model API (chat, responses, messages, embeddings)."""
    adapter = formats.adapter_for(endpoint)
    context = RequestContext(endpoint, _client_address(request), request.headers.get("user-agent"))
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
            raise PolicyRefusal(
                _refusal_message(decision, "The request was not sent to the model."), code=decision.first_reason_code
            )
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

    forward = Forwarding(services, context, adapter, conversation, scan, decision, pseudonymiser, upstream_request)
    if conversation.api == "openai.embeddings":
        return await forward.embeddings()
    response = await (forward.stream() if conversation.stream else forward.complete())
    response.headers.update(tools_removed_header(decision))
    return response


async def handle_scan_request(request: Request, services: Services) -> Response:
    """``POST /v1/guardrail/scan``: the detectors as a service, same input and output as ``handrail scan``."""
    from detectors.batch import scan_record

    context = RequestContext("/v1/guardrail/scan", _client_address(request), request.headers.get("user-agent"))
    try:
        with context.stage("authenticate"):
            context.principal = await authenticate(request, services, "user", "policy-admin")
        with context.stage("parse"):
            record = request_input.decode_json_object(
                await request_input.read_body(request, services.settings.server.max_body_bytes)
            )
        with context.stage("detect"):
            result = await _guard("scan", scan_record, record, services.require_scanner())
        if "error" in result:
            raise BadRequest(result["error"])
        context.scan = ScanResult(
            findings=[Finding(f["type"], 0, 0, f["score"]) for f in result["findings"]],
            signals=[Signal(s["type"], s["evidence"], s.get("location")) for s in result["signals"]],
        )
        with context.stage("audit"):
            await _scrub_user_agent(services, context)
            await _guard("audit", services.require_audit().record_request, context.request_event("scanned"))
    except HandrailError as error:
        return await _refuse(services, context, formats.openai_chat, error)
    context.finished("scanned", 200)
    return JSONResponse(result, headers={"x-request-id": context.request_id})


async def models_for(request: Request, services: Services) -> list[str]:
    """The configured models this caller may use: those the policy would not refuse outright."""
    context = RequestContext("/v1/models", _client_address(request), request.headers.get("user-agent"))
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
        upstream_request: dict,
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

    async def complete(self) -> Response:
        context = self.context
        try:
            with context.stage("upstream"):
                answer = await self.services.upstream.complete(self.model, self.upstream_request)
            with context.stage("answer_checks"):
                answer_scan, findings_per_choice = await self._check_answer(answer)
            stored_answer = _stored_text(self.services, lambda: _audit_answer_text(answer, findings_per_choice))
            _restore_answer(answer, self.pseudonymiser)
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
                        answer_signals=_signal_documents(answer_scan.signals),
                    ),
                )
        except HandrailError as error:
            return await self._fail(error)
        context.finished("completed", 200)
        return JSONResponse(
            self.adapter.render_answer(answer, self.model), headers={"x-request-id": context.request_id}
        )

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
        context.finished("completed", 200)
        return JSONResponse(
            self.adapter.render_answer(answer, self.model), headers={"x-request-id": context.request_id}
        )

    async def stream(self) -> Response:
        context = self.context
        try:
            with context.stage("upstream_first_chunk"):
                start, deltas = await self.services.upstream.stream(self.model, self.upstream_request)
        except HandrailError as error:
            return await self._fail(error)
        renderer = self.adapter.StreamRenderer(start, self.model, self.conversation.body)
        return StreamingResponse(
            self._relay(renderer, deltas),
            media_type="text/event-stream",
            headers={**STREAM_HEADERS, "x-request-id": context.request_id},
        )

    async def _relay(self, renderer: object, deltas: AsyncIterator[AnswerDelta]) -> AsyncIterator[bytes]:
        """Pass the stream on as it arrives, restoring placeholders on the way.

        Nothing is held back but a possible placeholder prefix; a tool call the
        policy does not allow ends the stream with an error event instead.
        """
        restorers: dict[tuple, object] = {}
        raw_text: dict[int, str] = {}
        usage = None
        outcome, status, error_view = "completed", 200, None
        tool_calls_checked = False
        try:
            yield renderer.begin()  # type: ignore[attr-defined]
            async for delta in deltas:
                if delta.usage is not None:
                    usage = delta.usage
                if delta.tool_calls and not tool_calls_checked:
                    tool_calls_checked = True
                    refusal = await self._tool_call_refusal(
                        [call.name or "a tool" for call in delta.tool_calls if call.name]
                    )
                    if refusal is not None:
                        outcome, status, error_view = "blocked_answer", refusal.status, ErrorView.of(refusal)
                        yield renderer.error(error_view, self.context.request_id)  # type: ignore[attr-defined]
                        return
                raw_text[delta.choice] = raw_text.get(delta.choice, "") + delta.text
                restored = self._restore_delta(delta, restorers)
                chunk = renderer.delta(restored)  # type: ignore[attr-defined]
                if chunk:
                    yield chunk
            for key, restorer in restorers.items():
                tail = restorer.flush()  # type: ignore[attr-defined]
                if tail and key[0] == "text":
                    yield renderer.delta(AnswerDelta(choice=key[1], text=tail))  # type: ignore[attr-defined]
            yield renderer.end(usage)  # type: ignore[attr-defined]
        except HandrailError as error:
            outcome, status, error_view = error.outcome, error.status, ErrorView.of(error)
            yield renderer.error(error_view, self.context.request_id)  # type: ignore[attr-defined]
        except BaseException:
            # The client went away (or the server is stopping): the upstream call
            # is closed below, so nothing keeps generating or billing.
            outcome, status = "cancelled", 499
            raise
        finally:
            await _close(deltas)
            with anyio.CancelScope(shield=True):
                await self._record_stream_end(raw_text, usage, outcome, status, error_view)

    def _restore_delta(self, delta: AnswerDelta, restorers: dict) -> AnswerDelta:
        if not self.pseudonymiser:
            return delta
        text_key = ("text", delta.choice)
        if text_key not in restorers:
            restorers[text_key] = self.pseudonymiser.stream_restorer()
        calls = []
        for call in delta.tool_calls:
            key = ("call", delta.choice, call.index)
            if key not in restorers:
                restorers[key] = self.pseudonymiser.stream_restorer()
            calls.append(ToolCallDelta(call.index, call.id, call.name, restorers[key].feed(call.arguments)))
        text = restorers[text_key].feed(delta.text) if delta.text else ""
        return AnswerDelta(delta.choice, text, calls, delta.finish_reason, delta.usage)

    async def _record_stream_end(
        self, raw_text: dict[int, str], usage: object, outcome: str, status: int, error_view: ErrorView | None
    ) -> None:
        context = self.context
        stored = None
        counts: dict[str, int] = {}
        try:
            texts = [raw_text[index] for index in sorted(raw_text)]
            scanner = self.services.require_scanner()
            findings = [await anyio.to_thread.run_sync(scanner.analyze_text, text) for text in texts]
            for per_text in findings:
                for finding in per_text:
                    counts[finding.type] = counts.get(finding.type, 0) + 1
            if self.services.settings.audit.store_text == "redacted":
                stored = "\n".join(redact_by_type(text, found) for text, found in zip(texts, findings))
            completion = context.completion(
                outcome,
                status,
                upstream_status=200,
                answer_text=stored,
                answer_findings=counts,
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
        """Scan the answer; ask the policy about tool calls and personal data the user did not send."""
        scanner = self.services.require_scanner()
        findings_per_choice: list[list[Finding]] = []
        result = ScanResult()
        sent = sent_text(self.conversation)
        for choice in answer.choices:
            found = (
                await _guard("scan", scanner.analyze_text, choice.text or "")
                if self.services.settings.detection.scan_answers
                else []
            )
            findings_per_choice.append(found)
            result.findings.extend(f for f in found if f.value(choice.text or "").casefold() not in sent)
            for call in choice.tool_calls:
                result.signals.append(
                    Signal(
                        answer_call_signal(self.conversation, call.name),
                        f"the model's answer calls the tool '{call.name}'",
                        "answer",
                    )
                )
        if not result.findings and not result.signals:
            return result, findings_per_choice
        decision = await _decide(self.services, self.context, self.conversation, result, "response")
        if decision.action == "block":
            raise _answer_refusal(decision)
        if decision.action == "redact" and decision.redact_types:
            remover = Pseudonymiser({t: "drop" for t in decision.redact_types})
            for choice, found in zip(answer.choices, findings_per_choice):
                new = [f for f in found if f.value(choice.text or "").casefold() not in sent]
                choice.text = remover.redact(choice.text or "", new, decision.redact_types) if new else choice.text
        return result, findings_per_choice

    async def _tool_call_refusal(self, tool_names: list[str]) -> PolicyRefusal | None:
        names = ", ".join(f"'{name}'" for name in tool_names) or "a tool"
        kinds = {answer_call_signal(self.conversation, name) for name in tool_names} or {"agentic"}
        answer_scan = ScanResult(
            signals=[Signal(kind, f"the model's answer calls {names}", "answer") for kind in sorted(kinds)]
        )
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
    services: Services, context: RequestContext, conversation: Conversation, scan: ScanResult, phase: str
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
        model_configured=True,
        provider=context.provider or "unknown",
        now=datetime.now(UTC),
        phase=phase,  # type: ignore[arg-type]
    )
    return await _guard("policy", services.require_policy().decide, policy_input)


def _answer_refusal(decision: Decision) -> PolicyRefusal:
    refusal = PolicyRefusal(
        _refusal_message(decision, "The model's answer was withheld."), code=decision.first_reason_code
    )
    refusal.outcome = "blocked_answer"
    return refusal


def _refusal_message(decision: Decision, consequence: str) -> str:
    return f"{consequence} {decision.explanation()}".strip()


def _stored_text(services: Services, make: Callable[[], str]) -> str | None:
    return make() if services.settings.audit.store_text == "redacted" else None


def _audit_answer_text(answer: Answer, findings_per_choice: list[list[Finding]]) -> str:
    return "\n".join(
        redact_by_type(choice.text or "", found) for choice, found in zip(answer.choices, findings_per_choice)
    )


def _restore_answer(answer: Answer, pseudonymiser: Pseudonymiser) -> None:
    if not pseudonymiser:
        return
    for choice in answer.choices:
        if choice.text:
            choice.text = pseudonymiser.restore(choice.text)
        for call in choice.tool_calls:
            call.arguments = pseudonymiser.restore(call.arguments)


def _usage(answer: Answer) -> dict:
    if answer.usage is None:
        return {}
    return {"input_tokens": answer.usage.input_tokens, "output_tokens": answer.usage.output_tokens}


def _signal_documents(signals: list[Signal]) -> list[dict]:
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
    headers = {"x-request-id": request_id}
    if error.status == 401:
        headers["www-authenticate"] = "Bearer"
    if isinstance(error, RateLimited):
        headers.update(error.headers())
    return JSONResponse(adapter.error_body(view, request_id), status_code=view.status, headers=headers)


def _client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
