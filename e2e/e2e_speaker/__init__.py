"""A speaker for the end-to-end tests: takes play_media like a Cast or Sonos player."""
