"""Buoy: strengths-perspective resilience casework for hospital social workers."""

__version__ = "0.1.0"
