"""Celery tasks for the index stage."""

from __future__ import annotations
