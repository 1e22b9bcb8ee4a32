"""Celery tasks for the poll stage."""

from __future__ import annotations
