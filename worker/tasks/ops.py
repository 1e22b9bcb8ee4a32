"""Celery tasks for the ops stage."""

from __future__ import annotations
