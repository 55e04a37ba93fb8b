"""Test doubles that stand in for outside services, on loopback only."""
