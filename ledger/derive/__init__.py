"""Figures as pure functions of the model and a date: tiers, schedule, report figures, diff."""
