"""Cache calls for paths that must keep answering when the cache (Redis) is down.

A public page is rendered afresh instead of read from the cache; nothing fails. Each miss
caused by an outage is logged as a warning (without keys' contents).
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def get(key: str, default=None):
    try:
        return cache.get(key, default)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable (get)")
        return default


def set(key: str, value, timeout: int) -> None:  # noqa: A001 (mirrors the cache API)
    try:
        cache.set(key, value, timeout)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable (set)")


def delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable (delete)")


def get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable (get_many)")
        return {}


def set_many(values: dict, timeout: int) -> None:
    try:
        cache.set_many(values, timeout)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable (set_many)")
