"""Tests of the Aura TTS integration."""
