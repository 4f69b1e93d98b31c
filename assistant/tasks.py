"""Celery entry points: thin, they call the domain code."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="assistant.rebuild_index", ignore_result=True)
def rebuild_index() -> str:
    """Tokenise the knowledge as it is now and share it through the cache (see retrieval)."""
    from assistant import retrieval

    return retrieval.build_and_cache().stamp


@shared_task(name="assistant.refresh_index", ignore_result=True)
def refresh_index() -> str:
    """Rebuild only when the knowledge changed (picks up newly published manuals)."""
    from assistant import retrieval

    return retrieval.get_index().stamp


@shared_task(name="assistant.close_idle_sessions", ignore_result=True)
def close_idle_sessions() -> int:
    from assistant import actions

    return actions.close_idle_sessions()
